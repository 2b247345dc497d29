"""The pages, after the paragraphs are composed: words divided over a page foot, and pages
left short, mended by setting paragraphs again, and their new lines put in the book's
layout without laying it all out again.

A paragraph set again with the same number of lines (a page foot) or more (a short page,
TeX's \\looseness) is laid out alone (`only`) and its lines put in place of the old
(`transplant`, `lengthen`), what follows on the page moved down; each refuses, and the book
is laid out again, unless the new lines have the old ones' measure, height and letters and
every note call stays on its page. A page that only lines pushed from the pages before can
fill changes where those pages break: they are laid out again alone and put in the book's
(`window`, `splice_window`).
"""

from __future__ import annotations

import dataclasses
from collections import deque

from . import facts, footnotes
from .linebreak import break_lines
from .paragraphs import KEY, SET_CSS, composed_break
from .weasy import boxes, new_page, page_box


def keep_hyphens_off_page_feet(composition, document) -> list[str]:
    """Break again the paragraphs whose line ending a page is hyphenated: on a recto (the
    word would be finished over the leaf) whenever the paragraph can keep its number of
    lines without it; on a verso only if that costs no loose line. Returns their keys."""
    changed = []
    for number, page in enumerate(document.pages):
        line = last_main_flow_line(page_box(page))
        br = composed_break(line) if line is not None else None
        if br is None or br.get("data-hyphen") is None:
            continue
        key = line.element.get(KEY) if line.element is not None else None
        plan = composition.plans.get(key)
        if plan is None:
            continue
        recto = number % 2 == 0
        settings = dataclasses.replace(
            plan.settings, lines=len(plan.lines),
            no_hyphen_at=plan.settings.no_hyphen_at | {int(br.get("data-line"))},
            **({} if recto else {"retry_tolerance": plan.settings.tolerance,
                                 "emergency": False}))
        lines = break_lines(plan.items, plan.first_width, plan.width, settings)
        if lines is None or (not recto and any(abs(x.ratio) > settings.tolerance
                                               for x in lines[:-1])):
            continue
        composition.plans[key] = dataclasses.replace(plan, lines=lines, settings=settings)
        changed.append(key)
    return changed


LEVELLING_TOLERANCE = 1.7  # spaces up to 1.85× their natural width in a line or two, the
# price of a spread whose pages end on the same line; the paragraphs' own tolerance is 1


WINDOW = 5  # pages at most laid out again to push lines onto a short page


def fill_short_pages(composition, document, tolerance: float | None = None) -> dict[str, int]:
    """For each page that ends whole lines short, paragraphs set whole on it made a line
    or more longer (TeX's \\looseness) to fill it, the least loosened first, so long as
    every line stays within `tolerance` (the paragraph's own if None). Returns {key: page}."""
    on_page: dict[int, list[str]] = {}
    for key, found in lines_of_paragraphs(document, set(composition.plans)).items():
        pages = {page for page, *_ in found}
        if len(pages) == 1 and len({id(b) for _, b, _ in found}) == 1:
            on_page.setdefault(pages.pop(), []).append(key)
    chosen: dict[str, int] = {}
    for page, short in short_pages(document):
        options = []
        for key in on_page.get(page, []):
            for more in range(1, short + 1):
                plan = loosened(composition.plans[key], more, tolerance)
                if plan is not None:
                    options.append((looseness(plan), more, key, plan))
        for _, more, key, plan in sorted(options, key=lambda o: o[:3]):
            if key in chosen or more > short:
                continue
            composition.plans[key] = plan
            chosen[key] = page
            short -= more
    return chosen


