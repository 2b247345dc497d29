"""The reader: `book.toml` and Markdown chapters in, one `model.Book` out.

The manuscript is CommonMark with four extensions, all parsed by markdown-it-py:
footnotes (`[^3]`, `[^1*]`), attributes (`*Pravda*{.title}`, `[THE]{.smallcaps}`),
pipe tables with a `Table:` caption line, and `{.incomplete}` ending a note.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from . import model as m
from .errors import BuildError, Problem

REQUIRED_META = ("title", "author", "language", "identifier", "slug", "chapters")
ALLOWED_CLASSES = {"smallcaps", "title", "incomplete"}
ALLOWED_KEYS = {"lang"}
ATTR_BLOCK = re.compile(r"\{([^{}\n]*)\}")
ATTR_ITEM = re.compile(r"""\.([\w-]+)|#([\w-]+)|([\w-]+)=("[^"]*"|'[^']*'|[^\s}]+)|(\S+)""")
CAPTION_PREFIX = "Table: "
INCOMPLETE = re.compile(r"\s*\{\.incomplete\}\s*$")


def parse_attrs(text: str) -> tuple[set[str], dict[str, str], list[str]]:
    """`.title lang=de` -> ({"title"}, {"lang": "de"}, [unknown items])."""
    classes, keys, unknown = set(), {}, []
    for cls, ident, key, value, other in ATTR_ITEM.findall(text):
        if cls in ALLOWED_CLASSES:
            classes.add(cls)
        elif key in ALLOWED_KEYS:
            keys[key] = value.strip("\"'")
        else:
            unknown.append("." + cls if cls else key or ("#" + ident if ident else other))
    return classes, keys, unknown


def markdown_parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").use(footnote_plugin).use(attrs_plugin, spans=True)


def read_book(root: Path) -> m.Book:
    root = Path(root)
    meta = read_meta(root / "book.toml")
    chapters = []
    for rel in meta["chapters"]:
        path = root / rel
        if not path.is_file():
            raise BuildError(Problem(root / "book.toml", line_of(root / "book.toml", rel), 1,
                                     "M101", f"chapter file {rel!r} does not exist",
                                     "fix the path in `chapters` or create the file"))
        chapters.append(read_chapter(path))
    colophon = []
    if meta.get("colophon"):
        path = root / meta["colophon"]
        if not path.is_file():
            raise BuildError(Problem(root / "book.toml", line_of(root / "book.toml", meta["colophon"]),
                                     1, "M101", f"colophon file {meta['colophon']!r} does not exist",
                                     "fix the path in `colophon` or create the file"))
        colophon = Converter(path).blocks(markdown_parser().parse(read_text(path)))
    return m.Book(root=root, meta=meta, chapters=chapters, colophon=colophon)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BuildError(Problem(path, 1, 1, "M100", "file not found",
                                 "check the --manuscript directory")) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise BuildError(Problem(path, line, 1, "M100", "not valid UTF-8",
                                 "save the file as UTF-8")) from None


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if needle in line:
            return number
    return 1


def read_meta(path: Path) -> dict:
    text = read_text(path)
    try:
        meta = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+), column (\d+)", str(exc))
        line, col = (int(found[1]), int(found[2])) if found else (1, 1)
        raise BuildError(Problem(path, line, col, "M102", f"malformed TOML: {exc}",
                                 "see the manuscript format in README.md")) from None
    for key in REQUIRED_META:
        if key not in meta:
            raise BuildError(Problem(path, 1, 1, "M103", f"missing metadata key {key!r}",
                                     f"add `{key} = …` to book.toml (README.md lists the keys)"))
    if not isinstance(meta["chapters"], list) or not meta["chapters"]:
        raise BuildError(Problem(path, line_of(path, "chapters"), 1, "M103",
                                 "`chapters` must be a non-empty list of Markdown files",
                                 'write chapters = ["chapters/01.md"]'))
    return meta


