"""Channel URLs of alerts.yaml: ``${VAR}`` filled from the environment, checked with Apprise,
shown with their secrets masked, keyed for idempotent posts."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

import apprise

from scheduler.exceptions import SchedulerError

VARIABLE = re.compile(r"\$\{([^}]*)\}")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Apprise sends ``+Name=value`` query arguments of these schemes as HTTP headers
HEADER_SCHEMES = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})
KEY_HEADER = "Idempotency-Key"
ASSET = apprise.AppriseAsset(app_id="govwatch", app_desc="govwatch alerts", app_url="")


class ChannelError(SchedulerError):
    """A channel URL that cannot be used: a variable not set, or no Apprise service for it."""


def expand(url: str, env: Mapping[str, str]) -> str:
    """``url`` with each ``${VAR}`` replaced by the variable's value."""
    names = VARIABLE.findall(url)
    bad = [name for name in names if not NAME.match(name)]
    if bad:
        raise ChannelError(f"${{{bad[0]}}} is not a variable name (letters, digits, _)")
    missing = sorted({name for name in names if not env.get(name)})
    if missing:
        which = ", ".join(f"${{{name}}}" for name in missing)
        raise ChannelError(f"{which} in {scheme(url)}:// is not set in the environment")
    return VARIABLE.sub(lambda match: env[match.group(1)], url)


def scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else url


def label(url: str, env: Mapping[str, str]) -> str:
    """The channel as shown in logs and `alerts pending`: secrets masked by Apprise."""
    try:
        plugin = apprise.Apprise.instantiate(expand(url, env), asset=ASSET)
    except ChannelError:
        plugin = None
    if not plugin:
        return f"{scheme(url)}://…"
    return str(plugin.url(privacy=True)).split("?", 1)[0]


def check(url: str, env: Mapping[str, str]) -> str:
    """``url`` when Apprise accepts it with the environment's variables; else ChannelError."""
    url = url.strip()
    if "://" not in url:
        raise ChannelError(
            f"not a channel URL (like json://host/path or dingtalk://token): {url!r}"
        )
    if not apprise.Apprise.instantiate(expand(url, env), asset=ASSET):
        raise ChannelError(
            f"{scheme(url)}:// is not a channel Apprise supports, or its URL is incomplete"
            " (see https://github.com/caronc/apprise/wiki)"
        )
    return url


def tag(channel: str) -> str:
    """A short name of a channel URL for outbox keys: one message per channel."""
    return hashlib.sha256(channel.encode()).hexdigest()[:12]


def idempotency_key(message_id: str) -> str:
    """The key a receiver may dedupe on: from the Message-ID fixed with the outbox message,
    so a repeat carries it."""
    return message_id.strip("<>").split("@", 1)[0]


def with_key(url: str, key: str) -> str:
    """``url`` carrying ``key`` in an Idempotency-Key header, where Apprise sends headers."""
    if scheme(url) not in HEADER_SCHEMES:
        return url
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}{quote('+' + KEY_HEADER)}={quote(key)}"
