"""Helpers shared by govwatch's tests: mock portals, a PostgreSQL server, crawls in a subprocess."""
