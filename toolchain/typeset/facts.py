"""What a laid-out page holds, as plain data: the facts the page checks (`check.pages`) judge.

WeasyPrint's boxes are read once, after every page has been mended, into `PageFacts`: the
page's size and text block, its running heads and folio, and its main flow as blocks (a
paragraph, a heading, a figure's image, a caption, a table…) with where they stand and
how many of their lines are on the page; the footnotes called on the page and those set
at its foot. Each block names its element by `data-pos` (document and element, as the page
list numbers them), so that a finding can be traced to the manuscript's file and line.
Lengths are CSS pixels (0.75 pt), as WeasyPrint's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .weasy import boxes, page_box

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
POS = "data-pos"  # an element's number in the EPUB's documents (write.pagelist.stamp)


@dataclass
class Block:
    """One block's part of the main flow of one page."""

    pos: str | None  # its element's data-pos ("document.element"), if the EPUB has it
    kind: str  # "heading", "paragraph", "verse", "image", "caption", "table", "rule", "other"
    top: float
    bottom: float
    left: float
    right: float
    lines: int = 0  # its lines of text on this page
    text: str = ""  # its first words, to name it
    figure: str | None = None  # the data-pos of the figure an image or caption is part of
    first: bool = True  # its first line (or all of it) is on this page
    last: bool = True  # its last line is on this page
    keep: bool = False  # a block that may not break over a page (an image, a figure, a row)
    last_pos: str | None = None  # the data-pos of the element its last line on the page is in
    turned: bool = False  # drawn turned (a landscape table): its place here is before turning
    element: object = field(default=None, repr=False, compare=False)  # while the page is read


@dataclass
class PageFacts:
    index: int  # from 0, in the PDF
    folio: str  # the number it prints, or would print
    side: str  # "left" or "right"
    name: str  # its named page (front, opening, body-start…)
    blank: bool  # a page left blank to start a division on a recto
    width: float
    height: float
    top: float  # the text block: where the main flow may stand
    bottom: float
    left: float
    right: float
    division: str | None  # the id of the book's division (div.doc) its main flow belongs to
    heads: list[str] = field(default_factory=list)  # the running heads' text
    foot: str = ""  # the folio's text as printed
    blocks: list[Block] = field(default_factory=list)
    calls: dict[str, float] = field(default_factory=dict)  # the ids of the footnotes called
    # here, each with the foot of the line that calls it
    notes: list[str] = field(default_factory=list)  # the ids of the footnotes set at its foot
    notes_top: float | None = None  # where the footnotes' text begins, if any
    notes_above: float = 0.0  # the footnote area's margin and padding above its text
    note_line: float = 0.0  # a footnote's line
    line_height: float = 0.0  # the body's line, for counting lines short

    @property
    def empty(self) -> bool:
        """Nothing on the page but its running head and folio: no block, note or call."""
        return not (self.blocks or self.notes or self.calls)


