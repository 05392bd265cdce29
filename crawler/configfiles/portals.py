"""The portal file (portals.yaml), or a directory or glob of them: one validated entry per
portal, as in DESIGN.md."""

from __future__ import annotations

import codecs
import glob
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crawler.configfiles.reader import entry_label, read_yaml, unique_names, validate_entry
from crawler.exceptions import ConfigError, UnknownPortal

DEFAULT_SCHEDULE = "30m"
YAML_SUFFIXES = (".yaml", ".yml")  # of the portal files in a directory

# The settings a portal's `settings:` may set, by what they are for; any other is refused
# (a portal could otherwise switch off the origin guard or load any class by its path).
ALLOWED_SETTINGS: dict[str, tuple[str, ...]] = {
    "delays": (
        "DOWNLOAD_DELAY",
        "RANDOMIZE_DOWNLOAD_DELAY",
        "AUTOTHROTTLE_ENABLED",
        "AUTOTHROTTLE_START_DELAY",
        "AUTOTHROTTLE_MAX_DELAY",
        "AUTOTHROTTLE_TARGET_CONCURRENCY",
    ),
    "concurrency": ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN"),
    "timeouts": (
        "DOWNLOAD_TIMEOUT",
        "DNS_TIMEOUT",
        "GOVWATCH_CRAWL_TIMEOUT",
        "GOVWATCH_RENDER_TIMEOUT",
    ),
    "retries": ("RETRY_ENABLED", "RETRY_TIMES", "RETRY_HTTP_CODES"),
    "download size": ("DOWNLOAD_MAXSIZE", "DOWNLOAD_WARNSIZE"),
    "user agent": ("USER_AGENT",),
    "robots.txt": ("ROBOTSTXT_OBEY",),
    "proxy": ("GOVWATCH_PROXY",),
    "headers": ("DEFAULT_REQUEST_HEADERS",),
    "cookies": ("COOKIES_ENABLED",),
    "crawl": (
        "GOVWATCH_MAX_LIST_PAGES",
        "GOVWATCH_BATCH_SIZE",
        "GOVWATCH_BATCH_SECONDS",
        "GOVWATCH_HTTP_CLIENT",
        "GOVWATCH_WORKERS",
        "GOVWATCH_WORKERS_AFTER",
        "GOVWATCH_RENDER_CHALLENGE_VISITS",
        "GOVWATCH_RENDER_ARTICLES",
        "GOVWATCH_LEASE_TTL",
        "GOVWATCH_LEASE_HEARTBEAT",
    ),
}
ALLOWED = frozenset(name for names in ALLOWED_SETTINGS.values() for name in names)


