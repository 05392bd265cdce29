"""Times as people read them: in the display zone (GOVWATCH_TIMEZONE), labelled with it.

The CLI, emails and the web all format times here; export and the API write ISO 8601 in the
portals' zone instead (storage/zones.py).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local(moment: datetime | None, zone: ZoneInfo) -> str:
    """``2026-03-02 09:30``, for a table or page whose :func:`legend` names the zone."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def zoned(moment: datetime, zone: ZoneInfo) -> str:
    """A time on its own, labelled with its zone: ``2026-03-02 09:30 +08:00 (Asia/Shanghai)``."""
    here = moment.astimezone(zone)
    offset = here.strftime("%z")
    return f"{here:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]} ({zone.key})"


def legend(zone: ZoneInfo) -> str:
    """The line under a table of :func:`local` times."""
    return f"times in {zone.key} (GOVWATCH_TIMEZONE)"