def roman(n: int) -> str:
    out = ""
    for value, digits in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                          (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                          (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + digits, n - value
    return out


def folios(pages) -> list[str]:
    """The page counter as print.css sets it: roman from the first page, arabic from 1 at the
    body's first page (the named page `body-start`)."""
    return folio_labels([page_box(page).page_type.name for page in pages])


def folio_labels(names: list[str]) -> list[str]:
    """The folios of pages with these names (`folios`)."""
    start = names.index("body-start") if "body-start" in names else 0
    return [roman(k + 1) if k < start else str(k - start + 1) for k in range(len(names))]


def page_facts(pages) -> list[PageFacts]:
    """The facts of every page of a laid-out document (WeasyPrint's `Document.pages`)."""
    out = []
    for index, (page, folio) in enumerate(zip(pages, folios(pages), strict=True)):
        box = page_box(page)
        facts = PageFacts(index, folio, box.page_type.side, box.page_type.name or "",
                          bool(box.page_type.blank), box.margin_width(), box.margin_height(),
                          box.content_box_y(), box.content_box_y() + box.height,
                          box.content_box_x(), box.content_box_x() + box.width,
                          division_of(box))
        for child in box.children:
            if isinstance(child, boxes.MarginBox):
                text = " ".join(text_of(child).split())
                if child.at_keyword.startswith("@top") and text:
                    facts.heads.append(text)
                elif child.at_keyword.startswith("@bottom") and text:
                    facts.foot = text
            elif isinstance(child, boxes.FootnoteAreaBox) and child.children:
                facts.notes = [n.element.get("id") for n in child.children
                               if n.element is not None and n.element.get("id")]
                facts.notes_top = child.content_box_y()
                facts.notes_above = child.content_box_y() - child.position_y
                line = next(iter(lines_in(child)), None)
                facts.note_line = line.height if line is not None else 0.0
        main_flow(box.children[0], facts)
        out.append(facts)
    mark_ends(out)
    return out


def lines_in(box):
    if isinstance(box, boxes.LineBox):
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from lines_in(child)


def division_of(page_box) -> str | None:
    box = page_box.children[0]
    while box is not None:
        element = getattr(box, "element", None)
        if element is not None and (element.get("id") or "").startswith("doc-"):
            return element.get("id")
        box = next((c for c in getattr(box, "children", ()) if not isinstance(
            c, (boxes.TextBox, boxes.LineBox))), None)
    return None


def text_of(box) -> str:
    if isinstance(box, boxes.TextBox):
        return box.text
    return " ".join(text_of(c) for c in getattr(box, "children", ()))


def classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def kind_of(chain: tuple) -> tuple[str, object]:
    """What a block is, from its element and their ancestors (`chain`, innermost first),
    and the element that stands for it on the page: a line of verse stands for its stanza,
    a cell for its table, a paragraph of a caption for the caption."""
    inside = [node for node in chain if not (
        node.tag == "div" and (node.get("id") or "").startswith("doc-"))]
    for node in inside:  # the containers first: a paragraph of a caption is the caption
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "table":
            return "table", node
        if tag in ("figcaption", "caption"):
            return "caption", node
        if "stanza" in classes(node):
            return "verse", node
    for node in inside:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in HEADINGS or "heading" in classes(node) and tag == "p":
            return "heading", node
        if tag == "hr":
            return "rule", node
        if tag == "p" and "attribution" in classes(node):
            return "attribution", node
        if tag in ("p", "li"):
            return "paragraph", node
    return "other", chain[0]


def figure_of(chain: tuple) -> str | None:
    """The data-pos of the figure or table a block is part of (whose caption must be on the
    same page as its image or its first rows)."""
    return next((node.get(POS) for node in chain if node.tag in ("figure", "table")), None)


def main_flow(root, facts: PageFacts) -> None:
    """The blocks of the page's main flow, in order, and the footnotes called in it.
    WeasyPrint's elements know no parents: the walk carries each box's ancestors (`chain`,
    innermost first)."""
    turned = []  # the transformed boxes the walk is in

    def add(kind, element, chain, box, top, bottom, lines, keep=False):
        pos = element.get(POS)
        block = facts.blocks[-1] if facts.blocks else None
        if block is None or block.kind != kind or block.pos != pos or \
                (pos is None and block.element is not element):
            block = Block(pos, kind, top, bottom, box.position_x,
                          box.position_x + box.margin_width(), figure=figure_of(chain),
                          keep=keep, turned=bool(turned))
            block.element = element
            facts.blocks.append(block)
        block.top, block.bottom = min(block.top, top), max(block.bottom, bottom)
        block.left = min(block.left, box.position_x)
        block.right = max(block.right, box.position_x + box.margin_width())
        block.lines += lines
        return block

    def walk(box, chain):
        if isinstance(box, boxes.LineBox):
            if not chain:
                return
            kind, element = kind_of(chain)
            block = add(kind, element, chain, box, box.position_y,
                        box.position_y + box.height, 1)
            if not block.text:
                block.text = " ".join(text_of(box).split())[:60]
            block.last_pos = chain[0].get(POS)
            if kind == "paragraph" and not facts.line_height:
                facts.line_height = box.height
            calls(box, box.position_y + box.height)
            return
        if isinstance(box, boxes.ReplacedBox):
            element = box.element if box.element is not None else chain[0]
            add("image", element, (element, *chain), box, box.position_y,
                box.position_y + box.margin_height(), 0, keep=True)
            return
        if isinstance(box, boxes.BlockContainerBox) and not isinstance(
                box, boxes.InlineLevelBox) and box.element is not None and \
                (not chain or box.element is not chain[0]):
            chain = (box.element, *chain)
            if box.element.tag == "hr":
                add("rule", box.element, chain, box, box.position_y,
                    box.position_y + box.margin_height(), 1)
        transformed = bool(getattr(box, "style", None) and box.style["transform"])
        if transformed:
            turned.append(box)
        for child in getattr(box, "children", ()):
            if child.is_in_normal_flow() or isinstance(child, boxes.LineBox):
                walk(child, chain)
        if transformed:
            turned.pop()

    def calls(box, foot: float):
        if (box.element_tag or "").endswith("::footnote-call") and box.element is not None:
            facts.calls[box.element.get("id") or ""] = foot
            return
        for child in getattr(box, "children", ()):
            calls(child, foot)

    walk(root, ())


def mark_ends(pages: list[PageFacts]) -> None:
    """Whether each block's first and last lines are on the page it is on: a block that
    runs over a page turn is on both pages, its first line on the first."""
    seen: dict = {}
    for facts in pages:
        for block in facts.blocks:
            if block.pos is None:
                continue
            key = (block.pos, block.kind)
            if key in seen:
                block.first = False
                seen[key].last = False
            seen[key] = block


EDGE = 0.75  # px: a rounding's worth


def lines_short(page: PageFacts) -> int:
    """The body's lines free between the page's last block and its notes (or its foot)."""
    if page.blank or not page.blocks or not page.line_height:
        return 0
    bottom = page.notes_top - page.notes_above if page.notes_top is not None else page.bottom
    return max(0, int((bottom - max(b.bottom for b in page.blocks)) / page.line_height + 0.01))


CONTENTS = "doc-toc"  # the contents' division (write/pdf/assemble: doc- and toc.xhtml's stem)


def short_pages(pages: list[PageFacts]) -> list[tuple[PageFacts, int]]:
    """Each page of text on the body's line grid that ends a line or more short while its
    division goes on to the next page, unless a figure or table that could not fit comes
    next, with its lines short. (The Notes, the contents and the like are set with space
    between their entries: they end where their entries let them. The Notes' closer
    leading leaves them off the grid; the contents, on the body's leading, are left out by
    name.)"""
    heights = [round(page.line_height, 1) for page in pages if page.line_height]
    grid = max(set(heights), key=heights.count) if heights else 0
    found = []
    for page, following in zip(pages, pages[1:], strict=False):
        if page.blank or not page.blocks or following.division != page.division or \
                not following.blocks or abs(page.line_height - grid) > 0.5 or \
                page.division == CONTENTS:
            continue
        lines = lines_short(page)
        if lines >= 1 and not any(b.kind in ("image", "table", "caption") or b.keep
                                  for b in following.blocks[:2]):
            found.append((page, lines))
    return found


def headings_at_foot(pages: list[PageFacts]) -> list[tuple[PageFacts, Block, int]]:
    """(page, heading, lines after it) for each heading in the last lines of a page: fewer
    than two lines of what follows it (and not the whole of a one-line paragraph), and no
    figure or table, after it on the page, while its division goes on to the next page. At
    the top of a page whose footnotes fill it (a chapter's title, a section's heading under
    it, and a line calling long notes), one line is enough: the heading could go over only
    by leaving the title alone."""
    found = []
    for page, following in zip(pages, pages[1:], strict=False):
        if following.division != page.division or not following.blocks:
            continue  # nothing of the division follows: a part's title, a division's end
        for k, block in enumerate(page.blocks):
            if block.kind != "heading" or not block.last:
                continue
            after = page.blocks[k + 1:]
            lines = sum(b.lines for b in after if b.kind != "heading")
            if following.blocks[0].turned:
                continue  # a table turned on a page of its own comes next: it cannot come along
            whole = next((b for b in after if b.kind != "heading"), None)
            opens = all(b.kind == "heading" for b in page.blocks[:k + 1])  # the page's top
            if lines < (1 if opens and page.notes else 2) and not any(
                    b.kind in ("image", "table") for b in after) and not (
                    whole is not None and whole.first and whole.last) and not (
                    opens and not lines and too_tall_to_follow(page, following)):
                found.append((page, block, lines))
    return found


def too_tall_to_follow(page: PageFacts, following: PageFacts) -> bool:
    """Whether the next page begins with a figure or table (with its caption, and the
    headings and section break before it) taller than all the room left under what stands
    on this one: headings that open it, which could only go along by leaving their page
    empty (a division's title, a section's heading, and a figure as high as the text
    block)."""
    first = next((b for b in following.blocks if b.kind not in ("heading", "rule")), None)
    if first is None or first.kind not in ("image", "table"):
        return False
    parts = [b for b in following.blocks if first.figure and b.figure == first.figure]
    needed = max([first.bottom, *(b.bottom for b in parts)]) - following.blocks[0].top
    room = (page.notes_top if page.notes_top is not None else page.bottom) - \
        page.blocks[-1].bottom
    return needed > room


def attributions_alone(pages: list[PageFacts]) -> list[tuple[PageFacts, Block, PageFacts]]:
    """(page, attribution, the page before) for each attribution that begins a page, apart
    from the verse or prose it attributes, on the page before."""
    return [(page, page.blocks[0], before) for before, page in zip(pages, pages[1:], strict=False)
            if page.blocks and page.blocks[0].kind == "attribution" and before.blocks
            and before.division == page.division]


def captions_apart(pages: list[PageFacts]) -> list[tuple[PageFacts, Block, PageFacts, Block]]:
    """(image's page, image, caption's page, caption) for each figure whose caption is not on
    its image's page, and each table whose caption is not on the page its rows begin on."""
    images = {}  # a figure's image, or a table's rows
    for page in pages:
        for block in page.blocks:
            if block.kind in ("image", "table") and block.figure and not block.turned:
                images.setdefault(block.figure, (page, block))
    return [(*images[block.figure], page, block) for page in pages for block in page.blocks
            if block.kind == "caption" and block.figure in images and not block.turned
            and images[block.figure][0] is not page]  # (a turned table's parts repeat it)


def overflows(page: PageFacts) -> list[tuple[Block, str]]:
    """(block, where) for each block of the page's main flow beyond its text block: "foot"
    or "side" when beyond the page's edge (cut off), "margin" when over the running head or
    folio."""
    found = []
    for block in page.blocks:
        if block.turned:
            continue  # measured as drawn, on the PDF (check.pdfcheck.text_outside)
        if block.bottom > page.height + EDGE or block.top < -EDGE:
            found.append((block, "foot"))
        elif block.right > page.width + EDGE or block.left < -EDGE:
            found.append((block, "side"))
        elif block.bottom > page.bottom + EDGE or block.top < page.top - EDGE:
            found.append((block, "margin"))
    return found
