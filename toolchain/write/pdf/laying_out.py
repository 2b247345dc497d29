"""The layout: the print HTML, and a tree of it (a division, `folios.alone`) or the whole
book laid out by WeasyPrint, its paragraphs composed, its pages mended; laid out whole, the
numbers other divisions print filled in (`folios.resolve`)."""

from __future__ import annotations

import copy
import gc
import hashlib
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import weasyprint
from weasyprint.text.fonts import FontConfiguration

from ... import model as m
from ...errors import BuildError, Problem
from ...typeset import facts, marks, pages, paragraphs, weasy
from ...typeset.hyphenate import read_exceptions
from ...typeset.weasy import page_box
from .. import folios
from ..styles import font_files
from ..xhtml import Document
from .assemble import combined_html, css_string, serialize
from .sandbox import SandboxedFetcher, SandboxError, refused, sandbox_problem


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
        self.html = None  # the book's HTML as laid out, its page numbers filled in
        self.alone = None  # lays out a tree cut from `html` as the book is (`division_alone`)

    def totals(self) -> dict[str, int]:
        return {name: sum(counts.get(name, 0) for counts in self.by_division.values())
                for name in self.COUNTS}

    @property
    def pages(self):
        return self.document.pages


def layout(book: m.Book, docs: list[Document], build_date: datetime, styles: Path,
           manuscript: Path, images: dict[str, Path] | None = None,
           compose: bool = True) -> Layout:
    """The book laid out whole for print, as one WeasyPrint document. (A build lays it out
    a division at a time: `apart`; tests/test_join.py holds that the pages are the same.)"""
    return lay_out_whole(Setting(book, docs, build_date, styles, manuscript, images, compose))


class Setting:
    """The book's print HTML (its index marks taken out) and how a tree of it is laid out:
    the stylesheets and fonts loaded once, the paragraphs composed."""

    def __init__(self, book: m.Book, docs: list[Document], build_date: datetime, styles: Path,
                 manuscript: Path, images: dict[str, Path] | None = None, compose: bool = True):
        sheet = styles / "print.css"
        if not sheet.is_file():
            raise BuildError(Problem(sheet, 0, 0, "P001", "stylesheet not found",
                                     "restore it from the repository"))
        missing_fonts(styles)
        meta = book.meta
        title = meta.get("collection", {}).get("title") or meta["title"]
        self.running = f"@page :left {{ @top-center {{ content: {css_string(title)} }} }}"
        self.html = html = combined_html(book, docs, build_date, images, styles)
        self.placed = take_marks(html)
        self.compose = compose
        self.context = context(html, styles, images, self.running)
        self.styles, self.manuscript, self.images = styles, manuscript, images
        self.counted = contents_anchors(html)
        self.looking_back = weasy.styled_by_later_siblings(sheet.read_text("utf-8") + self.running)
        self.load()

    def load(self) -> None:
        """The stylesheets and fonts loaded, behind the URL sandbox: `render`."""
        fetcher = SandboxedFetcher([self.styles, self.manuscript], self.images)
        fonts = FontConfiguration()
        base = [weasyprint.CSS(filename=str(self.styles / "print.css"), url_fetcher=fetcher,
                               font_config=fonts),
                weasyprint.CSS(string=self.running, url_fetcher=fetcher, font_config=fonts)]
        base_url = self.styles.resolve().as_uri() + "/"

        measured: dict[str, dict] = {}  # extra_css -> the notes' heights (weasy.notes_measured)

        def render(tree, extra_css: str = "", after=None, keep: bool = False):
            """`tree` laid out; `after`: a layout of the tree before a change, kept
            (`keep`, or `after` given), to resume from (weasy.resuming)."""
            extra = weasyprint.CSS(string=extra_css, url_fetcher=fetcher, font_config=fonts)
            document = weasy.html_document(tree, base_url, fetcher) or weasyprint.HTML(
                string=serialize(tree), base_url=base_url, url_fetcher=fetcher)
            with weasy.notes_measured(measured.setdefault(extra_css, {})), \
                    weasy.resuming(after, keep, self.looking_back):
                return document.render(stylesheets=[*base, extra], font_config=fonts)
        self.render, self.fetcher = render, fetcher

    def __getstate__(self) -> dict:
        """What a worker of a Dask cluster needs to lay out a division (`apart.on_cluster`):
        all but the book's HTML (each task sends its division's) and what `load` makes."""
        return {k: v for k, v in self.__dict__.items() if k not in ("html", "render", "fetcher")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, html=None)
        self.load()

    def lay_out(self, tree, compose: bool = True, whole: bool = True) -> Layout:
        if not compose:
            return Layout(self.render(tree), self.fetcher)
        return composed_layout(tree, self.render, self.styles, self.fetcher, self.counted,
                               collect=whole)

    def alone(self, tree) -> Layout:
        """A tree cut from the book's HTML (`folios.alone`) laid out as the book is."""
        with setting_the_book():
            return self.lay_out(tree, self.compose, whole=False)


