"""Footnotes as TeX sets them: a note that does not fit below its call is split, not moved.

WeasyPrint sets a footnote whole (`footnote-policy: auto` in print.css): when it does not fit
on its call's page, it goes whole to the next. After a layout, each such note is found in
the pages' facts; the lines of it that fit between its call's line and the page's foot
(TeX's \\vsplit of the insertion) stay a footnote at the call, and the rest becomes a
continuation (`span.footnote.continued`, no mark, under a full rule) beside it, which
WeasyPrint then carries to the foot of the next page. What followed the call's line on its
page moves on to the next page, as in TeX: the call's page is full, not cut short.

A note of which fewer than MIN_LINES lines would fit is not split: its call's line goes to
the next page with it (`footnote-policy: line`), leaving the page a line short at most —
unless that line would take with it the first block after a heading, leaving the heading
alone, or is the page's first line (going over, it would only begin the next page as it
does this one): then one line of the note stays, or, when notes called after it on its line leave no
room even for that, a longer note called before it on the line is split (`shorten_earlier`).
Notes are split at the line breaks the composition chose (`typeset.paragraphs`), so the
lines of both parts are the lines the whole note would have had.
"""

from __future__ import annotations

from lxml import etree

from .facts import PageFacts, lines_short
from .marks import BLOCK
from .weasy import NOTE_ORDER

MIN_LINES = 2  # of a note on its call's page, or the note goes over with its call's line
CONTINUED = "-continued"
MORE_NOTES_PAGES = 8  # pages of notes run over past a division's end, after the first
POS = "data-pos"


def misplaced(pages: list[PageFacts]) -> list[tuple[str, PageFacts]]:
    """(note id, its call's page) for each footnote that is not set on its call's page."""
    set_on = {note: page.index for page in pages for note in page.notes}
    return [(call, page) for page in pages for call in page.calls
            if not call.endswith(CONTINUED) and set_on.get(call) != page.index]


def held_over(pages: list[PageFacts], note: str, page: PageFacts, set_on: dict[str, int]
              ) -> bool:
    """Whether `note`, called on `page`, is held over as TeX holds a note: set on a later
    page, every page from its call's to the one before its own full of notes (a long note
    split at its foot, running on, or less than MIN_LINES free below its text), and no note
    called after it set before it. Once a page's notes are full, the notes its last lines
    call wait for the next page; begun below a split note, each would be read before that
    note's end. (A chapter whose one line on its last page calls nine notes: they go on to
    the pages of notes at its end, never to the next division's.)"""
    at = set_on.get(note)
    if at is None or at <= page.index or pages[at].division != page.division:
        return False  # (not on another division's page: its opening's notes are its own)
    order = {call: k for k, call in enumerate(c for p in pages for c in p.calls)}
    if any(not full(pages[k], set_on) for k in range(page.index, at)):
        return False
    notes = [n for p in pages[page.index:at + 1] for n in p.notes]
    k = notes.index(note)
    return all(order.get(other, -1) < order[note] for other in notes[:k]
               if not other.endswith(CONTINUED)) and \
        all(order.get(other.split(CONTINUED)[0], -1) >= order[note] for other in notes[k:]
            if other.endswith(CONTINUED))  # (an earlier note's rest not after it)


def full(page: PageFacts, set_on: dict[str, int]) -> bool:
    """Whether the page's notes fill it: one of them runs on to the next page, or less than
    MIN_LINES of a note's lines are free between its text and its notes, or it is a page
    of notes alone (WeasyPrint sets there whole the notes carried to it that fit, in order:
    the next did not)."""
    if not page.notes:
        return False
    if not page.blocks or any(set_on.get(note + CONTINUED) == page.index + 1
                              for note in page.notes):
        return True
    if page.notes_top is None or not page.note_line:
        return False
    text = max((b.bottom for b in page.blocks), default=page.top)
    return page.notes_top - page.notes_above - text < MIN_LINES * page.note_line


ATTEMPTS = 6  # at one note, after which it is left as it is (and the page check names it)


