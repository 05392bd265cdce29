"""The portals' time zone: fixed, unlike the zone people read times in (GOVWATCH_TIMEZONE,
scheduler/settings.py's DISPLAY_ZONE by default)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

# Chinese government portals' clocks: dates on their pages are read in it, export and the API
# write times in it (ISO 8601, +08:00), and a day named by --since begins at its midnight.
PORTAL_ZONE = ZoneInfo("Asia/Shanghai")
