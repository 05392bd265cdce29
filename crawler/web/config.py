"""What ``govwatch serve`` serves: the database, the user's files, the access token."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from crawler.exceptions import GovwatchError
from scheduler.settings import DISPLAY_ZONE

TOKEN_ENV = "GOVWATCH_UI_TOKEN"


@dataclass(frozen=True)
class ServeConfig:
    db_url: str
    portals: Path
    alerts: Path
    alerts_named: bool = False  # --alerts or GOVWATCH_ALERTS given: a missing file is an error
    token: str | None = None  # GOVWATCH_UI_TOKEN: every page asks for it
    zone: str = DISPLAY_ZONE  # every time a page shows is in it (GOVWATCH_TIMEZONE)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None, public: bool) -> None:
    """A server reachable from other machines needs a token, or says it means to be open."""
    if is_loopback(host) or token or public:
        return
    raise GovwatchError(
        f"--host {host} makes the UI reachable from other machines: set {TOKEN_ENV} "
        "(readers then log in or send it as a bearer token), or pass --public to serve "
        "it to anyone who can reach it"
    )


def token_from(env: Mapping[str, str] = os.environ) -> str | None:
    return env.get(TOKEN_ENV) or None
