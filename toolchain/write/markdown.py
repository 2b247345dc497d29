"""Any `model.Book` as a manuscript folder: book.toml and one Markdown file a division, in the
format `read/markdown.py` reads, with the files the book names (images, cover, bibliography).

It is the Markdown reader run backwards, one method per model class as the XHTML writer has:
what it writes reads back as the same model (`tests/test_markdown_writer.py` holds that for
every sample and test book). `import` uses it to write a Word manuscript read by `read/docx`.
Words book.toml's index terms marked are written as plain words: the terms mark them again.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import tomli_w

from .. import model as m
from ..errors import BuildError, Problem

LINE_START = re.compile(r"^(?:(\d+)(?=[.)])|(?=#|[+-]|:|=|~~~))", re.M)  # opens a block there
INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|{}@])|&(?=#?\w+;)")
CLASS_OF = {"cite": "title", "smallcaps": "smallcaps", "sup": "sup", **{r: r for r in m.PARA_ROLES}}


class Unwritable(Exception):
    """A node the manuscript format has no way to write (only a model not made by a reader)."""


def escape(text: str) -> str:
    return INLINE_SPECIAL.sub(lambda found: "\\" + found[0], text)


def attribute(key: str, value: str) -> str:
    if '"' in value:  # (the attributes' syntax has no way to write one; no reader makes one)
        raise Unwritable(f"an attribute value with a straight double quote: {value!r}")
    return f'{key}="{value}"'


def indented(text: str, prefix: str, first: str | None = None) -> str:
    """Every line of `text` under `prefix` (blank lines kept blank), the first under `first`."""
    lines = text.split("\n")
    out = [(first if first is not None else prefix) + lines[0]]
    out += [prefix + line if line.strip() else prefix.rstrip() for line in lines[1:]]
    return "\n".join(out)


class MarkdownWriter:
    """One division's model as the text of its Markdown file."""

    def __init__(self, book: m.Book, path: Path):
        self.book, self.path = book, path  # the file written: figures are named relative to it
        self.marks: list[str] = []  # the emphasis marks open around what is being written
        self.used: dict[int, str] = {}  # an emphasis written -> its mark

    # --- inlines ---------------------------------------------------------------------

    def inlines(self, nodes: list) -> str:
        out, before = [], None
        for k, node in enumerate(nodes):
            method = getattr(self, "inline_" + type(node).__name__, None)
            if method is None:
                raise Unwritable(f"{type(node).__name__} where inline content is")
            after = nodes[k + 1] if k + 1 < len(nodes) else None
            piece = method(node, before, after) if isinstance(node, m.Styled) else method(node)
            if out and out[-1].endswith("!") and piece[:1] == "[" and piece[:2] != "[^":
                out[-1] = out[-1][:-1] + "\\!"  # else `![…]` would be an image
            out.append(piece)
            before = node
        return "".join(out)

    def inline_Text(self, node: m.Text) -> str:
        return escape(node.text)

    def emphasis_mark(self, node: m.Styled, before, after) -> str:
        """`*` (`**` for strong), or `_` where a `*` would run into the emphasis it is at the
        edge of, or the one just before it (`**_x_**`, `*a*_b_`) — and `_` can open and close
        there, with no letter or digit against it."""
        outer = self.marks[-1][:1] if self.marks else ""
        clash = (before is None or after is None) and outer == "*" or \
            isinstance(before, m.Styled) and self.used.get(id(before), "")[:1] == "*"
        edges = [self.edge_char(before, -1, outer), self.edge_char(after, 0, outer)]
        mark = "_" if clash and not any(c.isalnum() for c in edges) else "*"
        return mark * (1 if node.kind == "em" else 2)

    @staticmethod
    def edge_char(node, end: int, outer: str) -> str:
        """The character written against an emphasis: of the Text beside it, the mark around
        it, or punctuation (a call's bracket, another emphasis's mark)."""
        if node is None:
            return outer or " "
        if isinstance(node, m.Text):
            return (node.text[-1:] if end == -1 else node.text[:1]) or " "
        return "]"

    def inline_Styled(self, node: m.Styled, before=None, after=None) -> str:
        if node.kind in ("em", "strong") and not node.lang:
            mark = self.used[id(node)] = self.emphasis_mark(node, before, after)
            self.marks.append(mark)
            inner = self.inlines(node.children)
            self.marks.pop()
            return f"{mark}{inner}{mark}"
        inner = self.inlines(node.children)
        if node.kind not in CLASS_OF and not (node.kind == "foreign" and node.lang):
            raise Unwritable(f"{node.kind} text without a language")
        attrs = ([] if node.kind == "foreign" else ["." + CLASS_OF[node.kind]]) + \
            ([attribute("lang", node.lang)] if node.lang else [])
        return f"[{inner}]{{{' '.join(attrs)}}}"

    def inline_Link(self, node: m.Link) -> str:
        href = node.href.replace("\\", "\\\\").replace(")", "\\)").replace("(", "\\(")
        if " " in href:
            href = "<" + node.href.replace(">", "%3E") + ">"
        return f"[{self.inlines(node.children)}]({href})"

    def inline_PageNumber(self, node: m.PageNumber) -> str:
        return "#"

    def inline_NoteRef(self, node: m.NoteRef) -> str:
        return f"[^{node.label}]"

    def inline_Cite(self, node: m.Cite) -> str:
        return node.source

    def inline_LineBreak(self, node: m.LineBreak) -> str:
        return "\\\n"

    def inline_IndexMark(self, node: m.IndexMark) -> str:
        inner = self.inlines(node.children)
        if node.from_terms:
            return inner
        attrs = [".index"]
        if node.headings != [" ".join(m.plain_text(node.children).split())]:
            attrs.append(attribute("term", " > ".join(node.headings)))
        for key in ("sort", "see", "also", "range"):
            if getattr(node, key) is not None:
                attrs.append(attribute(key, getattr(node, key)))
        return f"[{inner}]{{{' '.join(attrs)}}}"

    def inline_Anchor(self, node: m.Anchor) -> str:
        return f"[{self.inlines(node.children)}]{{#{node.name}}}"

    def inline_Unindexed(self, node: m.Unindexed) -> str:
        return f"[{self.inlines(node.children)}]{{.noindex}}"

    def line(self, nodes: list) -> str:
        """Inline content that begins a line (and each line after a hard break): a character
        that would open a block there (a heading's #, a list's 1. or -) escaped."""
        return LINE_START.sub(lambda found: (found[1] or "") + "\\", self.inlines(nodes))

    # --- blocks ----------------------------------------------------------------------

    def blocks(self, blocks: list) -> str:
        return "\n\n".join(self.each_block(blocks))

    def each_block(self, blocks: list) -> list[str]:
        """Each block's Markdown; a list right after a list of its kind with the other
        marker (`*`, `1)`), which CommonMark reads as a list of its own, not as more items."""
        out, other = [], False
        for k, node in enumerate(blocks):
            before = blocks[k - 1] if k else None
            other = isinstance(node, m.ListBlock) and isinstance(before, m.ListBlock) and \
                before.ordered == node.ordered and not other
            out.append(self.block_ListBlock(node, other) if isinstance(node, m.ListBlock)
                       else self.block(node))
        return out

    def block(self, node) -> str:
        method = getattr(self, "block_" + type(node).__name__, None)
        if method is None:
            raise Unwritable(f"{type(node).__name__} where a block is")
        return method(node)

    def block_Para(self, node: m.Para) -> str:
        if node.role:
            return f"[{self.inlines(node.children)}]{{.{node.role}}}"
        return self.line(node.children)

    def title(self, nodes: list) -> str:
        """A heading's text, a `#` at its end kept (it would close the heading's marks)."""
        text = self.inlines(nodes).strip()
        return text[:-1] + "\\#" if text.endswith("#") else text

    def block_Heading(self, node: m.Heading) -> str:
        return "#" * node.level + " " + self.title(node.children)

    def block_Quote(self, node: m.Quote) -> str:
        return indented(self.blocks(node.blocks), "> ")

    def block_ListBlock(self, node: m.ListBlock, other: bool = False) -> str:
        tight = all(all(isinstance(b, m.ListBlock) and (not b.ordered or b.start == 1)
                        for b in item[1:]) for item in node.items)  # (a numbered list from
        # another number than 1 cannot interrupt a paragraph: it would be read as its text)
        items = []
        for k, item in enumerate(node.items, node.start):
            mark = (f"{k}) " if other else f"{k}. ") if node.ordered else \
                ("* " if other else "- ")
            text = ("\n" if tight else "\n\n").join(self.each_block(item))
            items.append(indented(text, " " * len(mark), mark) if text else mark.rstrip())
        return ("\n" if tight else "\n\n").join(items)  # a tight list where it can be

    def block_Table(self, node: m.Table) -> str:
        width = max(len(row) for row in [node.header, *node.rows] if row) if \
            any([node.header, *node.rows]) else 0
        if not width:
            raise Unwritable("a table of no cells")
        align = (node.align + [None] * width)[:width]
        rule = {"left": ":---", "center": ":---:", "right": "---:", None: "---"}
        header = node.header or [[] for _ in range(width)]
        rows = [header, [None] * width, *node.rows]
        lines = []
        for row in rows:
            if row and row[0] is None:
                lines.append("| " + " | ".join(rule[a] for a in align) + " |")
                continue
            cells = [self.inlines(cell) for cell in row] + [""] * (width - len(row))
            lines.append("| " + " | ".join(cells) + " |")
        caption = ""
        attrs = ([f".{node.layout}"] if node.layout else []) + \
            ([f"#{node.name}"] if node.name else [])
        if node.caption or attrs:
            caption = "Table: " + self.inlines(node.caption) + \
                (" {" + " ".join(attrs) + "}" if attrs else "") + "\n\n"
        return caption + "\n".join(lines)

    def block_Verse(self, node: m.Verse) -> str:
        stanzas = ["\n".join("  " * line.indent + self.line(line.children)
                             for line in stanza) for stanza in node.stanzas]
        return f"::: {node.kind}\n" + "\n\n".join(stanzas) + "\n:::"

    def block_Letter(self, node: m.Letter) -> str:
        return "::: letter\n" + self.blocks(node.blocks) + "\n:::"

    def block_Figure(self, node: m.Figure) -> str:
        src = Path(os.path.relpath(node.path, self.path.parent)).as_posix()
        alt = escape(node.alt)
        caption = self.inlines(node.caption).replace("\\", "\\\\").replace('"', '\\"')
        attrs = ([f"#{node.name}"] if node.name else []) + \
            ([attribute("credit", self.inlines(node.credit))] if node.credit else [])
        title = f' "{caption}"' if node.caption else ""
        return f"![{alt}]({src.replace(' ', '%20')}{title})" + \
            ("{" + " ".join(attrs) + "}" if attrs else "")

    def block_References(self, node: m.References) -> str:
        raise Unwritable("a bibliography made by the citations' renderer: the manuscript "
                         "names its works in book.toml's bibliography instead")

    def block_SectionBreak(self, node: m.SectionBreak) -> str:
        return "* * *"

    # --- a division ------------------------------------------------------------------

    def note(self, note: m.Note) -> str:
        blocks = list(note.blocks)
        text = self.blocks(blocks)
        if note.incomplete:
            text += " {.incomplete}"
        return indented(text, "    ", f"[^{note.label}]: ")

    def division(self, chapter: m.Chapter, default_notes: str) -> str:
        attrs = [f".{chapter.kind}"] if chapter.kind != "chapter" or chapter.matter != "body" \
            else []
        if chapter.notes_at != default_notes:
            attrs.append(f"notes={chapter.notes_at}")
        title = "# " + self.title(chapter.title) + \
            (" {" + " ".join(attrs) + "}" if attrs else "")
        parts = [title, self.blocks(chapter.blocks)] if chapter.blocks else [title]
        called = [node.label for root in [*chapter.title, *chapter.blocks]
                  for node in m.walk(root) if isinstance(node, m.NoteRef)]
        order = list(dict.fromkeys(label for label in called + list(chapter.notes)
                                   if label in chapter.notes))
        parts += [self.note(chapter.notes[label]) for label in order]  # as they are called
        return "\n\n".join(parts) + "\n"


