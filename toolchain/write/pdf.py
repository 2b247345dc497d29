"""The PDF writer: the validated XHTML documents, joined and typeset by WeasyPrint.

WeasyPrint sets the book once, as a tagged PDF/UA-1 file for the screen; `press` makes the
printer's file from those pages. WeasyPrint may load only the book's own manuscript and
style files: the URL fetcher below refuses everything else.
"""

from __future__ import annotations

import copy
import gc
import hashlib
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from urllib.parse import unquote, urlparse

import pydyf
import weasyprint
from lxml import etree
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from .. import model as m
from .. import words
from ..errors import BuildError, Problem
from ..typeset import marks, pages, paragraphs, weasy
from ..typeset.hyphenate import read_exceptions
from ..typeset.weasy import page_box
from . import folios, pagelist, relayout
from .styles import font_files
from .xhtml import EPUB_TYPE, XHTML, Document

H = f"{{{XHTML}}}"


class SandboxError(FatalURLFetchingError):
    """Stops the rendering: a document named something outside the book."""


class SandboxedFetcher(weasyprint.URLFetcher):
    """Loads only files inside the given directories; never touches the network.

    Paths are resolved first, so `..` and symlinks cannot lead outside."""

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols={"file"})
        self.roots = [Path(r).resolve() for r in roots]
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                return weasyprint.urls.URLFetcherResponse(url, path.read_bytes())
        self.refused.append(url)
        raise SandboxError(f"refused to load {url}: only files inside "
                           + ", ".join(str(r) for r in self.roots) + " may be used")


def combined_html(docs: list[Document], meta: dict, build_date: datetime,
                  images: dict[str, Path] | None = None, styles: Path | None = None):
    """One HTML document for WeasyPrint: every document's body in reading order.

    Links between files become links inside the one document, and each starred note moves
    to the place of its call, where `float: footnote` puts it at the foot of that page."""
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
    half_title = etree.SubElement(body, "div", {"class": "doc doc-halftitle"})
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
        img.set("src", Path(images[img.get("src")[len("images/"):]]).resolve().as_uri())
    for link in html.xpath("//nav//a[@href] | //*[@data-epub-type='loi']//a[@href]"):
        link.set(folios.FOLIO, "0")  # its target's page, once the book is laid out
    for number in html.xpath("//a//span[@class='page-number'][@data-target]"):
        number.set(folios.FOLIO, "0")  # a page reference's: printed by print.css
        number.text = None
    for node in html.xpath("//*[contains(concat(' ', @class, ' '), ' smallcaps ') or "
                           "contains(concat(' ', @class, ' '), ' author ')]"):
        wrap_capitals(node)
    for sup in html.xpath("//a[@data-epub-type='noteref']/sup"):  # print sets calls by CSS
        sup.getparent().text = sup.text
        sup.getparent().remove(sup)
    move_footnotes(html)
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
    is the largest tried."""
    from ..typeset import measure

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
                    if head and name == "wide":
                        continue  # headers of the smallest size hyphenate (print.css)
                    face = italic if head and italic is not None else roman
                    text = " ".join("".join(cell.itertext()).split())
                    whole = "num" in (cell.get("class") or "").split()
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


def split_turned_tables(html, styles: Path | None = None):
    """A turned (landscape) table longer than its page goes on as many turned pages as it
    needs, each with the caption and the header row: WeasyPrint cannot carry rotated content
    over a page break, and the rows past the first page would be cut off. How many rows a
    page takes is reckoned from each row's lines, its cells measured with the book's fonts
    in columns shared out as a browser's automatic table layout shares them."""
    for wrap in html.xpath("//div[contains(concat(' ', @class, ' '), ' landscape ')]"):
        body = wrap.find("table/tbody")
        rows = list(body) if body is not None else []
        last = wrap
        for group in turned_pages(wrap, rows, styles)[1:]:
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


def turned_pages(wrap, rows: list, styles: Path | None) -> list[list]:
    """The body rows of a turned table, grouped a turned page each."""
    from ..typeset import measure

    face = measure.faces(styles).get((400, "normal")) if styles else None
    if face is None:
        return [rows[k:k + TURNED_ROWS] for k in range(0, len(rows), TURNED_ROWS)] or [[]]
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
    return groups


