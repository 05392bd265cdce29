"""Reading YAML configuration files into pydantic models, with one clear error per problem."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

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


def describe_error(exc: ValidationError) -> tuple[str, str]:
    """The first problem of a validation error as (dotted field, message)."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(entry)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    return field, message


def validate_entry(model: type[M], path: Path, where: str, data: Any) -> M:
    """Validate one entry; errors name the file, the entry and the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field, message = describe_error(exc)
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
