"""Scrapy settings for govwatch: every default in one place.

GOVWATCH_* settings are read once into :class:`crawler.config.GovwatchSettings`;
GOVWATCH_DB and GOVWATCH_PORTALS may also come from the environment.
"""

BOT_NAME = "govwatch"

SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# builds one spider per portals.yaml entry, next to the hand-written ones in spiders/
SPIDER_LOADER_CLASS = "crawler.spiderloader.PortalSpiderLoader"

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

# -- bounds: one slow or huge page never holds up a crawl -------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
# items are few and pipelines are synchronous: one at a time per response is plenty
CONCURRENT_ITEMS = 16

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.EncodingMiddleware": 590,
}

ITEM_PIPELINES = {
    "crawler.pipelines.clean.CleanPipeline": 100,
    "crawler.pipelines.extract.ExtractPipeline": 200,
    "crawler.pipelines.classify.ClassifyPipeline": 300,
    "crawler.pipelines.dedupe.DedupePipeline": 400,
    "crawler.pipelines.store.StorePipeline": 500,
}

EXTENSIONS = {
    "crawler.extensions.CrawlProgress": 500,
}

# -- govwatch -------------------------------------------------------------------
GOVWATCH_DB = "sqlite:///govwatch.db"
GOVWATCH_PORTALS = "portals.yaml"
GOVWATCH_FULL = False  # walk every list page (stored articles are still skipped)
GOVWATCH_BATCH_SIZE = 50  # announcements written per transaction
GOVWATCH_MAX_LIST_PAGES = 500  # per list source, per crawl: a bound for endless pagination
GOVWATCH_PROGRESS_INTERVAL = 10.0  # seconds between progress lines of a long crawl
GOVWATCH_CHECK_ARTICLES = 0  # set by `govwatch portal check`: articles to fetch, stored or not
