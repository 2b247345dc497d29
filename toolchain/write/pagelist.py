"""The print edition's pages in the EPUB: a page-break marker where each printed page begins,
and a page-list, so that a reader of either edition can cite and find the same page.

Where a page begins is read from WeasyPrint's layout of the print edition, before it is
written: the first line of the page's main flow (not its running head, folio or footnotes),
as the block it belongs to and the number of letters of that block set on earlier pages.
Every element of the EPUB's documents is numbered in the HTML WeasyPrint sets
(`data-pos`), so the block is found again in the EPUB's document, and the marker goes before
the word that holds that letter. Letters, not characters: hyphens added at a line's end and
spaces dropped there change nothing in the count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ..typeset.facts import folios
from ..typeset.weasy import boxes, page_box
from .xhtml import XHTML, Document, el

H = f"{{{XHTML}}}"
LETTER = re.compile(r"\w")
POS = "data-pos"
# pseudo-elements whose text the stylesheet makes; ::first-letter and ::first-line hold the
# element's own text and are counted
GENERATED = {"before", "after", "marker", "footnote-call", "footnote-marker"}


@dataclass
class PageStart:
    number: int  # the page's place in the PDF, from 1
    folio: str  # the number printed on it, or that it would carry (blank and title pages)
    doc: int | None = None  # where its first line is: document, element (in body.iter()),
    element: int | None = None  # and the letters of that element on earlier pages;
    letters: int = 0  # None when the page has no text of the EPUB (blank, half title)
    kind: str = ""  # the element's tag, for the report and the tests


def stamp(doc_index: int, source_body, copies) -> None:
    """Number the copies of a document's body's children for WeasyPrint, as the original
    body.iter() counts them (the body itself is 0)."""
    originals = source_body.iter()
    next(originals)
    pairs = zip(originals, (node for copy in copies for node in copy.iter()), strict=True)
    for k, (original, node) in enumerate(pairs, 1):
        if isinstance(original.tag, str):
            node.set(POS, f"{doc_index}.{k}")


def main_flow_lines(page_box):
    """(block element, text) for each piece of text in the page's main flow, in order:
    the root box only (margin boxes and the footnote area are its siblings), generated
    content (list markers, note calls, leaders) left out."""

    root = page_box.children[0]

    def walk(box, block):
        if (box.element_tag or "").rpartition("::")[2] in GENERATED:
            return
        if isinstance(box, boxes.TextBox):
            yield block, box.text
            return
        if isinstance(box, boxes.BlockContainerBox) and not isinstance(
                box, boxes.InlineLevelBox) and box.element is not None:
            block = box.element  # (an inline-block, a note's hanging number, is in the line)
        for child in getattr(box, "children", ()):
            yield from walk(child, block)

    yield from walk(root, None)


def page_starts(pages) -> list[PageStart]:
    """Where each page of the laid-out print edition begins, in the EPUB's terms."""
    seen: dict = {}  # letters of each block set so far, by its element's number
    totals: dict = {}
    starts = []
    for number, (page, folio) in enumerate(zip(pages, folios(pages), strict=True), 1):
        start = PageStart(number, folio)
        for block, text in main_flow_lines(page_box(page)):
            letters = len(LETTER.findall(text))
            if not letters or block is None:
                continue
            key = block.get(POS) or id(block)  # a copy print repeats (a turned table's
            # caption and header) is the same element of the EPUB
            if key not in totals:
                totals[key] = block_letters(block)
            if seen.get(key, 0) >= totals[key]:
                continue  # a table's header row repeated on a following page
            if start.doc is None and start.kind == "":
                start.kind = block.tag
                if block.get(POS):
                    doc, element = block.get(POS).split(".")
                    start.doc, start.element = int(doc), int(element)
                    start.letters = seen.get(key, 0)
            seen[key] = seen.get(key, 0) + letters
        starts.append(start)
    return starts


def block_letters(block) -> int:
    """The letters of a block as print sets them in the main flow: not its footnotes."""
    count = 0

    def walk(node):
        nonlocal count
        if "footnote" in (node.get("class") or "").split():
            return
        count += len(LETTER.findall(node.text or ""))
        for child in node:
            walk(child)
            count += len(LETTER.findall(child.tail or ""))

    walk(block)
    return count


def marker(folio: str) -> etree._Element:
    return el("span", {"epub:type": "pagebreak", "role": "doc-pagebreak",
                       "id": f"page-{folio}", "aria-label": folio})


