"""Page furniture (navigation, sidebars, footers, widgets), judged by tag, class and id."""

from __future__ import annotations

from lxml import etree

from crawler.extract.patterns import (
    NOISE_TAGS,
    NOISE_TOKEN,
    SKIP_TAGS,
    WIDGET_TOKEN,
)

_NOISE_CACHE: dict[tuple[str, str | None, str | None], tuple[bool, bool]] = {}


def kind(el: etree._Element) -> tuple[bool, bool]:
    """(is page furniture, is an article widget) for one element; cached by tag, class, id."""
    return kind_of(el.tag, el.get("class"), el.get("id"))


def kind_of(tag: str, classes: str | None, ident: str | None) -> tuple[bool, bool]:
    key = (tag, classes, ident)
    found = _NOISE_CACHE.get(key)
    if found is None:
        tokens = f"{classes or ''} {ident or ''}".split()
        widget = tag in SKIP_TAGS or any(WIDGET_TOKEN.match(t) for t in tokens)
        noise = (
            widget
            or tag in NOISE_TAGS
            or tag == "footer"
            or any(NOISE_TOKEN.match(t) for t in tokens)
        )
        found = (noise, widget)
        if len(_NOISE_CACHE) < 20_000:
            _NOISE_CACHE[key] = found
    return found


def is_noise(el: etree._Element) -> bool:
    """Page furniture: navigation, sidebars, footers, breadcrumbs, share and print widgets."""
    return kind(el)[0]


def noisy_ancestor(el: etree._Element) -> bool:
    return any(is_noise(a) for a in el.iterancestors() if a.tag not in ("html", "body"))


def element_text(el: etree._Element) -> str:
    return " ".join(etree.tostring(el, method="text", encoding="unicode", with_tail=False).split())
