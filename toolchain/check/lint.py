"""Editorial lint: checks an editor can act on, each with a code, a message and a test.

Rules read the Markdown source line by line, so every finding has a file, a line and
a column. Add a rule by writing a function and decorating it with `@rule`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from ..errors import Problem
from ..read.manuscript import book_files, read_meta, read_text
from ..read.markdown import (
    ATTR_BLOCK,
    FIGURE,
    FIGURE_KEYS,
    escaped,
    flush_verse,
    markdown_parser,
    parse_attrs,
)
from ..write.styles import font_files

NOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:")
NOTE_CALL = re.compile(r"\[\^([^\]\s]+)\](?!:)")
LABEL = re.compile(r"(\d+)(\*?)")
NAMED_LABEL = re.compile(r"[A-Za-z][\w-]*")  # `[^disputed]`: numbered with the others
PLACE = re.compile(r"#[A-Za-z][\w-]*")  # `{#quay}`: a named place (the reader checks it)
DESTINATION = re.compile(r'(?<=\])\((\S*?)(?:(\s+")([^"]*)")?\)')  # (url "title") of a link or image
IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
RULES: list[tuple[str, Callable]] = []
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
NEEDS_NO_GLYPH = set("\t\n\r \u00a0\u00ad\u200b\u200c\u200d\u2060\ufeff")


def rule(code: str):
    def register(func):
        RULES.append((code, func))
        return func

    return register


class Source:
    """A manuscript file as the rules see it: its lines, with comments blanked out."""

    def __init__(self, path: Path, glyphs: frozenset | None = None):
        self.path = path
        self.lines = strip_comments(read_text(path)).split("\n")
        self.glyphs = glyphs  # the characters the book's fonts can draw, if known

    def problem(self, line, col, code, message, hint="", severity="error", fix=None):
        return Problem(self.path, line, col, code, message, hint, severity, fix)

    def prose(self) -> Iterator[tuple[int, str]]:
        """Numbered lines with attribute blocks and code spans masked (same length)."""
        for n, line in enumerate(self.lines, 1):
            line = ATTR_BLOCK.sub(lambda f: " " * len(f[0]), line)
            line = DESTINATION.sub(keep_title, line)
            yield n, re.sub(r"`[^`]*`", lambda f: " " * len(f[0]), line)

    def calls(self):
        for n, line in enumerate(self.lines, 1):
            for found in NOTE_CALL.finditer(line):
                if not (found.start() == 0 and NOTE_DEF.match(line)):
                    yield n, found.start() + 1, found[1]

    def definitions(self):
        for n, line in enumerate(self.lines, 1):
            found = NOTE_DEF.match(line)
            if found:
                yield n, found[1], line


def keep_title(found: re.Match) -> str:
    """A link's or image's `(url "title")` as spaces, but for the title: it is text of the book."""
    if found[3] is None:
        return " " * len(found[0])
    return " " * (1 + len(found[1]) + len(found[2])) + found[3] + "  "


def strip_comments(text: str) -> str:
    """Blank out HTML comments but keep their line breaks, so line numbers stay true."""
    return re.sub(r"<!--.*?-->", lambda f: re.sub(r"[^\n]", " ", f[0]), text, flags=re.S)


@rule("M001")
def calls_without_notes(src: Source):
    defined = {label for _, label, _ in src.definitions()}
    for n, col, label in src.calls():
        if label not in defined:
            yield src.problem(n, col, "M001", f"note call [^{label}] has no note",
                              f"add a line `[^{label}]: …` or remove the call")


@rule("M002")
def notes_without_calls(src: Source):
    called = {label for _, _, label in src.calls()}
    for n, label, _ in src.definitions():
        if label not in called:
            yield src.problem(n, 1, "M002", f"note [^{label}] is never called",
                              f"add the call [^{label}] in the text or remove the note")


@rule("M003")
def duplicate_notes(src: Source):
    seen: dict[str, int] = {}
    for n, label, _ in src.definitions():
        if label in seen:
            yield src.problem(n, 1, "M003", f"note [^{label}] is defined twice "
                              f"(first on line {seen[label]})", "renumber or remove one")
        seen.setdefault(label, n)
    seen = {}
    for n, col, label in src.calls():
        if label in seen:
            yield src.problem(n, col, "M003", f"note [^{label}] is called twice "
                              f"(first on line {seen[label]})", "each note has exactly one call")
        seen.setdefault(label, n)


@rule("M004")
def note_sequence(src: Source):
    expected = {"": 1, "*": 1}
    for n, col, label in src.calls():
        found = LABEL.fullmatch(label)
        if NAMED_LABEL.fullmatch(label):
            continue  # a name: numbered in reading order, wherever it stands
        if not found:
            yield src.problem(n, col, "M004", f"note label [^{label}] is neither a number, a "
                              "starred number nor a name", "use [^12] or [^disputed] for a "
                              "note, [^1*] for a starred footnote")
            continue
        number, star = int(found[1]), found[2]
        if number != expected[star]:
            yield src.problem(n, col, "M004", f"note [^{label}] is out of sequence: expected "
                              f"[^{expected[star]}{star}]", "renumber the notes in reading order")
        expected[star] = number + 1


@rule("M005")
def straight_quotes(src: Source):
    for n, line in src.prose():
        for found in re.finditer(r"(?<!\\)['\"]", line):
            yield src.problem(n, found.start() + 1, "M005", f"straight quote {found[0]}",
                              "`toolchain lint --fix` makes every quote and apostrophe curly, "
                              "in the book's language's marks")


@rule("M006")
def doubled_spaces(src: Source):
    for n, line in enumerate(src.lines, 1):
        indent = re.match(r"(?:\s*>)*\s*", line).end()  # a quotation's `>` and the indent
        for found in re.finditer(r"(?<=[^\s|]) {2,}(?=[^\s|])", line):  # of what it holds
            if found.start() < indent:
                continue
            yield src.problem(n, found.start() + 1, "M006", "doubled space",
                              "use a single space between words")


NUMBER_RANGE = re.compile(r"(?<![\w\-\u2013/.,])(\d{1,4})-(\d{1,4})(?![\w\-\u2013/]|[.,]\d)")


@rule("M013")
def number_ranges(src: Source):
    """A range of numbers (years, days, pages) takes an en dash: 1917–1923, 27–30 August.
    A token with more hyphens (a date 1923-10-23, an ISBN) is left alone."""
    yield from en_dashes(src, NUMBER_RANGE, "M013", "a range of numbers")


def en_dashes(src: Source, pattern: re.Pattern, code: str, what: str):
    """Warnings, each with its fix, where `pattern` finds a hyphen between its two groups
    that should be an en dash."""
    for n, line in src.prose():
        for found in pattern.finditer(line):
            dashed = f"{found[1]}\u2013{found[2]}"
            yield src.problem(n, found.start() + 1, code, f"{what} takes an en dash: {dashed}",
                              "`python -m toolchain lint --fix` makes it", severity="warning",
                              fix=(found[0], dashed))


# An open compound of capitalised words whose last is an adjective (Social Democratic), then a
# hyphen and a capitalised word: the en dash joins the whole compound (Chicago 6.80). Only
# adjectival endings, so that a double-barrelled name (Ralph Vaughan-Williams) is left alone.
OPEN_COMPOUND = re.compile(
    r"(?<![\w\-\u2013])((?:(?!(?:The|An?|And|But|Or|Of|In|On|At|To|By|For|With|From|As|If|"
    r"When|Then)\b)[A-Z][a-z]+ )+[A-Z][a-z]*(?:ic|ist|ian|al|ive|ary|ern|ish))"
    r"-([A-Z][a-z]+)(?![\w\-\u2013])")


@rule("M014")
def open_compounds(src: Source):
    """An open compound joined to another word takes an en dash, not a hyphen: the Social
    Democratic–Communist majority (the hyphen would join only Democratic and Communist)."""
    yield from en_dashes(src, OPEN_COMPOUND, "M014", "an open compound joined to another word")


def apply_fixes(problems: list[Problem]) -> int:
    """Make the fixes the problems carry, in their files; returns how many were made. Each
    is made only where its text still stands at its line and column."""
    made = 0
    for path, text in fixed_texts(problems).items():
        made += text[1]
        path.write_text(text[0], encoding="utf-8")
    return made


def fixed_texts(problems: list[Problem]) -> dict[Path, tuple[str, int]]:
    """Each file's text with the fixes its problems carry made, and how many."""
    by_file: dict[Path, list[Problem]] = {}
    for problem in problems:
        if problem.fix:
            by_file.setdefault(Path(problem.path), []).append(problem)
    out = {}
    for path, found in by_file.items():
        lines, made = path.read_text(encoding="utf-8").split("\n"), 0
        for problem in sorted(found, key=lambda p: (p.line, p.column), reverse=True):
            old, new = problem.fix
            line, start = lines[problem.line - 1], problem.column - 1
            if line[start:start + len(old)] == old:
                lines[problem.line - 1] = line[:start] + new + line[start + len(old):]
                made += 1
        out[path] = ("\n".join(lines), made)
    return out


