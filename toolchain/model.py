"""The document model: what the reader produces and every writer consumes.

It knows nothing of Markdown, XHTML or PDF, so that a footnote is decided once,
here and in the reader, and only drawn by the writers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path

# --- inline content ---------------------------------------------------------


@dataclass
class Text:
    text: str


@dataclass
class Styled:
    """Emphasis, a title (`cite`), a foreign word, small caps or strong text."""

    kind: str  # "em" | "cite" | "foreign" | "smallcaps" | "strong" | "sup"
    children: list
    lang: str | None = None


@dataclass
class Link:
    href: str  # http(s):, mailto: or #anchor of a chapter or section title
    children: list
    line: int = 0


@dataclass
class NoteRef:
    label: str  # as the manuscript calls it: "3" or "disputed" for a note, "1*" for a footnote


@dataclass
class Cite:
    """A citation in pandoc's syntax, `[see @serge1951, 112–14; @carr1950]` or `@broue1971
    [301]`: kept as written, for the CSL processor (write/citations.py) to render as a note,
    or in place, and to list in the bibliography."""

    source: str  # as written in the manuscript
    keys: list[str]  # the works cited, in order
    line: int
    in_text: bool = False  # `@key`: the author is named in the sentence
    column: int = 1


@dataclass
class LineBreak:
    pass


@dataclass
class PageNumber:
    """The `#` of a page reference, `[see p. #](#the-policy-of-the-kpd)`: the print page
    number of the link's target, in both editions (the EPUB reads the print edition's)."""


@dataclass
class IndexMark:
    """A place marked for the index, `[words]{.index}`: the words marked (perhaps none) stay
    in the text; the entry files under `headings` (main heading, then sub-headings), or the
    words themselves; a start or end mark bounds a range of pages; `see` and `also` are
    cross-references to other headings."""

    children: list
    headings: list[str]
    line: int = 0
    sort: str | None = None  # how the main heading files, where not as written
    see: str | None = None
    also: str | None = None
    range: str | None = None  # "start" or "end" of a range of pages, or None
    from_terms: bool = False  # marked by book.toml's index terms, not written in the text


@dataclass
class Anchor:
    """A named place of the text, `[the quay at dusk]{#quay}`, that a cross-reference or a
    page reference (`[p. #](#quay)`) may name."""

    name: str
    children: list


@dataclass
class Unindexed:
    """Words the index terms of book.toml do not mark here: `[Trotsky]{.noindex}`."""

    children: list


# --- blocks -----------------------------------------------------------------


@dataclass
class Para:
    children: list
    line: int
    role: str | None = None  # a part of a letter or an attribution: one of PARA_ROLES


# Paragraph roles, written `[text]{.signature}` as a paragraph of its own: (EPUB type, class).
PARA_ROLES = {
    "attribution": None,  # who said a quotation or an epigraph
    "salutation": "z3998:salutation",
    "valediction": "z3998:valediction",
    "signature": "z3998:signature",
    "dateline": "z3998:dateline",
}


@dataclass
class Heading:
    level: int  # 1 = chapter title, 2 = section, ...
    children: list
    line: int
    classes: list = field(default_factory=list)  # `# Preface {.preface}`
    notes_at: str | None = None  # a title line's `{notes=footnotes}`


@dataclass
class Quote:
    blocks: list
    line: int


@dataclass
class ListBlock:
    ordered: bool
    items: list  # list of lists of blocks
    line: int
    start: int = 1  # a numbered list's first number (a list taken up again after a paragraph)


@dataclass
class Table:
    caption: list  # inline content; empty if the table has none
    header: list  # cells, each a list of inlines; empty if the table has no header row
    rows: list  # rows of cells; the first cell of each row is its header
    numeric: list  # one bool per column: its cells are figures (tabular, decimal-aligned)
    line: int
    align: list = field(default_factory=list)  # per column: "left", "center", "right" or None
    layout: str | None = None  # one of TABLE_LAYOUTS, chosen by the editor; None: by its width
    name: str | None = None  # `Table: Wages {#wages}`: what a cross-reference calls it


# How a table may be set, narrowest first: smaller type, smaller still, turned on its own page.
TABLE_LAYOUTS = ("medium", "wide", "landscape")


@dataclass
class VerseLine:
    children: list
    indent: int  # 0, 1, 2…: how far the line is set in (two spaces a level in the manuscript)
    line: int


@dataclass
class Verse:
    """A poem (`::: poem`) or verse quoted in prose, song lyrics (`::: verse`): stanzas of lines."""

    kind: str  # "poem" | "verse"
    stanzas: list  # lists of VerseLine
    line: int


@dataclass
class Letter:
    """A letter within the text (`::: letter`): paragraphs, with its salutation, dateline,
    valediction and signature as paragraph roles."""

    blocks: list
    line: int


@dataclass
class Figure:
    """An image on a line of its own: `![what it shows](images/x.jpg "Caption"){credit="…"}`."""

    path: Path  # the image file, inside the manuscript
    alt: str  # what the image shows, for a reader who cannot see it
    caption: list  # inline content; empty if none
    credit: list  # inline content (who made or holds the image); empty if none
    line: int
    name: str | None = None  # `{#ferry}`: what a cross-reference calls it


@dataclass
class References:
    """The works cited, as the CSL style lists and sets them: (id, paragraphs of inline
    content) each, made by write/citations.py."""

    entries: list
    line: int = 0


@dataclass
class SectionBreak:
    """A thematic break between scenes or sections (`* * *`)."""

    line: int


# --- notes and the book -----------------------------------------------------

FOOTNOTE_MARKS = ["*", "\u2020", "\u2021", "\u00a7", "\u00b6"]


@dataclass
class Note:
    label: str
    blocks: list
    line: int
    incomplete: bool = False
    at_foot: bool = False  # a numbered note set as a footnote (`notes = "footnotes"`)
    number: int = 0  # its place among its division's notes (starred ones apart), in reading
    # order: set by `number_notes`, whatever its label says
    citation: bool = False  # made from a citation (write/citations.py), not the author's

    @property
    def starred(self) -> bool:
        """Starred labels (1*, 2*) are the author's footnotes, marked *, †, ‡…"""
        return self.label.endswith("*")

    @property
    def is_footnote(self) -> bool:
        """Set at the foot of its call's page: starred, or numbered in a book (or division)
        whose numbered notes are footnotes; else an endnote, in the Notes."""
        return self.starred or self.at_foot

    @property
    def kind(self) -> str:
        """What its id says it is: "fn" (starred), "footnote" (numbered) or "note" (endnote)."""
        return "fn" if self.starred else "footnote" if self.at_foot else "note"

    @property
    def mark(self) -> str:
        """What the reader sees at the call: the number, or *, †, ‡ … for starred notes."""
        if not self.starred:
            return str(self.number)
        n = self.number - 1
        return FOOTNOTE_MARKS[n % len(FOOTNOTE_MARKS)] * (n // len(FOOTNOTE_MARKS) + 1)


# Divisions of a book by kind: (where it may stand, EPUB type = DPUB-ARIA role without "doc-").
DIVISIONS = {
    "dedication": "front", "epigraph": "front", "foreword": "front", "preface": "front",
    "introduction": "front", "prologue": "front", "acknowledgments": "any",
    "chapter": "body", "part": "body",
    "epilogue": "back", "afterword": "back", "conclusion": "back", "appendix": "back",
    "bibliography": "back", "glossary": "back",
}
UNTITLED = {"dedication", "epigraph"}  # a title that only names the kind is not printed
SHORT_WORDS = 120  # a dedication or epigraph at most this long (and of at most SHORT_LINES
SHORT_LINES = 24  # lines of verse) is set apart, centred; a longer one is set as prose


@dataclass
class Chapter:
    slug: str  # from the file name; prefixes every id in the chapter
    path: Path
    title: list  # inline content of the level-1 heading
    blocks: list  # everything after the title
    notes: dict[str, Note] = field(default_factory=dict)
    kind: str = "chapter"  # a key of DIVISIONS, from `# Title {.kind}`
    notes_at: str = "endnotes"  # where its numbered notes are set: "endnotes" or "footnotes"
    matter: str = "body"  # "front", "body" or "back": the list of book.toml it is in
    part: Chapter | None = None  # the part this chapter belongs to
    after_notes: bool = False  # set after the Notes (a bibliography the toolchain made,
    # where Chicago 1.4 puts it), not where book.toml lists it

    @property
    def shows_title(self) -> bool:
        """Whether the title is printed: always, but a dedication's or an epigraph's that
        only says what it is ("Dedication"); one that addresses its readers is printed."""
        return self.kind not in UNTITLED or \
            plain_text(self.title).strip().lower() != self.kind

    @property
    def short(self) -> bool:
        """A dedication or epigraph short enough to stand apart on its page, centred."""
        words = len(plain_text(inlines_of(self.blocks)).split())
        lines = sum(len(stanza) for block in self.blocks if isinstance(block, Verse)
                    for stanza in block.stanzas)
        return self.kind in UNTITLED and words <= SHORT_WORDS and lines <= SHORT_LINES

    @property
    def endnotes(self) -> list[Note]:
        return sorted((n for n in self.notes.values() if not n.is_footnote), key=lambda n: n.number)


@dataclass
class Book:
    root: Path
    meta: dict
    chapters: list[Chapter]  # every division in reading order: front, body and back matter
    colophon: list  # blocks written by the editors
    cover: Path | None = None  # the publisher's cover art, if any
    frontispiece: Figure | None = None  # a figure facing the title page, from book.toml
    index_references: list = field(default_factory=list)  # book.toml's see / see also, as
    # IndexMarks with no place in the text
    bibliography: object | None = None  # read.bibliography.Bibliography: the works cited
    citation_style: Path | None = None  # the CSL file citations follow
    attachments: dict = field(default_factory=dict)  # relative path -> bytes: files a reader
    # made in memory (a Word document's images, its works cited), written with the manuscript

    @property
    def body(self) -> list[Chapter]:
        return [ch for ch in self.chapters if ch.matter == "body"]


def contributors(meta: dict) -> list[dict]:
    """Everyone named in book.toml, authors first: {"name", "role", "sort"} each."""
    authors = meta.get("author", [])
    people = [{"name": name, "role": "aut", "sort": meta.get("author_sort")}
              for name in ([authors] if isinstance(authors, str) else authors)]
    people += [{"sort": None, **person} for person in meta.get("contributors", [])]
    return people


def authors(meta: dict) -> list[str]:
    return [p["name"] for p in contributors(meta) if p["role"] == "aut"]


def names(items: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def without_notes(inlines: list) -> list:
    """Inline content with its note calls and index marks taken out (a title as the Notes or
    contents show it)."""
    out = []
    for node in inlines:
        if isinstance(node, NoteRef):
            continue
        if isinstance(node, (IndexMark, Unindexed, Anchor)):  # its words, not its place: a title
            out += without_notes(node.children)  # the contents or Notes repeat is not indexed
            continue
        if isinstance(node, (Styled, Link)):
            node = type(node)(**{**node.__dict__, "children": without_notes(node.children)})
        out.append(node)
    return out


def plain_text(inlines: list) -> str:
    """The text of inline content, without note calls (for titles, headings, metadata)."""
    out = []
    for node in inlines:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, (Styled, Link, IndexMark, Unindexed, Anchor)):
            out.append(plain_text(node.children))
        elif isinstance(node, LineBreak):
            out.append(" ")
    return "".join(out)


def slugify(text: str) -> str:
    """A name for a file or an id: lower-case letters and digits, hyphens between."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def anchor(inlines: list) -> str:
    """The name a cross-reference uses for a title: its words, lower case, joined by hyphens."""
    return re.sub(r"[^\w]+", "-", plain_text(inlines).lower()).strip("-_")


def anchors(book: Book) -> dict[str, tuple[Chapter, Heading | Anchor | Figure | Table | None]]:
    """Every place a cross-reference may name: chapters, then their sections (first wins),
    then the places the editor named (`{#quay}`: a span, a figure or a table)."""
    found: dict = {}
    for ch in book.chapters:
        found.setdefault(anchor(ch.title), (ch, None))
    for ch in book.chapters:
        for block in ch.blocks:
            if isinstance(block, Heading):
                found.setdefault(anchor(block.children), (ch, block))
    for ch, node in named_places(book):
        found[node.name] = (ch, node)
    return found


def named_places(book: Book) -> list[tuple[Chapter, Anchor | Figure | Table]]:
    """The places the editor named, in reading order: `[words]{#quay}`, `![…](…){#ferry}`,
    `Table: Wages {#wages}`; in the text and in the notes."""
    return [(ch, node) for ch in book.chapters
            for root in [*ch.blocks, *(b for n in ch.notes.values() for b in n.blocks)]
            for node in walk(root) if isinstance(node, (Anchor, Figure, Table)) and node.name]


def number_notes(chapter: Chapter) -> None:
    """Number a division's notes in the order their calls are read (the title's first), the
    starred footnotes apart: a note's label is the author's name for it, not its number."""
    counts = {True: 0, False: 0}
    for note in chapter.notes.values():
        note.number = 0
    for node in (found for root in [*chapter.title, *chapter.blocks] for found in walk(root)):
        note = chapter.notes.get(node.label) if isinstance(node, NoteRef) else None
        if note is not None and not note.number:
            counts[note.starred] += 1
            note.number = counts[note.starred]


def walk(node):
    """The node and every node inside it, blocks and inlines, in reading order."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children_of(node)))


