"""THE WALL: every private name of WeasyPrint (and of pydyf, its PDF writer) the toolchain
uses, here and nowhere else. Written against WeasyPrint 70.0 and pydyf 0.13 (pyproject.toml
holds WeasyPrint below 71; constraints.txt holds the exact versions; a test fails on any
other WeasyPrint, naming this module). A new release is read against this list first:

- `formatting_structure.boxes`: the box tree of a laid-out document, re-exported as `boxes`
  (its classes for isinstance; `children`, `element`, `element_tag`, `style`, `position_y`,
  `height`, `margin_height()`, `text`, `pango_layout`, `page_type` read, and moved between
  pages by `typeset/pages.py` when it mends them).
- `document.Page` and `Page._page_box`: a page made again from a mended box tree
  (`new_page`), and a laid-out page's box tree (`page_box`).
- `text.line_break.Layout`, `line_size`: a word's width as WeasyPrint will set it
  (`text_layout`, `line_width`).
- `layout.inline`: `text_align` replaced while the book is laid out (`composed_justification`,
  entered by `write/pdf.layout` only, so that a cover or anything else WeasyPrint sets is
  its own), `count_expandable_spaces`, `add_word_spacing`, `create_layout`.
- pydyf's `PDF.page_references` made a cached property, and pydyf's `zlib` given a
  faster compression level (`cached_page_references`, `StreamCompression` below).
- `LayoutContext._update_footnote_area` (weasyprint/layout/__init__.py): WeasyPrint finds
  that a footnote overflows its area when the area's last line ends below the area's bottom
  by any amount, and then moves the note to the next page — while its call stays. The two
  are sums of the same line heights in another order, and differ by a rounding (1e-13 px)
  as often as not: a note of two lines under one of sixteen was moved so, with half a page
  free. The same method, but the comparison within a hundredth of a pixel. And it lays
  all the page's notes out again each time a note is added or moved on, the most of a
  note-heavy book's layout (a page of five long notes: fifteen notes laid out); where the
  area is as high as its notes added (`stacks`: no max-height, no margins that would
  collapse), each note is laid out alone once for its page and the heights added
  (`stacked_notes`; `formatting_structure.build.create_anonymous_boxes` and
  `layout.block.block_level_layout` as the method calls them; the boxes' `margin_height()`,
  `content_box_y()`, `style`). The pages are the same, byte for byte. Where the notes then
  reach above the page's text block, the method says they overflow (`runs_off`), as it does
  for an area of a fixed height: WeasyPrint sets the notes carried to a page there however
  long, and moves one on only when told so (a rest split twice goes on to a third page).
  Measured so, a note's height is kept for the next layouts of the book with the same
  stylesheets (`notes_measured`, `measured_key`): its element marked, as the document is
  made, with a digest of what styles it (`mark_notes`), its boxes' text, and the page's
  type, size and footnote area's place (`page.page_type`, `area.position_y`): the mending
  lays a division out some thirty times, its notes mostly alike on the same pages. And
  the page's notes (`current_page_footnotes`) are put in the order of their calls first
  (`in_call_order`, by `NOTE_ORDER`): WeasyPrint sets those carried over before those
  called on the page, whatever their calls' order; and the notes carried over onto a page
  (`reported_footnotes`) are put in that order as it is begun (`make_page`).
- `document.layout_document` (as `document.py` calls it), `layout.make_all_pages`,
  `layout.page.make_page`, `remake_page` and `set_page_type_computed_styles`, and the
  `LayoutContext`'s `page_maker`, `reported_footnotes`, `broken_out_of_flow`,
  `running_elements`, `rendered_notes`, `style_for.initial_page_sizes` and
  `target_collector.counter_lookup_items`; `Document._html`, `Box.copy_with_children`,
  `descendants()`, `element`, `PageBox.page_type`: a layout resumed at a page of an
  earlier layout of the same division changed further on (`resuming`). The layout's state
  is kept on its document (its box tree, its context, each page's boxes as made and
  whether anything was carried onto it); the next layout takes the pages before the first
  that holds a changed element, less `MARGIN`, as they were, and lays the rest out from
  the `page_maker`'s state there, as `make_all_pages` would, the notes carried onto that
  page the new tree's same notes (`context.footnotes`, `carried_notes`). It resumes only
  where no float is carried over onto that page and the page begins in plain blocks (no
  table, flex, grid or columns), with no page-based counters (`counter_lookup_items`);
  an element put in or taken out restyles the one before it where a stylesheet has
  `:last-child` for its name (`styled_by_later_siblings`), and anything further back
  (`:nth-last-child`) stops it. The pages are those of a layout from the first page, box
  for box and byte for byte (tests/test_typeset.py).
- `layout.block._linebox_layout`: when a paragraph's line runs past the page's foot where
  the paragraph could not break before it (its orphans), WeasyPrint moves the page's notes
  on to the next page, off the page that calls them, to set that line. The function is
  compiled again from its own source with that one rule (`NOTES_FOR_A_LINE`) made False,
  in its module, and put in place while the book is laid out (`composed_justification`).
- `layout.inline.handle_leader` (`layout.leader`'s, as `iter_line_boxes` calls it): a
  leader fills its line to the containing block's width from the line's start, but the
  first line of a block with a `text-indent` starts that far along (or, negative, back):
  the list of illustrations' entries hang by -1.4em, and the folio of an entry of one line
  ended 1.4em short of the others'. The same function compiled again from its own source
  with the indent taken from that room (`LEADER_ROOM`), put in place while the book is laid
  out (`composed_justification`).
- `pdf.tags._build_box_tree`: the PDF/UA structure elements of a box and its children.
  WeasyPrint makes one for every inline box, an empty one (/NonStruct) for each `<br>`
  that ends a composed line: a third of the elements of a book's tags, for nothing. The
  same function, the empty /NonStruct elements it gives left out of their parent's kids
  (`without_empty_elements`).
- `HTML`'s attributes as `HTML.__init__` leaves them (`base_url`, `url_fetcher`,
  `media_type`, `wrapper_element`, `etree_element`): a document made from the toolchain's
  own tree, not from its HTML parsed again (`html_document`).
- `pdf.fonts.Font.subset`: how WeasyPrint cuts each font down to the glyphs a document
  uses. It subsets with the system's HarfBuzz subsetter (Debian's libharfbuzz-subset0) if
  installed, else with fontTools: some 0.2 s a font of each division (fontTools reads the
  GSUB and GPOS tables whole before dropping them), the title's build a fifth slower, a
  small book's layout two and a half times; and the bytes differ from machine to machine
  with the library found, and its release. The same steps as WeasyPrint's HarfBuzz
  subsetting (`_harfbuzz_subset`: the glyph ids kept, the same flags, the same tables
  dropped), always with the HarfBuzz of the uharfbuzz wheel, a declared dependency
  (`subset_font`): as fast everywhere, and the same subsets on every machine that has the
  release constraints.txt pins. It cuts `file_content`, which WeasyPrint cuts once a font
  of a document written (each division's part is written from a copy with its own fonts).
- `pdf.fonts.TTFont`: the fontTools class WeasyPrint makes a variable font static with, or
  takes a colour font's images out of, after subsetting, and saves: fontTools then stamps
  the font with the time of the build (SOURCE_DATE_EPOCH, else now), so that the same
  sources gave other bytes each time, and a division kept from an earlier build another
  date than one laid out today. A TTFont that keeps the font's own date, as HarfBuzz does
  (`TTFontOfItsOwnDate`).
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import re
import zlib
from contextlib import contextmanager
from math import inf
from xml.etree import ElementTree

import cssselect2
import pydyf
import uharfbuzz
import weasyprint
from fontTools.ttLib import TTFont
from lxml import etree
from weasyprint import document as _document
from weasyprint import layout as _layout
from weasyprint.document import Page
from weasyprint.formatting_structure import boxes, build
from weasyprint.layout import LayoutContext
from weasyprint.layout import block as _block
from weasyprint.layout import inline as _inline
from weasyprint.layout import leader as _leader
from weasyprint.layout import page as _page
from weasyprint.layout.block import block_level_layout
from weasyprint.pdf import fonts as _fonts
from weasyprint.pdf import tags as _tags
from weasyprint.text.line_break import Layout, line_size

__all__ = ["boxes", "page_box", "new_page", "text_layout", "line_width",
           "count_expandable_spaces", "add_word_spacing", "create_layout",
           "composed_justification", "html_document", "notes_measured", "resuming",
           "forget_layout", "WRITTEN_FOR", "version_problem"]

WRITTEN_FOR = "70.0"
TOLERANCE = 0.01  # px


def version_problem() -> str | None:
    """What is wrong with the WeasyPrint installed, for a test to say plainly."""
    if weasyprint.__version__ != WRITTEN_FOR:
        return (f"WeasyPrint {weasyprint.__version__} is installed; toolchain/typeset/weasy.py "
                f"was written against {WRITTEN_FOR}: read each private name its docstring "
                "lists against the new release, then raise WRITTEN_FOR")
    if LINEBOX_LAYOUT is None:
        return ("WeasyPrint's layout.block._linebox_layout does not hold the rule "
                "toolchain/typeset/weasy.py changes (NOTES_FOR_A_LINE): read it again")
    if LEADERS_INDENTED is None:
        return ("WeasyPrint's layout.leader.handle_leader does not hold the rule "
                "toolchain/typeset/weasy.py changes (LEADER_ROOM): read it again")
    return None


def page_box(page):
    """A laid-out page's box tree."""
    return page._page_box