def mend(pages: list[PageFacts], composition, lines_of, every: bool = False) -> bool:
    """Record in `composition` how a footnote set off its call's page is to be split (or
    its call's line moved); `lines_of(note id)` is the number of lines the note is set in
    (None if its lines are not the composition's). Each change moves what follows it, so
    only the first such note of each division is mended in a round (divisions begin on a
    page of their own, and do not move each other), unless `every`. Returns whether
    anything changed."""
    note_line = next((p.note_line for p in pages if p.note_line), 0.0)
    above = next((p.notes_above for p in pages if p.notes), 0.0)
    changed, done = False, set()
    set_on = {note: page.index for page in pages for note in page.notes}
    called_on = {call: page.index for page in pages for call in page.calls}
    for note in list(composition.splits):  # a split made needless: the call's line went
        if note + CONTINUED in set_on and \
                set_on[note + CONTINUED] == set_on.get(note) == called_on.get(note):
            del composition.splits[note]  # over with the note (its paragraph's orphans):
            composition.pushed.add(note)  # let it go over whole, as it would
            changed = True
        elif note.endswith(CONTINUED) and note + CONTINUED in set_on and \
                set_on[note + CONTINUED] == set_on.get(note) and within(pages[set_on[note]]):
            del composition.splits[note]  # a rest split for a page of text, set whole on a
            changed = True  # page that holds it (a page of notes alone)
        elif note + CONTINUED in set_on and set_on[note + CONTINUED] == set_on.get(note) and \
                note in called_on and held_over(pages, note, pages[called_on[note]], set_on):
            del composition.splits[note]  # a note split for its call's page, held over to
            changed = True  # the next with its rest: set whole there
    changed = fill_under_split_notes(pages, composition, lines_of, note_line) or changed
    changed = fill_pages_of_notes(pages, composition, lines_of, note_line) or changed
    for note, page in misplaced(pages):
        if page.division in done and not every:
            continue
        tried = composition.attempts.get(note, 0)
        if tried >= ATTEMPTS:
            continue  # (left as it is: the next one of its division is mended instead)
        if note in set_on and held_over(pages, note, page, set_on) and (
                notes_alone(pages[set_on[note]]) or behind_a_split(page, note, composition)):
            continue  # held over, in order, to the pages of notes past the division's text,
            # or behind a note split before it on its line (`hold_later_over`)
        composition.attempts[note] = tried + 1
        before, changed = changed, False
        total = lines_of(note)
        if page.notes_top is not None:  # the page's notes grow upwards from where they begin
            room = page.notes_top - page.notes_above - page.calls[note]
        else:
            room = page.bottom - above - page.calls[note]
        free = int((room + 0.01) / note_line) if note_line else 0
        fit = free - same_line(page, note, lines_of)
        if note in composition.splits:  # split, and still its beginning is moved on
            fit = min(fit, composition.splits[note] - 1)
        if total is not None and fit >= total and make_room(page, composition):
            changed = True
        elif total is not None and (MIN_LINES <= fit < total or 0 < fit < total and (
                after_heading(page, note) or on_first_line(page, note))):
            composition.splits[note] = fit  # what fits stays; the rest goes on
            if not stays_over(page, note, composition):
                composition.pushed.discard(note)
            changed = True
        elif total is not None and after_heading(page, note) and shorten_earlier(
                page, note, total + same_line(page, note, lines_of) - free, lines_of,
                composition):
            changed = True
        elif total is not None and (after_heading(page, note) or on_first_line(page, note)
                                    or note in composition.pushed) and (shared := share_the_page(
                page, note, free, lines_of, composition)) is not None:
            changed = changed or shared  # a line that must not go over, or did not (the
            # division's last, its paragraph's second of two): its notes share the page
        elif total is not None and (after_heading(page, note) or on_first_line(page, note)
                                    or note in composition.pushed) and hold_later_over(
                page, note, free, total, lines_of, composition):
            changed = True  # nor can they all begin there: TeX's way, the later held over
        elif note not in composition.pushed:  # its call's line goes over with it, and
            for other in [note, *on_its_line(page, note)]:  # so do the notes called there
                composition.pushed.add(other)  # (WeasyPrint reads one note's policy)
                composition.splits.pop(other, None)
            changed = True
        if changed:  # (one that changes nothing, held over, leaves the next its turn)
            done.add(page.division)
        changed = changed or before
    return split_continuations(pages, composition, lines_of) or changed