def pushing_options(composition, document, page: int, short: int):
    """For a page still short when no paragraph on it can be set longer: the pages from
    which lines could be pushed onto it (`window`: it and up to WINDOW - 1 before, the
    first one that begins with a block of its own, the latest such page with a paragraph
    that can be set longer) and those paragraphs, on the window's pages but not wholly on
    the short page, set `short` lines longer within LEVELLING_TOLERANCE, the least loosened
    first: (first page, [(key, plan)])."""
    name = division(page_box(document.pages[page]))
    for first in range(page - 1, max(page - WINDOW, 0) - 1, -1):
        if division(page_box(document.pages[first])) != name:
            break
        if not begins_a_block(document, first):
            continue
        options = []
        near = range(first, min(page + 2, len(document.pages)))  # and the page after: whole
        for key, found in lines_of_paragraphs(document, set(composition.plans), near).items():
            on = {n for n, *_ in found}
            if on <= set(range(first, page + 1)) and on != {page}:
                plan = loosened(composition.plans[key], short, LEVELLING_TOLERANCE)
                if plan is not None:
                    options.append((looseness(plan), key, plan))
        if options:
            return first, [(key, plan) for _, key, plan in sorted(options, key=lambda o: o[:2])]
    return page, []


def begins_a_block(document, number: int) -> bool:
    """Whether page `number`'s main flow begins with a block (a paragraph, a heading), not
    with the rest of one run over from the page before."""
    first = first_main_flow_line(page_box(document.pages[number]))
    if first is None or number == 0:
        return first is not None  # the document's first page: nothing ran over onto it
    before = set()

    def walk(box):
        if getattr(box, "element", None) is not None:
            before.add(box.element)
        for child in getattr(box, "children", ()):
            walk(child)

    walk(page_box(document.pages[number - 1]).children[0])
    blocks = block_elements(document, number, first)
    return bool(blocks) and blocks[0] not in before


def block_elements(document, number: int, line) -> list:
    """The elements of the blocks holding `line` on page `number`, innermost first."""
    path = path_to(page_box(document.pages[number]).children[0], line)
    return [box.element for box in reversed(path[:-1])
            if isinstance(box, boxes.BlockContainerBox) and box.element is not None
            and box.element.tag not in ("html", "body") and not
            (box.element.get("id") or "").startswith("doc-")]


def loosened(plan, more: int, tolerance: float | None):
    """`plan` set `more` lines longer with every line within `tolerance` (the paragraph's
    own if None), or None."""
    limit = plan.settings.tolerance if tolerance is None else tolerance
    settings = dataclasses.replace(plan.settings, lines=len(plan.lines) + more,
                                   tolerance=limit, retry_tolerance=limit, emergency=False)
    lines = break_lines(plan.items, plan.first_width, plan.width, settings)
    if lines is None or any(abs(x.ratio) > limit for x in lines[:-1]):
        return None
    return dataclasses.replace(plan, lines=lines, settings=settings)


def looseness(plan) -> float:
    return max((abs(x.ratio) for x in plan.lines[:-1]), default=0.0)


def short_pages(document) -> list[tuple[int, int]]:
    """(page, lines) for each page whose main flow ends whole lines short of its foot (of
    its footnotes, if it has any) while the next page goes on with the same division: a
    paragraph that could not be split there (widows, orphans) or a block kept whole."""
    found = []
    for number, page in enumerate(document.pages[:-1]):
        box = page_box(page)
        following = page_box(document.pages[number + 1])
        if last_main_flow_line(following) is None or division(box) != division(following):
            continue
        lines = lines_short(box)
        if lines >= 1:
            found.append((number, lines))
    return found


def lines_short(box) -> int:
    """The whole lines left empty between a page's main flow and its foot (or notes), in
    the height of its last line that has one (a note's rest carried to the page is called
    from a line of no height)."""
    last = deque((line for line in main_flow_lines(box) if line.height > 0), maxlen=1)
    if not last:
        return 0
    last = last[0]
    bottom = box.content_box_y() + box.height
    for child in box.children:
        if isinstance(child, boxes.FootnoteAreaBox) and child.children:
            bottom = child.position_y
    return int((bottom - flow_bottom(box.children[0])) / last.height + 0.01)


def flow_bottom(root) -> float:
    """Where the page's main flow ends: the lowest of its lines, images, tables and other
    boxes without children (a rule), not only its last line of text."""
    lowest = 0.0

    def walk(box):
        nonlocal lowest
        children = [c for c in getattr(box, "children", ()) if c.is_in_normal_flow()]
        if isinstance(box, (boxes.LineBox, boxes.ReplacedBox, boxes.TableBox)) or not children:
            lowest = max(lowest, box.position_y + box.margin_height())
            return
        for child in children:
            walk(child)

    walk(root)
    return lowest


