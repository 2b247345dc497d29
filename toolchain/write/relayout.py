"""The layout a `watch` keeps between builds: after an edit, only the divisions edited are
laid out again.

Every division of the book (`div.doc`: a chapter, the notes, the colophon) begins on a recto,
and its pages depend on nothing outside it but their folios, their running heads and the page
numbers the contents print. So the divisions whose HTML changed are laid out alone, their
paragraphs composed and their pages made up as in the whole book (`pdf.composed_layout`), and
their pages put in place of their old ones, keeping the book's folios and running heads:

- when each has as many pages as before, of the same size, side and name, with the same
  running heads, and every anchor the contents count on the same page;
- when no division holding the contents changed, and nothing outside the divisions (the
  stylesheets, the fonts, the figures' files, the running title) did.

Otherwise the whole book is laid out again. Either way the PDF is byte for byte the one a clean
build makes (tests/test_workflow.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..typeset.pages import division, put_in_place, same_place
from ..typeset.paragraphs import copy_divisions
from ..typeset.weasy import boxes, page_box
from . import folios


@dataclass
class Kept:
    """What a watch keeps of the last layout: empty until the first one."""

    context: str = ""  # everything the layout depends on outside the divisions
    divisions: dict[str, bytes] = field(default_factory=dict)  # id -> its HTML, as it was
    render: object = None  # the layout's renderer: its fonts and stylesheets, loaded
    layout: object = None  # the pdf.Layout
    laid_out_alone: list[str] | None = None  # by the last build; None: the whole book was

    def remember(self, snapshot: tuple[str, dict[str, bytes]], render, layout) -> None:
        self.context, self.divisions = snapshot
        self.render, self.layout, self.laid_out_alone = render, layout, None


def snapshot(html, styles: Path, images: dict[str, Path] | None, extra: str) -> tuple[str, dict]:
    """(context, {division id: its HTML}) of the book's HTML before it is composed: the
    context hashes the stylesheets' folder, the figures' files, `extra` (the running title's
    CSS) and the HTML outside the divisions but the head (the metadata, taken anew)."""
    body = html.find("body")
    divisions = {d.get("id"): etree.tostring(d) for d in body}
    digest = hashlib.sha256(extra.encode())
    for path in sorted(p for p in Path(styles).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(styles)).encode() + b"\0" + path.read_bytes())
    for name, path in sorted((images or {}).items()):
        digest.update(name.encode() + b"\0" + Path(path).read_bytes())
    digest.update(repr(sorted(html.attrib.items())).encode())
    digest.update(repr(sorted(body.attrib.items())).encode())
    digest.update(repr(list(divisions)).encode())
    return digest.hexdigest(), divisions


def relayout(kept: Kept, html, now: tuple[str, dict], lay_out, counted: set[str]):
    """The book's new layout made from the kept one, or None if it must be laid out whole.
    `lay_out(tree)` lays out a tree (the book's HTML cut down to one division) as the whole
    book is; the kept layout's pages are changed in place."""
    context, divisions = now
    if kept.layout is None or context != kept.context:
        return None
    changed = [d for d, text in divisions.items() if text != kept.divisions[d]]
    body = {d.get("id"): d for d in html.find("body")}
    if any(body[d].find(".//nav") is not None for d in changed) or \
            len(changed) * 2 > len(divisions):  # the whole book is then laid out sooner
        return None  # (the contents print the page numbers of the whole book)
    document = kept.layout.document
    replacements = []
    for name in changed:
        new_layout = lay_out(folios.alone(html, {name}), whole=False)
        new = [p for p in new_layout.pages if not page_box(p).page_type.blank]
        old = [n for n, p in enumerate(document.pages)
               if not page_box(p).page_type.blank and division(page_box(p)) == name]
        if not fits(document, old, new, counted):
            return None
        replacements.append((name, old, new, new_layout))
    head = copy_divisions(html, set())[0]  # the metadata, read anew
    metadata = lay_out(head, compose=False).document.metadata
    for name, old, new, new_layout in replacements:
        for number, page in zip(old, new, strict=True):
            put_in_place(document, number, page)
        kept.layout.by_division[name] = new_layout.by_division.get(name, {})
        if new_layout.composition.get("page feet") != "none moved":
            kept.layout.composition["page feet"] = new_layout.composition["page feet"]
    # a new Document: WeasyPrint keeps in a Document the fonts of the PDFs written from it,
    # with every glyph they used, which the next PDF's fonts would then hold too
    kept.layout.document = document.copy(document.pages)
    kept.layout.document.metadata = metadata
    kept.layout.composition.update(kept.layout.totals())
    kept.divisions, kept.laid_out_alone = divisions, changed
    return kept.layout


def fits(document, old: list[int], new: list, counted: set[str]) -> bool:
    """Whether the pages `new` of a division laid out alone can take the places `old` of
    the book's: as many, each of the same size, side and name, with the same running heads
    and every anchor in `counted` on the same page."""
    return len(old) == len(new) and all(
        same_place(document.pages[number], page, counted) and
        heads(page_box(document.pages[number])) == heads(page_box(page))
        for number, page in zip(old, new, strict=True))


def heads(page_box) -> list[str]:
    """The text of the page's margin boxes at its head (the folios, at its foot, differ
    when a division is laid out alone, and are kept from the book's)."""
    found = []

    def walk(box):
        if isinstance(box, boxes.TextBox):
            found.append(box.text)
        for child in getattr(box, "children", ()):
            walk(child)

    for child in page_box.children:
        if isinstance(child, boxes.MarginBox) and child.at_keyword.startswith("@top"):
            found.append(child.at_keyword)
            walk(child)
    return found
