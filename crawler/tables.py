"""Plain-text tables that line up Chinese (wide) and Latin characters alike."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# C0 and C1 controls and DEL: a portal's text must not drive the terminal (escape sequences
# that clear the screen or retitle the window)
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` display columns, with an ellipsis when cut."""
    if width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        w = width(ch)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]], limit: int = 48) -> str:
    cells = [
        [clip(CONTROLS.sub(" ", "" if v is None else str(v)), limit) for v in row] for row in rows
    ]
    widths = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v + " " * (w - width(v)) for v, w in zip(values, widths, strict=True)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])
