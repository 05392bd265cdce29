"""The alert file's model (alerts.yaml): SMTP, the admin and the subscriptions.

``crawler.cli.load_alerts`` reads and validates alerts.yaml into :class:`AlertsConfig`.
"""

from __future__ import annotations

import os
import re
from datetime import time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scheduler.channel_urls import ChannelError, check
from scheduler.triggers import check_interval

ADDRESS = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+$")
CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


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
    to: list[str] = Field(default_factory=list)
    # Apprise channel URLs (json://…, dingtalk://…); ``${VAR}`` is read from the environment
    notify: list[str] = Field(default_factory=list)
    portals: list[str] | None = None  # portal names; with regions: either matches
    regions: list[str] | None = None  # a part of the portal's region ("辽宁省", "宝鸡市")
    keywords: list[str] | None = None  # any of them, in the title or the body
    people: list[str] | None = None  # presider, speaker or attendee
    meetings_only: bool = True
    mode: Literal["instant", "digest"] = "instant"
    digest_at: str | None = None  # daily at HH:MM (GOVWATCH_TIMEZONE)
    digest_every: str | None = None  # or every 1h, 30m, 1d
    changes: bool = False  # also "edited" and "withdrawn" alerts (scheduler.changes)
    # drop announcements published longer ago than this when found (7d); off by default
    max_age: str | None = None

    @field_validator("to", "notify", mode="before")
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

    @field_validator("digest_every", "max_age")
    @classmethod
    def _every(cls, value: str | None) -> str | None:
        if value is not None:
            check_interval(value)
        return value

    @property
    def max_age_delta(self) -> timedelta | None:
        return check_interval(self.max_age) if self.max_age else None

    @model_validator(mode="after")
    def _channels(self) -> Subscription:
        if not self.to and not self.notify:
            raise ValueError("give to: (email addresses) or notify: (channel URLs), or both")
        for url in self.notify:
            try:
                check(url, os.environ)
            except ChannelError as exc:
                raise ValueError(f"subscription {self.name}: notify: {exc}") from None
        return self

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
