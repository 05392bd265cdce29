"""A throwaway PostgreSQL server from Debian's packages, on 127.0.0.1 and a free port."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(
            f"PostgreSQL's {name} not found: install Debian's postgresql package (make test does)"
        )
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields a server URL (no database part) for a superuser named govwatch."""
    datadir = tempfile.mkdtemp(prefix="govwatch-pg-")
    if os.geteuid() == 0:
        shutil.chown(datadir, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        _as_postgres(
            [_bin("initdb"), "-D", datadir, "-A", "trust", "-U", "govwatch", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        _as_postgres(
            [
                _bin("postgres"),
                "-D",
                datadir,
                "-p",
                str(port),
                "-k",
                datadir,
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PostgreSQL did not start: {server.stderr.read().decode() if server.stderr else ''}"
                    ) from None
                time.sleep(0.1)
        time.sleep(0.3)
        yield f"postgresql+psycopg://govwatch@127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(datadir, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    import psycopg

    conninfo = server_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    for attempt in range(50):
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            break
        except psycopg.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.2)
    return f"{server_url}/{name}"
