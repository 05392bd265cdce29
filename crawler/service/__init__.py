"""The crawl service: a long-lived child of the daemon that crawls batch after batch of
portals on one reactor (Twisted's reactor cannot restart; a process per batch would pay the
interpreter and Scrapy start each time). docs/scaling.md."""
