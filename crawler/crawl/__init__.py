"""Running crawls: the process, each crawl's run record, middlewares, progress, `portal check`."""