def move_footnotes(html):
    for call in html.xpath("//a[@data-epub-type='noteref'][contains(@class, 'footnote-ref')]"):
        aside = html.xpath("//*[@id=$i]", i=call.get("href").lstrip("#"))[0]
        note = etree.Element("span", id=aside.get("id"))
        note.set("class", "footnote")
        note.set("data-mark", call.text)
        for k, para in enumerate(aside):
            for mark in para.xpath(".//a[@role='doc-backlink']"):
                drop_keeping_text(mark, (mark.tail or "").lstrip())
            if k:
                etree.SubElement(note, "br")
            if len(note):
                note[-1].tail = (note[-1].tail or "") + (para.text or "")
            else:
                note.text = para.text
            for child in list(para):
                note.append(child)
        note.tail = call.tail
        call.getparent().replace(call, note)
        aside.getparent().remove(aside)


def drop_keeping_text(node, text: str):
    """Remove an element, keeping `text` where it stood."""
    parent, prev = node.getparent(), node.getprevious()
    if prev is None:
        parent.text = (parent.text or "") + text
    else:
        prev.tail = (prev.tail or "") + text
    parent.remove(node)


def render_pdf(docs: list[Document], meta: dict, build_date: datetime, styles: Path,
               manuscript: Path, target: Path, images: dict[str, Path] | None = None) -> None:
    """Typeset the book into `target`, the screen edition: the book's one layout."""
    write_layout(layout(docs, meta, build_date, styles, manuscript, images), meta, target)


class Layout:
    """The book laid out by WeasyPrint, not yet written: its pages say where each begins."""

    COUNTS = ("composed", "left", "broken again at a page foot",
              "set a line longer to fill a short page",
              "set longer to push lines onto a short page")

    def __init__(self, document, fetcher):
        self.document, self.fetcher = document, fetcher
        self.marks: dict = {}  # the index's marks: id -> (block, letters before, in all)
        self.composition: dict = {}  # paragraphs composed whole, and left to WeasyPrint
        self.by_division: dict[str, dict[str, int]] = {}  # the same counts, per division

    def totals(self) -> dict[str, int]:
        return {name: sum(counts.get(name, 0) for counts in self.by_division.values())
                for name in self.COUNTS}

    @property
    def pages(self):
        return self.document.pages


def layout(docs: list[Document], meta: dict, build_date: datetime, styles: Path,
           manuscript: Path, images: dict[str, Path] | None = None,
           compose: bool = True, kept: relayout.Kept | None = None) -> Layout:
    """Lay the book out for print: the pages that the screen and press editions share.
    With `kept` (a watch's), only the divisions changed since its layout are laid out again,
    where they can be (`relayout`), and the layout made is kept for the next build."""
    fetcher = SandboxedFetcher([styles, manuscript])
    sheet = styles / "print.css"
    if not sheet.is_file():
        raise BuildError(Problem(sheet, 0, 0, "P001", "stylesheet not found",
                                 "restore it from the repository"))
    missing_fonts(styles)
    title = meta.get("collection", {}).get("title") or meta["title"]
    running = f"@page :left {{ @top-center {{ content: {css_string(title)} }} }}"
    html = combined_html(docs, meta, build_date, images, styles)
    placed = take_marks(html)
    held = hold_index(html)
    reuse = kept is not None and compose
    now = relayout.snapshot(html, styles, images, running) if reuse else None
    if reuse and kept.layout is not None and now[0] == kept.context:
        render, fetcher = kept.render, kept.layout.fetcher  # the stylesheets, loaded
        fetcher.refused.clear()
    else:
        fonts = FontConfiguration()
        base = [weasyprint.CSS(filename=str(sheet), url_fetcher=fetcher, font_config=fonts),
                weasyprint.CSS(string=running, url_fetcher=fetcher, font_config=fonts)]

        def render(tree, extra_css: str = ""):
            extra = weasyprint.CSS(string=extra_css, url_fetcher=fetcher, font_config=fonts)
            return weasyprint.HTML(string=serialize(tree),
                                   base_url=styles.resolve().as_uri() + "/",
                                   url_fetcher=fetcher).render(stylesheets=[*base, extra],
                                                               font_config=fonts)

    counted = contents_anchors(html)

    def lay_out(tree, compose=True, whole=True):
        if not compose:
            return Layout(render(tree), fetcher)
        return composed_layout(tree, render, styles, fetcher, counted, collect=whole)

    try:
        with weasy.composed_justification(paragraphs.justify_composed):
            result = laid_out_book(kept, html, now, lay_out, counted, reuse, compose, render,
                                   placed, held)
    except SandboxError as exc:
        raise sandbox_problem(str(exc)) from None
    refused(fetcher)
    return result


