"""Page numbers that divisions print — the contents', the list of illustrations', the index's
— taken from where their targets fell in the laid-out pages, never from WeasyPrint's
`target-counter`, so that they stay right when divisions are laid out apart.

The book is laid out with the numbers still to come; then each is filled in from the pages'
anchors, and only the divisions whose text that changes are laid out again: alone, their
pages put in place of the old ones when as many; else, for the last divisions of the book
(the index, the colophon), laid out together from the page they begin on, their pages put in
place of the book's from there to the end. Only when neither will do is the book laid out
again whole (then the numbers before are known, and it comes to rest).
"""

from __future__ import annotations

from ..typeset.facts import folios, roman
from ..typeset.marks import mark_pages
from ..typeset.pages import division, put_in_place, same_place
from ..typeset.paragraphs import copy_divisions
from ..typeset.weasy import boxes, page_box
from . import index

FOLIO = "data-folio"  # on a link of the contents or the list of illustrations: its page
ROUNDS = 3


def anchor_places(pages, marks: dict | None = None) -> dict[str, tuple[int, str]]:
    """Each anchor (an element's id) of the laid-out pages, and each index mark (`marks`,
    typeset.marks): (the place of the first page it is on, that page's folio)."""
    found: dict[str, tuple[int, str]] = {}
    numbers = folios(pages)
    for number, (page, folio) in enumerate(zip(pages, numbers, strict=True)):
        for name in page.anchors:
            found.setdefault(name, (number, folio))
    if marks:
        for name, number in mark_pages(pages, marks).items():
            found[name] = (number, numbers[number])
    return found


def fill(html, found: dict[str, tuple[int, str]]) -> list[str]:
    """Every page number of the book's HTML filled in from `found`; returns the ids of the
    divisions whose text changed."""
    changed = []
    for div in html.find("body"):
        moved = False
        for link in div.iter("a", "span"):  # contents, illustrations; page references
            target = link.get("data-target") or (link.get("href") or "")[1:]
            if link.get(FOLIO) is not None and target in found:
                moved |= link.get(FOLIO) != found[target][1]
                link.set(FOLIO, found[target][1])
        moved |= index.fill_locators(div, found)
        if moved:
            changed.append(div.get("id"))
    return changed


def resolve(result, html, lay_out, relayout_fits, tail_first: set[str] = frozenset(),
            marks: dict | None = None) -> object:
    """`result` (a pdf.Layout of `html`) with every printed page number right; `lay_out(tree,
    whole=...)` lays out a tree as the book is; `relayout_fits(document, old, new)` says
    whether pages laid out alone may take the book's places. The divisions of `tail_first`
    (the index, laid out with its title only) are laid out with those after them at once."""
    for _ in range(ROUNDS):
        document = result.document
        changed = fill(html, anchor_places(document.pages, marks))
        if not changed:
            return result
        for name in changed:
            old = [n for n, p in enumerate(document.pages)
                   if not page_box(p).page_type.blank and division(page_box(p)) == name]
            if name not in tail_first:
                laid = lay_out(alone(html, {name}), whole=False)
                new = [p for p in laid.pages if not page_box(p).page_type.blank]
                if relayout_fits(document, old, new):
                    for number, page in zip(old, new, strict=True):
                        put_in_place(document, number, page)
                    continue
            if not replace_tail(document, html, name, old, lay_out):
                result = lay_out(html)  # the book again, with the numbers known
            break  # what follows moved: the numbers are read again
    fill(html, anchor_places(result.document.pages, marks))
    return result


def replace_tail(document, html, name: str, old: list[int], lay_out) -> bool:
    """Lay out division `name` and every one after it together, from the folio it begins on,
    and put their pages in place of the book's from there to the end. False if a division
    after it prints page numbers (the contents of a later part could), or the folio is not
    a number."""
    body = list(html.find("body"))
    names = [d.get("id") for d in body]
    tail = names[names.index(name):]
    start_folio = folios(document.pages)[old[0]] if old else ""
    if not start_folio.isdigit() or any(
            d.get("id") in tail[1:] and (d.xpath(".//*[@data-folio]") or
                                        d.xpath(".//*[@data-at]")) for d in body):
        return False
    laid = lay_out(alone(html, set(tail), start_folio), whole=False)
    document.pages[old[0]:] = list(laid.pages)
    return True


def alone(html, names: set[str], folio: str | None = None, side: str = "right"):
    """A copy of the book's HTML with only the divisions `names`, to be laid out alone; given
    `folio`, the folio (arabic or roman) the first of them begins on in the book, its pages
    print the book's folios from there; `side`, the side of the book it begins on (a
    document's first page is a recto unless its root breaks to the left)."""
    tree = copy_divisions(html, names)[0]
    number = folio_number(folio) if folio else None
    if folio and number is None:
        raise ValueError(f"not a folio: {folio!r}")
    rules = [f"@page :first {{ counter-set: page {number} }}"] if number is not None else []
    if side == "left":
        rules.append("html { break-before: left }")
    if rules:
        style = tree.makeelement("style", {})
        style.text = " ".join(rules)
        tree.find("head").append(style)
    return tree


def folio_number(folio: str) -> int | None:
    """The number a printed folio stands for: `23`, or `xiv` as the folios are printed
    (`typeset.facts.roman`; `XIV` too); None for anything else."""
    if folio.isascii() and folio.isdecimal():
        return int(folio)
    letters = folio.lower()
    if not letters or set(letters) - set("ivxlcdm"):
        return None
    for number in range(1, 4000):  # the front matter's few pages: found at once
        if roman(number) == letters:
            return number
    return None


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