SHORT = 3  # lines free at a page's foot that a note gone over may come back to fill


def bring_back(pages: list[PageFacts], composition, lines_of) -> bool:
    """A page that ends SHORT lines or more short, its division going on, before a page
    whose first line calls notes that went over with it (`pushed`, in a round when the page
    had less room): the line comes back, its notes' first parts filling the page below it
    (the last note split, the ones before it whole), as TeX would set it. Only where one
    note at most is split, and that the line's last: a note after a split one is held over.
    Whether any changed (`pages.bring_back_pushed` keeps it only if the pages are better)."""
    changed = False
    for page, following in zip(pages, pages[1:], strict=False):
        short = lines_short(page)
        if short < SHORT or following.division != page.division or not following.note_line:
            continue
        line = [n for n in following.calls if n in composition.pushed
                and on_first_line(following, n)]
        sizes = [lines_of(n) for n in line]
        if not line or None in sizes:
            continue
        above = following.notes_above if page.notes_top is None else 0.0
        free = int((short * page.line_height - page.line_height - above + 0.01)
                   / following.note_line) - 1  # (a line's room to spare: the page's own)
        wanted = {}
        for k, (note, size) in enumerate(zip(line, sizes, strict=True)):
            if size <= free:
                wanted[note], free = None, free - size
            elif free >= MIN_LINES and k == len(line) - 1:
                wanted[note] = free
            else:
                break
        if len(wanted) < len(line):
            continue
        for note, lines in wanted.items():
            composition.pushed.discard(note)
            if lines is None:
                composition.splits.pop(note, None)
            else:
                composition.splits[note] = lines
        changed = True
    return changed


def rests_astray(pages: list[PageFacts]) -> list[tuple[str, PageFacts, bool]]:
    """The rests of notes set on no page or elsewhere than on the page after their notes':
    (the rest's id, the page that calls it if it is set on none, else the page it is set
    on, whether it is set)."""
    set_on = {note: page for page in pages for note in page.notes}
    lost = [(call, page, False) for page in pages for call in page.calls
            if call.endswith(CONTINUED) and call not in set_on]
    held = set(rests_held_over(pages))
    return lost + [(note, at, True) for note, at in set_on.items() if note.endswith(CONTINUED)
                   and getattr(set_on.get(note.removesuffix(CONTINUED)), "index", None)
                   != at.index - 1 and note not in held]


def rests_held_over(pages: list[PageFacts]) -> dict[str, PageFacts]:
    """The rests of notes set past the page after their beginnings as TeX holds notes over
    (`held_over`), each with the page it is set on: every page between of the same
    division and `packed` with notes, the notes before it there all of notes called before
    its own (their rests, or notes held over in turn), and none after it of a note called
    before. Several notes split at one page's foot, each begun below its call, have rests
    more than the next page holds: they go on in the order of their calls."""
    set_on = {note: page.index for page in pages for note in page.notes}
    calls = [call for page in pages for call in page.calls if not call.endswith(CONTINUED)]
    order = {call: k for k, call in enumerate(calls)}

    def own(note: str) -> int:
        return order.get(note.split(CONTINUED)[0], -1)

    held = {}
    for rest, at in set_on.items():
        begun = set_on.get(rest.removesuffix(CONTINUED))
        if not rest.endswith(CONTINUED) or begun is None or at <= begun + 1:
            continue
        if any(pages[k].division != pages[begun].division for k in range(begun + 1, at + 1)) \
                or not all(packed(pages[k], set_on) for k in range(begun + 1, at)):
            continue
        notes = [n for page in pages[begun + 1:at + 1] for n in page.notes]
        k = notes.index(rest)
        if all(own(other) < own(rest) for other in notes[:k]) and \
                all(own(other) >= own(rest) for other in notes[k + 1:]):
            held[rest] = pages[at]
    return held


SPARE = 2  # note lines a page whose notes run on may leave free: a second line of text's
# room (WeasyPrint keeps it for the paragraph's orphans) and one to spare (split_continuations)