def laid_out_book(kept, html, now, lay_out, counted, reuse, compose, render, placed, held):
    """The layout proper (pdf.layout has set its scene): a watch's kept divisions laid out
    again where they can be, else the whole; then the numbers the divisions print."""
    try:
        result = relayout.relayout(kept, html, now, lay_out, counted) if reuse else None
    except BaseException:
        kept.layout = None  # perhaps changed in part: the next build lays out the whole
        raise
    if result is None:
        if reuse and kept.layout is not None:
            kept.layout = None  # let go of the last layout before making the next
            gc.collect()
        result = lay_out(html, compose)
        if reuse:
            kept.remember(now, render, result)
    release_index(html, held)
    result = folios.resolve(result, html,
                            lambda tree, whole=True: lay_out(tree, compose, whole),
                            lambda doc, old, new: relayout.fits(doc, old, new, counted),
                            tail_first={INDEX_DIVISION} if held else set(), marks=placed)
    result.marks = placed
    if reuse:
        kept.layout = result
    return result


INDEX_DIVISION = "doc-index"


def take_marks(html) -> dict:
    """The index's marks out of the print HTML (typeset.marks), the index's locators
    linked to their blocks instead."""
    placed = marks.take_marks(html)
    targets = marks.block_targets(html, placed)
    for link in html.xpath("//a[@data-at]"):
        if link.get("data-at") in targets:
            link.set("href", f"#{targets[link.get('data-at')]}")
    return placed


def hold_index(html) -> list | None:
    """The index's entries taken out of the book, so that the book's layout and its mending
    rounds (a dozen layouts of the whole) do not each set the index's columns again: the
    index keeps its title, and so its first page, and is laid out whole once at the end, with
    its page numbers (`folios.resolve`). The entries taken, to put back; None if none."""
    found = html.xpath(f"//div[@id='{INDEX_DIVISION}']//section[@id='index']")
    if not found:
        return None
    held = [child for child in found[0] if child.tag != "h1"]
    for child in held:
        found[0].remove(child)
    return held


def release_index(html, held: list | None) -> None:
    if held:
        html.xpath(f"//div[@id='{INDEX_DIVISION}']//section[@id='index']")[0].extend(held)


def composed_layout(html, render, styles: Path, fetcher, counted: set[str] | None = None,
                    collect: bool = True) -> Layout:
    """The book with its paragraphs composed whole (typeset.paragraphs): a first layout to
    measure them, the layout with their lines; then the paragraphs set again for short
    pages and for the page feet (typeset.pages) are laid out alone and their lines put in
    place (or, where they will not fit their places, the book is laid out again), and the
    pages over which lines are pushed onto a short page laid out again alone. `counted`:
    the anchors whose page numbers the contents print (by default, read from its links);
    `collect`: whether to collect the garbage of a layout let go (build.few_collections),
    which takes a second when a whole book's layout is kept alive beside it, as in a watch."""
    if counted is None:
        counted = contents_anchors(html)
    paragraphs.mark(html)
    every = {node.get(paragraphs.KEY) for node in html.iter() if node.get(paragraphs.KEY)}
    composition = paragraphs.Composition(  # the first layout is let go once measured
        html, render(pages.only(copy.deepcopy(html), every), paragraphs.MEASURE_CSS)
        if every else None, read_exceptions(styles))  # (nothing to measure: the contents)
    if collect:
        gc.collect()  # the first layout's boxes, which refer to each other
    document = pages.mend_blocks(composition, render(composition.html_tree(), paragraphs.SET_CSS),
                                 render)
    filled = {}
    for tolerance in (None, pages.LEVELLING_TOLERANCE):  # the paragraph's own, then looser
        more = pages.fill_short_pages(composition, document, tolerance)
        if more:
            alone = render(pages.only(composition.html_tree(), set(more)), paragraphs.SET_CSS)
            if not pages.lengthen(document, alone, more):
                document = None  # the book laid out again: the old layout collected first
                if collect:
                    gc.collect()
                document = render(composition.html_tree(), paragraphs.SET_CSS)
            filled.update(more)
    pushed = push_onto_short_pages(composition, document, render, counted)
    moved = pages.keep_hyphens_off_page_feet(composition, document)
    how = "none moved"
    if moved:
        alone = render(pages.only(composition.html_tree(), set(moved)), paragraphs.SET_CSS)
        how = "their lines put in place"
        if not pages.transplant(document, alone, moved):
            document = None  # the book laid out again: the old layout collected first
            if collect:
                gc.collect()
            document = render(composition.html_tree(), paragraphs.SET_CSS)
            how = "the book laid out again"
    result = Layout(document, fetcher)
    for name, keys in zip(Layout.COUNTS, (composition.plans, composition.left, moved, filled,
                                          pushed), strict=True):
        for key in keys:
            counts = result.by_division.setdefault(composition.division_of(key), {})
            counts[name] = counts.get(name, 0) + 1
    result.composition = {**result.totals(), "page feet": how}
    return result


