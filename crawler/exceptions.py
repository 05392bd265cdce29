"""Errors govwatch raises on purpose.

GovwatchError            base; the CLI prints its message and exits with its exit_code
 +-- ConfigError         a malformed portals.yaml or alerts.yaml (exit code 2)
 +-- UnknownPortal       a command named a portal that portals.yaml does not define
"""

from __future__ import annotations


class GovwatchError(Exception):
    exit_code = 1


class ConfigError(GovwatchError):
    """A configuration file is malformed; the message names the file, the entry and the field."""

    exit_code = 2


class UnknownPortal(GovwatchError):
    exit_code = 2