def index_marks(chapter: Chapter) -> list[IndexMark]:
    """The index's marks in a division: in its title, its text and its notes, in that order."""
    nodes = [*chapter.title, *chapter.blocks,
             *(block for note in chapter.notes.values() for block in note.blocks)]
    return [found for node in nodes for found in walk(node) if isinstance(found, IndexMark)]


def links(blocks: list) -> list[Link]:
    """Every link in some blocks, at any depth, in reading order."""
    return [node for block in blocks for node in walk(block) if isinstance(node, Link)]


def inlines_of(blocks: list) -> list:
    """Every Text node of some blocks, at any depth, in reading order, a space between."""
    return [piece for block in blocks for node in walk(block) if isinstance(node, Text)
            for piece in (node, Text(" "))]


BLOCKS = (Para, Heading, Quote, ListBlock, Table, Verse, Letter, Figure, References,
          SectionBreak)
INLINES = (Text, Styled, Link, NoteRef, Cite, LineBreak, PageNumber, IndexMark, Anchor,
           Unindexed)
NODES = (*BLOCKS, *INLINES, VerseLine)  # what a walk goes through (a line of verse is a part
# of its block); notes, divisions and the book hold them


def children_of(node) -> list:
    """The nodes directly inside a node, blocks or inlines, in the order its fields hold
    them (pandoc's Walk): one rule for every class, so a new construct is walked without
    a new case here."""
    names = FIELD_NAMES.get(type(node))
    if names is None:
        names = FIELD_NAMES[type(node)] = tuple(
            spec.name for spec in fields(node)) if isinstance(node, NODES) else ()
    found: list = []
    for name in names:
        collect(getattr(node, name), found)
    return found


FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # each class's fields, read once


def collect(value, found: list) -> None:
    kind = KINDS.get(type(value))
    if kind is None:
        kind = KINDS[type(value)] = "node" if isinstance(value, NODES) else \
            "list" if isinstance(value, (list, tuple)) else ""
    if kind == "node":
        found.append(value)
    elif kind == "list":
        for item in value:
            collect(item, found)


KINDS: dict[type, str] = {}  # a node's class, a list's, or neither: found once a class


def inline_lists(node, nested: bool = True) -> list[list]:
    """Every list of inline content in a node, at any depth, as the node holds it (so that a
    transform may replace what is in it): paragraphs, titles, lines of verse, cells,
    captions, and (if `nested`) the content of emphasis, links and marks in them."""
    if isinstance(node, (Quote, Letter)):
        return [found for block in node.blocks for found in inline_lists(block, nested)]
    if isinstance(node, ListBlock):
        return [found for item in node.items for block in item
                for found in inline_lists(block, nested)]
    if isinstance(node, Verse):
        return [found for stanza in node.stanzas for line in stanza
                for found in inline_lists(line, nested)]
    if isinstance(node, Figure):
        lists = [node.caption, node.credit]
    elif isinstance(node, Table):
        lists = [node.caption, *(cell for row in [node.header, *node.rows] for cell in row)]
    elif isinstance(node, (Styled, Link, Para, Heading, VerseLine, IndexMark, Unindexed,
                           Anchor)):
        lists = [node.children]
    elif isinstance(node, References):
        lists = [para for _, paragraphs in node.entries for para in paragraphs]
    else:
        return []
    return lists + ([found for inlines in lists for child in inlines
                     for found in inline_lists(child)] if nested else [])