def typographer_fixes(root: Path, styles: Path | None = None) -> dict[Path, tuple[str, list]]:
    """Every manuscript file's text with the typographer's fixes made (curly quotes and
    apostrophes in the book's language, dashes, ellipses: `typogrify`) and the en dashes
    the warnings offer, and the lines changed; only the files that change."""
    from ..typogrify import Change, fix_text

    language = read_meta(Path(root) / "book.toml")["language"]
    dashed = fixed_texts(lint_manuscript(root, styles))
    out = {}
    for path in manuscript_files(Path(root)):
        original = read_text(path)
        text = dashed[path][0] if path in dashed else original
        text, _ = fix_text(text, language)
        if text != original:
            changes = [Change(n, old, new) for n, (old, new) in enumerate(
                zip(original.split("\n"), text.split("\n"), strict=True), 1) if old != new]
            out[path] = (text, changes)
    return out


QUOTE_PREFIX = re.compile(r"^(\s*>)+")
DELIMITER_ROW = re.compile(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*")


def tables(src: Source):
    """Each pipe table as (header line number, header cells, delimiter cells, body rows).

    Tables inside quotations count too (their `>` become spaces, so columns stay true), and
    so do tables written without the outer pipes: markdown-it drops a row's extra cells."""
    lines = [QUOTE_PREFIX.sub(lambda f: " " * len(f[0]), line) for line in src.lines]
    for n in range(1, len(lines)):
        if "|" in lines[n] and "|" in lines[n - 1] and DELIMITER_ROW.fullmatch(lines[n]):
            rows, k = [], n + 1
            while k < len(lines) and lines[k].strip() and "|" in lines[k]:
                rows.append((k + 1, cells(lines[k])))
                k += 1
            yield n, cells(lines[n - 1]), cells(lines[n]), rows


def cells(line: str) -> list[tuple[int, str]]:
    """Cells of a pipe-table row, each with the column where its text starts."""
    body = line.strip()
    start = len(line) - len(line.lstrip()) + (1 if body.startswith("|") else 0)
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    out = []
    for part in re.split(r"(?<!\\)\|", body):
        out.append((start + len(part) - len(part.lstrip()) + 1, part.strip()))
        start += len(part) + 1
    return out


@rule("M007")
def table_widths(src: Source):
    for n, header, _, rows in tables(src):
        for k, row in rows:
            if len(row) != len(header):
                yield src.problem(k, 1, "M007", f"table row has {len(row)} cells, the header "
                                  f"(line {n}) has {len(header)}", "add or remove cells")


@rule("M008")
def numeric_columns(src: Source):
    """A right-aligned column mostly of figures with a stray word is a typo; one of words is not."""
    for _, _, delim, rows in tables(src):
        for column, (_, text) in enumerate(delim):
            if not (text.endswith(":") and not text.startswith(":")):
                continue
            filled = [(k, row[column]) for k, row in rows if column < len(row) and row[column][1]]
            odd = [(k, cell) for k, cell in filled  # (a figure's note calls are its own)
                   if not FIGURE.fullmatch(NOTE_CALL.sub("", cell[1]).strip())]
            if odd and len(odd) * 2 < len(filled):
                for k, (col, cell_text) in odd:
                    yield src.problem(k, col, "M008", f"{cell_text!r} is not a figure, in a "
                                      "column of figures", "write digits with commas and one "
                                      "decimal point")


@rule("M009")
def unknown_attributes(src: Source):
    for n, line in enumerate(src.lines, 1):
        for found in ATTR_BLOCK.finditer(line):
            if line.startswith("# "):  # the kind of a division; the reader checks it (M117)
                continue
            if escaped(line, found.start()):  # `\{.afterword\}`: the braces are the text's
                continue
            if line.startswith("Table: ") and not line[found.end():].strip():
                continue  # a table's layout; the reader checks it
            after_image = re.search(IMAGE.pattern + "$", line[: found.start()])
            items = parse_attrs(found[1], FIGURE_KEYS if after_image else {"lang"})[2]
            for item in [i for i in items if not PLACE.fullmatch(i)]:  # `{#quay}`: a name
                yield src.problem(n, found.start() + 1, "M009", f"unknown attribute {item!r}",
                                  'a figure takes {credit="…"} only' if after_image else
                                  "use .title, .smallcaps, .sup, .incomplete or lang=xx")


@rule("M119")
def figures_without_description(src: Source):
    for n, line in enumerate(src.lines, 1):
        for found in IMAGE.finditer(line):
            if not found[1].strip():
                yield src.problem(n, found.start() + 1, "M119", "a figure with no text "
                                  "description", "say what the image shows between the "
                                  "brackets: ![A ferry crossing the East River](…)")


@rule("M015")
def numbers_read_as_text(src: Source):
    """A line inside a paragraph that begins as a numbered item from another number than 1
    (`3. `, `99) `): CommonMark lets only a list from 1 interrupt a paragraph, so the line
    is the paragraph's text, and a list meant there (a list taken up at 3 under a
    paragraph, one nested under an item) would be printed as words."""
    text = unicodedata.normalize("NFC", read_text(src.path))  # as the reader parses it (a
    tokens = markdown_parser().parse(flush_verse(text), {})  # comment joins lines there too)
    verse = 0  # inside a poem or verse: its lines are lines as written (Converter.verse)
    for token in tokens:
        if token.type in ("container_poem_open", "container_verse_open"):
            verse += 1
        elif token.type in ("container_poem_close", "container_verse_close"):
            verse -= 1
        if token.type != "paragraph_open" or not token.map or verse:
            continue
        for n in range(token.map[0] + 1, token.map[1]):
            line = re.sub(r"^(?:\s*>)*\s*", "", src.lines[n])
            found = re.match(r"(\d{1,9})([.)])(?:\s|$)", line)
            if found and int(found[1]) != 1:
                column = len(src.lines[n]) - len(line) + 1
                yield src.problem(n + 1, column, "M015", f"“{found[1]}{found[2]}” begins a line "
                                  "inside a paragraph: Markdown reads it as the paragraph's "
                                  "text, not as a numbered list", "for a list, leave a blank "
                                  f"line before it; for text, write {found[1]}\\{found[2]}")


@rule("M010")
def control_characters(src: Source):
    for n, line in enumerate(src.lines, 1):
        for found in CONTROL.finditer(line):
            yield src.problem(n, found.start() + 1, "M010", f"control character {describe(found[0])}",
                              "delete it: it is no text and no XML document may hold it")


@rule("M012")
def bracketed_markers(src: Source):
    for n, line in src.prose():
        for found in re.finditer(r"\[\d+\*?\]", line):
            if src.lines[n - 1][found.end():found.end() + 1] == "{":
                continue  # [2]{.sup} is a span with attributes: x², not a note
            if re.search(r"(?<![\w@])@\w[\w:.#$%&+?<>~/-]* $", line[:found.start()]):
                continue  # `@broue1971 [301]`: a citation's page, pandoc's syntax
            yield src.problem(n, found.start() + 1, "M012", f"{found[0]} looks like a note marker",
                              f"write the call as [^{found[0][1:-1]}] and its note as "
                              f"[^{found[0][1:-1]}]: …")


@rule("M011")
def characters_without_glyph(src: Source):
    if src.glyphs is None:
        return
    for n, line in enumerate(src.lines, 1):
        for col, char in enumerate(line, 1):
            if char not in src.glyphs and char not in NEEDS_NO_GLYPH and not CONTROL.match(char):
                yield src.problem(n, col, "M011", f"no font of the book has {describe(char)}",
                                  "replace it, or add a font that has it to styles/ (README.md: "
                                  "fonts)")


@rule("W002")
def invisible_characters(src: Source):
    for n, line in enumerate(src.lines, 1):
        for found in INVISIBLE.finditer(line):
            yield src.problem(n, found.start() + 1, "W002", f"invisible character "
                              f"{describe(found[0])}", "delete it unless the script needs it",
                              severity="warning")


def describe(char: str) -> str:
    """U+2236 RATIO: how a character is named in an error."""
    name = unicodedata.name(char, None)
    if name is None:
        name = "(a control character)" if unicodedata.category(char) == "Cc" else "(unnamed)"
    return f"U+{ord(char):04X} {name}"


@cache
def font_glyphs(fonts: tuple[Path, ...]) -> frozenset:
    """Every character the given font files map to a glyph."""
    from fontTools.ttLib import TTFont

    chars: set[str] = set()
    for path in fonts:
        with TTFont(path, lazy=True) as font:
            chars.update(chr(code) for code in font.getBestCmap())
    return frozenset(chars)


@rule("W001")
def incomplete_notes(src: Source):
    for n, label, line in src.definitions():
        if re.search(r"\{\.incomplete\}\s*$", line):
            yield src.problem(n, 1, "W001", f"endnote [^{label}]: the original reference is not "
                              "preserved", "complete the reference and remove {.incomplete}",
                              severity="warning")


def manuscript_files(root: Path) -> list[Path]:
    return [path for _, path in book_files(root, read_meta(root / "book.toml"))]


def lint_file(path: Path, glyphs: frozenset | None = None) -> list[Problem]:
    src = Source(path, glyphs)
    found = [p for _, check in RULES for p in check(src)]
    return sorted(found, key=lambda p: (p.line, p.column, p.code))


def lint_manuscript(root: Path, styles: Path | None = None) -> list[Problem]:
    """Every rule on every file of the book; with `styles`, also the characters against its fonts."""
    glyphs = None
    if styles is not None and (Path(styles) / "print.css").is_file():
        glyphs = font_glyphs(tuple(font_files(Path(styles))))
    files = manuscript_files(Path(root))
    return (unlisted(Path(root), files) + untranslated(Path(root))
            + [p for path in files for p in lint_file(path, glyphs)])


def untranslated(root: Path) -> list[Problem]:
    """W005: a book in a language the toolchain has no words for: its own words (Contents,
    Notes, the colophon) are written in English."""
    from .. import words

    toml = root / "book.toml"
    meta = read_meta(toml)
    if words.has_catalogue(meta):
        return []
    line = next((n for n, text in enumerate(toml.read_text(encoding="utf-8").splitlines(), 1)
                 if text.strip().startswith("language")), 1)
    return [Problem(toml, line, 1, "W005", f"the toolchain has no words in {meta['language']!r}"
                    f" (it has {', '.join(words.languages())}): its own words (Contents, Notes, "
                    "the colophon) are written in English", "give them in book.toml's [words] "
                    "table (the keys of toolchain/lang/en.toml), or add a catalogue to "
                    "toolchain/lang/", "warning")]


def unlisted(root: Path, files: list[Path]) -> list[Problem]:
    """W003: a Markdown file beside the book's own (in `chapters/`, `front/`, `back/`) that
    book.toml does not list, and so is not in the book."""
    listed = {p.resolve() for p in files}
    folders = {p.parent for p in listed} | {(root / n).resolve() for n in ("chapters", "front",
                                                                           "back")}
    found = []
    for folder in sorted(folders):
        if not folder.is_dir() or not folder.is_relative_to(root.resolve()) or \
                folder == root.resolve():
            continue
        for path in sorted(folder.glob("*.md")):
            if path.resolve() not in listed:
                name = path.resolve().relative_to(root.resolve())
                found.append(Problem(path, 0, 0, "W003", f"{name} is not listed in book.toml, "
                                     "so it is not in the book", f"add \"{name}\" to the list "
                                     "it belongs in (front, chapters or back), in reading "
                                     "order, or move it out of the manuscript", "warning"))
    return found


def undo_folder(root: Path) -> Path:
    """Where `lint --fix` keeps the files it changed, as they were: in the user's cache, one
    folder per manuscript, so that nothing is added to the manuscript itself."""
    import hashlib
    import os

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    key = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
    return cache / "toolchain" / "undo" / key


def write_fixes(root: Path, fixes: dict[Path, tuple[str, list]]) -> None:
    """Write the fixed files, keeping each one's text as it was for `undo_fixes` (the last
    `lint --fix` only)."""
    import json
    import shutil

    folder = undo_folder(root)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    manifest = {}
    for k, (path, (text, _)) in enumerate(sorted(fixes.items())):
        (folder / f"{k}.md").write_text(read_text(path), encoding="utf-8")
        manifest[str(path.resolve())] = {"original": f"{k}.md", "fixed": text}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False),
                                          encoding="utf-8")
    for path, (text, _) in fixes.items():
        path.write_text(text, encoding="utf-8")