def division(page_box):
    """The id of the book's division (`div.doc`) a page's main flow belongs to."""
    box = page_box.children[0]
    while box is not None:
        element = getattr(box, "element", None)
        if element is not None and (element.get("id") or "").startswith("doc-"):
            return element.get("id")
        box = next((c for c in getattr(box, "children", ()) if not isinstance(
            c, (boxes.TextBox, boxes.LineBox))), None)
    return None


def lengthen(document, alone, chosen: dict[str, int]) -> bool:
    """Put the paragraphs `chosen` (key: their page), each now set a line or more longer and
    laid out `alone`, on their short pages, moving what follows them on the page down.
    False, and `document` untouched, unless each has its old lines' measure, height and
    letters and sits whole on its page."""
    before, after = lines_of_paragraphs(document, chosen), lines_of_paragraphs(alone, chosen)
    moves = []
    for key, page in chosen.items():
        old, new = before.get(key, []), after.get(key, [])
        if not old or len(new) <= len(old) or {p for p, *_ in old} != {page} or \
                len({id(b) for _, b, _ in old}) != 1:
            return False
        block, height = old[0][1], old[0][2].height
        if any(abs(line.height - height) > 0.01 for *_, line in new) or \
                abs(block.width - new[0][1].width) > 0.01 or \
                letters_of(line for *_, line in old) != letters_of(line for *_, line in new):
            return False
        top, x = old[0][2].position_y, block.content_box_x()
        for k, (_, new_block, line) in enumerate(new):  # stacked: alone, it may run over pages
            line.translate(x - new_block.content_box_x(), top + k * height - line.position_y)
        moves.append((page, block, [line for *_, line in old], [line for *_, line in new],
                      height * (len(new) - len(old))))
    for page, block, _old, new, height in sorted(moves, key=lambda m: (m[0],
                                                                        -m[2][0].position_y)):
        block.children = new
        path = path_to(page_box(document.pages[page]).children[0], block)
        for parent, child in zip(path[-2::-1], path[:0:-1], strict=True):
            parent.height += height
            for sibling in parent.children[parent.children.index(child) + 1:]:
                sibling.translate(0, height)
        block.height += height
    for number in {m[0] for m in moves}:
        document.pages[number] = new_page(page_box(document.pages[number]))
    return True


def path_to(root, target) -> list:
    """The boxes from `root` down to `target` (a block or a line), both included."""
    if root is target:
        return [root]
    if isinstance(root, boxes.LineBox):
        return []  # what a line holds is not looked for
    for child in getattr(root, "children", ()):
        if isinstance(child, boxes.TextBox):
            continue
        found = path_to(child, target)
        if found:
            return [root, *found]
    return []


def window(tree, first: tuple, last: tuple, side: str):
    """`tree` cut down to the blocks from the one at `first` to the one at `last` (see
    `place_of`: both in one division), to lay out again the pages they fill
    (`splice_window`): the rest hidden and emptied as by `only`, and the first page on the
    `side` ("left" or "right") of the book's. None if the places do not name two blocks of
    one division of `tree`."""
    division_element = next((d for d in tree.find("body") if d.get("id") == first[0]), None)
    order = elements_in_order(division_element) if division_element is not None else []
    if first[0] != last[0] or max(first[1], last[1]) >= len(order) or \
            (local(order[first[1]].tag), local(order[last[1]].tag)) != (first[2], last[2]):
        return None
    start, end = order[first[1]], order[last[1]]
    order = list(tree.iter())
    keep = {a for node in (start, end) for a in node.iterancestors()}  # a section may
    inside = set(order[order.index(start):order.index(end) + len(list(end.iter()))]) - keep
    hide(tree, keep, inside)  # begin inside the window and go on after it
    tree.set("style", f"break-before: {side}")
    return tree


def place_of(root, element) -> tuple | None:
    """Where `element` stands in the book's tree under `root`, as (its division's id, its
    index there, its tag): the same in every copy of the tree, whole or cut down to some
    divisions, and in WeasyPrint's parse of it (the breaks the composition writes into
    paragraphs are not counted). None if it is in no division."""
    for division_element in (d for e in root if local(e.tag) == "body" for d in e):
        for n, e in enumerate(elements_in_order(division_element)):
            if e is element:
                return division_element.get("id"), n, local(e.tag)
    return None