def context(html, styles: Path, images: dict[str, Path] | None, extra: str) -> str:
    """A hash of what the layout of every division depends on outside the divisions: the
    stylesheets' folder (fonts too), the figures' files, `extra` (the running title's CSS),
    the attributes of the book's root and body, and the divisions' order."""
    body = html.find("body")
    digest = hashlib.sha256(extra.encode())
    for path in sorted(p for p in Path(styles).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(styles)).encode() + b"\0" + path.read_bytes())
    for name, path in sorted((images or {}).items()):
        digest.update(name.encode() + b"\0" + Path(path).read_bytes())
    digest.update(repr(sorted(html.attrib.items())).encode())
    digest.update(repr(sorted(body.attrib.items())).encode())
    digest.update(repr([d.get("id") for d in body]).encode())
    return digest.hexdigest()


def lay_out_whole(setting: Setting) -> Layout:
    """The book laid out whole, the numbers its divisions print filled in."""
    html = setting.html
    held = hold_index(html)
    with setting_the_book():
        result = setting.lay_out(html, setting.compose)
        release_index(html, held)
        result = folios.resolve(
            result, html, lambda tree, whole=True: setting.lay_out(tree, setting.compose, whole),
            lambda doc, old, new: folios.fits(doc, old, new, setting.counted),
            tail_first={INDEX_DIVISION} if held else set(), marks=setting.placed)
        result.marks = setting.placed
    refused(setting.fetcher)
    result.html, result.alone = html, setting.alone
    return result


@contextmanager
def setting_the_book():
    """While the book (or a part of it) is laid out: the composed lines justified as
    composed, and a file the sandbox refuses an error the user can act on."""
    try:
        with weasy.composed_justification(paragraphs.justify_composed):
            yield
    except SandboxError as exc:
        raise sandbox_problem(str(exc)) from None


def division_alone(laid_out: Layout, name: str) -> Layout:
    """Division `name` of a laid-out book laid out again alone, from the folio it begins on
    in the book: its pages are the book's, each set, headed and numbered as there
    (tests/test_join.py). Laying the divisions out apart, each in a process of its own, and
    joining their PDFs (`join`) rests on this."""
    first = next(k for k, page in enumerate(laid_out.pages)
                 if not page_box(page).page_type.blank and pages.division(page_box(page)) == name)
    return laid_out.alone(folios.alone(laid_out.html, {name}, facts.folios(laid_out.pages)[first],
                                       page_box(laid_out.pages[first]).page_type.side))


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
    document = pages.mend_blocks(composition, render(composition.html_tree(), paragraphs.SET_CSS,
                                                     keep=True), render)
    weasy.forget_layout(document)

    def again():
        """The book laid out whole again, the old layout let go (and collected) first."""
        nonlocal document
        document = None
        if collect:
            gc.collect()
        document = render(composition.html_tree(), paragraphs.SET_CSS)

    filled = {}
    for tolerance in (None, pages.LEVELLING_TOLERANCE):  # the paragraph's own, then looser
        more = pages.fill_short_pages(composition, document, tolerance)
        if more:
            alone = render(pages.only(composition.html_tree(), set(more)), paragraphs.SET_CSS)
            if not pages.lengthen(document, alone, more):
                again()
            filled.update(more)
    pushed = push_onto_short_pages(composition, document, render, counted)
    plans = dict(composition.plans)
    moved = pages.keep_hyphens_off_page_feet(composition, document)
    how = "none moved"
    if moved:
        off_page = pages.notes_astray(document.pages)
        alone = render(pages.only(composition.html_tree(), set(moved)), paragraphs.SET_CSS)
        how = "their lines put in place"
        if not pages.transplant(document, alone, moved):
            again()
            how = "the book laid out again"
        if pages.notes_astray(document.pages) > off_page:
            composition.plans = plans  # a note sent off its call's page: the breaks as they
            again()  # were, the book laid out with them again
            how, moved = "left hyphenated: a footnote would have left its page", []
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


def missing_fonts(styles: Path) -> None:
    """Every font the print stylesheet names must be in styles/fonts, or the build stops."""
    font_files(styles)