def new_page(box):
    """A page made from a (mended) page box: its links, anchors and bookmarks found again."""
    return Page(box)


def text_layout(style):
    return Layout(style)


def line_width(line, style) -> float:
    return line_size(line, style)[0]


count_expandable_spaces = _inline.count_expandable_spaces
add_word_spacing = _inline.add_word_spacing
create_layout = _inline.create_layout
original_text_align = _inline.text_align


# WeasyPrint's rule that moves a page's notes on, the last first, until a paragraph's line
# fits for its orphans; without it the paragraph breaks as on a page without notes (the
# line, or the paragraph for its orphans, goes over), and each note stays with its call
NOTES_FOR_A_LINE = "report = not context.in_column and can_break_now and not could_break_before"


# WeasyPrint's leader: the room it fills on its line, from the line's start; the first
# line of an indented block starts `text_indent` along
LEADER_ROOM = "extra_width = containing_block.width - sum("


def changed(function, module, old: str, new: str):
    """WeasyPrint's `function` with `old` in its source made `new`, compiled in its
    `module` at its own line numbers; None if the source is not the one this was
    written against (`old` not found there once)."""
    lines, start = inspect.getsourcelines(function)
    source = "".join(lines)
    if weasyprint.__version__ != WRITTEN_FOR or source.count(old) != 1:
        return None
    source = "\n" * (start - 1) + source.replace(old, new)
    namespace = dict(vars(module))
    exec(compile(source, module.__file__, "exec"), namespace)  # noqa: S102 (WeasyPrint's own)
    return namespace[function.__name__]


