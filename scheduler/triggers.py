"""When crawls and digests run: the one parser of schedules and intervals, and APScheduler
triggers with stable phases and bounded jitter.

Cron lines read as in crontab (0 and 7 are Sunday), although APScheduler 3 counts from Monday.
"""

from __future__ import annotations

import math
import random
import re
import zlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.portal import PortalSpec
from scheduler.settings import Settings
from storage.durations import is_duration, parse_duration

if TYPE_CHECKING:
    # only a type: the alert file's model validates digest_every with check_interval
    from scheduler.alerts_file import Subscription

# interval phases count from here, so a portal's phase survives restarts and reloads
ANCHOR = datetime(2024, 1, 1, tzinfo=UTC)
JITTER_SHARE = 0.1  # a run is delayed by at most this share of its interval
MIN_INTERVAL = timedelta(minutes=1)
CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DOW_ITEM = re.compile(r"^(\*|\d+(?:-\d+)?)(?:/(\d+))?$")


# -- the syntax of schedules ------------------------------------------------------------


def parse_interval(text: str) -> timedelta | None:
    """``30m``, ``1.5h`` → a timedelta; None when ``text`` is no interval (a cron line, say).

    The unit is required: a bare ``30`` is neither 30 seconds nor a cron line.
    """
    if not is_duration(text):
        return None
    return parse_duration(text, unit_required=True)


def check_interval(text: str) -> timedelta:
    """An interval of at least a minute (a digest's ``digest_every``), else ValueError."""
    interval = parse_interval(text)
    if interval is None:
        raise ValueError(f"not an interval like 1h or 30m: {text!r}")
    if interval < MIN_INTERVAL:
        raise ValueError(f"interval {text!r} is shorter than one minute")
    return interval


def check_schedule(text: str) -> str:
    """A portal's ``schedule``: an interval of at least a minute, or a crontab line; else
    ValueError saying why."""
    if parse_interval(text) is not None:
        check_interval(text)
        return text
    try:
        CronTrigger(**cron_fields(text), timezone=UTC)
    except ValueError as exc:
        raise ValueError(f"not a cron line or an interval like 30m: {text!r} ({exc})") from None
    return text


def crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field for APScheduler 3, whose numbers start at Monday.

    ``1-5`` → ``mon,tue,wed,thu,fri``; ``5-7`` → ``fri,sat,sun``; ``1/2`` steps up to 7
    as ``1-7/2`` does; names and ``*`` are passed through.
    """
    out: list[str] = []
    for item in field.split(","):
        match = _DOW_ITEM.match(item.strip())
        if not match:
            out.append(item)  # names (mon-fri) mean the same to both
            continue
        span, step = match[1], int(match[2] or 1)
        if step < 1:
            raise ValueError(f"a step of 0 in the day of week: {item!r}")
        if span == "*":
            if step == 1:
                out.append("*")
                continue
            first, last = 0, 6
        elif "-" in span:
            first, last = (int(part) for part in span.split("-"))
        else:
            first = int(span)
            last = 7 if match[2] else first
        if not (0 <= first <= 7 and 0 <= last <= 7 and first <= last):
            raise ValueError(f"day of week out of range: {item!r}")
        out.extend(CRONTAB_DAYS[day] for day in range(first, last + 1, step))
    return ",".join(dict.fromkeys(out))


def cron_fields(line: str) -> dict[str, str]:
    """A crontab line's five fields as CronTrigger arguments, the day of week translated."""
    values = line.split()
    if len(values) != 5:
        raise ValueError(f"a cron line has 5 fields, not {len(values)}")
    minute, hour, day, month, day_of_week = values
    return {
        "minute": minute,
        "hour": hour,
        "day": day,
        "month": month,
        "day_of_week": crontab_weekdays(day_of_week),
    }


# -- triggers ---------------------------------------------------------------------------


class PhasedInterval(IntervalTrigger):
    """An interval trigger whose runs stay on their slots: jitter delays a run, never the
    ones after it (APScheduler 3's IntervalTrigger counts from the jittered time)."""

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        start = self.start_date.timestamp()
        length = self.interval_length
        if previous_fire_time is not None:
            # the slot of the previous run (its jitter is less than one interval), plus one
            slot = math.floor((previous_fire_time.timestamp() - start) / length + 1e-9) + 1
        else:
            slot = max(0, math.ceil((now.timestamp() - start) / length))
        fire = start + slot * length
        if self.jitter:
            fire += random.uniform(0, self.jitter)
        return datetime.fromtimestamp(fire, tz=self.timezone)


def phase(name: str, period: float) -> float:
    """A stable offset in [0, period) seconds for ``name``."""
    return (zlib.crc32(name.encode("utf-8")) % 1_000_000) / 1_000_000 * period


def interval_seconds(schedule: str, settings: Settings) -> float | None:
    interval = parse_interval(schedule)
    if interval is None:
        return None
    return interval.total_seconds() * settings.time_scale


def cron_trigger(line: str, settings: Settings, jitter: float | None) -> CronTrigger:
    return CronTrigger(
        **cron_fields(line), timezone=settings.zone, jitter=int(jitter) if jitter else None
    )


def crawl_trigger(portal: PortalSpec, settings: Settings) -> BaseTrigger:
    """The trigger of a portal's crawls, from its ``schedule``.

    An interval portal fires at a phase of its own (a hash of its name), so a thousand
    portals added at once never fire in the same second; each run adds a random jitter of
    at most ``settings.jitter`` and a tenth of the interval.
    """
    seconds = interval_seconds(portal.schedule, settings)
    if seconds is None:
        return cron_trigger(portal.schedule, settings, settings.jitter)
    jitter = min(settings.jitter, seconds * JITTER_SHARE)
    return PhasedInterval(
        seconds=seconds,
        start_date=ANCHOR + timedelta(seconds=phase(portal.name, seconds)),
        timezone=settings.zone,
        jitter=max(1, round(jitter)) if jitter >= 0.5 else None,
    )


def digest_trigger(subscription: Subscription, settings: Settings) -> BaseTrigger:
    """Daily at ``digest_at``, or every ``digest_every`` (no jitter: people expect the hour)."""
    at = subscription.digest_time
    if at is not None:
        return CronTrigger(hour=at.hour, minute=at.minute, timezone=settings.zone)
    assert subscription.digest_every is not None
    seconds = interval_seconds(subscription.digest_every, settings)
    assert seconds is not None
    return PhasedInterval(seconds=seconds, start_date=ANCHOR, timezone=settings.zone)


def restart_time(name: str, schedule: str, settings: Settings, now: datetime) -> datetime:
    """When a crawl that fell due while the daemon was down runs: spread, not all at once."""
    seconds = interval_seconds(schedule, settings)
    window = min(settings.start_spread, seconds) if seconds else settings.start_spread
    return now + timedelta(seconds=phase(name, window))
