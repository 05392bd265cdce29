"""Scrapy settings for govwatch: every default in one place.

GOVWATCH_* settings are read once into :class:`crawler.crawl.config.CrawlConfig`;
GOVWATCH_DB and GOVWATCH_PORTALS may also come from the environment.
"""

import storage.db

BOT_NAME = "govwatch"

SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# builds one spider per portals.yaml entry, next to the hand-written ones in spiders/
SPIDER_LOADER_CLASS = "spiders.loader.PortalSpiderLoader"

# -- politeness: government servers are small ----------------------------------
USER_AGENT = "govwatch/0.1 (meeting-announcement monitor; +https://github.com/govwatch/govwatch)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# CONCURRENT_REQUESTS_PER_DOMAIN held also without a delay (crawler/crawl/politeness.py)
DOWNLOADER = "crawler.crawl.politeness.SlotDownloader"

# -- bounds: one slow or huge page never holds up a crawl -------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
# items are few and pipelines are synchronous: one at a time per response is plenty. Scrapy
# starts CONCURRENT_ITEMS asyncio tasks for every callback's output (scrapy issue 5182);
# more than one only costs time (docs/performance.md)
CONCURRENT_ITEMS = 1
# Scrapy parses each spider's callback source (ast) to warn about `return value` in
# generators, per crawler: a development lint that costs every portal of every crawl
WARN_ON_GENERATOR_RETURN_VALUE = False

# Every middleware costs every request a turn through Scrapy's middleware chain; those that
# do nothing for govwatch are off (docs/performance.md)
DOWNLOADER_MIDDLEWARES = {
    "crawler.crawl.middlewares.OriginGuardMiddleware": 50,
    # robots.txt for every request queued before it was read (crawler/crawl/politeness.py)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.crawl.politeness.RobotsTxt": 100,
    # a portal's GOVWATCH_PROXY on every request (before Scrapy's HttpProxyMiddleware, 750)
    "crawler.crawl.middlewares.PortalProxyMiddleware": 740,
    # OriginGuard refuses everything outside the portal's hosts and ports (stricter)
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,  # portals are public
    # Scrapy's, looking only at pages that say "refresh" (crawler.crawl.middlewares)
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.crawl.middlewares.QuickMetaRefreshMiddleware": 580,
    "crawler.crawl.middlewares.EncodingMiddleware": 590,
    "crawler.rendering.middleware.RenderingMiddleware": 595,
    # Scrapy's cookie middleware, also keeping the cookies Chromium earned on a challenge
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.rendering.middleware.BrowserCookiesMiddleware": 700,
}

SPIDER_MIDDLEWARES = {
    # no DEPTH_LIMIT: list pages are bounded by GOVWATCH_MAX_LIST_PAGES, articles link nowhere
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    # a development lint (meta keys copied from response.meta), a turn for every output
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

# clean → extract → classify → sign (crawler.analysis), then dedupe's links and the store
ITEM_PIPELINES = {
    "crawler.pipelines.analyse.AnalysePipeline": 100,
    "crawler.pipelines.store.StorePipeline": 500,
}

# the crawl's run (its row in the store) first: the others find it with CrawlRun.of
EXTENSIONS = {
    "crawler.crawl.run.CrawlRun": 100,
    "crawler.rendering.escalation.Rendering": 110,
    "crawler.crawl.progress.CrawlProgress": 500,
}

# -- rendering in Chromium (crawler.rendering; docs/rendering.md) ------------------
# scrapy-playwright needs the asyncio reactor; it has been Scrapy's default since 2.13,
# so plain crawls run on it too. govwatch's handler serves every http(s) request: plain
# ones with Scrapy's HTTP/1.1 handler as before; scrapy-playwright, Playwright and Chromium
# are loaded and started only when a request asks for the browser (meta "playwright").
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "crawler.rendering.handler.RenderingDownloadHandler",
    "https": "crawler.rendering.handler.RenderingDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# one Chromium per process for every crawl in it, each crawl in its own context
PLAYWRIGHT_BROWSER_PROVIDER = "crawler.rendering.browser.SharedChromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "headless": True,
    # --disable-background-networking & co.: a closed network refuses Chromium otherwise.
    # (--no-sandbox is added only when running as root: crawler.rendering.browser)
    "args": [
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ],
}
PLAYWRIGHT_MAX_CONTEXTS = 1  # per crawl, i.e. per portal
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2  # open pages per portal; closed after each response
PLAYWRIGHT_ABORT_REQUEST = "crawler.rendering.browser.abort_request"  # images, fonts, media
PLAYWRIGHT_PROCESS_REQUEST_HEADERS = None  # the browser's own headers and cookies
GOVWATCH_CHROMIUM = "/usr/bin/chromium"  # Debian's chromium package; or $GOVWATCH_CHROMIUM
GOVWATCH_RENDER_TIMEOUT = 30.0  # seconds for a rendered page to load and show its list
GOVWATCH_RENDER_CHALLENGE_VISITS = 3  # browser visits per crawl to pass JS challenges
GOVWATCH_RENDER_ARTICLES = False  # articles of rendered portals through the browser too

# -- govwatch -------------------------------------------------------------------
GOVWATCH_DB = storage.db.DEFAULT_DB_URL  # storage owns the default database
GOVWATCH_PORTALS = "portals.yaml"
GOVWATCH_FULL = False  # walk every list page (stored articles are still skipped)
GOVWATCH_RECHECK = False  # re-check recent articles now, whatever recheck_every says
# snapshot retention of portals that do not set `snapshots`: all | first-last | 30d
GOVWATCH_SNAPSHOTS = "all"
# announcements written per transaction: a batch is written when it holds this many, or when
# its first has waited GOVWATCH_BATCH_SECONDS (a slow portal's few are not held back)
GOVWATCH_BATCH_SIZE = 500
GOVWATCH_BATCH_SECONDS = 2.0
GOVWATCH_MAX_LIST_PAGES = 500  # per list source, per crawl: a bound for endless pagination
GOVWATCH_PARALLEL_PORTALS = 32  # portals crawled at once by one `govwatch crawl` process
GOVWATCH_PROGRESS_INTERVAL = 10.0  # seconds between progress lines of a long crawl
# page analysis in worker processes (crawler.pipelines.workers): how many (None: one fewer than the
# CPUs; 0: none, all in the crawl's process; also $GOVWATCH_WORKERS), and after how many
# pages a process has analysed itself (a small crawl is not worth starting a process for)
GOVWATCH_WORKERS = None
GOVWATCH_WORKERS_AFTER = 100
# the client for plain http(s) requests: "twisted" (Scrapy's HTTP/1.1 handler) or "aiohttp"
# (Scrapy's experimental aiohttp handler, faster here); also $GOVWATCH_HTTP_CLIENT
GOVWATCH_HTTP_CLIENT = "twisted"
# one crawl per portal at a time (crawler.crawl.lease): a crawl holds the portal's lease,
# renewing it every heartbeat; a crawl killed without releasing it blocks the portal until
# the TTL has passed. Seconds, or durations like 2m
GOVWATCH_LEASE_TTL = 120
GOVWATCH_LEASE_HEARTBEAT = 20
# an http(s) proxy URL for plain requests (per portal; the browser does not use it)
GOVWATCH_PROXY = None
GOVWATCH_WAIT = False  # set by `govwatch crawl --wait`: wait for another crawl of a portal
GOVWATCH_CHECK_ARTICLES = 0  # set by `govwatch portal check`: articles to fetch, stored or not