# `_linebox_layout` with its footnotes never moved on for a line of text
LINEBOX_LAYOUT = changed(_block._linebox_layout, _block, NOTES_FOR_A_LINE, "report = False")
# `handle_leader` filling the room the line has: the block's width less its first line's indent
LEADERS_INDENTED = changed(_inline.handle_leader, _leader, LEADER_ROOM, "extra_width = "
                           "containing_block.width - getattr(line, 'text_indent', 0) - sum(")


@contextmanager
def composed_justification(text_align):
    """WeasyPrint's `text_align` replaced by `text_align` (typeset/paragraphs' justification
    of composed lines), its leaders set for indented lines (`LEADERS_INDENTED`), and its
    notes kept on their lines' page (`LINEBOX_LAYOUT`) while the book is laid out, and all
    put back after."""
    before = _inline.text_align, _inline.handle_leader, _block._linebox_layout
    _inline.text_align = text_align
    if LEADERS_INDENTED is not None:
        _inline.handle_leader = LEADERS_INDENTED
    if LINEBOX_LAYOUT is not None:
        _block._linebox_layout = LINEBOX_LAYOUT
    try:
        yield
    finally:
        _inline.text_align, _inline.handle_leader, _block._linebox_layout = before


def update_footnote_area(self):
    """WeasyPrint's own, but for the tolerance in the overflow's comparison, and the notes
    not laid out again each time one is added (`stacked_notes`), and set in the order of
    their calls (`in_call_order`)."""
    in_call_order(self.current_page_footnotes)
    if self.current_footnote_area.height != "auto" and not self.in_column:
        self.page_bottom += self.current_footnote_area.margin_height()
    self.current_footnote_area.children = self.current_page_footnotes
    if self.current_footnote_area.children and stacks(self.current_footnote_area):
        height, outside = stacked_notes(self, self.current_footnote_area)
        self.current_footnote_area.height = height
        if not self.in_column:
            self.page_bottom -= height + outside
        return runs_off(self)  # (no max-height: the notes overflow the page, not the area)
    if self.current_footnote_area.children:
        footnote_area = build.create_anonymous_boxes(self.current_footnote_area.deepcopy())
        footnote_area = block_level_layout(
            self, footnote_area, -inf, None, self.current_footnote_area.page)[0]
        self.current_footnote_area.height = footnote_area.height
        if not self.in_column:
            self.page_bottom -= footnote_area.margin_height()
        last_child = footnote_area.children[-1]
        last_child_bottom = (last_child.position_y + last_child.margin_height() -
                             last_child.margin_bottom)
        footnote_area_bottom = (footnote_area.position_y + footnote_area.margin_height() -
                                footnote_area.margin_bottom)
        return last_child_bottom > footnote_area_bottom + TOLERANCE
    self.current_footnote_area.height = 0
    if not self.in_column:
        self.page_bottom -= self.current_footnote_area.margin_height()
    return False


NOTE_ORDER = "data-note-order"  # on a footnote's element (and its rests'): its call's place


def in_call_order(notes: list) -> None:
    """A page's notes in the order of their calls, as TeX sets its insertions: WeasyPrint
    sets first the notes carried over from the page before, then those called on the page —
    so the rest of a note split on a page of notes alone, called on the next, came after
    the notes held over to it that were called after the note (book-58), its rule drawn
    across their text. Their heights are the same in any order. (The notes carried over
    are put in order too, as the page is begun, `make_page`: the first stays on the page,
    and those after one that does not fit are carried on.)"""
    def order(note) -> int:
        element = getattr(note, "element", None)
        return int(element.get(NOTE_ORDER, -1)) if element is not None else -1

    notes.sort(key=order)


def runs_off(context) -> bool:
    """Whether the page's notes reach above its text block: WeasyPrint then moves a note
    carried over from the page before on again (not the first: something goes on each page),
    as it does one that overflows a footnote area of a fixed height. So the rest of a long
    note split twice goes on to the third page, as its split meant, not over the page's
    head (which WeasyPrint's own test, against the area's height, never finds: it has none)."""
    page = context.current_footnote_area.page
    return not context.in_column and context.page_bottom < page.content_box_y() - TOLERANCE


def stacks(area) -> bool:
    """Whether a footnote area is as high as its notes laid out one by one, added: no
    max-height, each note a block with no margin below it and none above it but a negative
    one (the rule over a note carried over), which the area's padding or border keeps
    from running into its own margin."""
    style = area.style
    if style["max_height"].value != inf or not (style["padding_top"].value > 0 or
                                                 style["border_top_width"] > 0):
        return False
    for note in area.children:
        top, bottom = note.style["margin_top"], note.style["margin_bottom"]
        if note.style["footnote_display"] != "block" or getattr(top, "unit", None) != "px" \
                or top.value > 0 or getattr(bottom, "unit", None) != "px" or bottom.value != 0:
            return False  # (`auto` is no length)
    return True