def inline_places(root):
    """(the list that holds it, the node) for every inline node of a block or inline node,
    in reading order (a citation inside emphasis where it is read)."""
    for inlines in inline_lists(root, nested=False):
        for node in inlines:
            yield inlines, node
            yield from inline_places(node)


def figures(book: Book) -> list[tuple[Chapter, Figure]]:
    """Every figure of the book with its chapter, at any depth, in reading order."""
    return [(ch, node) for ch in book.chapters for block in ch.blocks for node in walk(block)
            if isinstance(node, Figure)]


RESERVED_IMAGES = {"cover.png", "cover.jpg"}


def image_names(book: Book) -> dict[Path, str]:
    """Each figure's image file and its name in the book (`images/NAME`): the file name, made
    safe for every reading system, numbered where two files would share one."""
    names: dict[Path, str] = {}
    taken = set(RESERVED_IMAGES)
    every = [book.frontispiece] if book.frontispiece else []
    for figure in every + [figure for _, figure in figures(book)]:
        if figure.path in names:
            continue
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", figure.path.stem).strip("-") or "figure"
        suffix = figure.path.suffix.lower().replace(".jpeg", ".jpg")
        name, k = stem + suffix, 1
        while name.lower() in taken:
            k += 1
            name = f"{stem}-{k}{suffix}"
        taken.add(name.lower())
        names[figure.path] = name
    return names