def read_chapter(path: Path) -> m.Chapter:
    tokens = markdown_parser().parse(read_text(path))
    conv = Converter(path)
    blocks = conv.blocks(tokens)
    if not blocks or not isinstance(blocks[0], m.Heading) or blocks[0].level != 1:
        raise BuildError(Problem(path, 1, 1, "M104", "a chapter must begin with its title",
                                 "start the file with a line `# Title`"))
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return m.Chapter(slug=f"ch-{slug}", path=path, title=blocks[0].children,
                     blocks=blocks[1:], notes=conv.notes)


class Converter:
    """Turns markdown-it's flat token stream into model blocks, one file at a time."""

    def __init__(self, path: Path):
        self.path = path
        self.notes: dict[str, m.Note] = {}

    def blocks(self, tokens: list, start: int = 0, stop_type: str | None = None) -> list:
        out, i = [], start
        self.pos = len(tokens)
        while i < len(tokens):
            tok = tokens[i]
            if stop_type and tok.type == stop_type:
                self.pos = i
                return out
            line = (tok.map[0] + 1) if tok.map else 0
            if tok.type == "heading_open":
                out.append(m.Heading(int(tok.tag[1]), self.inlines(tokens[i + 1], line), line))
                i += 3
            elif tok.type == "paragraph_open":
                out.append(m.Para(self.inlines(tokens[i + 1], line), line))
                i += 3
            elif tok.type == "blockquote_open":
                inner = self.blocks(tokens, i + 1, "blockquote_close")
                out.append(m.Quote(inner, line))
                i = self.pos + 1
            elif tok.type in ("bullet_list_open", "ordered_list_open"):
                i = self.list_block(tokens, i, out, line)
            elif tok.type == "table_open":
                i = self.table(tokens, i, out, line)
            elif tok.type == "footnote_block_open":
                i = self.footnotes(tokens, i + 1)
            elif tok.type in ("hr", "html_block", "front_matter", "footnote_anchor",
                              "paragraph_close"):
                i += 1
            elif tok.type in ("fence", "code_block"):
                raise BuildError(Problem(self.path, line, 1, "M105",
                                         "code blocks are not part of a book",
                                         "remove the indentation or the ``` fence"))
            else:
                raise BuildError(Problem(self.path, line, 1, "M105",
                                         f"unsupported Markdown construct {tok.type!r}",
                                         "see the manuscript format in README.md"))
        self.pos = i
        return out

    def list_block(self, tokens, i, out, line):
        close = tokens[i].type.replace("_open", "_close")
        items, i = [], i + 1
        while tokens[i].type != close:
            items.append(self.blocks(tokens, i + 1, "list_item_close"))
            i = self.pos + 1
        out.append(m.ListBlock(tokens[i].type.startswith("ordered"), items, line))
        return i + 1

    def table(self, tokens, i, out, line):
        caption = []
        if out and isinstance(out[-1], m.Para) and out[-1].children:
            first = out[-1].children[0]
            if isinstance(first, m.Text) and first.text.startswith(CAPTION_PREFIX):
                caption = out.pop().children
                caption[0] = m.Text(first.text[len(CAPTION_PREFIX):])
        header, rows, numeric, row = [], [], [], None
        while tokens[i].type != "table_close":
            tok = tokens[i]
            if tok.type == "tr_open":
                row = []
            elif tok.type in ("th_open", "td_open"):
                if tok.type == "th_open":
                    numeric.append("right" in (tok.attrs.get("style") or ""))
                row.append(self.inlines(tokens[i + 1], line))
            elif tok.type == "tr_close":
                if header:
                    rows.append(row)
                else:
                    header = row
            i += 1
        if not caption:
            raise BuildError(Problem(self.path, line, 1, "M106", "a table needs a caption",
                                     "put a line `Table: caption` just before the table"))
        out.append(m.Table(caption, header, rows, numeric, line))
        return i + 1

    def footnotes(self, tokens, i):
        while tokens[i].type != "footnote_block_close":
            tok = tokens[i]
            label = tok.meta["label"]
            first = tokens[i + 1]
            line = (first.map[0] + 1) if first.map else 0
            blocks = self.blocks(tokens, i + 1, "footnote_close")
            i = self.pos + 1
            incomplete = False
            last = blocks[-1] if blocks else None
            if isinstance(last, m.Para) and last.children and isinstance(last.children[-1], m.Text):
                text = last.children[-1].text
                if INCOMPLETE.search(text):
                    incomplete = True
                    last.children[-1] = m.Text(INCOMPLETE.sub("", text))
            if label in self.notes:
                raise BuildError(Problem(self.path, line, 1, "M003",
                                         f"note [^{label}] is defined twice",
                                         "remove or renumber one of the definitions"))
            self.notes[label] = m.Note(label, blocks, line, incomplete)
        return i + 1

    def inlines(self, inline_tok, line: int) -> list:
        """Nest markdown-it's inline children; attach `{…}` after emphasis to that emphasis."""
        root: list = []
        stack = [(None, root)]
        children = list(inline_tok.children or [])
        for k, tok in enumerate(children):
            kind, target = tok.type, stack[-1][1]
            if kind == "text":
                text = tok.content
                prev = children[k - 1] if k else None
                if prev is not None and prev.type == "em_close" and text.startswith("{"):
                    found = ATTR_BLOCK.match(text)
                    if found:
                        self.style_emphasis(target[-1], found[1], line)
                        text = text[found.end():]
                if text:
                    if target and isinstance(target[-1], m.Text):
                        target[-1] = m.Text(target[-1].text + text)
                    else:
                        target.append(m.Text(text))
            elif kind in ("softbreak",):
                target.append(m.Text(" "))
            elif kind == "hardbreak":
                target.append(m.LineBreak())
            elif kind in ("em_open", "strong_open", "span_open", "link_open"):
                node = self.open_node(tok, line)
                target.append(node)
                stack.append((kind, node.children))
            elif kind in ("em_close", "strong_close", "span_close", "link_close"):
                stack.pop()
            elif kind == "footnote_ref":
                target.append(m.NoteRef(tok.meta["label"]))
            elif kind == "code_inline":
                target.append(m.Text(tok.content))
            elif kind == "footnote_anchor":
                continue
            else:
                raise BuildError(Problem(self.path, line, 1, "M105",
                                         f"unsupported inline Markdown {kind!r}",
                                         "see the manuscript format in README.md"))
        return root

    def open_node(self, tok, line):
        if tok.type == "em_open":
            return m.Styled("em", [])
        if tok.type == "strong_open":
            return m.Styled("strong", [])
        if tok.type == "link_open":
            return m.Link(tok.attrs.get("href", ""), [])
        attrs = " ".join(
            "." + c for c in str(tok.attrs.get("class", "")).split()
        ) + "".join(f" {k}={v}" for k, v in tok.attrs.items() if k != "class")
        classes, keys, unknown = parse_attrs(attrs)
        self.reject_unknown(unknown, line)
        kind = "smallcaps" if "smallcaps" in classes else ("cite" if "title" in classes else "foreign")
        return m.Styled(kind, [], keys.get("lang"))

    def style_emphasis(self, node: m.Styled, attrs: str, line: int):
        classes, keys, unknown = parse_attrs(attrs)
        self.reject_unknown(unknown, line)
        node.lang = keys.get("lang")
        if "title" in classes:
            node.kind = "cite"
        elif "smallcaps" in classes:
            node.kind = "smallcaps"
        elif node.lang:
            node.kind = "foreign"

    def reject_unknown(self, unknown, line):
        if unknown:
            raise BuildError(Problem(self.path, line, 1, "M009", f"unknown attribute {unknown[0]!r}",
                                     "use .title, .smallcaps, .incomplete or lang=xx"))