def stacked_notes(context, area) -> tuple[float, float]:
    """The height of the footnote area, and what its margins, padding and border add: each
    note laid out alone in the area once for the page (WeasyPrint lays all the page's notes
    out again each time one is added or moved on: a page of notes cost the square of its
    notes), the heights added as WeasyPrint stacks them."""
    kept = context.__dict__.get("toolchain_notes_alone")
    if kept is None or kept["area"] is not area:  # a new page: its own area
        kept = context.__dict__["toolchain_notes_alone"] = {"area": area}
    top = outside = None
    height = 0.0
    for note in area.children:
        found = kept.get(id(note))
        measure = measured_key(context, area, note)
        if (found is None or found[0] is not note) and measure in (MEASURED[-1] or ()):
            found = kept[id(note)] = (note, area, *MEASURED[-1][measure])
        if found is None or found[0] is not note:
            area.children = [note]
            try:
                alone = build.create_anonymous_boxes(area.deepcopy())
            finally:
                area.children = context.current_page_footnotes
            alone = block_level_layout(context, alone, -inf, None, area.page)[0]
            found = (note, area, alone.children[0].margin_height(), alone.content_box_y(),
                     alone.margin_height() - alone.height)
            kept[id(note)] = found
            if measure is not None:
                MEASURED[-1][measure] = found[2:]
        if top is None:
            top, outside = found[3], found[4]
            y = top
        y += found[2]
        height = y - top
    return height, outside


# the notes' heights measured in the layouts of one book, kept between them (`notes_measured`):
# the mending lays a division out some thirty times, its notes alike on the same pages
MEASURED: list[dict | None] = [None]
NOTE_KEY = "data-toolchain-note"  # on a note's element: what, besides the note, styles it


@contextmanager
def notes_measured(kept: dict):
    """While a document is laid out, the notes' heights measured in earlier layouts with
    the same stylesheets (`kept`) taken from there, and those measured now kept there."""
    MEASURED.append(kept)
    try:
        yield
    finally:
        MEASURED.pop()


def measured_key(context, area, note) -> tuple | None:
    """What a note's height alone in its page's footnote area depends on: the note's
    element as written and where it stands in the document (`mark_notes`: its ancestors,
    their places and the siblings before them, which the stylesheets' selectors read),
    the note's text as boxed (a part of a note is another key), and the page (its type,
    size, the area's place). None, so measured anew, where the page has floats, which
    the note's lines could be set round, or where the note's element bears no mark."""
    element = getattr(note, "element", None)
    mark = element.get(NOTE_KEY) if element is not None else None
    if mark is None or MEASURED[-1] is None or context.excluded_shapes:
        return None
    page = area.page
    texts = [box.text for box in note.descendants() if isinstance(box, boxes.TextBox)]
    return (mark, "\0".join(texts), tuple(page.page_type), page.width, page.height,
            area.position_x, area.position_y)


def mark_notes(root) -> None:
    """Each footnote's element of an ElementTree document marked with a digest of what
    styles it besides itself (`NOTE_KEY`): for the note and each ancestor, its place among
    its siblings and the sibling before it; for each ancestor, its name and attributes."""
    parents = None
    for element in root.iter():
        if "footnote" not in (element.get("class") or "").split():
            continue
        if parents is None:
            parents = {child: parent for parent in root.iter() for child in parent}
        digest = hashlib.sha256(note_written(element))
        child = element
        while child in parents:
            parent = parents[child]
            siblings = list(parent)
            place = siblings.index(child)
            before = siblings[place - 1] if place else None
            digest.update(repr((place, len(siblings), before is not None and (
                before.tag, sorted(before.attrib.items())), parent.tag,
                sorted(parent.attrib.items()))).encode())
            child = parent
        element.set(NOTE_KEY, digest.hexdigest())


def note_written(element) -> bytes:
    """The element written out, without the text after it."""
    tail, element.tail = element.tail, None
    try:
        return ElementTree.tostring(element, encoding="utf-8")
    finally:
        element.tail = tail


if weasyprint.__version__ == WRITTEN_FOR and hasattr(LayoutContext, "_update_footnote_area"):
    LayoutContext._update_footnote_area = update_footnote_area


# A layout resumed at a page of an earlier one (`resuming`): the mending lays a division out
# again some thirty times, each time changed at one place, mostly far into it
LAYING_OUT: list[tuple] = [(False, None, None)]  # (keep the layout's state, the layout
# resumed, the elements the stylesheets may style by the siblings after them)
MAKE_PAGE = _page.make_page
MAKE_ALL_PAGES = _layout.make_all_pages
LAYOUT_DOCUMENT = _document.layout_document
MARGIN = 2  # pages laid out again before the first that holds anything changed


LOOKING_FURTHER = re.compile(r"nth-last|last-of-type|only-of-type|:has\(|@import")
LAST_CHILD = re.compile(r"([A-Za-z][\w-]*)?(?:[.#][\w-]+|\[[^\]]*\])*:(?:last-child|only-child)")


def styled_by_later_siblings(css: str) -> frozenset | None:
    """The names of the elements a stylesheet may style by the siblings after them
    (`tr:last-child`): an element put in or taken out after one of these restyles it.
    None where it may be any element, or by siblings further on (`:nth-last-child`)."""
    if LOOKING_FURTHER.search(css):
        return None
    names = set()
    for found in LAST_CHILD.finditer(css):
        if not found[1]:
            return None
        names.add(found[1].lower())
    return frozenset(names)


