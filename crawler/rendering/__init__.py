"""Rendering in Chromium: scrapy-playwright with Debian's Chromium, for the pages that need it.

``config`` reads the settings; ``browser`` is the one shared, lazily started Chromium and
what happens on each page; ``handler`` is the download handler; ``escalation`` decides what
goes through the browser and why; ``middleware`` applies it to requests and adopts the
cookies the browser earned. See docs/rendering.md.
"""
