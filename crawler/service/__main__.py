"""``python -m crawler.service --portals FILE``: the daemon's crawl service (docs/scaling.md).
The database URL comes in GOVWATCH_DB (a password stays out of `ps`)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
from typing import Any

from scrapy.utils.reactor import install_reactor

logger = logging.getLogger("crawler.service")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.service")
    parser.add_argument("--portals", required=True)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from crawler.crawl.process import project_settings, scrapy_log_level

    settings = project_settings(
        GOVWATCH_PORTALS=args.portals, LOG_LEVEL=logging.getLevelName(level)
    )
    install_reactor(settings["TWISTED_REACTOR"])
    from scrapy.crawler import CrawlerRunner
    from twisted.internet import reactor as installed

    from crawler.service.service import Service

    reactor: Any = installed

    scrapy_log_level(settings)
    runner = CrawlerRunner(settings)
    service = Service(reactor, runner, settings, os.environ["GOVWATCH_DB"])

    def read() -> None:
        for line in sys.stdin:
            if line.strip():
                reactor.callFromThread(service.take, line)
        reactor.callFromThread(finish)

    def finish() -> None:
        """stdin closed: end once the batches under way are done."""
        from twisted.internet import defer

        done: Any = defer.DeferredList(list(service.active))
        done.addBoth(halt)

    def halt(_: Any = None) -> None:
        if reactor.running:
            reactor.stop()

    def stop(signum: int, frame: Any) -> None:
        """SIGTERM, SIGINT: close every crawl so each records its end, then exit."""
        logger.info("crawl service: stopping (signal %d)", signum)
        reactor.callFromThread(lambda: runner.stop().addBoth(halt))

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=read, name="batches", daemon=True).start()
    gc.collect()
    gc.freeze()  # what is loaded lives as long as the process (docs/performance.md)
    reactor.run(installSignalHandlers=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