def elements_in_order(root) -> list:
    return [e for e in root.iter() if isinstance(e.tag, str) and not (
        local(e.tag) == "br" and e.get("class") == "kp")]


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def splice_window(document, alone, first: int, counted=frozenset()) -> bool:
    """Put the pages of a `window`, laid out `alone`, in place of the book's pages from
    `first`, keeping the book's running heads and folios. False, and `document` untouched,
    unless they are as many, of the same size, side and name, begin at the same height,
    hold the same letters (the main flow's and the notes') and every anchor `counted`
    (whose page number the contents print) on its page, leave fewer lines short, and set
    no more notes off their calls' pages, nor rests astray (a line pushed onto a page can
    take a note's call with it, the note held over to the next: book-59)."""
    new = [page for page in alone.pages if not page_box(page).page_type.blank]
    old = document.pages[first:first + len(new)]
    if len(old) != len(new) or first + len(new) < len(document.pages) and division(
            page_box(document.pages[first + len(new)])) == division(page_box(old[-1])) \
            and not begins_a_block(document, first + len(new)):
        return False
    if not all(same_place(a, b, counted) for a, b in zip(old, new, strict=True)):
        return False
    top = [first_main_flow_line(page_box(page)) for page in (old[0], new[0])]
    if None in top or abs(top[0].position_y - top[1].position_y) > 0.01 or \
            letters_of(page_box(p).children[0] for p in old) != \
            letters_of(page_box(p).children[0] for p in new) or \
            letters_of(notes_of(page_box(p)) for p in old) != \
            letters_of(notes_of(page_box(p)) for p in new) or \
            sum(lines_short(page_box(p)) for p in new) >= \
            sum(lines_short(page_box(p)) for p in old) or \
            notes_astray(new) > notes_astray(old):
        return False
    for number, page in enumerate(new, first):
        put_in_place(document, number, page)
    return True


def notes_astray(pages) -> int:
    """The notes set off their calls' pages, and the rests not on the page after their
    beginnings, among `pages`: what a change made after the mending must not add to (the
    page check's P041) — a window pushed onto a short page (`splice_window`, the window's
    pages, the same notes whichever way it is set), lines moved off a page's foot (the
    book's pages, `pdf.composed_layout`)."""
    found = facts.page_facts(pages)
    return len(footnotes.misplaced(found)) + len(footnotes.rests_astray(found))


def same_place(old, new, counted=frozenset()) -> bool:
    """Whether page `new` can take the place of the book's page `old`: of the same size,
    side and name, with every anchor in `counted` (whose page numbers the contents print)
    that `old` holds, and no other."""
    x, y = page_box(old), page_box(new)
    return (x.width, x.height, x.page_type.side, x.page_type.name) == \
        (y.width, y.height, y.page_type.side, y.page_type.name) and \
        counted & set(old.anchors) == counted & set(new.anchors)


def put_in_place(document, number: int, page) -> None:
    """Page `page`'s content in place of the book's page `number`, keeping that page's
    margin boxes (its running heads and folio)."""
    box = page_box(document.pages[number])
    margins = [c for c in box.children if isinstance(c, boxes.MarginBox)]
    box.children = [c for c in page_box(page).children
                    if not isinstance(c, boxes.MarginBox)] + margins
    document.pages[number] = new_page(box)


def notes_of(page_box):
    """The page's footnote area (a box with no children if it has none)."""
    return next((c for c in page_box.children if isinstance(c, boxes.FootnoteAreaBox)),
                boxes.BlockBox("div", None, None, []))


def only(tree, keys):
    """`tree` cut down to the paragraphs `keys` (a set), for a quick layout of them alone:
    the book's divisions without one taken out, and around the paragraphs every other
    element hidden but kept, empty, so that selectors such as `h2 + p` still match."""
    wanted = [node for node in tree.iter() if node.get(KEY) in keys]
    inside = {n for node in wanted for n in node.iter()}  # a footnote is inside a paragraph
    keep = {a for node in wanted for a in node.iterancestors()} - inside
    hide(tree, keep, inside)
    return tree


