"""Reading portal pages: list links, pagination, feeds, article fields and meeting facts.

Patterns (selectors, keywords, date formats, boilerplate) live in :mod:`crawler.extract.patterns`.
"""