def packed(page: PageFacts, set_on: dict[str, int]) -> bool:
    """Whether the page's notes fill it (`full`) and leave less than MIN_LINES + SPARE of a
    note's lines free between its text (its head, on a page of notes alone) and them: not
    a page left short by a note split for less than it holds (book-58: eleven lines free,
    kept for notes called there that were held over)."""
    if not full(page, set_on) or page.notes_top is None or not page.note_line:
        return False
    text = max((block.bottom for block in page.blocks), default=page.top)
    return page.notes_top - page.notes_above - text < (MIN_LINES + SPARE) * page.note_line


def fill_under_split_notes(pages: list[PageFacts], composition, lines_of,
                           note_line: float) -> bool:
    """A note split for a page its call no longer stands on (its line went over, or the
    text before it moved): the page ends with the call's line, its rest carried on, and
    lines free between that line and the notes, a page left half empty. Its first part is
    made as long as the page has room for (whole, if all of it fits), as the split was meant
    to leave the page full; ATTEMPTS times at most, as a note is mended. Whether any
    changed."""
    changed = False
    for page in pages:
        if page.notes_top is None or not note_line or not page.blocks:
            continue
        last = max(block.bottom for block in page.blocks)
        for note in page.notes:
            lines = composition.splits.get(note)
            total = lines_of(note) if lines is not None else None  # (a search: split notes)
            if total is None or note.endswith(CONTINUED) or \
                    page.calls.get(note) is None or page.calls[note] < last - 0.5 or \
                    composition.attempts.get(note, 0) >= ATTEMPTS:
                continue  # (its call not on the page's last line: the page is full)
            free = int((page.notes_top - page.notes_above - last + 0.01) / note_line)
            if free < 1:
                continue
            lengthen(composition, note, lines + free, total)
            changed = True
    return changed


def fill_pages_of_notes(pages: list[PageFacts], composition, lines_of, note_line: float
                        ) -> bool:
    """A page of notes alone (run over past its division's text) with lines free above its
    notes, where notes on it are split (mostly for another page: their call's, before they
    were held over): each split note's first part is made as long as the lines still free
    allow, the earliest first (whole, if all of it fits), the splits of its rest that its
    longer first part passes let go; ATTEMPTS times at most, as a note is mended. (Held over
    to such a page, in order, a note is left there by `mend`.)"""
    changed = False
    for page in pages:
        if not notes_alone(page) or page.notes_top is None or not note_line:
            continue
        free = int((page.notes_top - page.notes_above - page.top + 0.01) / note_line)
        for note in page.notes:
            lines = composition.splits.get(note)
            total = lines_of(note.split(CONTINUED)[0]) if lines is not None else None
            if free < 1 or total is None or composition.attempts.get(note, 0) >= ATTEMPTS:
                continue
            for rest in [n for n in composition.splits if n.startswith(note + CONTINUED)]:
                if lines + free >= total or composition.splits[rest] <= lines + free:
                    del composition.splits[rest]  # (counted from the note's first line)
            lengthen(composition, note, lines + free, total)
            free -= total - lines
            changed = True
    return changed


def lengthen(composition, note: str, lines: int, total: int) -> None:
    """A split note's first part made `lines` long (whole, if that is all of it), an attempt
    counted, as `mend` counts them."""
    composition.attempts[note] = composition.attempts.get(note, 0) + 1
    if lines >= total:
        del composition.splits[note]
    else:
        composition.splits[note] = lines


def notes_alone(page: PageFacts) -> bool:
    """Whether the page holds notes alone: no block of the text, but the empty one of a page
    of notes run over past its division's text that calls a rest (`split_notes`)."""
    return all(block.bottom - block.top < 0.5 and not block.text for block in page.blocks)