@contextmanager
def resuming(earlier=None, keep: bool = False, looking_back: frozenset | None = None):
    """While a document is rendered: its layout's state kept on it (`keep`, or `earlier`
    given), for a later layout to resume from; and, if `earlier` (a document so rendered)
    is given, its pages taken as they are up to a little before the first that holds an
    element changed, where the layout resumes from the state it had there (`resumed_at`).
    The pages are those a layout from the first page would make: every page from there on
    is laid out again, from the same state (the notes carried onto that page carried, as
    the same notes of the new tree; where a float is carried over, or the page begins in a
    table or columns, from an earlier page, or from the first).
    `looking_back`: what `styled_by_later_siblings` gives for the stylesheets (None: no
    layout is resumed where an element is put in or taken out)."""
    LAYING_OUT.append((keep or earlier is not None, earlier, looking_back))
    try:
        yield
    finally:
        LAYING_OUT.pop()


def forget_layout(document) -> None:
    """The state a document's layout kept (`resuming`) let go: its box tree and context."""
    html = getattr(document, "_html", None)
    if html is not None:
        for kept in ("toolchain_layout", "toolchain_elements", "toolchain_places"):
            html.__dict__.pop(kept, None)


def layout_document(html, root_box, context, *args, **kwargs):
    """WeasyPrint's `layout.layout_document`, its state kept and its layout resumed as
    `resuming` asks."""
    keep, earlier, _ = LAYING_OUT[-1]
    if keep:
        html.toolchain_layout = (root_box, context)
        context.toolchain_starts = {}
    first = resumed_at(earlier, html, context) if earlier is not None else None
    if first is None or (notes := carried_notes(earlier, first, html, context)) is None:
        return LAYOUT_DOCUMENT(html, root_box, context, *args, **kwargs)
    _layout.make_all_pages = pages_resumed(earlier, first, html, notes)
    try:  # (the generator is run through here: make_all_pages is called in its first step)
        return list(LAYOUT_DOCUMENT(html, root_box, context, *args, **kwargs))
    finally:
        _layout.make_all_pages = MAKE_ALL_PAGES


def make_page(context, root_box, page_type, resume_at, page_number, page_state):
    """WeasyPrint's `layout.page.make_page`, the notes carried over onto the page in the
    order of their calls (`in_call_order`: WeasyPrint keeps the first there, and carries on
    those after one that does not fit); where the layout's state is kept, whether anything
    is carried over onto the page, and the page's boxes as made (before its margins are
    added)."""
    in_call_order(context.reported_footnotes)  # (the first is kept on the page whatever)
    starts = context.__dict__.get("toolchain_starts")
    if starts is not None:  # the notes carried onto the page, and whether a float is
        starts[page_number] = (tuple(note.element for note in context.reported_footnotes),
                               bool(context.broken_out_of_flow))
    page, resume_at, next_page = MAKE_PAGE(context, root_box, page_type, resume_at,
                                           page_number, page_state)
    if starts is not None:
        page.toolchain_made = (tuple(page.children), list(page.children[0].children))
    return page, resume_at, next_page


def resumed_at(earlier, html, context) -> int | None:
    """The index of the page at which to resume the layout of `html` from `earlier`'s
    (`resuming`); None to lay it out from its first page."""
    kept = getattr(getattr(earlier, "_html", None), "toolchain_layout", None)
    if kept is None or context.target_collector.counter_lookup_items:
        return None
    old_root, old_context = kept
    if old_context.target_collector.counter_lookup_items:
        return None
    old, new = elements_of(earlier._html), elements_of(html)
    changed = next((k for k, (a, b) in enumerate(zip(old, new, strict=False))
                    if not alike(a, b)), min(len(old), len(new)))
    order = places_of(earlier._html)
    if len(old) != len(new) or changed < len(old) and old[changed].tag != new[changed].tag:
        looking_back = LAYING_OUT[-1][2]  # an element put in or taken out: the one before
        if looking_back is None:  # it may be styled otherwise (`:last-child`)
            return None
        for tree, root in ((old, earlier._html.etree_element), (new, html.etree_element)):
            if changed < len(tree):
                parent = next(p for p in root.iter() if tree[changed] in list(p))
                siblings = list(parent)
                place = siblings.index(tree[changed])
                if place and siblings[place - 1].tag in looking_back:
                    changed = min(changed, tree.index(siblings[place - 1]))
    pages = [page_box(page) for page in earlier.pages]
    holds = next((k for k, page in enumerate(pages) if last_element(page, order) >= changed),
                 len(pages))
    first = min(holds, len(pages)) - MARGIN
    starts = old_context.__dict__.get("toolchain_starts", {})
    while first > 0 and (starts.get(first + 1, (None, True))[1]
                         or any(order.get(id(e), changed) >= changed
                                for e in starts[first + 1][0])
                         or not hasattr(pages[first], "toolchain_made")
                         or not plain_path(old_root, old_context.page_maker[first][0])):
        first -= 1
    return first if first > 0 else None


def elements_of(html) -> list:
    """A document's elements in their order, listed once for the document."""
    if "toolchain_elements" not in html.__dict__:
        html.toolchain_elements = list(html.etree_element.iter())
    return html.toolchain_elements