def hide(tree, keep: set, inside: set) -> None:
    """Take out the divisions not in `keep`; in those kept, hide and empty every element
    neither in `keep` (the ancestors of what is laid out) nor `inside` (what is)."""
    body = tree.find("body")
    for division in list(body):
        if division not in keep:
            body.remove(division)
    for node in list(tree.iter()):
        parent = node.getparent()
        if parent in keep and node not in keep and node not in inside and \
                isinstance(node.tag, str):
            node.set("style", "display: none !important")
            node.text = None
            for child in list(node):  # what a hidden element holds matches no selector
                node.remove(child)  # of the paragraphs', and costs a cascade


def transplant(document, alone, keys: list[str]) -> bool:
    """Put the lines of paragraphs `keys`, laid out `alone` (see `Composition.only`), in
    place of their lines in `document`: broken again with the same number of lines, they
    leave every page where it was, so the book need not be laid out a third time. False,
    and `document` untouched, unless every line has its twin of the same height and measure
    and every note call stays on its page."""
    before, after = lines_of_paragraphs(document, keys), lines_of_paragraphs(alone, keys)
    swaps = []
    for key in keys:
        old, new = before.get(key, []), after.get(key, [])
        if not old or len(old) != len(new):
            return False
        calls_before: dict[int, list] = {}
        calls_after: dict[int, list] = {}
        for (page, block, line), (_, new_block, new_line) in zip(old, new, strict=True):
            if abs(line.height - new_line.height) > 0.01 or \
                    abs(block.width - new_block.width) > 0.01:
                return False
            calls_before.setdefault(page, []).extend(note_calls(line))
            calls_after.setdefault(page, []).extend(note_calls(new_line))
            swaps.append((page, block, line, new_line))
        if calls_before != calls_after or letters_of(line for *_, line in old) != \
                letters_of(line for *_, line in new):
            return False  # not the same text, whatever the reason: the safe way instead
    for _, block, line, new_line in swaps:
        new_line.translate(line.position_x - new_line.position_x,
                           line.position_y - new_line.position_y)
        block.children[block.children.index(line)] = new_line
    for number in {page for page, *_ in swaps}:
        document.pages[number] = new_page(page_box(document.pages[number]))  # links, anchors
    return True


def lines_of_paragraphs(document, keys, numbers=None) -> dict[str, list]:
    """(page, block, line) for every line of the paragraphs `keys`, in order, on every page
    or on the pages `numbers`."""
    found: dict[str, list] = {}

    def walk(box, page):
        element = getattr(box, "element", None)
        key = element.get(KEY) if element is not None else None
        if key in keys and isinstance(box, boxes.BlockContainerBox):
            found.setdefault(key, []).extend(
                (page, box, line) for line in box.children if isinstance(line, boxes.LineBox))
            return
        for child in getattr(box, "children", ()):
            walk(child, page)

    for number in range(len(document.pages)) if numbers is None else numbers:
        walk(page_box(document.pages[number]).children[0], number)
    return found


def letters_of(lines) -> str:
    """The letters and figures set in `lines`, generated text included."""
    out = []

    def walk(box):
        if isinstance(box, boxes.TextBox):
            out.append("".join(c for c in box.text if c.isalnum()))
        for child in getattr(box, "children", ()):
            walk(child)

    for line in lines:
        walk(line)
    return "".join(out)


def note_calls(box) -> list[str]:
    if (box.element_tag or "").endswith("::footnote-call"):
        return [box.element.get("id") or ""]
    return [c for child in getattr(box, "children", ()) for c in note_calls(child)]


def main_flow_lines(page_box):
    """The page's lines of the main flow, in order (not the footnotes, running heads or
    folio)."""
    def walk(box):
        if isinstance(box, boxes.LineBox):
            yield box
            return
        for child in getattr(box, "children", ()):
            yield from walk(child)

    return walk(page_box.children[0])


def first_main_flow_line(page_box):
    return next(main_flow_lines(page_box), None)


def last_main_flow_line(page_box):
    lines = deque(main_flow_lines(page_box), maxlen=1)
    return lines[0] if lines else None


MENDING_ROUNDS = 30  # layouts at most, after the first, to split notes and fit figures (a
# chapter of long notes called a few to a line: some twenty; a book that mends nothing: none)
ONE_BY_ONE = 10  # rounds that mend one footnote a division; the rest mend all at once