def split_continuations(pages: list[PageFacts], composition, lines_of) -> bool:
    """A note longer than a page: its continuation, more than the page after its beginning
    holds (WeasyPrint reports it on from page to page, then sets it running off one), is
    split again where that page's text block is full of notes, and so on, a page at a time
    (`X-continued-continued`…). Split at the lines of the whole note, counted from its
    first. Continuations carried to one page share it, in the order of their calls: each
    has the room the ones before it leave (two long notes split on one page whose rests
    together are more than the next holds: the second is split again there). The rest of a
    note set on a page of notes run over past the division's text (`pages.
    keep_notes_in_division`) is called on the next such page, which the division is given
    (up to MORE_NOTES_PAGES): WeasyPrint carries notes called on a page of text to the next
    page whole, and sets them there however long, but none from a page of notes alone."""
    if rests_to_notes_pages(pages, composition, lines_of):
        return True  # (laid out again before any is split: the pages they leave change)
    changed = False
    set_on = {note: page.index for page in pages for note in page.notes}
    note_line = next((p.note_line for p in pages if p.note_line), 0.0)
    above = next((p.notes_above for p in pages if p.notes), 0.0)
    used: dict[int, int] = {}  # a page's lines taken by the continuations before
    for page, call, parent, total in continuations(pages, composition, set_on, lines_of):
        wanted, at = set_on[parent] + 1, set_on.get(call)
        first = composition.splits[parent]
        if not note_line or wanted >= len(pages) or total is None:
            continue
        before = used.get(wanted, 0)
        used[wanted] = before + composition.splits.get(call, total) - first
        if at == wanted and within(pages[at]):  # (set, and within its page)
            continue
        body = 2 * page.line_height  # WeasyPrint leaves the text two lines (its orphans)
        room = int((pages[wanted].bottom - pages[wanted].top - above - body + 0.01)
                   / note_line) - 1 - before - called_under(pages[wanted], body, lines_of,
                                                            set_on)
        if call in composition.splits:  # split, and still not set there: shorter
            room = composition.splits[call] - first - 2
        if room >= MIN_LINES and first + room < total:
            composition.splits[call] = first + room
            used[wanted] = before + room
            changed = True
    return changed


def within(page: PageFacts) -> bool:
    """Whether the page's footnotes stand within its text block (WeasyPrint sets the notes
    carried to a page there however long: they may run off its head)."""
    return page.notes_top is None or page.notes_top - page.notes_above >= page.top - 1


def called_under(page: PageFacts, body: float, lines_of, set_on: dict[str, int]) -> int:
    """The lines of notes that the text `body` high at the page's head calls, MIN_LINES of
    each at most: what each needs of the page to begin there, beside the rests carried to
    it (a rest that filled the page would send them on, off their calls' page). None for a
    note set on a later page (held over: `mend` leaves one held over to a division's pages
    of notes there), which would leave the page that much short (book-58: eleven lines)."""
    return sum(min(lines_of(note) or MIN_LINES, MIN_LINES) for note, y in page.calls.items()
               if not note.endswith(CONTINUED) and y <= page.top + body + 0.5
               and set_on.get(note, page.index) <= page.index)


def continuations(pages: list[PageFacts], composition, set_on: dict[str, int], lines_of):
    """Each continuation called on the pages whose parent (the note or the continuation it
    was split from) is split and set: (the page that calls it, its id, its parent's, the
    lines of the whole note, None if not the composition's)."""
    for page in pages:
        for call in page.calls:
            parent = call.removesuffix(CONTINUED)
            if call == parent or parent not in composition.splits or parent not in set_on:
                continue
            whole = parent
            while whole.endswith(CONTINUED):
                whole = whole.removesuffix(CONTINUED)
            yield page, call, parent, lines_of(whole)


def rests_to_notes_pages(pages: list[PageFacts], composition, lines_of) -> bool:
    """Each rest of a note split on a page of notes run over past its division's text is
    called on the next such page (`split_notes`), which the division is given: the places
    read afresh from the pages each round. Whether any changed."""
    set_on = {note: page.index for page in pages for note in page.notes}
    begins = {division: notes_pages_begin(pages, division, composition)
              for division in {page.division for page in pages}}  # before any page is added
    rests: dict[str, tuple[str, int]] = {}
    more = dict(composition.notes_pages_more)
    for _, call, parent, total in continuations(pages, composition, set_on, lines_of):
        start = set_on[parent]
        division = pages[start].division
        first_of_notes = begins.get(division)
        if total is None or composition.splits[parent] >= total or first_of_notes is None \
                or not first_of_notes <= start < first_of_notes + MORE_NOTES_PAGES:
            continue
        k = start - first_of_notes + 1  # the page of notes after its part's
        rests[call] = (division, k)
        more[division] = max(more.get(division, 0), k)
    changed = rests != composition.rests_on_notes_pages or more != composition.notes_pages_more
    composition.rests_on_notes_pages, composition.notes_pages_more = rests, more
    return changed


