"""Reading YAML configuration files into pydantic models, with one clear error per problem."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError

from crawler.exceptions import ConfigError

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> Any:
    """Parse ``path``; a missing file or bad YAML raises ConfigError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}:{line}: not valid YAML: {problem}") from None


# unknown keys that are not typos: what to do instead
KEY_HINTS = {
    "smtp.password": "the password is read from GOVWATCH_SMTP_PASSWORD, never from the file",
    "smtp.pass": "the password is read from GOVWATCH_SMTP_PASSWORD, never from the file",
}


def describe_error(exc: ValidationError, model: type[BaseModel] | None = None) -> tuple[str, str]:
    """The first problem of a validation error as (dotted field, message); an unknown key
    says which known one it resembles."""
    errors = exc.errors()
    # an unknown key first: a misspelt one is also the required key reported missing
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    field = ".".join(str(part) for part in first["loc"]) or "(entry)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key" + _suggestion(model, first["loc"], field)
    return field, message


def _suggestion(model: type[BaseModel] | None, loc: Sequence[Any], field: str) -> str:
    """``; did you mean 'start_urls'?`` for a key near a known one of its model."""
    if field in KEY_HINTS:
        return f" ({KEY_HINTS[field]})"
    known = _keys_at(model, loc[:-1]) if model is not None else []
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _keys_at(model: type[BaseModel], path: Sequence[Any]) -> list[str]:
    """The field names of the model at ``path`` under ``model`` (nested models followed)."""
    for part in path:
        info = model.model_fields.get(str(part))
        if info is None:
            return []
        nested = [
            arg
            for arg in (info.annotation, *get_args(info.annotation))
            if isinstance(arg, type) and issubclass(arg, BaseModel)
        ]
        if not nested:
            return []
        model = nested[0]
    return list(model.model_fields)


def validate_entry(model: type[M], path: Path, where: str, data: Any) -> M:
    """Validate one entry; errors name the file, the entry and the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field, message = describe_error(exc, model)
        raise ConfigError(f"{path}: {where}, field '{field}': {message}") from None


def entry_label(index: int, data: Any) -> str:
    name = data.get("name") if isinstance(data, dict) else None
    return f"entry {index + 1}" + (f" ({name})" if isinstance(name, str) else "")


def unique_names(path: Path, names: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise ConfigError(
                f"{path}: entry {index + 1} ({name}), field 'name': duplicate {what} name"
            )
        seen.add(name)