def mend_blocks(composition, document, render):
    """The book laid out again until no footnote is set off its call's page (split over
    the page turn instead, `typeset.footnotes`), no figure runs off its page or apart from
    its caption (its image made smaller), and no heading stands at a page's foot (it goes
    over to the next page). A book with none of these is not laid out again. Then the
    lines that went over with their notes brought back to pages left short
    (`bring_back_pushed`). Returns the last layout."""
    document = mend_rounds(composition, document, render, range(MENDING_ROUNDS))
    return bring_back_pushed(composition, document, render)


def mend_rounds(composition, document, render, rounds):
    """The mending's rounds (numbered `rounds`), each a layout, until nothing changes."""
    for number in rounds:
        pages = facts.page_facts(document.pages)
        changed = fit_figures(pages, composition)
        changed = keep_headings(pages, composition) or changed
        changed = keep_attributions(pages, composition) or changed
        changed = keep_table_captions(pages, composition) or changed
        changed = keep_continuations(pages, composition) or changed
        changed = keep_notes_in_division(pages, composition) or changed
        if not changed:  # the notes, once the blocks stand where they will
            changed = footnotes.mend(pages, composition, composition.lines_of,
                                     every=number >= ONE_BY_ONE)
        if not changed:
            break
        document = render(composition.html_tree(), SET_CSS, after=document)
    return document


BRING_BACK_TRIES = 2  # lines brought back, and the pages mended after them, at most
BRING_BACK_ROUNDS = 10  # the mending's rounds after lines are brought back


def bring_back_pushed(composition, document, render):
    """The mended book laid out again with the lines that went over with their notes, in a
    round when their pages had less room, brought back to pages now short
    (`footnotes.bring_back`), and the pages after mended again; kept only if fewer lines
    are short and no note, rest, heading or caption is worse placed, else the layout
    before it stands, as the mending left it."""
    pages = facts.page_facts(document.pages)
    for _ in range(BRING_BACK_TRIES):
        kept = composition.mending_copy()
        if not footnotes.bring_back(pages, composition, composition.lines_of):
            break
        again = mend_rounds(composition, render(composition.html_tree(), SET_CSS, after=document),
                            render, range(ONE_BY_ONE, ONE_BY_ONE + BRING_BACK_ROUNDS))
        after = facts.page_facts(again.pages)
        if placing_faults(after) > placing_faults(pages) or \
                lines_short_in_all(after) >= lines_short_in_all(pages):
            composition.restore_mending(kept)
            break
        document, pages = again, after
    return document


def lines_short_in_all(pages) -> int:
    """The lines the pages that end short, their division going on, are short by (P045)."""
    return sum(lines for _, lines in facts.short_pages(pages))


def placing_faults(pages) -> int:
    """Notes off their calls' pages, rests astray, headings at a page's foot, captions
    apart: what the mending mends, counted."""
    return (len(footnotes.misplaced(pages)) + len(footnotes.rests_astray(pages))
            + len(facts.headings_at_foot(pages)) + len(facts.captions_apart(pages)))


SMALLEST_FIGURE = 0.3  # of the text block's height: an image is made no smaller than this


def fit_figures(pages, composition) -> bool:
    """Each image that runs past its page's text block, or leaves its caption to the next
    page, made as much smaller as it must be for it and its caption to fit."""
    changed = False
    captions = {}
    for page in pages:
        for block in page.blocks:
            if block.kind == "caption" and block.figure:
                captions.setdefault(block.figure, []).append((page, block))
    for page in pages:
        for block in page.blocks:
            if block.kind != "image" or block.pos is None:
                continue
            parts = captions.get(block.figure, [])
            apart = [b for p, b in parts if p is not page]
            below = max([block.bottom] + [b.bottom for p, b in parts if p is page])
            below += sum(b.bottom - b.top + CAPTION_GAP for b in apart)
            floor = page.bottom if page.notes_top is None else \
                min(page.bottom, page.notes_top - page.notes_above)  # footnotes take the foot
            over = below - floor
            if over <= facts.EDGE:
                continue
            height = block.bottom - block.top - over - 1
            if height < SMALLEST_FIGURE * (page.bottom - page.top):
                continue  # the check names it: an image this small would not be read
            composition.styles[block.pos] = f"max-height: {height:.1f}px"
            changed = True
    return changed