def manuscript_files(book: m.Book) -> dict[str, Path | bytes]:
    """Every file the manuscript holds besides book.toml and its Markdown: relative path ->
    the file to copy, or its bytes (a Word document's images, held by the book in memory)."""
    found: dict[str, Path | bytes] = dict(book.attachments)
    paths = [fig.path for _, fig in m.figures(book)] + \
        [p for p in (book.cover, book.frontispiece and book.frontispiece.path,
                     book.bibliography and book.bibliography.path, book.citation_style) if p]
    root = Path(book.root).resolve()
    for path in paths:
        path = Path(path).resolve()
        if path.is_relative_to(root):
            rel = path.relative_to(root).as_posix()
            found.setdefault(rel, path)
    return found


def write_book(book: m.Book, target: Path, header: str = "") -> list[Path]:
    """The book as a manuscript folder at `target` (new, or empty); returns the files written.
    `header` is comment lines put above book.toml's keys."""
    target = Path(target)
    refuse_a_full_folder(target)
    texts: dict[str, str] = {}
    default_notes = book.meta.get("notes", "endnotes")
    root = Path(book.root).resolve()
    for chapter in book.chapters:
        rel = chapter.path.resolve().relative_to(root).as_posix()
        texts[rel] = MarkdownWriter(book, chapter.path).division(chapter, default_notes)
    if book.meta.get("colophon"):
        path = book.root / book.meta["colophon"]
        texts[book.meta["colophon"]] = MarkdownWriter(book, path).blocks(book.colophon) + "\n"
    written = []
    for rel, text in texts.items():
        written.append(write_file(target / rel, text.encode("utf-8")))
    for rel, source in sorted(manuscript_files(book).items()):
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        written.append(write_file(target / rel, data))
    toml = header + tomli_w.dumps(book.meta)
    written.append(write_file(target / "book.toml", toml.encode("utf-8")))
    return written


def refuse_a_full_folder(target: Path) -> None:
    """A manuscript is written into a new folder, or an empty one, never over another."""
    if target.exists() and any(target.iterdir()):
        raise BuildError(Problem(target, 0, 0, "W102", "the target folder is not empty",
                                 "write the manuscript into a new folder"))


def write_file(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