def places_of(html) -> dict:
    """Each of a document's elements' place in its order (by the element's id), once."""
    if "toolchain_places" not in html.__dict__:
        html.toolchain_places = {id(e): k for k, e in enumerate(elements_of(html))}
    return html.toolchain_places


def alike(a, b) -> bool:
    """Whether two elements are written alike, their marks for the notes' heights aside
    (`mark_notes`: no stylesheet reads them, and they change with their siblings' count)."""
    if a.tag != b.tag or a.text != b.text or a.tail != b.tail:
        return False
    if a.attrib == b.attrib:
        return True
    return {k: v for k, v in a.attrib.items() if k != NOTE_KEY} == \
        {k: v for k, v in b.attrib.items() if k != NOTE_KEY}


def last_element(page, order: dict) -> int:
    """The place in its document's order (`order`: element's id -> place) of the last
    element a page holds, kept on the page: a page taken into a later layout holds the
    elements of the one it was made in, in the same places."""
    if not hasattr(page, "toolchain_last"):
        page.toolchain_last = max(order.get(id(box.element), -1) for box in page.descendants())
    return page.toolchain_last


def plain_path(root_box, resume_at) -> bool:
    """Whether the place a page begins at is in plain blocks and lines only: no table,
    flex or grid box, no columns, whose layout keeps a state of its own over pages."""
    box, skip = root_box, resume_at
    while skip:
        if len(skip) != 1 or not isinstance(box, boxes.ParentBox):
            return False
        (index, skip), = skip.items()
        if isinstance(box, (boxes.TableBox, boxes.FlexContainerBox, boxes.GridContainerBox)) \
                or getattr(box, "is_table_wrapper", False) or \
                box.style["column_width"] != "auto" or box.style["column_count"] != "auto":
            return False
        if index >= len(box.children):
            return False
        if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            return True  # (into a paragraph's lines: a place in its text)
        box = box.children[index]
    return True


def carried_notes(earlier, first: int, html, context) -> list | None:
    """The footnotes of `html`'s layout (`context`) that `earlier`'s carried onto its page
    `first`, in their order: the same notes, at the same places in its tree. None if one
    is not found among the layout's notes."""
    old, elements = places_of(earlier._html), elements_of(html)
    notes = {id(note.element): note for note in context.footnotes}
    carried = earlier._html.toolchain_layout[1].toolchain_starts[first + 1][0]
    found = [notes.get(id(elements[old[id(element)]])) for element in carried]
    return None if None in found else found


def pages_resumed(earlier, first: int, html, notes: list):
    """In place of WeasyPrint's `make_all_pages`, for its first call only: `earlier`'s
    first pages, as made (copied whole, its margins made again, each box's element the
    one of `html`'s tree at the same place: the pages of a document hold its own tree's
    elements, which the mending and `push_onto_short_pages` find their places by), then
    the pages from `first` on laid out as `make_all_pages` lays them out, from the state
    `earlier`'s had there: its page maker's, and `notes` carried onto the page."""
    _, old_context = earlier._html.toolchain_layout
    made = [page_box(page).toolchain_made for page in earlier.pages[:first]]
    boxes_of = [page_box(page) for page in earlier.pages[:first]]
    order, elements = places_of(earlier._html), elements_of(html)

    def make_all_pages(context, root_box, html, pages):
        _layout.make_all_pages = MAKE_ALL_PAGES  # (a second pass is WeasyPrint's own)
        context.page_maker = copy.deepcopy(old_context.page_maker[:first + 1])
        context.rendered_notes = []
        context.style_for.initial_page_sizes.update(old_context.style_for.initial_page_sizes)
        for name, by_page in old_context.running_elements.items():
            for number in range(1, first + 1):
                if number in by_page:
                    context.running_elements[name][number] = list(by_page[number])
        for note in notes:  # carried onto page `first`, as a layout from the first has
            context.footnotes.remove(note)  # them, not yet laid out
        context.reported_footnotes = list(notes)
        starts = context.__dict__.get("toolchain_starts")
        pairs = zip(boxes_of, made, strict=True)
        for number, (box, (children, root_children)) in enumerate(pairs, 1):
            carried, floats = old_context.toolchain_starts.get(number, ((), True))
            if starts is not None:  # (the notes carried: this tree's elements)
                starts[number] = (tuple(elements[order[id(e)]] for e in carried
                                        if id(e) in order), floats or any(
                                            id(e) not in order for e in carried))
            _page.set_page_type_computed_styles(box.page_type, html, context.style_for)
            root_children = [child.deepcopy() for child in root_children]
            areas = [area.deepcopy() for area in children[1:]]
            root = children[0].copy_with_children(root_children)
            page = box.copy_with_children([root, *areas])
            for copied in page.descendants():
                place = order.get(id(copied.element))
                if place is not None:
                    copied.element = elements[place]
            page.toolchain_made = ((root, *areas), root_children)
            page.toolchain_last = box.toolchain_last
            yield page
        index = first
        while True:
            remake_state = context.page_maker[index][-1]
            remake_state.update(content_changed=False, pages_wanted=False, anchors=[],
                                content_lookups=[])
            page, resume_at = _page.remake_page(index, context, root_box, html)
            yield page
            index += 1
            if resume_at is None and not context.reported_footnotes:
                context.page_maker = context.page_maker[:index + 1]
                context.broken_out_of_flow.clear()
                context.reported_footnotes.clear()
                return
    return make_all_pages


