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
  free. The same method, but the comparison within a hundredth of a pixel.
- `pdf.tags._build_box_tree`: the PDF/UA structure elements of a box and its children.
  WeasyPrint makes one for every inline box, an empty one (/NonStruct) for each `<br>`
  that ends a composed line: a third of the elements of a book's tags, for nothing. The
  same function, the empty /NonStruct elements it gives left out of their parent's kids
  (`without_empty_elements`).
- `pdf.fonts.TTFont`: the fontTools class WeasyPrint subsets a font with when HarfBuzz's
  subsetter is not installed (Debian's libharfbuzz-subset0), and saves: fontTools then
  stamps each subset with the time of the build (SOURCE_DATE_EPOCH, else now), so that the
  same sources gave other bytes each time, and a division kept from an earlier build
  another date than one laid out today. A TTFont that keeps the font's own date, as
  HarfBuzz does (`TTFontOfItsOwnDate`).
"""

from __future__ import annotations

import zlib
from contextlib import contextmanager
from math import inf

import pydyf
import weasyprint
from fontTools.ttLib import TTFont
from weasyprint.document import Page
from weasyprint.formatting_structure import boxes, build
from weasyprint.layout import LayoutContext
from weasyprint.layout import inline as _inline
from weasyprint.layout.block import block_level_layout
from weasyprint.pdf import fonts as _fonts
from weasyprint.pdf import tags as _tags
from weasyprint.text.line_break import Layout, line_size

__all__ = ["boxes", "page_box", "new_page", "text_layout", "line_width",
           "count_expandable_spaces", "add_word_spacing", "create_layout",
           "composed_justification", "WRITTEN_FOR", "version_problem"]

WRITTEN_FOR = "70.0"
TOLERANCE = 0.01  # px


def version_problem() -> str | None:
    """What is wrong with the WeasyPrint installed, for a test to say plainly."""
    if weasyprint.__version__ != WRITTEN_FOR:
        return (f"WeasyPrint {weasyprint.__version__} is installed; toolchain/typeset/weasy.py "
                f"was written against {WRITTEN_FOR}: read each private name its docstring "
                "lists against the new release, then raise WRITTEN_FOR")
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


@contextmanager
def composed_justification(text_align):
    """WeasyPrint's `text_align` replaced by `text_align` (typeset/paragraphs' justification
    of composed lines) while the book is laid out, and put back after."""
    before = _inline.text_align
    _inline.text_align = text_align
    try:
        yield
    finally:
        _inline.text_align = before


def update_footnote_area(self):
    """WeasyPrint's own, but for the tolerance in the overflow's comparison."""
    if self.current_footnote_area.height != "auto" and not self.in_column:
        self.page_bottom += self.current_footnote_area.margin_height()
    self.current_footnote_area.children = self.current_page_footnotes
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


if weasyprint.__version__ == WRITTEN_FOR and hasattr(LayoutContext, "_update_footnote_area"):
    LayoutContext._update_footnote_area = update_footnote_area


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