def add_page_markers(docs: list[Document], starts: list[PageStart],
                     nodes: list[list]) -> list[tuple[str, str]]:
    """Put a marker in the documents where each page begins; return (folio, href) in page
    order. A page with no text of the EPUB (blank, half title) is marked where the next
    page that has one begins, so that every printed page can be found. `nodes` are each
    document's elements as `stamp` numbered them."""
    pending: list[str] = []
    placed = []
    for start in starts:
        pending.append(start.folio)
        if start.doc is None:
            continue
        doc = docs[start.doc]
        block = nodes[start.doc][start.element]
        for folio in pending:
            insert_at_letter(block, start.letters, marker(folio))
            placed.append((folio, f"{doc.name}#page-{folio}"))
        pending = []
    if pending:  # blank pages at the end: marked at the end of the last document with text
        last = docs[max(s.doc for s in starts if s.doc is not None)]
        body = last.root.find(f"{H}body")
        for folio in pending:
            body[-1].append(marker(folio))
            placed.append((folio, f"{last.name}#page-{folio}"))
    return placed


def insert_at_letter(block, letters: int, mark) -> None:
    """Insert `mark` before the word holding the block's letter number `letters` (from 0),
    counting as print does: a footnote's call is not in the line, an endnote's is."""
    for node, attr, text in text_slots(block):
        found = LETTER.findall(text)
        if letters >= len(found):
            letters -= len(found)
            continue
        at = [m.start() for m in LETTER.finditer(text)][letters]
        while at > 0 and (text[at - 1].isalnum() or text[at - 1] in "’'-\u00ad"):
            at -= 1  # to the start of the word: a word split over two pages is marked whole
        before, after = text[:at], text[at:]
        if attr == "text" and at == 0 and node is not block and \
                next(node.iterancestors(f"{H}nav"), None) is None:
            node.addprevious(mark)  # before an inline element, not inside it (a link); but a
            return  # navigation list's item must begin with its link: there, inside it
        if attr == "text":
            node.text = before
            node.insert(0, mark)
        else:
            node.tail = before
            node.addnext(mark)
        mark.tail = after
        return
    block.append(mark)  # the block's letters all on earlier pages: mark at its end


def text_slots(block):
    """(node, "text" or "tail", text) in reading order inside a block, without the calls of
    footnotes (print sets them as generated content)."""
    def walk(node):
        footnote_call = node is not block and "footnote-ref" in (node.get("class") or "")
        if not footnote_call:
            yield node, "text", node.text or ""
            for child in node:
                if isinstance(child.tag, str):
                    yield from walk(child)
        if node is not block:
            yield node, "tail", node.tail or ""

    yield from walk(block)


def page_list_nav(placed: list[tuple[str, str]], label: str) -> etree._Element:
    ol = el("ol")
    for folio, href in placed:
        ol.append(el("li", None, el("a", {"href": href}, text=folio)))
    return el("nav", {"id": "page-list", "epub:type": "page-list", "role": "doc-pagelist",
                      "hidden": "hidden", "aria-label": label}, ol)


def fill_locators(docs: list[Document], found: dict[str, tuple[int, str]]) -> None:
    """The index's locators, as print has them; `found` gives each anchor's (page, folio)
    (folios.anchor_places)."""
    from . import index

    for doc in docs:
        index.fill_locators(doc.root, found)


def fill_page_number_spans(docs: list[Document], found: dict[str, tuple[int, str]]) -> None:
    """Each `span.page-number[data-target]` (a page reference, the list of
    illustrations') given its page's folio, so that the EPUB reads as print does."""
    for doc in docs:
        for span in doc.root.iter(f"{H}span"):
            if span.get("class") == "page-number" and span.get("data-target") in found:
                span.text = found[span.get("data-target")][1]


def add_page_list(docs: list[Document], starts: list[PageStart], label: str,
                  found: dict[str, tuple[int, str]]) -> int:
    """The page numbers filled in, markers in the documents and the
    page-list in the navigation document (`label` its name, in the book's language); the
    number of pages listed. In the order that keeps the EPUB's letters print's: the elements
    listed as print numbered them; the index's locators filled in, as print sets them (a
    page may begin inside a list, and its marker must not be put in the list before it is
    written anew); the markers placed; then the page references' numbers, which print
    draws from the stylesheet and does not count."""
    nodes = [list(d.root.find(f"{H}body").iter()) for d in docs]
    fill_locators(docs, found)
    placed = add_page_markers(docs, starts, nodes)
    fill_page_number_spans(docs, found)
    nav_doc = next(d for d in docs if d.root.find(f".//{H}nav[@id='toc']") is not None)
    nav_doc.root.find(f"{H}body").append(page_list_nav(placed, label))
    return len(placed)