if weasyprint.__version__ == WRITTEN_FOR and getattr(_page, "make_page", None) is MAKE_PAGE:
    _page.make_page = make_page
    _document.layout_document = layout_document


def without_empty_elements(build_box_tree):
    """WeasyPrint's `_build_box_tree`, whose elements a parent makes its kids, without the
    /NonStruct elements that hold nothing: no text, no figure, no link, no element. (Each
    is still written, as an object nothing refers to; a joined book leaves them out.)"""
    def build(box, parent, pdf, page_number, nums, annotations, tags):
        for element in build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
            if element["S"] != "/NonStruct" or element["K"]:
                yield element
    build.__wrapped__ = build_box_tree
    return build


if weasyprint.__version__ == WRITTEN_FOR and hasattr(_tags, "_build_box_tree") and \
        not hasattr(_tags._build_box_tree, "__wrapped__"):
    _tags._build_box_tree = without_empty_elements(_tags._build_box_tree)


class TTFontOfItsOwnDate(TTFont):
    """fontTools' TTFont, saved with the date its font has (`head.modified`), not today's."""

    def __init__(self, *args, recalcTimestamp: bool = False, **kwargs):
        super().__init__(*args, recalcTimestamp=recalcTimestamp, **kwargs)


if weasyprint.__version__ == WRITTEN_FOR and getattr(_fonts, "TTFont", None) is TTFont:
    _fonts.TTFont = TTFontOfItsOwnDate


# the tables WeasyPrint's HarfBuzz subsetting drops (pdf/fonts.py, `_harfbuzz_subset`)
DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF",
                  b"LTSH", b"PCLT", b"SVG ")


def subset_font(data: bytes, index: int, glyphs: list[int], hinting: bool,
                missing: bool) -> bytes:
    """A font (`data`, face `index`) cut down to `glyphs` (ids), as WeasyPrint's HarfBuzz
    subsetting cuts it, with uharfbuzz's HarfBuzz: the glyphs kept at their ids, the tables
    WeasyPrint drops dropped, then the glyph ids after the last used cut off; `missing`:
    the document asks for characters the font lacks (its .notdef drawn)."""
    flags = uharfbuzz.SubsetFlags
    wanted = uharfbuzz.SubsetInput()
    wanted.glyph_set.update(glyphs)
    wanted.drop_table_tag_set.update(int.from_bytes(tag, "big") for tag in DROPPED_TABLES)
    notdef = flags.NOTDEF_OUTLINE if missing else flags.DEFAULT
    wanted.flags = flags.RETAIN_GIDS | flags.PASSTHROUGH_UNRECOGNIZED | flags.DESUBROUTINIZE | \
        notdef
    try:
        kept = uharfbuzz.subset(uharfbuzz.Face(uharfbuzz.Blob(data), index), wanted)
        wanted.glyph_set.add_range(0, max(glyphs))
        wanted.flags = flags.PASSTHROUGH_UNRECOGNIZED | flags.DESUBROUTINIZE | notdef | (
            flags.DEFAULT if hinting else flags.NO_HINTING)
        return uharfbuzz.subset(kept, wanted).blob.data or data
    except RuntimeError:  # HarfBuzz could not: the font whole, as WeasyPrint leaves it
        return data


def subset_with_uharfbuzz(font, to_unicode: dict, hinting: bool) -> None:
    """WeasyPrint's `Font.subset`, always with uharfbuzz's HarfBuzz (`subset_font`); a font
    HarfBuzz cannot subset is embedded whole, with WeasyPrint's warning."""
    if to_unicode:
        cut = subset_font(font.file_content, font.index, list(to_unicode), hinting,
                          bool(font.missing))
        if cut is font.file_content:
            _fonts.LOGGER.warning('Unable to subset "%s" with HarfBuzz', font.family)
        font.file_content = cut


if weasyprint.__version__ == WRITTEN_FOR and hasattr(_fonts.Font, "subset"):
    _fonts.Font.subset = subset_with_uharfbuzz