def contents_anchors(html) -> set[str]:
    """The anchors whose page numbers the contents print."""
    return {link.get("href")[1:] for link in html.xpath("//nav//a[starts-with(@href, '#')]")}


PUSHING_TRIES = 3  # paragraphs tried, each a layout of a few pages, for a short page


def push_onto_short_pages(composition, document, render, counted: set[str]) -> list[str]:
    """Each page still short gets lines pushed onto it by a paragraph on the pages before
    set looser (typeset.pages.pushing_options), the least loosened that works: those pages
    are laid out again alone (`window`) and put in the book's if they then leave fewer
    lines short, hold the same text and move no heading the contents list; else the
    paragraph is set as it was. Returns the keys of the paragraphs kept longer."""
    kept: list[str] = []
    if not document.pages:
        return kept
    book = page_box(document.pages[0]).children[0].element  # the whole book's tree
    for page, short in pages.short_pages(document):
        first, options = pages.pushing_options(composition, document, page, short)
        ends = [pages.block_elements(document, n, line) for n, line in (
            (first, pages.first_main_flow_line(page_box(document.pages[first]))),
            (page, pages.last_main_flow_line(page_box(document.pages[page]))))]
        if not options or not all(ends) or any(  # not pages laid out again already
                page_box(document.pages[n]).children[0].element is not book
                for n in range(first, page + 1)):
            continue
        places = [pages.place_of(book, blocks[0]) for blocks in ends]
        if None in places:
            continue
        side = page_box(document.pages[first]).page_type.side
        for key, plan in options[:PUSHING_TRIES]:
            before, composition.plans[key] = composition.plans[key], plan
            tree = pages.window(composition.html_tree({places[0][0]}), *places, side)
            if tree is not None and pages.splice_window(
                    document, render(tree, paragraphs.SET_CSS), first, counted):
                kept.append(key)
                break
            composition.plans[key] = before
    return kept


def write_layout(laid_out: Layout, meta: dict, target: Path) -> None:
    """Write the laid-out book as the screen edition, a tagged PDF/UA-1 file."""
    identifier = hashlib.sha256(meta["identifier"].encode()).hexdigest()[:32]
    try:
        laid_out.document.write_pdf(target, pdf_identifier=identifier.encode(),
                                    pdf_variant="pdf/ua-1", finisher=page_labels)
    except SandboxError as exc:
        raise sandbox_problem(str(exc)) from None
    refused(laid_out.fetcher)


def page_labels(document, pdf) -> None:
    """The printed folios as the PDF's page labels (roman in the front matter, arabic from
    the body's first page), so that a reader's "go to page 23" finds the page the index and
    the contents print as 23."""
    from ..typeset.facts import folios

    labels = folios(document.pages)
    start = labels.index("1") if "1" in labels else len(labels)
    ranges = pydyf.Array([0, pydyf.Dictionary({"S": "/r"})]) if start else pydyf.Array()
    if start < len(labels):
        ranges.extend([start, pydyf.Dictionary({"S": "/D"})])
    pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": ranges})


def sandbox_problem(message: str) -> BuildError:
    return BuildError(Problem("pdf", 0, 0, "P002", message,
                              "keep images and styles inside manuscript/ or styles/"))


def refused(fetcher: SandboxedFetcher) -> None:
    if fetcher.refused:
        raise sandbox_problem(f"refused to load {fetcher.refused[0]}")


def css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def missing_fonts(styles: Path) -> None:
    """Every font the print stylesheet names must be in styles/fonts, or the build stops."""
    font_files(styles)
