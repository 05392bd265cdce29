"""The alert file (alerts.yaml), validated like the portal file: errors name file, entry and field."""

from __future__ import annotations

from pathlib import Path

from crawler.configfiles.reader import entry_label, read_yaml, unique_names, validate_entry
from crawler.exceptions import ConfigError
from scheduler.alerts_file import AlertsConfig, Subscription


def load_alerts(path: Path) -> AlertsConfig:
    """``path``'s subscriptions, SMTP server and admin address; an empty file means none."""
    data = read_yaml(path)
    if data is None:
        return AlertsConfig()
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping (smtp, admin, subscriptions), got {type(data).__name__}"
        )
    entries = data.get("subscriptions") or []
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: field 'subscriptions': expected a list of subscriptions")
    subscriptions = [
        validate_entry(Subscription, path, entry_label(i, entry), entry)
        for i, entry in enumerate(entries)
    ]
    unique_names(path, [s.name for s in subscriptions], "subscription")
    top = validate_entry(AlertsConfig, path, "top level", {**data, "subscriptions": []})
    return top.model_copy(update={"subscriptions": subscriptions})