def cached_page_references(pdf) -> tuple:
    """pydyf's `PDF.page_references`, built once per page count instead of on every call.

    WeasyPrint's PDF/UA tagging asks for it once per structure element, and pydyf rebuilds the
    whole tuple each time: the tags of a 400-page book cost 3.8 s, growing with pages squared.
    The references of pages already added never change, so the tuple is kept until a page is
    added; the PDF written is byte for byte the same."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_page_references")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        pdf.__dict__["_page_references"] = cached
    return cached[1]


if isinstance(getattr(pydyf.PDF, "page_references", None), property):
    pydyf.PDF.page_references = property(cached_page_references)


class StreamCompression:
    """zlib for pydyf, which compresses every stream of the PDF (pages, fonts) at level 9:
    at zlib's default level, 6, the 403-page book's PDF is written 1.7–2.5 s sooner (of
    7.3–8.2 s) and is 3.7 % larger (2.69 → 2.79 MB)."""

    LEVEL = 6
    compress = staticmethod(zlib.compress)

    @staticmethod
    def compressobj(level: int = LEVEL):
        return zlib.compressobj(level=StreamCompression.LEVEL)


if getattr(pydyf, "zlib", None) is zlib:
    pydyf.zlib = StreamCompression


# --- the document WeasyPrint lays out, from the toolchain's tree -------------------------

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CLOSES_P = {"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir",
            "div", "dl", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
            "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "dd", "dt", "listing",
            "main", "menu", "nav", "ol", "p", "plaintext", "pre", "search", "section",
            "summary", "table", "ul", "xmp"}
SCOPE = {"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template",
         "button"}  # an open `p` or `a` beyond these is not closed by what starts inside
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
IN_TABLE = {"table": {"caption", "colgroup", "thead", "tbody", "tfoot"},
            "thead": {"tr"}, "tbody": {"tr"}, "tfoot": {"tr"}, "tr": {"td", "th"},
            "colgroup": {"col"}}
KNOWN = {"html", "head", "title", "meta", "link", "style", "body", "div", "section", "nav",
         "aside", "footer", "header", "p", "span", "a", "em", "strong", "i", "b", "cite",
         "sup", "sub", "small", "abbr", "br", "hr", "img", "figure", "figcaption",
         "blockquote", "ol", "ul", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
         "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "td", "th"}
VOID = {"br", "hr", "img", "meta", "link", "col"}


def html_document(tree, base_url: str, url_fetcher) -> weasyprint.HTML | None:
    """The document `weasyprint.HTML(string=...)` would make of `tree` (an lxml tree of
    HTML, without namespaces but `xml:lang`), made from the tree itself: its HTML written
    out and parsed again by tinyhtml5, in Python, took a seventh of a book's layouts.
    None where the HTML parser would not give back the same tree (`as_parsed`): the caller
    then writes and parses it."""
    if not as_parsed(tree):
        return None
    root = ElementTree.fromstring(etree.tostring(tree, encoding="unicode"))
    for element in root.iter():
        if XML_LANG in element.attrib:  # as the HTML parser names it
            element.attrib = {("xml:lang" if k == XML_LANG else k): v
                              for k, v in element.attrib.items()}
    mark_notes(root)
    document = weasyprint.HTML.__new__(weasyprint.HTML)
    document.base_url, document.url_fetcher, document.media_type = base_url, url_fetcher, "print"
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(
        root, content_language=None)
    document.etree_element = document.wrapper_element.etree_element
    return document


def as_parsed(tree) -> bool:
    """Whether the HTML parser gives `tree` back as it is, written out: each element one it
    keeps where it stands (not a block in an open paragraph, which it closes; not a link in
    a link, a heading in a heading, a row outside a table's body, a list item straight in
    another, an empty list item that lxml writes out without its end tag); no text where
    the parser moves it (in a table's frame, in the head), no comment, no name it folds
    to lower case, no namespace but `xml:lang`, no `<base>`. (A CR is written `&#13;`, and
    read back as written.)"""
    if tree.tag != "html" or [c.tag for c in tree] != ["head", "body"]:
        return False
    if (tree.text or "").strip() or any((c.tail or "").strip() for c in tree):
        return False
    for element in tree.iter():
        tag = element.tag
        if not isinstance(tag, str) or tag not in KNOWN:
            return False
        parent = element.getparent()
        for name in element.attrib:
            if name != XML_LANG and (name.startswith("{") or name != name.lower()):
                return False
        if tag in VOID and (element.text or len(element)):
            return False
        if tag in IN_TABLE and ((element.text or "").strip() or any(
                (c.tail or "").strip() for c in element) or any(
                c.tag not in IN_TABLE[tag] for c in element)):
            return False
        if parent is not None and parent.tag == "head" and (
                tag not in ("title", "meta", "link", "style") or (element.tail or "").strip()):
            return False
        if tag in ("tr", "td", "th", "caption", "thead", "tbody", "tfoot", "col", "colgroup") \
                and (parent is None or tag not in IN_TABLE.get(parent.tag, ())):
            return False
        if tag in HEADINGS and parent is not None and parent.tag in HEADINGS:
            return False
        if tag in CLOSES_P and open_in_scope(element, "p"):
            return False
        if tag == "a" and open_in_scope(element, "a"):
            return False
        if tag == "li" and open_list_item(element):
            return False
        if tag == "li" and not element.text and not len(element):
            return False  # written out without its end tag: what follows would go in it
    return True


def open_list_item(element) -> bool:
    """Whether a list item encloses `element` as the parser looks for one when a list item
    begins: through elements that are not lists or the like (a `div`, a `p`, a `span`)."""
    for ancestor in element.iterancestors():
        if ancestor.tag == "li":
            return True
        if ancestor.tag not in ("address", "div", "p") and ancestor.tag in SPECIAL:
            return False
    return False


SPECIAL = {"address", "aside", "blockquote", "body", "caption", "col", "colgroup", "dd",
           "div", "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5",
           "h6", "head", "header", "hr", "html", "img", "li", "link", "meta", "nav", "ol",
           "p", "section", "style", "table", "tbody", "td", "tfoot", "th", "thead",
           "title", "tr", "ul", "br"}  # the parser's "special" elements of those we write


def open_in_scope(element, tag: str) -> bool:
    """Whether an element `tag` encloses `element` within the parser's scope."""
    for ancestor in element.iterancestors():
        if ancestor.tag == tag:
            return True
        if ancestor.tag in SCOPE:
            return False
    return False