def undo_fixes(root: Path) -> list[tuple[Path, bool]]:
    """Put back the files the last `lint --fix` changed: (file, put back?) each; a file
    edited since is left as it is."""
    import json
    import shutil

    folder = undo_folder(root)
    if not (folder / "manifest.json").is_file():
        return []
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    done = []
    for name, item in manifest.items():
        path = Path(name)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == item["fixed"]:
            path.write_text((folder / item["original"]).read_text(encoding="utf-8"),
                            encoding="utf-8")
        done.append((path, current == item["fixed"]))
    shutil.rmtree(folder, ignore_errors=True)
    return done


def index_problems(book) -> list[Problem]:
    """The index's marks, read in the book: M125 a cross-reference to a heading no mark files
    under; M126 a range opened and never closed, closed never opened, or opened twice;
    W004 one name filed under two spellings (Trotsky / Trotsky, Leon; Müller / Muller)."""
    from .. import model as m

    toml = book.root / "book.toml"
    lines = toml.read_text(encoding="utf-8").splitlines() if toml.is_file() else []
    marks = []
    for mark in book.index_references:
        heading = " > ".join(mark.headings)
        mark.line = next((k for k, line in enumerate(lines, 1)
                          if line.lstrip().startswith((f'"{heading}"', f"'{heading}'"))), 0)
        marks.append((toml, mark))
    marks += [(ch.path, mark) for ch in book.chapters for mark in m.index_marks(ch)]
    problems = []
    headings = {mark.headings[0] for _, mark in marks if mark.headings}
    for path, mark in marks:
        for target in filter(None, (mark.see, mark.also)):
            if target.split(">")[0].strip() not in headings:
                problems.append(Problem(path, mark.line, 1, "M125", f"the index's cross-"
                                        f"reference to {target!r} names no heading of the index",
                                        "mark a place for it, or correct its spelling"))
    open_at: dict[tuple, tuple] = {}
    for path, mark in marks:
        key = tuple(mark.headings)
        if mark.range == "start":
            if key in open_at:
                problems.append(Problem(path, mark.line, 1, "M126", f"the index range "
                                        f"{' > '.join(key)!r} is opened again before it is "
                                        f"closed (opened at line {open_at[key][1]})",
                                        "close it with range=end first"))
            open_at[key] = (path, mark.line)
        elif mark.range == "end":
            if key not in open_at:
                problems.append(Problem(path, mark.line, 1, "M126", f"the index range "
                                        f"{' > '.join(key)!r} is closed but was never opened",
                                        "open it with range=start where it begins"))
            open_at.pop(key, None)
    for key, (path, line) in open_at.items():
        problems.append(Problem(path, line, 1, "M126", f"the index range {' > '.join(key)!r} "
                                "is opened and never closed", "close it with a mark "
                                f'[]{{.index term="{" > ".join(key)}" range=end}}'))
    problems += two_spellings(headings, marks)
    return problems


