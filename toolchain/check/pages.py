"""The page invariants: what a book designer would not pass on a printed page, found in the
facts of the laid-out pages (`typeset.facts`) and returned as Problems — never printed.

Each finding names the page (its place in the PDF and its folio) and, where the page's
block came from the manuscript, that file and line. Errors stop the build; warnings go to
report.json. The codes, documented in the README ("What the toolchain checks on every
page"):

- P040 (error) text or an image beyond the page's edge: cut off.
- P041 (error) a footnote that does not begin on its call's page (or whose continuation is
  not on the page after, or on none).
- P042 (error) a figure's caption on another page than its image; something of the main
  flow, or a footnote, drawn over the running head or the folio.
- P043 (error) a heading in the last lines of a page: fewer than two lines of what follows
  it (or no figure or table) after it on the page, but headings alone on their page before
  a figure or table too tall to come up under them; an attribution alone at a page's head.
- P044 (error) a running head that is not its division's; a blank page with a head or folio;
  a page of a division with nothing on it but its head and folio.
- P045 (warning) a page of text short of its text block, but a division's last page or one
  before a figure or table that could not fit.
- P046 (warning) a widow or an orphan: a paragraph's single line alone at a page's top or
  foot.
- P047 (warning) a footnote held over, as TeX holds it: its call's page full of the notes
  called before it, it begins a later page's notes, in order; or a rest held over past the
  page after its note's beginning, the rests of notes called before it filling that page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import Problem
from ..typeset import facts
from ..typeset.facts import PageFacts
from ..typeset.footnotes import CONTINUED, held_over, misplaced, rests_astray, rests_held_over


def check_pages(pages: list[PageFacts], origin: Callable[[str | None], tuple | None],
                heads: dict[str, str], verso_head: str, pdf: str = "pdf") -> list[Problem]:
    """Every invariant on every page. `origin(pos)` gives the manuscript (file, line) of a
    block's element; `heads` the running head of each division (by its id) and
    `verso_head` the one of every left-hand page."""
    problems: list[Problem] = []

    def problem(page: PageFacts, pos, code, message, hint, severity="error"):
        found = origin(pos) if pos else None
        where = f"page {page.index + 1} (folio {page.folio})"
        path, line = found if found else (pdf, 0)
        problems.append(Problem(path, line, 1 if line else 0, code, f"{where}: {message}",
                                hint, severity))

    for page in pages:
        edges(page, problem)
        running_heads(page, heads, verso_head, problem)
        widows_and_orphans(page, problem)
    headings_at_foot(pages, problem)
    footnotes(pages, problem)
    captions(pages, problem)
    short_pages(pages, problem)
    return problems


def edges(page: PageFacts, problem) -> None:
    """P040: beyond the page; P042: over the running head or the folio (the notes too: a
    page of notes run over whose notes begin above its text block, book-64)."""
    for block, where in facts.overflows(page):
        what = describe(block)
        if where == "foot":
            problem(page, block.pos, "P040", f"{what} runs beyond the foot of the page and is "
                    "cut off: it is taller than a page and cannot be broken over a page turn",
                    "shorten it, or break it into parts")
        elif where == "side":
            problem(page, block.pos, "P040", f"{what} is wider than the page and is cut off",
                    "narrow it: fewer or shorter columns, or a shorter word")
        else:
            problem(page, block.pos, "P042", f"{what} runs out of the text block, over the "
                    "running head or the folio", "make it smaller (a figure is at most the "
                    "text block's height, with its caption)")
    if page.notes_top is not None and page.notes_top < page.top - facts.EDGE:
        problem(page, None, "P042", "its footnotes run out of the text block, over the running "
                "head", "report it: a note too long for its page is split, never set over "
                "its head")


def describe(block) -> str:
    text = f" “{block.text}”" if block.text else ""
    return {"image": "an image", "caption": "a caption", "table": "a table",
            "heading": "a heading", "verse": "verse", "rule": "a section break",
            "paragraph": "a paragraph"}.get(block.kind, "a block") + text


def running_heads(page: PageFacts, heads: dict[str, str], verso_head: str, problem) -> None:
    if page.blank:
        if page.heads or page.foot:
            problem(page, None, "P044", "a blank page carries a running head or folio "
                    f"({' '.join(page.heads + [page.foot])!r})", "report it: print.css "
                    "clears them on :blank pages")
        return
    if page.division and page.empty:
        problem(page, None, "P044", "the page is empty but for its running head and folio",
                "report it: a division's pages hold its text or its notes")
        return
    expected = verso_head if page.side == "left" else heads.get(page.division or "")
    for head in page.heads:
        if expected is not None and same(head) != same(expected):
            problem(page, None, "P044", f"the running head reads “{head}”, not its division's "
                    f"“{expected}”", "report it: each division sets its own running head")


def same(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u2060", "").split())


def headings_at_foot(pages: list[PageFacts], problem) -> None:
    """A heading keeps with two lines of what follows it, or with the figure or table."""
    for page, block, lines in facts.headings_at_foot(pages):
        problem(page, block.pos, "P043", f"the heading “{block.text}” stands in the last "
                f"lines of the page, with {lines} line(s) of its text after it",
                "report it: a heading is kept with what follows it")
    for page, block, _ in facts.attributions_alone(pages):
        problem(page, block.pos, "P043", f"the attribution “{block.text}” stands alone at "
                "the head of the page, apart from what it attributes",
                "report it: an attribution is kept with what it attributes")


def widows_and_orphans(page: PageFacts, problem) -> None:
    for block in page.blocks:
        if block.kind != "paragraph" or block.lines != 1 or block.first == block.last:
            continue
        which = "orphan: its first line alone at the foot" if block.first else \
            "widow: its last line alone at the head"
        problem(page, block.pos, "P046", f"a paragraph's {which} of the page ({block.text!r})",
                "a word more or less in the paragraph, or on the page, mends it",
                "warning")


def footnotes(pages: list[PageFacts], problem) -> None:
    """Each footnote begins on its call's page; its continuation, on the page after."""
    set_on = {note: page.index for page in pages for note in page.notes}
    for note, page in misplaced(pages):
        if held_over(pages, note, page, set_on):
            continue  # (a warning, below)
        at = set_on.get(note)
        problem(page, None, "P041", f"footnote {note!r} is called here but set on "
                + (f"page {at + 1}" if at is not None else "no page"),
                "report it: a footnote is split rather than moved off its page")
    for page in pages:
        for call in page.calls:
            if not call.endswith(CONTINUED) and held_over(pages, call, page, set_on):
                problem(page, None, "P047", f"footnote {call!r} is called here and held "
                        f"over to page {set_on[call] + 1}: the notes before it fill this page "
                        "(as TeX holds notes over)", "a word more or less on the page, or "
                        "a shorter note, mends it", "warning")
    for rest, page in rests_held_over(pages).items():
        problem(page, None, "P047", f"the rest of footnote {rest.split(CONTINUED)[0]!r} is "
                "held over to this page: the notes before it fill the page after its "
                "beginning (as TeX holds notes over)", "a word more or less on the page, or "
                "a shorter note, mends it", "warning")
    for rest, page, is_set in rests_astray(pages):  # set on no page, its words lost; or
        note = rest.removesuffix(CONTINUED)  # not on the page after its beginning
        problem(page, None, "P041", f"the rest of footnote {note!r} is " + (
            "not on the page after its beginning" if is_set else "set on no page"),
                "report it")


def captions(pages: list[PageFacts], problem) -> None:
    for shown_page, shown, page, caption in facts.captions_apart(pages):
        what = "table" if shown.kind == "table" else "figure"
        problem(page, caption.pos, "P042", f"the caption “{caption.text}” is on another page "
                f"than its {what} (page {shown_page.index + 1})",
                "report it: a table breaks under its caption" if what == "table" else
                "make the image smaller, so that it and its caption fit a page")


def short_pages(pages: list[PageFacts], problem) -> None:
    """A page of text that ends a line or more short while its division goes on
    (`facts.short_pages`)."""
    for page, lines in facts.short_pages(pages):
        problem(page, page.blocks[-1].pos, "P045", f"the page ends {lines} line(s) short of "
                "its text block", "report it if it shows: the paragraphs around it could not "
                "be set to fill it", "warning")


def origins(docs) -> Callable[[str | None], tuple[Path, int] | None]:
    """`origin(pos)` for the documents the book's HTML was made from: the manuscript file
    and line behind the element numbered `pos` ("document.element"), or None."""
    def origin(pos: str | None):
        if not pos:
            return None
        doc, element = (int(x) for x in pos.split("."))
        return docs[doc].origin_of_element(element)

    return origin