def notes_pages_begin(pages: list[PageFacts], division: str | None, composition
                      ) -> int | None:
    """The index of the first of the pages that end `division` with the footnotes run over
    from its text (`pages.keep_notes_in_division`), if it has them."""
    if division not in composition.notes_pages:
        return None
    own = [page.index for page in pages if page.division == division and not page.blank]
    return own[-1] - composition.notes_pages_more.get(division, 0) if own else None


def after_heading(page: PageFacts, note: str) -> bool:
    """Whether the note's call is in the first block after a heading on its page: its line
    going over would take the block and leave the heading alone at the page's foot, so a
    first part of one line is the lesser fault."""
    y = page.calls[note]
    blocks = [b for b in page.blocks if b.kind != "rule"]
    at = next((k for k, b in enumerate(blocks) if b.top - 0.5 <= y <= b.bottom + 0.5), None)
    return bool(at) and blocks[at - 1].kind == "heading"


def stays_over(page: PageFacts, note: str, composition) -> bool:
    """Whether the line that calls `note` went over with it to begin this page, and so
    stays over when the note is split or shares the page here: let go, it would come back
    to the page before, which had no room for the note (book-43, book-45)."""
    return note in composition.pushed and on_first_line(page, note)


def on_first_line(page: PageFacts, note: str) -> bool:
    """Whether the note's call is on the page's first line: its line cannot go over to the
    next page (it would begin that one as it begins this), so a first part of one line is
    the only way for the note to begin on its call's page."""
    return bool(page.line_height) and page.calls[note] <= page.top + 1.5 * page.line_height


def shorten_earlier(page: PageFacts, note: str, short: int, lines_of, composition) -> bool:
    """When the notes called on one line after a heading cannot all be set on its page, and
    the line going over would leave the heading alone: a note called earlier on that line,
    set whole on the page, is split instead, `short` lines shorter, so that the later ones
    fit whole below its first part and its rest goes on to the next page (as a note that
    does not fit is split in `mend`). Whether one was long enough to split."""
    y = page.calls[note]
    earlier = [other for other in page.calls if other != note and other in page.notes
               and other not in composition.splits and abs(page.calls[other] - y) < 0.5
               and list(page.calls).index(other) < list(page.calls).index(note)]
    sizes = {other: lines_of(other) or 0 for other in earlier}
    longest = max(earlier, key=lambda other: sizes[other], default=None)
    if short <= 0 or longest is None or sizes[longest] - short < MIN_LINES:
        return False
    composition.splits[longest] = sizes[longest] - short
    composition.pushed.discard(longest)
    return True


def share_the_page(page: PageFacts, note: str, free: int, lines_of, composition
                   ) -> bool | None:
    """When the notes called on one line (after a heading, on the page's first line, or on
    one that did not go over with them) cannot all begin on its page, even with one called
    before them shortened: each begins there all the same, in the order of the calls: those that fit
    whole, then the first that does not, split after the lines left less MIN_LINES for each
    note after it, then those after it, split after MIN_LINES; the rests go on to the next
    page in the same order. (TeX would hold the later notes over whole: here a note begins
    on its call's page.) `free`: the lines between the call's line and the page's notes.
    None if they cannot; else whether anything changed (False: shared so already)."""
    line = [n for n in page.calls if not n.endswith(CONTINUED)
            and abs(page.calls[n] - page.calls[note]) < 0.5]
    sizes = {n: lines_of(n) for n in line}
    if None in sizes.values():
        return None
    room = free + sum(composition.splits.get(n, sizes[n]) for n in line if n in page.notes)
    shares = {}
    for k, n in enumerate(line):
        later = sum(min(sizes[other], MIN_LINES) for other in line[k + 1:])
        shares[n] = min(sizes[n], room - later)
        if shares[n] < min(sizes[n], MIN_LINES):
            return None
        room -= shares[n]
    changed = False
    for n, lines in shares.items():
        wanted = lines if lines < sizes[n] else None
        kept = stays_over(page, n, composition)
        if composition.splits.get(n) != wanted or n in composition.pushed and not kept:
            changed = True
        if not kept:
            composition.pushed.discard(n)
        if wanted is None:
            composition.splits.pop(n, None)
        else:
            composition.splits[n] = wanted
    return changed