def two_spellings(headings: set[str], marks: list) -> list[Problem]:
    """W004: main headings that seem one name: the same surname (before a comma, accents
    aside), one without a forename or the one's forename an initial or the start of the
    other's."""
    def fold(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", text.lower())
                       if not unicodedata.combining(c)).strip(" .")

    first_mark = {}
    for path, mark in marks:
        if mark.headings:
            first_mark.setdefault(mark.headings[0], (path, mark.line))
    by_surname: dict[str, list[str]] = {}
    for heading in sorted(headings):
        by_surname.setdefault(fold(heading.split(",")[0]), []).append(heading)
    problems = []
    for group in by_surname.values():
        for k, a in enumerate(group):
            for b in group[k + 1:]:
                fa, fb = (fold(h.partition(",")[2]) for h in (a, b))
                if not fa or not fb or fa.startswith(fb[:1]) and (
                        fa.startswith(fb) or fb.startswith(fa) or len(fb) <= 2 or
                        len(fa) <= 2) or fold(a) == fold(b):
                    path, line = first_mark[b]
                    problems.append(Problem(path, line, 1, "W004", f"the index files “{a}” and "
                                            f"“{b}”: one name under two spellings?",
                                            "if they are one, mark both with the same term=",
                                            "warning"))
    return problems
