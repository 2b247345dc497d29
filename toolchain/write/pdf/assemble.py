"""The HTML assembled for print: the validated XHTML documents joined into one, with what
print needs and the screen does not (footnotes moved to their calls, capitals wrapped,
tables fitted or turned, page-number placeholders)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path

from lxml import etree

from ... import model as m
from ... import words
from ...typeset import weasy
from .. import folios, pagelist
from ..xhtml import EPUB_TYPE, XHTML, Document, Writer
from .sandbox import image_url

H = f"{{{XHTML}}}"


def combined_html(book: m.Book, docs: list[Document], build_date: datetime,
                  images: dict[str, Path] | None = None, styles: Path | None = None):
    """One HTML document for WeasyPrint: every document's body in reading order.

    Links between files become links inside the one document, and each note the model sets
    at the foot of the page moves to the place of its call, where `float: footnote` puts it
    at the foot of that page."""
    meta = book.meta
    lang = meta["language"]
    html = etree.Element("html", lang=lang)
    head = etree.SubElement(html, "head")
    etree.SubElement(head, "title").text = meta["title"]
    stamp = build_date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name, content in (("author", words.for_book(meta).names(m.authors(meta))),
                          ("description", meta.get("description")),
                          ("keywords", ", ".join(meta.get("subjects", []))),
                          ("dcterms.created", stamp), ("dcterms.modified", stamp),
                          ("generator", "toolchain")):
        if content:
            etree.SubElement(head, "meta", name=name, content=content)
    body = etree.SubElement(html, "body")
    half_title = etree.SubElement(body, "div", {"class": "doc doc-halftitle",
                                                "id": "doc-halftitle"})
    etree.SubElement(half_title, "p").text = meta["title"]
    first_body = next(d for d in docs if d.matter == "body")
    for number, doc in enumerate(docs):
        stem = doc.name.removesuffix(".xhtml")
        div = etree.SubElement(body, "div", id=f"doc-{stem}")
        matter = doc.matter or ("back" if stem in ("notes", "index", "colophon") else "front")
        kind = f"doc-division doc-{doc.division}" if doc.division else f"doc-{stem}"
        start = " body-start" if doc is first_body else ""
        div.set("class", f"doc {kind} matter-{matter}{start}")
        div.set("data-running-head", doc.title)  # its recto's running head
        source = doc.root.find(f"{H}body")
        copies = [copy.deepcopy(child) for child in source]
        pagelist.stamp(number, source, copies)  # so that the EPUB can be marked where pages begin
        div.extend(copies)
    for node in html.iter():
        if not isinstance(node.tag, str):
            continue
        if node.get(EPUB_TYPE):
            node.set("data-epub-type", node.attrib.pop(EPUB_TYPE))
        node.tag = etree.QName(node).localname
        href = node.get("href")
        if node.tag == "a" and href and ".xhtml" in href:
            file, _, frag = href.partition("#")
            node.set("href", f"#{frag}" if frag else f"#doc-{file.removesuffix('.xhtml')}")
    etree.cleanup_namespaces(html)
    for img in html.xpath("//img[starts-with(@src, 'images/')]"):  # figures, from the manuscript
        img.set("src", image_url(img.get("src")[len("images/"):]))
    for link in html.xpath("//nav//a[@href] | //*[@data-epub-type='loi']//a[@href]"):
        link.set(folios.FOLIO, "0")  # its target's page, once the book is laid out
    for number in html.xpath("//a//span[@class='page-number'][@data-target]"):
        number.set(folios.FOLIO, "0")  # a page reference's: printed by print.css
        number.text = None
    for node in html.xpath("//*[contains(concat(' ', @class, ' '), ' smallcaps ') or "
                           "contains(concat(' ', @class, ' '), ' author ')]"):
        wrap_capitals(node)
    for listing in html.xpath("//ol[@start]"):  # WeasyPrint numbers every list from 1
        listing.set("style", f"counter-reset: list-item {int(listing.get('start')) - 1}")
    for sup in html.xpath("//a[@data-epub-type='noteref']/sup"):  # print sets calls by CSS
        sup.getparent().text = sup.text
        sup.getparent().remove(sup)
    move_footnotes(html, footnotes(book))
    if styles is not None:
        fit_tables(html, styles)
    split_turned_tables(html, styles)
    for mark in html.xpath("//li/p/a[@class='note-mark']"):
        mark.tail = (mark.tail or "").lstrip()  # the number hangs in its own box
    return html


def serialize(html) -> str:
    return etree.tostring(html, method="html", encoding="unicode", doctype="<!DOCTYPE html>")


def wrap_capitals(node):
    """Capitals inside small caps go in a span set in a second font name ("Book Serif Caps").

    In one font, the small-cap glyph of `A` (c2sc) and of `a` (smcp) is the same glyph, and a
    PDF maps each glyph to one text: search and copy would read "BArMeN". Two font names make
    two embedded fonts, each with its own map, so the text layer keeps the case as written."""
    for element in [node, *node.iterdescendants()]:
        if not isinstance(element.tag, str):
            continue
        for attr in ("text", "tail") if element is not node else ("text",):
            text = getattr(element, attr)
            if not text or not any(c.isupper() for c in text):
                continue
            runs = ["".join(chars) for _, chars in groupby(text, str.isupper)]
            if attr == "text":
                parent, index = element, 0
            else:
                parent, index = element.getparent(), element.getparent().index(element) + 1
            setattr(element, attr, "")
            last = None
            for run in runs:
                if run[0].isupper():
                    last = etree.Element("span", {"class": "sc-upper"})
                    last.text = run
                    parent.insert(index, last)
                    index += 1
                elif last is None:
                    setattr(element, attr, run)
                else:
                    last.tail = run


# How a table may be set, each smaller than the last: (class, type size in points, cell
# padding each side in ems, extra width in mm from the negative margins), as print.css has them.


TABLE_SIZES = ((None, 9.25, 0.6, 0.0), ("medium", 8.25, 0.6, 0.0), ("wide", 7.0, 0.3, 4.0))


def fit_tables(html, styles: Path) -> None:
    """Each table the editor left to the toolchain set in the largest type its columns fit
    the measure in, measured with the book's fonts: a column needs at least its widest word
    (a figure's whole cell, which never breaks); a table that fits in no size is turned on
    a page of its own (landscape). The column count's choice (medium for 5–6, wide for 7+)
    is the largest tried. A column of figures' header is set on one line as its figures
    are (print.css: `th.num`), at the smallest size too."""
    from ...typeset import measure

    faces = measure.faces(styles)
    roman, italic = faces.get((400, "normal")), faces.get((400, "italic"))
    if roman is None:
        return
    available = measure.measure_mm(styles) * measure.MM
    for wrap in html.xpath("//div[contains(concat(' ', @class, ' '), ' table-wrap ')]"):
        table = wrap.find("table")
        if wrap.get("data-layout") or table is None:
            continue
        classes = (table.get("class") or "").split()
        start = 2 if "wide" in classes else 1 if "medium" in classes else 0
        chosen = "landscape"
        for name, size, padding, extra in TABLE_SIZES[start:]:
            columns: dict[int, float] = {}
            for row in table.iter("tr"):
                for k, cell in enumerate(c for c in row if c.tag in ("td", "th")):
                    head = cell.getparent().getparent().tag == "thead"
                    whole = "num" in (cell.get("class") or "").split()  # (never wraps)
                    if head and name == "wide" and not whole:
                        continue  # headers of the smallest size hyphenate (print.css)
                    face = italic if head and italic is not None else roman
                    text = " ".join("".join(cell.itertext()).split())
                    columns[k] = max(columns.get(k, 0.0), measure.longest_word(
                        text, face, size, whole) + 2 * padding * size)
            if sum(columns.values()) <= available + extra * measure.MM:
                chosen = name
                break
        if chosen != TABLE_SIZES[start][0]:
            names = {"landscape": "wide landscape"}.get(chosen, chosen or "")
            for node in (wrap, table):
                kept = [c for c in (node.get("class") or "").split()
                        if c not in ("medium", "wide", "landscape")]
                node.set("class", " ".join(kept + names.split()))


TURNED_ROWS = 16  # body rows a turned page holds, one line each, with room to spare


TURNED = (178, 101, 8.25, 10.5)  # a turned table's box (mm, as print.css sets it: the text
# block's height by its width) and its type size and leading (pt)


ROW_EXTRA = 0.35  # a row's padding and rules, in lines
LAST_ROWS = 2  # rows a table's last turned page holds at least (no row alone), where they fit


def split_turned_tables(html, styles: Path | None = None):
    """A turned (landscape) table longer than its page goes on as many turned pages as it
    needs, each with the caption and the header row: WeasyPrint cannot carry rotated content
    over a page break, and the rows past the first page would be cut off. How many rows a
    page takes is reckoned from each row's lines, its cells measured with the book's fonts
    in columns shared out as a browser's automatic table layout shares them."""
    for wrap in html.xpath("//div[contains(concat(' ', @class, ' '), ' landscape ')]"):
        body = wrap.find("table/tbody")
        rows = list(body) if body is not None else []
        groups, shares = turned_layout(wrap, rows, styles)
        if len(groups) > 1 and shares:
            same_columns(wrap, shares)
        last = wrap
        for group in groups[1:]:
            part = copy.deepcopy(wrap)
            for node in part.iter():
                node.attrib.pop("id", None)  # the first part keeps the anchors
            part_body = part.find("table/tbody")
            for row in list(part_body):
                part_body.remove(row)
            for row in group:
                part_body.append(row)  # moved, with their numbering for the page list
            last.addnext(part)
            last = part


def same_columns(wrap, shares: list[float]) -> None:
    """A turned table set over several pages with the same columns on each (`shares` of its
    width, as `turned_layout` reckons them): left to itself, each page's table shares its
    width out by its own rows, and a column moves from page to page."""
    table = wrap.find("table")
    table.set("style", "width: 100%")
    columns = etree.Element("colgroup")
    for share in shares:
        etree.SubElement(columns, "col", {"style": f"width: {100 * share:.3f}%"})
    caption = table.find("caption")
    if caption is not None:
        caption.addnext(columns)
    else:
        table.insert(0, columns)


def turned_layout(wrap, rows: list, styles: Path | None) -> tuple[list[list], list[float]]:
    """The body rows of a turned table, grouped a turned page each, and each column's share
    of the table's width (none without the book's fonts to measure)."""
    from ...typeset import measure

    face = measure.faces(styles).get((400, "normal")) if styles else None
    if face is None:
        return [rows[k:k + TURNED_ROWS] for k in range(0, len(rows), TURNED_ROWS)] or [[]], []
    width_mm, height_mm, size, leading = TURNED
    cells = [[" ".join("".join(c.itertext()).split()) for c in row if c.tag in ("td", "th")]
             for row in wrap.iter("tr")]
    pad = 2 * 0.6 * size
    natural: dict[int, float] = {}
    least: dict[int, float] = {}
    for row in cells:
        for k, text in enumerate(row):
            natural[k] = max(natural.get(k, 0.0), face.width(text, size) + pad)
            least[k] = max(least.get(k, 0.0), measure.longest_word(text, face, size) + pad)
    available = width_mm * measure.MM
    spare = max(0.0, available - sum(least.values()))
    wanted = sum(natural[k] - least[k] for k in natural) or 1.0
    widths = {k: least[k] + spare * (natural[k] - least[k]) / wanted for k in natural}

    def lines(row: list[str]) -> float:
        return max((-(-face.width(text, size) // max(widths[k] - pad, 1.0)) or 1
                    for k, text in enumerate(row)), default=1) + ROW_EXTRA

    caption = wrap.find("table/caption")
    head = [c for row in wrap.iter("tr") if row.getparent().tag == "thead"
            for c in [[" ".join("".join(x.itertext()).split()) for x in row]]]
    room = height_mm * measure.MM / leading - sum(lines(h) for h in head) - 1.5 - (
        2 if caption is not None else 0)
    body_cells = cells[len(head):]
    groups, current, used = [], [], 0.0
    for row, text in zip(rows, body_cells, strict=False):
        need = lines(text)
        if current and used + need > room:
            groups.append(current)
            current, used = [], 0.0
        current.append(row)
        used += need
    groups.append(current)
    while len(groups) > 1 and len(groups[-1]) < LAST_ROWS and len(groups[-2]) > LAST_ROWS:
        k = len(rows) - len(groups[-1]) - 1  # the row before the last page's
        if sum(lines(text) for text in body_cells[k:]) > room:
            break
        groups[-1].insert(0, groups[-2].pop())
    total = sum(widths.values()) or 1.0
    return groups, [widths[k] / total for k in sorted(widths)]


def footnotes(book: m.Book) -> list[tuple[str, str]]:
    """(its call's id, its own id) of each note set at the foot of the page, as the XHTML
    writer names them."""
    return [(Writer.ref_id(ch, note), Writer.note_id(ch, note))
            for ch in book.chapters for note in ch.notes.values() if note.is_footnote]


def move_footnotes(html, notes: list[tuple[str, str]]):
    """Each note of `notes` (call id, note id) in place of its call, as one span."""
    by_id = {node.get("id"): node for node in html.iter() if node.get("id")}
    for call_id, note_id in notes:
        call, aside = by_id[call_id], by_id[note_id]
        note = etree.Element("span", id=aside.get("id"))
        note.set("class", "footnote")
        note.set("data-mark", call.text)
        for mark in aside.xpath(".//a[@role='doc-backlink']"):
            drop_keeping_text(mark, (mark.tail or "").lstrip())
        for k, (text, children) in enumerate([line for block in aside
                                              for line in note_lines(block)]):
            if k:
                etree.SubElement(note, "br")
            if len(note):
                note[-1].tail = (note[-1].tail or "") + (text or "")
            else:
                note.text = text
            for child in children:
                note.append(child)
        note.tail = call.tail
        call.getparent().replace(call, note)
        aside.getparent().remove(aside)
    for k, note in enumerate(html.xpath("//span[@class='footnote']")):
        note.set(weasy.NOTE_ORDER, str(k))  # (the order of the calls: a page sets its notes so)


BLOCKS = {"p", "ol", "ul", "li", "blockquote", "div", "figure", "section", "aside", "h1", "h2",
          "h3", "h4", "h5", "h6"}


def note_lines(block, depth: int = 0):
    """A block of a footnote as the lines it is set in, each (its text, its inline children:
    moved into the note's one span): a paragraph is a line; a list, a line an item, begun by
    its number or a bullet hung before it, in a span that sets every line of the item in
    (print.css `.note-item`: a list inside an item set in further); a quotation, its lines
    each in a span set in from the note's (`.note-quote`); another block, the lines of the
    blocks it holds. (A list's items moved as they are would be set out of the
    footnote.)"""
    if block.tag == "blockquote":
        for text, children in block_lines(block, depth):
            yield None, [set_in("note-quote", text, children)]
        return
    if block.tag in ("ol", "ul"):
        start, item_class = int(block.get("start", 1)), f"note-item d{min(depth, 3)}"
        for k, item in enumerate(block.findall("li")):
            mark = f"{start + k}." if block.tag == "ol" else "•"
            if not any(child.tag in BLOCKS for child in item):  # an item of inline content
                yield None, [set_in(item_class, item.text, list(item), mark)]
                continue
            for child in item:  # its blocks in order, a list inside it set in under it
                if child.tag in ("ol", "ul"):
                    if mark:  # (an item that begins with a list: its mark on a line alone)
                        yield None, [set_in(item_class, None, [], mark)]
                        mark = None
                    yield from note_lines(child, depth + 1)
                    continue
                for text, children in note_lines(child, depth):
                    yield None, [set_in(item_class, text, children, mark)]
                    mark = None
        return
    if block.tag == "p" and "stanza" in (block.get("class") or "").split():
        for line in block.iter("span"):  # each verse line's turnovers hung under it
            if "line" in (line.get("class") or "").split():
                hang = etree.Element("span", {"class": "note-hang"})
                hang.tail, line.text = line.text, None
                line.insert(0, hang)
    yield from block_lines(block, depth)


def block_lines(block, depth: int):
    """A paragraph, or a block of inline content, as one line; another block, the lines of
    the blocks it holds (a letter's footer, say: every child, a line or the lines it holds)."""
    if block.tag == "p" or not any(child.tag in BLOCKS for child in block):
        yield block.text, list(block)
        return
    for child in block:
        yield from note_lines(child, depth)


def set_in(css_class: str, text, children: list, mark: str | None = None):
    """A line of a footnote in a span of `css_class`, which print.css sets in on every line
    of it: a quotation's, or a list item's, begun by its number or bullet (`mark`, on the
    item's first line) hung before it."""
    line = etree.Element("span", {"class": css_class})
    if mark:
        hung = etree.SubElement(line, "span", {"class": "note-item-mark"})
        hung.text, hung.tail = mark, text
    else:
        line.text = text
    line.extend(children)
    return line


def drop_keeping_text(node, text: str):
    """Remove an element, keeping `text` where it stood."""
    parent, prev = node.getparent(), node.getprevious()
    if prev is None:
        parent.text = (parent.text or "") + text
    else:
        prev.tail = (prev.tail or "") + text
    parent.remove(node)


def css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
