"""The words the toolchain writes into a book itself — headings of the pages it makes
(Contents, Notes, Index), credits ("Translated by"), the colophon's sentences and date, the
accessibility summary — in the book's language.

One catalogue per language in `toolchain/lang/<code>.toml`, every catalogue with English's
keys; book.toml's `[words]` table overrides any of them for a house style. A language with
no catalogue is written in English, and the build warns. Format-free, like the model: the
readers check `[words]`, the writers use the words."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

CATALOGUES = Path(__file__).parent / "lang"
ROLE_KEYS = {"trl": "translated_by", "edt": "edited_by", "aui": "introduction_by",
             "win": "introduction_by", "aft": "afterword_by", "wpr": "preface_by",
             "ill": "illustrated_by", "com": "compiled_by", "ann": "annotated_by",
             "nrt": "narrated_by"}


@cache
def catalogue(code: str) -> dict | None:
    """The catalogue of a language's primary subtag (`de` for `de-AT`), or None."""
    path = CATALOGUES / f"{code.split('-')[0].lower()}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def languages() -> list[str]:
    return sorted(path.stem for path in CATALOGUES.glob("*.toml"))


@dataclass(frozen=True)
class Words:
    table: dict

    def __getitem__(self, key: str) -> str:
        return self.table[key]

    def __call__(self, key: str, **values) -> str:
        """The sentence `key` with its {placeholders} filled in."""
        return self.table[key].format(**values)

    def date(self, when: datetime) -> str:
        return self("date", day=when.day, month=self.table["months"][when.month - 1],
                    year=when.year)

    def names(self, items: list[str]) -> str:
        """"A", "A and B", "A, B and C", with the language's "and"."""
        if len(items) == 1:
            return items[0]
        return ", ".join(items[:-1]) + f" {self['and']} " + items[-1]

    def role(self, code: str) -> str | None:
        """"Translated by" for a MARC relator code the title page credits, else None."""
        return self.table[ROLE_KEYS[code]] if code in ROLE_KEYS else None


def for_book(meta: dict) -> Words:
    """The book's words: its language's catalogue (English where there is none), with
    book.toml's [words] over it."""
    table = dict(catalogue("en"))
    table.update(catalogue(meta.get("language", "en")) or {})
    table.update(meta.get("words", {}))
    return Words(table)


def has_catalogue(meta: dict) -> bool:
    return catalogue(meta.get("language", "en")) is not None


def bibliographic_code(tag: str) -> str | None:
    """The ISO 639-2/B code the book trade's ONIX uses (ger, fre, eng) for a BCP 47 tag, from
    pycountry's copy of the ISO tables; None for a language ISO 639 does not list."""
    import pycountry

    primary = tag.split("-")[0].lower()
    found = (pycountry.languages.get(alpha_2=primary) if len(primary) == 2
             else pycountry.languages.get(alpha_3=primary))
    return None if found is None else getattr(found, "bibliographic", None) or found.alpha_3