class Selectors(BaseModel):
    """Per-field CSS or XPath overrides; fields left out are detected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    list_links: str | None = None
    next_page: str | None = None
    title: str | None = None
    published: str | None = None
    source: str | None = None
    body: str | None = None


class Portal(BaseModel):
    """One portal entry. Only ``name`` and ``start_urls`` are required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9_]+$", max_length=64)
    start_urls: list[str] = Field(min_length=1)
    title: str | None = None
    region: str | None = None
    schedule: str = DEFAULT_SCHEDULE
    render: Literal["js"] | None = None
    encoding: str | None = None
    selectors: Selectors = Selectors()
    settings: dict[str, Any] = Field(default_factory=dict)
    allowed_domains: list[str] | None = None
    alert_on_first_crawl: bool = False
    # re-checks of recent articles (docs/revisions.md): first seen within recheck_days,
    # fetched again (conditionally) every recheck_every, at most recheck_budget per crawl
    recheck_days: str = "14d"
    recheck_every: str = "1d"
    recheck_budget: int = Field(default=200, ge=0)
    snapshots: str | None = None  # all | first-last | a duration (30d); default GOVWATCH_SNAPSHOTS
    # with a broker: only `govwatch worker --queue NAME` takes it (docs/scaling.md)
    queue: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$", max_length=100)

    @field_validator("recheck_days", "recheck_every")
    @classmethod
    def _duration(cls, value: str) -> str:
        from storage import parse_duration

        parse_duration(value)
        return value

    @field_validator("snapshots")
    @classmethod
    def _snapshots(cls, value: str | None) -> str | None:
        from storage import check_policy

        return None if value is None else check_policy(value)

    # bounds of a walk of every list page (the first crawl's, say): no article listed as
    # older than backfill_since is fetched, and no more than max_list_pages list pages
    backfill_since: date | None = None
    max_list_pages: int | None = Field(default=None, ge=1)

    @field_validator("start_urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"not an http(s) URL: {url!r}")
        return urls

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        # imported here: extraction workers import this module for Selectors only, and the
        # scheduler brings storage (SQLAlchemy) with it
        from scheduler.triggers import check_schedule

        return check_schedule(value)

    @field_validator("settings")
    @classmethod
    def _settings(cls, settings: dict[str, Any]) -> dict[str, Any]:
        refused = sorted(name for name in settings if name not in ALLOWED)
        if refused:
            allowed = "; ".join(
                f"{what}: {', '.join(names)}" for what, names in ALLOWED_SETTINGS.items()
            )
            raise ValueError(
                f"{', '.join(refused)} cannot be set per portal (allowed: {allowed}; "
                "docs/adding-a-portal.md)"
            )
        return settings

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            name = codecs.lookup(value).name
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        # GB2312 and GBK pages routinely use characters only GB18030 has
        return "gb18030" if name in ("gb2312", "gbk") else name

    @property
    def domains(self) -> list[str]:
        """Hosts this portal may fetch from: its own list, or its start URLs' hosts."""
        if self.allowed_domains:
            return sorted({domain.split(":")[0] for domain in self.allowed_domains})
        hosts = (urlsplit(url).hostname for url in self.start_urls)
        return sorted({h for h in hosts if h})

    @cached_property
    def _ports(self) -> frozenset[int]:
        ports = {_port(url) for url in self.start_urls}
        ports |= {int(d.split(":")[1]) for d in self.allowed_domains or () if ":" in d}
        if ports & {80, 443}:
            ports |= {80, 443}  # a portal on the default port may move between http and https
        return frozenset(ports)

    def allows(self, url: str) -> bool:
        """True for http(s) URLs on the portal's hosts (or their subdomains) and ports.

        Links to other hosts, other ports of the same host (another service on
        127.0.0.1, say) and other schemes (file:, ftp:) are never fetched.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        host = parts.hostname
        if not any(host == d or host.endswith("." + d) for d in self.domains):
            return False
        try:
            return _port(url) in self._ports
        except ValueError:
            return False


def _port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def is_glob(path: str | Path) -> bool:
    return any(char in str(path) for char in "*?[")


def portal_files(path: str | Path) -> list[Path]:
    """The files ``path`` names: itself; a directory's ``*.yaml`` and ``*.yml`` files; or a
    glob's matching files (``portals/*.yaml``); sorted by name."""
    if is_glob(path):
        return sorted(Path(match) for match in glob.glob(str(path)) if Path(match).is_file())
    path = Path(path)
    if path.is_dir():
        return sorted(f for f in path.iterdir() if f.suffix in YAML_SUFFIXES and f.is_file())
    return [path]


def portals_exist(path: str | Path) -> bool:
    """Whether ``path`` names at least one portal file that is there."""
    return any(f.exists() for f in portal_files(path))


def load_portals(path: str | Path) -> list[Portal]:
    """All portals of ``path``, a file, a directory of them or a glob (:func:`portal_files`);
    a malformed file or a name used twice raises ConfigError, nothing half-loaded."""
    files = portal_files(path)
    if not files and is_glob(path):
        raise ConfigError(f"{path}: no portal file matches")
    portals: list[Portal] = []
    where: dict[str, Path] = {}
    for file in files:
        for portal in _load_file(file):
            if portal.name in where:
                raise ConfigError(
                    f"{file}: portal {portal.name!r} is defined in {where[portal.name]} too "
                    "(names are unique across portal files)"
                )
            where[portal.name] = file
            portals.append(portal)
    return portals


def _load_file(path: Path) -> list[Portal]:
    data = read_yaml(path)
    if data is None:
        return []
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a list of portal entries, got {type(data).__name__}")
    portals = [
        validate_entry(Portal, path, entry_label(i, entry), entry) for i, entry in enumerate(data)
    ]
    unique_names(path, [p.name for p in portals], "portal")
    return portals


def find_portal(portals: list[Portal], name: str) -> Portal:
    for portal in portals:
        if portal.name == name:
            return portal
    known = ", ".join(p.name for p in portals) or "none"
    raise UnknownPortal(f"no portal named {name!r} (known: {known})")
