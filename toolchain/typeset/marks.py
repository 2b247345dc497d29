"""The index's marks in print, found without an element each.

An element per mark (thousands in a long book) is an inline box on every line it stands on,
and a book is laid out a dozen times while its pages are mended: a fifth more time in all.
So the print HTML keeps no mark: each is noted as (its block, the letters of the block
before it), the block gets an id (the screen PDF's index links to it), and once the pages are
made, the letters of each block on each page say which page every mark fell on — the page
of the first letter after it (the page a marked word begins on), or of the block's last
letter for a mark that ends it. Text that is laid out elsewhere (a footnote inside a
paragraph) is a block of its own, and the two parts of a footnote split over a page turn
one block; generated text (counters, note calls) is not counted.
"""

from __future__ import annotations

from .weasy import boxes, page_box

MARK = "index-mark"  # the class of a mark's span in the XHTML
BLOCK = "data-marks"  # on a block of the print HTML that held marks: its number
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "caption",
          "figcaption", "blockquote", "div", "section", "aside", "figure", "footer", "header",
          "nav", "ol", "ul", "dl", "table", "tr", "tbody", "thead"}
GENERATED = "::"


def is_block(node) -> bool:
    """A block of the layout: a block element, or a footnote (a span in the paragraph that
    calls it, set at the page's foot)."""
    return node.tag in BLOCKS or "footnote" in (node.get("class") or "").split()


def letters(text: str | None) -> int:
    return sum(map(str.isalpha, text)) if text else 0


def take_marks(html) -> dict[str, tuple[str, int, int]]:
    """Every mark of the print HTML taken out (its words kept where they are): mark id →
    (its block's number, letters of the block before it, letters of the block in all). Each
    block that held one is numbered (BLOCK) and given an id if it has none."""
    placed: dict[str, tuple[str, int, int]] = {}
    blocks: dict = {}
    # marks with ids only: not the copies print makes without them (a turned table's
    # caption, again on its next pages)
    for mark in html.xpath(f"//span[@class='{MARK}'][@id]"):
        block = next((a for a in mark.iterancestors() if is_block(a)), None)
        if block is None:
            continue
        if block not in blocks:
            blocks[block] = str(len(blocks))
            block.set(BLOCK, blocks[block])
            if block.get("id") is None:
                block.set("id", f"marks-{blocks[block]}")
        placed[mark.get("id")] = (blocks[block], before(block, mark), 0)
    for mark in html.xpath(f"//span[@class='{MARK}']"):
        unwrap(mark)
    totals = {number: letters_in(block) for block, number in blocks.items()}
    return {ident: (number, offset, totals[number])
            for ident, (number, offset, _) in placed.items()}


def block_targets(html, placed: dict) -> dict[str, str]:
    """Mark id → the id of its block: where a link to the mark now leads."""
    ids = {node.get(BLOCK): node.get("id") for node in html.xpath(f"//*[@{BLOCK}]")}
    return {ident: ids[number] for ident, (number, _, _) in placed.items()}


def own_text(block):
    """The block's text in reading order, without what nested blocks hold, as (node, text)
    pieces — the mark itself a piece of no text."""
    def walk(node, top):
        if node is not top and is_block(node):
            yield node, None  # a block of its own: skip, tail included below
        else:
            yield node, node.text
            for child in node:
                yield from walk(child, top)
        if node is not top:
            yield None, node.tail

    yield from walk(block, block)


def before(block, mark) -> int:
    count = 0
    for node, text in own_text(block):
        if node is mark:
            return count
        count += letters(text)
    return count


def letters_in(block) -> int:
    return sum(letters(text) for _, text in own_text(block))


def unwrap(mark) -> None:
    """The span taken out, its text and children left in its place."""
    parent, children, after = mark.getparent(), list(mark), mark.tail
    previous = mark.getprevious()
    head = (mark.text or "")
    if previous is not None:
        previous.tail = (previous.tail or "") + head
    else:
        parent.text = (parent.text or "") + head
    at = parent.index(mark)
    parent.remove(mark)
    for k, child in enumerate(children):
        parent.insert(at + k, child)
    if children:
        children[-1].tail = (children[-1].tail or "") + (after or "")
    elif previous is not None:
        previous.tail = (previous.tail or "") + (after or "")
    else:
        parent.text = (parent.text or "") + (after or "")


def block_letters(pages) -> dict[str, list[tuple[int, int]]]:
    """Each marked block's letters on each page: block number → [(page index, letters)]."""
    found: dict[str, list[tuple[int, int]]] = {}

    def walk(box, page: int, block: str | None):
        element = getattr(box, "element", None)
        if isinstance(box, (boxes.BlockLevelBox, boxes.BlockContainerBox)) and \
                element is not None and GENERATED not in (box.element_tag or "") and \
                is_block(element):  # (a verse's line, a span set as a block, is its
            block = element.get(BLOCK)  # stanza's text; an anonymous block's element is
            # its parent's)
        if isinstance(box, boxes.TextBox):
            if block is not None and GENERATED not in (box.element_tag or ""):
                rows = found.setdefault(block, [])
                if rows and rows[-1][0] == page:
                    rows[-1] = (page, rows[-1][1] + letters(box.text))
                else:
                    rows.append((page, letters(box.text)))
            return
        for child in getattr(box, "children", ()):
            walk(child, page, block)

    for number, page in enumerate(pages):
        walk(page_box(page), number, None)
    return found


def mark_pages(pages, placed: dict[str, tuple[str, int, int]]) -> dict[str, int]:
    """Mark id → the index of the page it fell on, for the marks whose block is laid out."""
    laid = block_letters(pages)
    out = {}
    for ident, (number, offset, total) in placed.items():
        rows = laid.get(number)
        if not rows:
            continue
        drawn = sum(count for _, count in rows)
        if drawn != total and total:  # text the layout added or took (a small-capital ß)
            offset = round(offset * drawn / total)
        seen = 0
        out[ident] = rows[-1][0]
        for page, count in rows:
            seen += count
            if seen > offset:
                out[ident] = page
                break
    return out
