"""govwatch's own settings, read once from Scrapy settings and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler import settings as defaults
from crawler.exceptions import ConfigError
from crawler.pipelines.workers import default_workers
from storage import check_policy, parse_duration

ENV_OVERRIDABLE = (
    "GOVWATCH_DB",
    "GOVWATCH_SNAPSHOTS",
    "GOVWATCH_PORTALS",
    "GOVWATCH_WORKERS",
    "GOVWATCH_HTTP_CLIENT",
)

# GOVWATCH_HTTP_CLIENT: the download handler for plain (not rendered) http(s) requests
HTTP_CLIENTS = {
    # Scrapy's HTTP/1.1 handler, on Twisted's client: Scrapy's default and govwatch's
    "twisted": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler",
    # Scrapy's handler on aiohttp (Scrapy 2.19+), which Scrapy marks experimental; ~10 % more
    # pages a second in the throughput benchmark (docs/performance.md)
    "aiohttp": "scrapy.core.downloader.handlers._aiohttp.AiohttpDownloadHandler",
}


def _get(settings: BaseSettings, name: str) -> str:
    """A command-line or per-spider value wins, then the environment, then the default."""
    explicit = (settings.getpriority(name) or 0) > SETTINGS_PRIORITIES["project"]
    if not explicit and name in ENV_OVERRIDABLE and os.environ.get(name):
        return os.environ[name]
    return str(settings.get(name))


@dataclass(frozen=True)
class CrawlConfig:
    db_url: str
    portals_path: str
    full: bool
    batch_size: int
    batch_seconds: float  # the longest an announcement waits for its batch to fill
    max_list_pages: int
    progress_interval: float
    check_articles: int  # >0: `portal check` mode, fetch this many articles of page one
    workers: int  # analysis worker processes (crawler.pipelines.workers); 0: in the crawl's process
    workers_after: int  # pages a process analyses itself before it starts the workers
    http_client: str  # a key of HTTP_CLIENTS
    lease_ttl: float  # seconds a portal's lease lasts unless renewed (crawler.crawl.lease)
    lease_heartbeat: float  # seconds between renewals
    wait: bool  # wait for another crawl of the portal to end instead of stopping as busy
    proxy: str | None  # an http(s) proxy for the portal's plain requests
    recheck: bool  # re-check recent articles now, whatever their cadence
    snapshots: str  # snapshot retention where the portal sets none
    # a back-fill (`crawl --full`, `--backfill-since`, `--max-list-pages`) stores without
    # alerting; the last two bound its walk, as the portal fields of the same names do
    backfill: bool = False
    backfill_since: date | None = None
    backfill_pages: int | None = None

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> CrawlConfig:
        return cls(
            db_url=_get(settings, "GOVWATCH_DB"),
            portals_path=_get(settings, "GOVWATCH_PORTALS"),
            full=settings.getbool("GOVWATCH_FULL"),
            batch_size=max(1, settings.getint("GOVWATCH_BATCH_SIZE")),
            batch_seconds=max(0.0, settings.getfloat("GOVWATCH_BATCH_SECONDS")),
            max_list_pages=max(1, settings.getint("GOVWATCH_MAX_LIST_PAGES")),
            progress_interval=settings.getfloat("GOVWATCH_PROGRESS_INTERVAL"),
            check_articles=settings.getint("GOVWATCH_CHECK_ARTICLES"),
            workers=_workers(_get(settings, "GOVWATCH_WORKERS")),
            workers_after=max(0, settings.getint("GOVWATCH_WORKERS_AFTER")),
            http_client=_http_client(_get(settings, "GOVWATCH_HTTP_CLIENT")),
            **_lease(settings),
            wait=settings.getbool("GOVWATCH_WAIT"),
            proxy=_proxy(settings.get("GOVWATCH_PROXY")),
            recheck=settings.getbool("GOVWATCH_RECHECK"),
            snapshots=_snapshots(_get(settings, "GOVWATCH_SNAPSHOTS")),
            backfill=settings.getbool("GOVWATCH_BACKFILL") or settings.getbool("GOVWATCH_FULL"),
            backfill_since=_date(settings.get("GOVWATCH_BACKFILL_SINCE")),
            backfill_pages=settings.getint("GOVWATCH_BACKFILL_PAGES") or None,
        )


def _snapshots(value: str) -> str:
    if value == "None":  # settings without govwatch's defaults (a bare test crawler)
        return "all"
    try:
        return check_policy(value)
    except ValueError as exc:
        raise ConfigError(f"GOVWATCH_SNAPSHOTS: {exc}") from None


def _date(value: object) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"GOVWATCH_BACKFILL_SINCE: not a date like 2025-01-31: {value!r}"
        ) from None


def _proxy(value: object) -> str | None:
    if not value:
        return None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ConfigError(f"GOVWATCH_PROXY: an http:// or https:// URL, not {value!r}")
    return value


def _lease(settings: BaseSettings) -> dict[str, float]:
    ttl = _seconds(settings, "GOVWATCH_LEASE_TTL")
    heartbeat = _seconds(settings, "GOVWATCH_LEASE_HEARTBEAT")
    if heartbeat >= ttl:
        raise ConfigError(
            f"GOVWATCH_LEASE_HEARTBEAT ({heartbeat:g}s) must be shorter than "
            f"GOVWATCH_LEASE_TTL ({ttl:g}s): a lease would expire between renewals"
        )
    return {"lease_ttl": ttl, "lease_heartbeat": heartbeat}


def _seconds(settings: BaseSettings, name: str) -> float:
    """A duration setting: seconds, or a duration like 30s or 2m."""
    value = settings.get(name)
    if value is None:  # settings without govwatch's defaults
        value = getattr(defaults, name)
    try:
        seconds = parse_duration(value).total_seconds()
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise ConfigError(f"{name}: not a duration (seconds, or like 30s or 2m): {value!r}")
    return seconds


def _http_client(value: str) -> str:
    if value in ("", "None"):  # unset (settings without govwatch's defaults)
        return "twisted"
    if value not in HTTP_CLIENTS:
        raise ConfigError(f"GOVWATCH_HTTP_CLIENT: one of {', '.join(HTTP_CLIENTS)}, not {value!r}")
    return value


def _workers(value: str) -> int:
    if value in ("", "None", "auto"):
        return default_workers()
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 0:
        raise ConfigError(f"GOVWATCH_WORKERS: not a number of processes (0 or more): {value!r}")
    return count
