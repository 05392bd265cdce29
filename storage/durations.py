"""Durations and the clock, one home for each: ``30m`` → 1800 s, and UTC now.

``storage`` imports nothing of ours, so it owns these and the scheduler and the portal
file's validation use them (portals.yaml intervals, GOVWATCH_* durations, retry backoff).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# a number (decimals allowed) and an optional unit; a bare number is seconds
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str | float, *, unit_required: bool = False) -> timedelta:
    """``90``, ``90s``, ``500ms``, ``1.5h``, ``3d`` as a timedelta.

    ``unit_required``: a bare number is refused (a portal's ``schedule`` says ``30m``, so
    ``30`` there is a mistake, not 30 seconds). Raises ValueError with the accepted forms.
    """
    if isinstance(text, int | float) and not isinstance(text, bool) and not unit_required:
        if text < 0:
            raise ValueError(f"a duration cannot be negative: {text!r}")
        return timedelta(seconds=float(text))
    match = _DURATION.match(str(text))
    if not match or (unit_required and match[2] is None):
        forms = "30s, 5m, 1.5h or 2d" if unit_required else "90, 500ms, 30s, 5m, 1.5h or 2d"
        raise ValueError(f"not a duration like {forms}: {text!r}")
    return timedelta(seconds=float(match[1]) * UNIT_SECONDS[match[2] or "s"])


def is_duration(text: str) -> bool:
    """Whether ``text`` has a duration's shape with a unit (else it may be a cron line)."""
    match = _DURATION.match(text)
    return bool(match and match[2])


def utcnow() -> datetime:
    """The time now, timezone-aware, in UTC: every stored time is one of these."""
    return datetime.now(UTC)
