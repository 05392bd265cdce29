"""The daemon's GOVWATCH_* settings (docs/running.md), read once from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.exceptions import SettingsError
from scheduler.portal import PortalSpec
from storage.durations import parse_duration

# The zone people read times in, by default (GOVWATCH_TIMEZONE): the CLI, emails and the web
# show every time in it, labelled (scheduler/times.py); cron schedules and digest_at use it.
# Export and the API write the portals' zone instead (storage/zones.py: PORTAL_ZONE).
DISPLAY_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Settings:
    """GOVWATCH_* settings of the daemon and the alert commands (docs/running.md).

    Durations are seconds, or ``500ms``, ``30s``, ``5m``, ``1.5h``, ``3d`` in the environment.
    """

    max_crawls: int = 2  # crawls running at once, each in its own process
    crawl_timeout: float = 1800.0  # a crawl is killed after this (per portal: its settings)
    kill_grace: float = 10.0  # SIGTERM first; SIGKILL after this
    crawl_services: int = 1  # long-lived crawl processes taking batches; 0: a process per crawl
    service_batch_size: int = 200  # portals in one batch at most
    service_batch_window: float = 0.2  # portals falling due within this of each other share a batch
    send_interval: float = 30.0  # the sender's rhythm (it also runs after every crawl)
    retry_first: float = 60.0  # first retry of a failed email; doubles each time
    retry_max: float = 1800.0  # longest wait between two attempts
    give_up_after: float = 2 * 86400.0  # an email still failing this long after queueing
    send_claim: float = 300.0  # an email in a dead sender's hands is sent again after this
    misfire_grace: float = 600.0  # a job that could not start on time may still start this late
    jitter: float = 120.0  # random delay of each crawl, at most this and a tenth of its interval
    start_spread: float = 300.0  # overdue crawls after a restart are spread over this
    reload_check: float = 5.0  # how often portals.yaml and alerts.yaml are checked for changes
    scheduler_lease_ttl: float = (
        45.0  # the scheduler lease: a daemon that stops renewing it loses it
    )
    scheduler_lease_heartbeat: float = (
        10.0  # how often the daemon renews it (a waiting one tries to take it)
    )
    # scale-out on Celery (docs/scaling.md): a batch unacknowledged this long after its worker
    # took it goes to another worker (keep it above lease_ttl); the host lease's TTL and
    # heartbeat are the portal lease's settings (GOVWATCH_LEASE_TTL, _HEARTBEAT)
    broker_visibility_timeout: float = 3600.0
    lease_ttl: float = 120.0
    lease_heartbeat: float = 20.0
    health_failures: int = 3  # bad runs in a row before a portal counts as broken
    retention: float = 30 * 86400.0  # run history and sent alerts older than this are pruned
    prune_every: float = 86400.0  # how often the daemon prunes them (storage.retention)
    timezone: str = DISPLAY_ZONE  # of every time shown, cron schedules and digest_at times
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
        settings = cls(**values)
        if settings.scheduler_lease_heartbeat * 2 > settings.scheduler_lease_ttl:
            # a renewal may fail once and the lease still be held until the next
            raise SettingsError(
                f"GOVWATCH_SCHEDULER_LEASE_HEARTBEAT ({settings.scheduler_lease_heartbeat:g}s) must be at most half "
                f"of GOVWATCH_SCHEDULER_LEASE_TTL ({settings.scheduler_lease_ttl:g}s)"
            )
        return settings

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def crawl_timeout_for(self, portal: PortalSpec) -> float:
        """The portal's own GOVWATCH_CRAWL_TIMEOUT (in its ``settings``), or the default."""
        own = portal.settings.get("GOVWATCH_CRAWL_TIMEOUT")
        if own is None:
            return self.crawl_timeout
        try:
            return parse_duration(own).total_seconds()
        except ValueError:
            return self.crawl_timeout


def display_zone(env: Mapping[str, str]) -> ZoneInfo:
    """GOVWATCH_TIMEZONE alone, for commands that need no other daemon setting."""
    return Settings.from_env({"GOVWATCH_TIMEZONE": env.get("GOVWATCH_TIMEZONE", "")}).zone


# counts where 0 means something (no crawl services: a process per crawl)
MAY_BE_ZERO = frozenset({"crawl_services"})


def _convert(name: str, default: Any, raw: str) -> Any:
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected 1/0, true/false, yes/no or on/off")
    if isinstance(default, int):
        value = int(raw)
        least = 0 if name in MAY_BE_ZERO else 1
        if value < least:
            raise ValueError(f"must be at least {least}")
        return value
    if isinstance(default, float):
        number = parse_duration(raw).total_seconds()
        if number <= 0:
            raise ValueError("must be more than 0")
        return number
    if name == "timezone":
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone") from None
    return raw
