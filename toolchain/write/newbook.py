"""`new`: a manuscript folder that builds at once — book.toml with a fresh UUID, one chapter,
a colophon — for an editor's first book."""

from __future__ import annotations

import re
import unicodedata
import uuid
from pathlib import Path

from ..errors import BuildError, Problem

BOOK_TOML = '''# Made by `toolchain new`. The README ("The manuscript format") lists every key.

title = {title}
author = {author}
language = {language}  # BCP 47: en-GB, en-US, de, fr…
identifier = "urn:uuid:{uuid}"  # made for this book: keep it
slug = {slug}  # the output files' names
chapters = ["chapters/01-the-first-chapter.md"]
colophon = "colophon.md"
# description = "What the book is about, for the back cover and the stores."
# publisher = "The press's name"

# [isbn]
# ebook = "978-…"
# print = "978-…"
'''

CHAPTER = """# The First Chapter

Write the chapter here, in plain text: a blank line between paragraphs, *emphasis* between
asterisks, the title of a work as *Leaves of Grass*{.title}, and a note where it is called.[^1]

## A section

A new file in `chapters/` is a new chapter: list it in book.toml’s `chapters`, in reading
order. `toolchain lint --fix` makes straight quotes curly, in the book’s language.

[^1]: A note’s text, collected under Notes at the end of the book.
"""

COLOPHON = """This book was made with the toolchain, from a manuscript kept in plain text.
"""


def slug_of(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "book"


def toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def new_book(target: Path, title: str, author: str, language: str) -> list[Path]:
    """Write a new manuscript folder at `target` (absent or empty); returns its files."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BuildError(Problem(target, 0, 0, "E034", "there is already something here",
                                 "name a new folder: toolchain new my-book"))
    files = {
        "book.toml": BOOK_TOML.format(title=toml_string(title), author=toml_string(author),
                                      language=toml_string(language), uuid=uuid.uuid4(),
                                      slug=toml_string(slug_of(title))),
        "chapters/01-the-first-chapter.md": CHAPTER,
        "colophon.md": COLOPHON,
    }
    written = []
    for name, text in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