def hold_later_over(page: PageFacts, note: str, free: int, total: int, lines_of, composition
                    ) -> bool:
    """When the notes called on one line that cannot go over (`share_the_page`'s lines)
    cannot all begin on its page, not even MIN_LINES of each: as TeX sets them, `note`, the
    first that does not fit, is split after the lines free below its call (those of the
    notes called after it on the line set on the page counted free: they go), and the notes
    called after it are held over to the next page whole, after its rest (their policy
    WeasyPrint's own: moved on, not taking the line with them). book-60: a chapter's last
    line, gone over to begin a page under a long note's rest, called four notes; the last
    three were set whole on the next page, a page of notes. Whether it changed anything."""
    calls = list(page.calls)
    later = [n for n in on_its_line(page, note) if calls.index(n) > calls.index(note)]
    room = free + sum(composition.splits.get(n, lines_of(n) or 0) for n in later
                      if n in page.notes)
    if note in composition.splits:  # split, and still its beginning is moved on (`mend`)
        room = min(room, composition.splits[note] - 1)
    least = 1 if after_heading(page, note) or on_first_line(page, note) else MIN_LINES
    if not later or not least <= room < total:
        return False
    composition.splits[note] = room
    if not stays_over(page, note, composition):
        composition.pushed.discard(note)
    for n in later:
        composition.pushed.discard(n)
        composition.splits.pop(n, None)
    return True


def behind_a_split(page: PageFacts, note: str, composition) -> bool:
    """Whether a note called before `note` on its line is split with its first part set on
    the page: `note`, set later, is held over behind it as TeX holds it (`hold_later_over`)."""
    calls = list(page.calls)
    return any(other in composition.splits and other in page.notes
               and calls.index(other) < calls.index(note) for other in on_its_line(page, note))


def on_its_line(page: PageFacts, note: str) -> list[str]:
    """The other notes called on the line that calls `note`."""
    return [other for other in page.calls if other != note and not other.endswith(CONTINUED)
            and abs(page.calls[other] - page.calls[note]) < 0.5]


def same_line(page: PageFacts, note: str, lines_of) -> int:
    """The lines of the notes called after `note` on its call's line: they stay on the page
    with it, below its first part, so the first part leaves them room."""
    after = list(page.calls)[list(page.calls).index(note) + 1:]
    return sum(lines_of(other) or 1 for other in after
               if abs(page.calls[other] - page.calls[note]) < 0.5
               and not other.endswith(CONTINUED))


def make_room(page: PageFacts, composition) -> bool:
    """A note with room enough below its call that WeasyPrint moved on all the same, to set
    one more line of the paragraph at the page's foot (for its orphans or widows): that
    paragraph may break after any line instead, so that the note stays with its call (a
    widow or an orphan is a warning; a note off its page is not to be had). Or to set the
    next row of a table at the page's foot, which went on to the next page all the same:
    the table begins on the next page (the page is left short: a warning)."""
    last = page.blocks[-1] if page.blocks else None
    if last is not None and last.kind == "table" and not last.last and last.figure and \
            "break-before" not in composition.styles.get(last.figure, ""):
        # WeasyPrint moved the note on to make room for the table's next row, then the row
        composition.styles[last.figure] = "; ".join(filter(None, (
            composition.styles.get(last.figure), "break-before: page")))
        return True
    if last is None or last.pos is None or last.pos in composition.styles:
        return False
    composition.styles[last.pos] = "orphans: 1; widows: 1"
    return True