CAPTION_GAP = 10  # px between an image and its caption (print.css: 6.8 pt), and a little


def keep_headings(pages, composition) -> bool:
    """Each heading in the last lines of a page keeps with what follows: a figure after it
    made small enough to stand on the heading's page (as long as it stays readable), or else
    the heading sent over to the next page; a heading that begins its page (a chapter's
    title, and a section's heading just under it) keeps a table after it by letting the
    table break over the page turn, and a paragraph (gone over with the footnotes its first
    lines call) by letting it break after any line."""
    changed = False
    for page, block, _ in facts.headings_at_foot(pages):
        following = pages[page.index + 1]
        lead = 0  # the section headings above the image that would come back with it
        while lead < len(following.blocks) and following.blocks[lead].kind == "heading":
            lead += 1
        image = next((b for b in following.blocks[lead:lead + 1] if b.kind == "image"
                      and b.pos), None)
        if image is not None and image.pos not in composition.styles:
            captions = sum(b.bottom - b.top + CAPTION_GAP for b in following.blocks
                           if b.kind == "caption" and b.figure == image.figure)
            above = image.top - following.blocks[0].top if lead else 0.0
            room = page.bottom - block.bottom - above - FIGURE_SPACE - captions
            if room >= SMALLEST_FIGURE * (page.bottom - page.top):
                composition.styles[image.pos] = f"max-height: {room:.1f}px"
                changed = True
                continue
        opens = all(b.kind == "heading" for b in page.blocks[:page.blocks.index(block)])
        if block.pos and not opens and block.pos not in composition.styles:
            composition.styles[block.pos] = "break-before: page"
            changed = True
            continue
        after = lead  # under the section headings, past the table's caption
        while after < len(following.blocks) and following.blocks[after].kind == "caption":
            after += 1
        table = next((b for b in [*following.blocks[:2], *following.blocks[after:after + 1]]
                      if b.kind == "table" and b.pos), None)
        if table is not None and table.pos not in composition.styles:  # a title that cannot
            composition.styles[table.pos] = "break-inside: auto"  # move: the table breaks
            changed = True
            continue
        text = next((b for b in following.blocks[:2] if b.kind == "paragraph" and b.pos), None)
        if text is not None and text.pos not in composition.styles:  # or the paragraph its
            composition.styles[text.pos] = "orphans: 1; widows: 1"  # footnotes took over
            changed = True  # may leave a line with the title (its notes split as they must)
    return changed


def keep_table_captions(pages, composition) -> bool:
    """A table whose caption was left on the page before its rows (the rows kept whole went
    on): the table may break, so that it begins under its caption, its header row repeated
    on the next page."""
    changed = False
    for _, table, _, _ in facts.captions_apart(pages):
        if table.kind == "table" and table.figure and table.figure not in composition.styles:
            composition.styles[table.figure] = "break-inside: auto"
            changed = True
    return changed


def keep_continuations(pages, composition) -> bool:
    """A footnote's continuation is set on the page after its call's. WeasyPrint, rather
    than break a paragraph there after its orphans, reports the page's footnotes on — the
    continuation too, which then stands two pages from its beginning. That paragraph starts
    on the next page instead (the page before may be left short: a warning, not a split
    note)."""
    changed = False
    set_on = {note: page.index for page in pages for note in page.notes}
    for page in pages:
        for call in page.calls:
            if not call.endswith(footnotes.CONTINUED) or page.index + 1 >= len(pages) or \
                    set_on.get(call, page.index + 1) <= page.index + 1:
                continue
            following = pages[page.index + 1]
            split = following.blocks[-1] if following.blocks else None
            if split is not None and split is not following.blocks[0] and split.first and \
                    not split.last and split.pos and split.pos not in composition.styles:
                composition.styles[split.pos] = "break-before: page"
                changed = True
    return changed


