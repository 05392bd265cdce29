"""The daemon's settings (GOVWATCH_* environment, read once) and the alert file's model.

``crawler.configfiles.alerts.load_alerts`` reads and validates alerts.yaml into :class:`AlertsConfig`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import time, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scheduler.exceptions import SettingsError

# the interval syntax of portals.yaml's `schedule` (crawler.configfiles.portals.parse_interval; the
# scheduler package may not import crawler)
INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
ADDRESS = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+$")
CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_interval(text: str) -> timedelta | None:
    """``30m`` → 30 minutes; None when ``text`` is not an interval (it may be a cron line)."""
    match = INTERVAL.match(text)
    if not match:
        return None
    return timedelta(seconds=float(match[1]) * UNIT_SECONDS[match[2]])


def parse_duration(text: str) -> float:
    """Seconds, from ``90`` or ``90s``, ``5m``, ``2h``, ``3d``."""
    try:
        return float(text)
    except ValueError:
        pass
    interval = parse_interval(text)
    if interval is None:
        raise ValueError(f"not a duration like 90, 30s, 5m, 2h or 3d: {text!r}")
    return interval.total_seconds()


class PortalSpec(Protocol):
    """What the scheduler reads of a portals.yaml entry (crawler.configfiles.portals.Portal)."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str | None: ...

    @property
    def region(self) -> str | None: ...

    @property
    def schedule(self) -> str: ...

    @property
    def settings(self) -> dict[str, Any]: ...


# -- settings ----------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """GOVWATCH_* settings of the daemon and the alert commands (docs/running.md).

    Durations are seconds, or ``30s``, ``5m``, ``2h``, ``3d`` in the environment.
    """

    max_crawls: int = 2  # crawls running at once, each in its own process
    crawl_timeout: float = 1800.0  # a crawl is killed after this (per portal: its settings)
    kill_grace: float = 10.0  # SIGTERM first; SIGKILL after this
    send_interval: float = 30.0  # the sender's rhythm (it also runs after every crawl)
    retry_first: float = 60.0  # first retry of a failed email; doubles each time
    retry_max: float = 1800.0  # longest wait between two attempts
    give_up_after: float = 2 * 86400.0  # an email still failing this long after queueing
    misfire_grace: float = 600.0  # a job that could not start on time may still start this late
    jitter: float = 120.0  # random delay of each crawl, at most this and a tenth of its interval
    start_spread: float = 300.0  # overdue crawls after a restart are spread over this
    reload_check: float = 5.0  # how often portals.yaml and alerts.yaml are checked for changes
    health_failures: int = 3  # bad runs in a row before a portal counts as broken
    timezone: str = "Asia/Shanghai"  # of cron schedules and digest_at times
    time_scale: float = 1.0  # tests and demos: every interval schedule is multiplied by this
    mail_fake: bool = False  # log emails instead of sending them

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Settings from ``GOVWATCH_<NAME>`` variables; a bad value raises SettingsError."""
        values: dict[str, Any] = {}
        for item in fields(cls):
            variable = f"GOVWATCH_{item.name.upper()}"
            raw = env.get(variable, "").strip()
            if not raw:
                continue
            try:
                values[item.name] = _convert(item.name, item.default, raw)
            except ValueError as exc:
                raise SettingsError(f"{variable}={raw!r}: {exc}") from None
        return cls(**values)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def crawl_timeout_for(self, portal: PortalSpec) -> float:
        """The portal's own GOVWATCH_CRAWL_TIMEOUT (in its ``settings``), or the default."""
        own = portal.settings.get("GOVWATCH_CRAWL_TIMEOUT")
        if own is None:
            return self.crawl_timeout
        try:
            return parse_duration(str(own))
        except ValueError:
            return self.crawl_timeout