def split_notes(tree, splits: dict[str, int], pushed: set[str], key: str, set_attr: str,
                rests: dict[str, tuple[str, int]] | None = None) -> None:
    """Split each footnote of `tree` (a copy of the book's HTML, its notes' breaks written in)
    after its line `splits[id]`, the rest a continuation beside it, or on the division's
    page of notes `rests[its id]` ((division, k): its `div.notes-run-over` k, counted from
    0); give each note in `pushed` the policy that moves its call's line with it."""
    for note in pushed:
        element = by_id(tree, note)
        if element is not None:
            element.set("style", "footnote-policy: line")
    order = {ident: k for k, ident in enumerate(tree.xpath("//*[@id]/@id"))}
    for note, lines in sorted(splits.items(), key=lambda split: (split[0].count(CONTINUED),
                                                             order.get(split[0].replace(
                                                                 CONTINUED, ""), 0))):
        element = by_id(tree, note)  # a note before its continuation, which a split of it
        # makes; the rests of notes called on one line in the order of the calls
        if element is None:
            continue
        marker = next((br for br in element.iter("br") if br.get("data-line") == str(lines)),
                      None)  # a composed line's end, or a line break of the source (a list)
        if marker is None:
            continue
        rest = split_after(element, marker)
        rest.set("id", note + CONTINUED)
        rest.set("class", element.get("class") + " continued")
        for name in ("data-mark", set_attr, BLOCK, NOTE_ORDER):  # (BLOCK: its index marks' letters)
            if element.get(name) is not None:
                rest.set(name, element.get(name))
        if element.get(key) is not None:
            rest.set(key, element.get(key) + "c")  # not the note's: its lines are its own
        page_of_notes = notes_page(tree, *(rests or {}).get(note + CONTINUED, (None, None)))
        if page_of_notes is not None:
            rest.tail = None
            page_of_notes.append(rest)
            continue
        paragraph = next(iter(element.xpath(f"ancestor::*[@{key}][1]")), None)
        line_end = next(iter(element.xpath(  # the paragraph's break, not a later note's
            "following::br[@class='kp'][not(ancestor::*[contains(concat(' ', @class, ' '), "
            "' footnote ')])][1]")), None)
        if line_end is not None and paragraph is not None and \
                paragraph in line_end.iterancestors():
            line_end.addprevious(rest)  # after the notes called later on the call's line,
        elif paragraph is not None:  # which stay on the page: at the end of that line
            paragraph.append(rest)
        else:
            rest.tail, element.tail = element.tail, None
            element.addnext(rest)


def notes_page(tree, division: str | None, k: int | None):
    """The `k`th page of notes run over (counted from 0) of `division`, if it has it."""
    element = by_id(tree, division) if division is not None else None
    found = element.xpath("./div[@class='notes-run-over']") if element is not None else []
    return found[k] if k is not None and k < len(found) else None


def by_id(tree, ident: str):
    found = tree.xpath("//*[@id=$i]", i=ident)
    return found[0] if found else None


def split_after(root, marker):
    """Take everything after `marker` (a descendant of `root`) out of `root`, into a new
    element like `root`; the inline elements the marker stands in are continued there."""
    chain = []  # root's descendants down to the marker's parent
    node = marker.getparent()
    while node is not root:
        chain.insert(0, node)
        node = node.getparent()
    rest = etree.Element(root.tag)
    clones = [rest]
    for node in chain:
        clone = etree.SubElement(clones[-1], node.tag, {k: v for k, v in node.attrib.items()
                                                        if k not in ("id", POS)})
        clones.append(clone)
    # at the marker's level: its tail and the siblings after it
    deepest = clones[-1]
    deepest.text, marker.tail = marker.tail, None
    for sibling in list(marker.itersiblings()):
        deepest.append(sibling)
    # each level up: what follows the element the marker stands in
    for node, clone in zip(reversed(chain), reversed(clones[1:]), strict=True):
        clone.tail, node.tail = node.tail, None
        parent_clone = clone.getparent()
        for sibling in list(node.itersiblings()):
            parent_clone.append(sibling)
    return rest