def keep_notes_in_division(pages, composition) -> bool:
    """A footnote split at the foot of its division's last page has its continuation set on
    the next division's opening page, whose own footnotes it pushes off every page. The
    paragraph that calls it starts a page of its own division instead, where the note has
    the room its continuation needed; or, where that would leave a title alone at the foot
    of the page the paragraph begins on (P043), or has been tried, the division ends with a
    page of its own for the notes that run over, as a book gives them. So it does when its
    last page calls notes that are set on no page (a division laid out alone, or the last
    of the book: WeasyPrint sets a note it has no room for on the next page, and there is
    none). A page so given that is left empty, the notes having found room once the others
    were mended (a note split where before its call's line went over), is let go: it would
    print a running head and a folio over nothing. Once in each state of the mending: a
    page given again and left empty again after the notes were mended further is let go
    again, never twice in one state, so the rounds cannot go round between layouts."""
    changed = False
    set_on = {note: page for page in pages for note in page.notes}
    ends = {page.division: page for page in pages if not page.blank}
    state = mending_state(composition)
    for division in sorted(composition.notes_pages):
        end = ends.get(division)
        seen = composition.notes_pages_let_go.setdefault(division, set())
        if end is None or not end.empty or state in seen:
            continue
        seen.add(state)
        more = composition.notes_pages_more.get(division, 0)
        if more:  # one of several left empty: one fewer
            composition.notes_pages_more[division] = more - 1
            for rest, (its, k) in list(composition.rests_on_notes_pages.items()):
                if its == division and k >= more:  # (called on the page let go)
                    del composition.rests_on_notes_pages[rest]
        else:
            composition.notes_pages.discard(division)
        changed = True
    for page in pages:
        for call, line in page.calls.items():
            where = set_on.get(call)
            if not call.endswith(footnotes.CONTINUED) or where is None or \
                    where.division == page.division:
                continue
            block = next((b for b in page.blocks if b.pos and
                          b.top - facts.EDGE <= line <= b.bottom + facts.EDGE), None)
            if block is not None and block.pos not in composition.styles and \
                    not after_a_title_only(pages, block.pos):
                composition.styles[block.pos] = "break-before: page"
                changed = True
            elif page.division not in composition.notes_pages:
                composition.notes_pages.add(page.division)
                changed = True
    for division in {page.division for page in pages} - {None}:  # whole notes its pages
        if any(not call.endswith(footnotes.CONTINUED) and  # have no room for, set on a page
               (call not in set_on or set_on[call].division != division)  # not its
               for page in pages if page.division == division for call in page.calls):
            more = composition.notes_pages_more.get(division, 0)  # division's (the next
            if division not in composition.notes_pages:  # one's, or a page of notes alone
                composition.notes_pages.add(division)  # after the end of a division laid
                changed = True  # out apart, which is left out): a page of its own for
            elif more < footnotes.MORE_NOTES_PAGES:  # them, and another while they run
                composition.notes_pages_more[division] = more + 1  # past it (notes held
                changed = True  # over; continuations are the loop's above)
    return changed


def mending_state(composition) -> tuple:
    """What the mending has decided so far: the notes split and pushed, the styles given,
    the pages of notes more than one each division has."""
    return (tuple(sorted(composition.splits.items())), tuple(sorted(composition.pushed)),
            tuple(sorted(composition.styles.items())),
            tuple(sorted(composition.notes_pages_more.items())))


def after_a_title_only(pages, pos: str) -> bool:
    """Whether the element `pos` begins on a page below headings only: moved to the next
    page, it would leave them alone at the foot (P043)."""
    for page in pages:
        for k, block in enumerate(page.blocks):
            if block.pos == pos and block.first:
                return all(b.kind == "heading" for b in page.blocks[:k])
    return False


def keep_attributions(pages, composition) -> bool:
    """An attribution alone at the head of a page takes the last line of verse before it
    along (a paragraph's lines are kept by its widows)."""
    changed = False
    for _, _, before in facts.attributions_alone(pages):
        last = before.blocks[-1]
        if last.kind == "verse" and last.lines > 1 and last.last_pos and \
                last.last_pos not in composition.styles:
            composition.styles[last.last_pos] = "break-before: page"
            changed = True
    return changed


FIGURE_SPACE = 2 * 18.2  # px: the space above and below a figure (print.css: 13.6 pt each)
