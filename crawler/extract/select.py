"""Evaluating a portal's selector overrides, which may be CSS or XPath."""

from __future__ import annotations

from parsel import Selector, SelectorList


def is_xpath(expression: str) -> bool:
    return expression.lstrip().startswith(("/", "(", "./"))


def select(sel: Selector, expression: str) -> SelectorList[Selector]:
    """Evaluate ``expression`` as XPath when it looks like one, else as CSS."""
    return sel.xpath(expression) if is_xpath(expression) else sel.css(expression)


def select_text(sel: Selector, expression: str) -> str:
    """The joined text of everything ``expression`` matches (attribute values included)."""
    parts: list[str] = []
    for node in select(sel, expression):
        if isinstance(node.root, str):
            parts.append(node.root)
        else:
            parts.append(" ".join(t.strip() for t in node.xpath(".//text()").getall()))
    return " ".join(p for p in parts if p.strip()).strip()


def select_links(sel: Selector, expression: str) -> list[tuple[str, str]]:
    """(href, text) of the links ``expression`` matches, or of the links inside what it matches."""
    out: list[tuple[str, str]] = []
    for node in select(sel, expression):
        if isinstance(node.root, str):
            out.append((node.root, ""))
            continue
        anchors = [node] if node.root.tag == "a" else node.xpath(".//a[@href]")
        for anchor in anchors:
            href = anchor.attrib.get("href")
            if href:
                text = anchor.attrib.get("title") or " ".join(anchor.xpath(".//text()").getall())
                out.append((href, " ".join(text.split())))
    return out