def _convert(name: str, default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected 1/0, true/false, yes/no or on/off")
    if isinstance(default, int):
        value = int(raw)
        if value < 1:
            raise ValueError("must be at least 1")
        return value
    if isinstance(default, float):
        number = parse_duration(raw)
        if number <= 0:
            raise ValueError("must be more than 0")
        return number
    if name == "timezone":
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone") from None
    return raw


# -- alerts.yaml -------------------------------------------------------------------


def check_address(value: str) -> str:
    """``value`` stripped, when it looks like a plain email address; else ValueError."""
    value = value.strip()
    if not ADDRESS.match(value):
        raise ValueError(f"not an email address: {value!r}")
    return value


class Smtp(BaseModel):
    """How to reach the mail server; the password only from GOVWATCH_SMTP_PASSWORD."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)  # 465 with ssl, 587, else 25
    starttls: bool = False
    ssl: bool = False
    user: str | None = None
    sender: str
    timeout: float = Field(default=30.0, gt=0)
    ca_file: str | None = None  # trust this CA (a private relay) instead of the system's

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        return check_address(value)

    @model_validator(mode="after")
    def _one_tls(self) -> Smtp:
        if self.ssl and self.starttls:
            raise ValueError("choose one of ssl (port 465) and starttls (port 587)")
        return self

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        return 465 if self.ssl else 587 if self.starttls else 25

    @property
    def domain(self) -> str:
        return self.sender.rsplit("@", 1)[1]


class Subscription(BaseModel):
    """Who gets which announcements, and how often."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=100)
    to: list[str] = Field(min_length=1)
    portals: list[str] | None = None  # portal names; with regions: either matches
    regions: list[str] | None = None  # a part of the portal's region ("辽宁省", "宝鸡市")
    keywords: list[str] | None = None  # any of them, in the title or the body
    people: list[str] | None = None  # presider, speaker or attendee
    meetings_only: bool = True
    mode: Literal["instant", "digest"] = "instant"
    digest_at: str | None = None  # daily at HH:MM (GOVWATCH_TIMEZONE)
    digest_every: str | None = None  # or every 1h, 30m, 1d

    @field_validator("to", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        return [check_address(item) for item in value]

    @field_validator("portals", "regions", "keywords", "people")
    @classmethod
    def _not_empty(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not [item for item in value if item.strip()]:
            raise ValueError("an empty list matches nothing: leave the key out to match all")
        return value

    @field_validator("digest_at")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None and not CLOCK.match(value.strip()):
            raise ValueError(f"not a time of day like 08:00: {value!r}")
        return value

    @field_validator("digest_every")
    @classmethod
    def _every(cls, value: str | None) -> str | None:
        if value is None:
            return None
        interval = parse_interval(value)
        if interval is None:
            raise ValueError(f"not an interval like 1h or 30m: {value!r}")
        if interval < timedelta(minutes=1):
            raise ValueError(f"interval {value!r} is shorter than one minute")
        return value

    @model_validator(mode="after")
    def _mode(self) -> Subscription:
        timed = [key for key in ("digest_at", "digest_every") if getattr(self, key)]
        if self.mode == "instant" and timed:
            raise ValueError(f"{timed[0]} needs mode: digest")
        if self.mode == "digest" and len(timed) != 1:
            raise ValueError("mode: digest needs one of digest_at (08:00) or digest_every (1h)")
        return self

    @property
    def digest_time(self) -> time | None:
        if not self.digest_at:
            return None
        hour, minute = self.digest_at.strip().split(":")
        return time(int(hour), int(minute))


class AlertsConfig(BaseModel):
    """The whole alert file; an absent file is an empty one (no subscriptions, no admin)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    smtp: Smtp | None = None
    admin: str | None = None  # gets portal health mail
    subscriptions: list[Subscription] = Field(default_factory=list)

    @field_validator("admin")
    @classmethod
    def _admin(cls, value: str | None) -> str | None:
        return None if value is None else check_address(value)

    def subscription(self, name: str) -> Subscription | None:
        for item in self.subscriptions:
            if item.name == name:
                return item
        return None
