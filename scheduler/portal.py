"""What the scheduler reads of a portals.yaml entry (``crawler.configfiles.portals.Portal`` fits it)."""

from __future__ import annotations

from typing import Any, Protocol


class PortalSpec(Protocol):
    """A portal as the daemon schedules, runs and reports it; scheduler may not import crawler."""

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
