"""WeasyPrint's private insides, mended: written against WeasyPrint 70.0 (pyproject.toml holds
it below 71, so that a new release is read before it is let in).

- `LayoutContext._update_footnote_area` (weasyprint/layout/__init__.py): WeasyPrint finds
  that a footnote overflows its area when the area's last line ends below the area's bottom
  by any amount, and then moves the note to the next page — while its call stays. The two
  are sums of the same line heights in another order, and differ by a rounding (1e-13 px)
  as often as not: a note of two lines under one of sixteen was moved so, with half a page
  free. The same method, but the comparison within a hundredth of a pixel.
"""

from __future__ import annotations

from math import inf

import weasyprint
from weasyprint.formatting_structure import build
from weasyprint.layout import LayoutContext
from weasyprint.layout.block import block_level_layout

WRITTEN_FOR = "70.0"
TOLERANCE = 0.01  # px


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
