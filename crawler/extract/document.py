"""A parsed page made whole before it is read: what lxml left outside the root element."""

from __future__ import annotations

from lxml import etree


def mend(root: etree._Element) -> etree._Element:
    """Move the elements lxml puts after the root into its <body>, and return the root.

    A header include that closes ``</body></html>`` early (seen on gov.cn county sites)
    makes lxml start a second root element for the rest of the page: the article, nav and
    footer. Walks from the root (``root.iter()``) would never see them.
    """
    trailing = [el for el in root.itersiblings() if isinstance(el.tag, str)]
    if not trailing:
        return root
    body = root.find("body")
    if body is None:
        body = etree.SubElement(root, "body")
    for el in trailing:
        if el.tag in ("html", "body"):
            if el.text and el.text.strip():
                _append_text(body, el.text)
            for child in list(el):  # the emptied element stays, outside every walk
                body.append(child)
        else:
            body.append(el)
    return root


def _append_text(parent: etree._Element, text: str) -> None:
    last = parent[-1] if len(parent) else None
    if last is None:
        parent.text = (parent.text or "") + text
    else:
        last.tail = (last.tail or "") + text
