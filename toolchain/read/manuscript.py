"""The manuscript as files: `book.toml` validated against its schema, and every file it names
resolved inside the manuscript directory — never a path that leads out of it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from datetime import date
from pathlib import Path

import jsonschema

from ..errors import BuildError, Problem

SCHEMA = json.loads(Path(__file__).with_name("book.schema.json").read_text(encoding="utf-8"))
# A build's peak memory, every process of it together, grows by about 155 MiB per MiB of
# Markdown (benchmarks/memory.py --jobs 2: 721 MiB at 1.93 MiB, 974 MiB at 3.57 MiB, where
# the notes of 100 chapters are the largest division): near 3.9 MiB it would pass 1 GiB, and
# sooner with more notes a page. A press with a bigger machine may raise it.
LIMIT = 3.6
LIMIT_VARIABLE = "TOOLCHAIN_MAX_MANUSCRIPT_MIB"


def limit_mib() -> float:
    """The largest manuscript a build takes, in MiB: LIMIT, or TOOLCHAIN_MAX_MANUSCRIPT_MIB."""
    try:
        return float(os.environ.get(LIMIT_VARIABLE, LIMIT))
    except ValueError:
        raise BuildError(Problem(LIMIT_VARIABLE, 0, 0, "M107", f"{LIMIT_VARIABLE} is not a number",
                                 "set it to a size in MiB, such as 4")) from None


def read_text(path: Path) -> str:
    """A manuscript file as text, or an error naming it and what to do."""
    try:
        size, limit = path.stat().st_size, limit_mib()
        if size > limit * 2**20:
            raise BuildError(Problem(path, 1, 1, "M107", f"file is {size / 2**20:.1f} MiB, over "
                                     f"the limit of {limit:g} MiB",
                                     f"split the book into volumes, or raise {LIMIT_VARIABLE}"))
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BuildError(Problem(path, 1, 1, "M100", "file not found",
                                 "check the --manuscript directory")) from None
    except IsADirectoryError:
        raise BuildError(Problem(path, 1, 1, "M100", "is a directory, not a file",
                                 "name a Markdown file")) from None
    except PermissionError:
        raise BuildError(Problem(path, 1, 1, "M100", "the build may not read this file "
                                 "(permission denied)", "make it readable: chmod a+r")) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise BuildError(Problem(path, line, 1, "M100", "not valid UTF-8",
                                 "save the file as UTF-8")) from None


def key_lines(text: str) -> dict[tuple, int]:
    """Where each key is written: ("collection", "title") -> line number."""
    lines, table = {}, ()
    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(r"\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            table = tuple(part.strip().strip("\"'") for part in header[1].split("."))
            lines.setdefault(table, number)
            continue
        key = re.match(r"\s*([A-Za-z0-9_\"'.-]+)\s*=", line)
        if key:
            lines.setdefault(table + tuple(k.strip("\"'") for k in key[1].split(".")), number)
    return lines


def read_meta(path: Path) -> dict:
    """book.toml, parsed and checked against book.schema.json; every error names its line."""
    text = read_text(path)
    try:
        meta = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+), column (\d+)", str(exc))
        line, col = (int(found[1]), int(found[2])) if found else (1, 1)
        raise BuildError(Problem(path, line, col, "M102", f"malformed TOML: {exc}",
                                 "see the manuscript format in README.md")) from None
    lines = key_lines(text)
    problems = []
    if isinstance(meta.get("trade", {}).get("publication_date"), date):  # a bare TOML date
        meta["trade"]["publication_date"] = meta["trade"]["publication_date"].isoformat()
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for error in sorted(validator.iter_errors(meta), key=lambda e: list(map(str, e.path))):
        problems.append(schema_problem(path, error, lines))
    identifier = meta.get("identifier")
    if not problems:
        problems += identifier_problems(path, identifier, lines.get(("identifier",), 1))
    if not problems:
        problems += (people_problems(path, meta, lines) + words_problems(path, meta, lines)
                     + trade_problems(path, meta, lines))
    if problems:
        raise BuildError(problems)
    return meta


def identifier_problems(path: Path, identifier: str, line: int) -> list[Problem]:
    """A `urn:uuid:` must be a UUID (EPUBCheck's OPF-085), a `urn:isbn:` an ISBN; any other
    URN or a URL is taken as the EPUB rules allow."""
    import uuid

    scheme = identifier.lower()
    if scheme.startswith("urn:isbn:") and not isbn_valid(identifier[9:]):
        return [Problem(path, line, 1, "M110", f"`identifier` = {identifier!r} is not a valid "
                        "ISBN (checksum or length)", "copy the ISBN from the publisher's record")]
    if scheme.startswith("urn:uuid:"):
        try:
            uuid.UUID(identifier[9:])
        except ValueError:
            return [Problem(path, line, 1, "M110", f"`identifier` = {identifier!r} is not a "
                            "UUID", f'use a fresh one: identifier = "urn:uuid:{uuid.uuid4()}" '
                            "(`toolchain new` makes one for a new book)")]
    if not identifier.strip():
        return [Problem(path, line, 1, "M110", "`identifier` is empty", "give the book a "
                        f'stable identifier: identifier = "urn:uuid:{uuid.uuid4()}"')]
    return []


def people_problems(path: Path, meta: dict, lines: dict) -> list[Problem]:
    """A book has an author (`author`, or a contributor with role "aut"); ISBNs check out."""
    problems = []
    if "author" not in meta and not any(c["role"] == "aut" for c in meta.get("contributors", [])):
        problems.append(Problem(path, 1, 1, "M103", "the book has no author",
                                'add `author = "…"`, or a [[contributors]] entry with role = "aut"'))
    if isinstance(meta.get("author"), list) and "author_sort" in meta:
        problems.append(Problem(path, lines.get(("author_sort",), 1), 1, "M110", "`author_sort` "
                                "is for one author", "list the authors as [[contributors]], each "
                                "with its `sort`"))
    for edition, isbn in meta.get("isbn", {}).items():
        if not isbn_valid(isbn):
            problems.append(Problem(path, lines.get(("isbn", edition), 1), 1, "M110",
                                    f"isbn.{edition} = {isbn!r} is not a valid ISBN (checksum or "
                                    "length)", "copy the ISBN from the publisher's record"))
        else:
            meta["isbn"][edition] = isbn_hyphenated(isbn)
    return problems


def trade_problems(path: Path, meta: dict, lines: dict) -> list[Problem]:
    """[trade] (the ONIX record) needs what retailers need: an ISBN for an edition to list,
    the publisher, a description; a language ONIX has a code for."""
    if "trade" not in meta:
        return []
    problems = []
    line = lines.get(("trade",), 1)
    for missing, key, fix in ((not meta.get("isbn"), "isbn.ebook or isbn.print",
                               "add the ISBN of each edition to sell: [isbn] ebook = \"978-…\""),
                              (not meta.get("publisher"), "publisher",
                               'add publisher = "…", as the trade knows the press'),
                              (not meta.get("description"), "description",
                               "add description = \"…\": the paragraph retailers show")):
        if missing:
            problems.append(Problem(path, line, 1, "M131", f"[trade] is given (the ONIX record),"
                                    f" but book.toml has no {key}", fix))
    import pycountry

    trade = meta["trade"]
    for key, code, known in (
            [("trade.country", trade.get("country"), pycountry.countries)]
            + [(f"trade.price.{edition}.currency", price["currency"], pycountry.currencies)
               for edition, price in trade.get("price", {}).items()]
            + [(f"trade.price.{edition}.territory", place, pycountry.countries)
               for edition, price in trade.get("price", {}).items()
               for place in price.get("territory", "WORLD").split() if place != "WORLD"]):
        field = "alpha_3" if known is pycountry.currencies else "alpha_2"
        if code and known.get(**{field: code}) is None:
            problems.append(Problem(path, lines.get(("trade",), 1), 1, "M131", f"{key} = "
                                    f"{code!r} is not an ISO code", "countries as ISO 3166 "
                                    "(GB, DE, US), currencies as ISO 4217 (GBP, EUR, USD)"))
    from .. import words

    if words.bibliographic_code(meta["language"]) is None:
        problems.append(Problem(path, lines.get(("language",), 1), 1, "M131", f"language = "
                                f"{meta['language']!r} has no ISO 639 code for the ONIX record",
                                "give the language's two-letter code (ISO 639-1): de, fr, en"))
    return problems


def words_problems(path: Path, meta: dict, lines: dict) -> list[Problem]:
    """Each [words] key one the toolchain writes, keeping the catalogue's {placeholders}
    (no others: the build has no value for them), months a list of twelve."""
    from string import Formatter

    from .. import words

    english, problems = words.catalogue("en"), []
    for key, value in meta.get("words", {}).items():
        line = lines.get(("words", key), lines.get(("words",), 1))
        if key not in english or key == "language":
            problems.append(Problem(path, line, 1, "M130", f"words.{key} is not a word the "
                                    "toolchain writes", "use a key of toolchain/lang/en.toml: "
                                    + ", ".join(k for k in english if k != "language")))
        elif isinstance(value, list) != isinstance(english[key], list):
            problems.append(Problem(path, line, 1, "M130", f"words.{key} should be "
                                    + ("a list of the twelve months" if key == "months"
                                       else "a string"), f"as in toolchain/lang/en.toml: "
                                    f"{key} = {english[key]!r}"))
        elif isinstance(value, str):
            try:
                given = {f for _, f, _, _ in Formatter().parse(value) if f is not None}
            except ValueError:
                problems.append(Problem(path, line, 1, "M130", f"words.{key} has an unpaired "
                                        "brace", "write {placeholder} whole, as in "
                                        "toolchain/lang/en.toml"))
                continue
            allowed = {f for _, f, _, _ in Formatter().parse(english[key]) if f is not None}
            if given - allowed:
                problems.append(Problem(path, line, 1, "M130", f"words.{key} has "
                                        f"{', '.join('{' + f + '}' for f in sorted(given - allowed))}"
                                        ", which the build does not fill in",
                                        "keep to " + (", ".join("{" + f + "}" for f in
                                                                sorted(allowed)) or
                                                      "plain words (no braces)")))
    return problems


def isbn_valid(isbn: str) -> bool:
    """An ISBN-13 (978/979 prefix) or ISBN-10 with a correct check digit; hyphens allowed."""
    from stdnum import isbn as stdnum_isbn

    digits = stdnum_isbn.compact(isbn)
    return stdnum_isbn.is_valid(digits) and (len(digits) == 10 or digits[:3] in ("978", "979"))


def isbn_hyphenated(isbn: str) -> str:
    """The ISBN-13, hyphenated where the ISBN agency's ranges put the breaks (978-3-16-148410-0),
    however book.toml typed it; an ISBN-10 becomes its ISBN-13, as the trade uses since 2007."""
    from stdnum import isbn as stdnum_isbn

    return stdnum_isbn.format(isbn, convert=True)


def schema_problem(path: Path, error, lines: dict) -> Problem:
    keys = tuple(str(k) for k in error.path if isinstance(k, str))
    line = lines.get(keys) or lines.get(keys[:1]) or 1
    name = ".".join(keys) or "book.toml"
    if error.validator == "required":
        missing = error.message.split("'")[1]
        where = f"[{'.'.join(keys)}]" if keys else "book.toml"
        return Problem(path, lines.get(keys, 1), 1, "M103", f"missing metadata key {missing!r}",
                       f"add `{missing} = …` to {where} (README.md lists the keys)")
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        unknown = sorted(set(error.instance) - set(known))
        key = unknown[0]
        line = lines.get((*keys, key), line)
        close = difflib.get_close_matches(key, list(known), n=1)
        hint = f"did you mean `{close[0]}`?" if close else "README.md lists the keys"
        return Problem(path, line, 1, "M108", f"unknown key {'.'.join((*keys, key))!r}", hint)
    if error.validator == "type":
        return Problem(path, line, 1, "M109", f"`{name}` must be {article(error.validator_value)}, "
                       f"not {article(toml_type(error.instance))}",
                       f"write it as {EXAMPLES.get(error.validator_value, 'README.md shows')}")
    described = error.schema.get("description")
    hint = f"{name}: {described}" if described else "see README.md"
    return Problem(path, line, 1, "M110", f"`{name}` = {error.instance!r} is not allowed: "
                   f"{error.message}", hint)


EXAMPLES = {"string": 'a quoted string: key = "text"', "array": 'a list: key = ["a", "b"]',
            "integer": "a whole number: key = 3", "object": "a table: [key] on its own line"}


def toml_type(value) -> str:
    return {str: "string", int: "integer", float: "number", bool: "boolean", list: "array",
            dict: "object"}.get(type(value), type(value).__name__)


def article(kind: str) -> str:
    words = {"object": "table", "array": "list"}
    word = words.get(kind, kind)
    return ("an " if word[0] in "aeiou" else "a ") + word


def inside(root: Path, rel: str, book_toml: Path, key: str) -> Path:
    """The manuscript file `rel` names, after symlinks, or an error at the line that names it."""
    line = line_of(book_toml, rel)
    base = root.resolve()
    path = (root / rel).resolve()
    if Path(rel).is_absolute() or not path.is_relative_to(base):
        raise BuildError(Problem(book_toml, line, 1, "M111", f"`{key}` names {rel!r}, which is "
                                 "outside the manuscript directory",
                                 "copy the file into the manuscript and name it by a relative "
                                 "path"))
    if not path.is_file():
        what = {"chapters": "chapter", "front": "front matter", "back": "back matter"}.get(key, key)
        raise BuildError(Problem(book_toml, line, 1, "M101", f"{what} file {rel!r} does not exist",
                                 f"fix the path in `{key}` or create the file"))
    return path


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if needle in line:
            return number
    return 1


MATTER = (("front", "front"), ("chapters", "body"), ("back", "back"), ("colophon", "colophon"))


def book_files(root: Path, meta: dict) -> list[tuple[str, Path]]:
    """The Markdown files of the book in reading order, each as (matter, path): front, body,
    back matter and the colophon, each inside the manuscript, all within the size limit."""
    book_toml = root / "book.toml"
    files, seen = [], {}
    for key, matter in MATTER:
        names = meta.get(key, [])
        for rel in [names] if isinstance(names, str) else names:
            path = inside(root, rel, book_toml, key)
            if path in seen:
                lines = [n for n, text in enumerate(read_text(book_toml).splitlines(), 1)
                         if rel in text or path.name in text]
                raise BuildError(Problem(book_toml, lines[-1] if lines else 1, 1, "M122",
                                         f"{rel!r} is listed twice (in `{seen[path]}` and "
                                         f"`{key}`): a division is in the book once",
                                         "remove one of the two"))
            seen[path] = key
            files.append((matter, path))
    total, limit = sum(p.stat().st_size for _, p in files), limit_mib()
    if total > limit * 2**20:
        raise BuildError(Problem(book_toml, 1, 1, "M107", f"the manuscript is {total / 2**20:.1f} "
                                 f"MiB of Markdown, over the limit of {limit:g} MiB (past "
                                 "it a build needs over 1 GiB of memory)",
                                 f"publish it as several volumes, or raise {LIMIT_VARIABLE} on a "
                                 "machine with the memory"))
    return files


def cover_art(root: Path, meta: dict) -> Path | None:
    """The publisher's cover image, inside the manuscript, a JPEG or PNG of a cover's shape."""
    if not meta.get("cover"):
        return None
    book_toml = root / "book.toml"
    path = inside(root, meta["cover"], book_toml, "cover")
    line = line_of(book_toml, meta["cover"])
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError):
        kind, width, height = None, 0, 0
    if kind not in ("JPEG", "PNG"):
        raise BuildError(Problem(book_toml, line, 1, "M120", f"cover {meta['cover']!r} is not a "
                                 "JPEG or PNG image", "export the cover art as JPEG or PNG"))
    size = path.stat().st_size
    problem = None
    if width < COVER_MIN_WIDTH:
        problem = f"{width} px wide; reading apps want at least {COVER_MIN_WIDTH}"
    elif not 1.2 <= height / width <= 2.0:
        problem = f"{width} × {height} px is not a book cover's shape (height 1.2 to 2 × width)"
    elif size > COVER_MAX_BYTES:
        problem = f"{size / 2**20:.1f} MiB, over the {COVER_MAX_BYTES // 2**20} MiB stores accept"
    if problem:
        raise BuildError(Problem(book_toml, line, 1, "M120", f"cover {meta['cover']!r} is "
                                 + problem, "supply the cover art at 1600 × 2400 px or so"))
    return path


COVER_MIN_WIDTH = 1000  # px; Apple Books and Kobo recommend 1400 and more
COVER_MAX_BYTES = 10 * 2**20


FIGURE_FORMATS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
FIGURE_MAX_PIXELS = 50_000_000  # a 7000 × 7000 px plate; more is an error, not a figure
SVG = "http://www.w3.org/2000/svg"


def figure_problem(path: Path) -> tuple[str, str] | None:
    """Why the image file at `path` cannot be a figure, as (message, hint); None if it can.

    JPEG and PNG are read by their header only; SVG must be self-contained and inert (no script,
    no event handler, no reference outside itself), as EPUB requires of an unscripted book."""
    if path.suffix.lower() == ".svg":
        return svg_problem(path)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError):
        kind, width, height = None, 0, 0
    if kind not in FIGURE_FORMATS:
        return (f"{path.name} is not a JPEG, PNG or SVG image",
                "export the figure as JPEG (photographs), PNG or SVG (drawings)")
    if path.suffix.lower() not in FIGURE_FORMATS[kind]:
        return (f"{path.name} is a {kind} image under another name",
                f"rename it {path.stem}{FIGURE_FORMATS[kind][0]}")
    if width * height > FIGURE_MAX_PIXELS:
        return (f"{path.name} is {width} × {height} px, over {FIGURE_MAX_PIXELS // 10**6} million "
                "pixels", "scale it down: 300 dpi at the printed size is enough")
    return None


def svg_problem(path: Path) -> tuple[str, str] | None:
    from lxml import etree

    from .. import safexml

    hint = "save the drawing as plain SVG (no scripts, fonts and images inside the file)"
    try:
        root = safexml.parse(path.read_bytes())
    except (etree.XMLSyntaxError, safexml.UnsafeXml) as exc:
        return f"{path.name} is not a well-formed, self-contained SVG file ({exc})", hint
    if root.tag != f"{{{SVG}}}svg":
        return f"{path.name} is not an SVG drawing (its root is {etree.QName(root).localname})", hint
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node).localname
        if name in ("script", "foreignObject"):
            return f"{path.name} holds a <{name}> element", hint
        if name == "text":  # would be set in whatever font the machine has
            return (f"{path.name} holds text, which print would set in a font outside the book",
                    "convert the drawing's text to outlines (Inkscape: Path > Object to Path)")
        for attr, value in node.attrib.items():
            attr = etree.QName(attr).localname
            if attr.lower().startswith("on"):
                return f"{path.name} holds an event handler ({attr})", hint
            if attr == "href" and not value.startswith("#"):
                return f"{path.name} refers to {value[:60]!r} outside itself", hint
        css = (node.text or "") if name == "style" else node.get("style", "")
        if re.search(r"@import|url\(\s*['\"]?(?!#)", css):
            return f"{path.name} loads a resource from its styles", hint
    return None
