"""The toolchain's own words in the book's language: the catalogues, a German and a French book
built, book.toml's [words] over a catalogue, and the errors and warning an editor can meet."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from string import Formatter

import pytest
from conftest import ROOT, make_book, text_of, xml

from toolchain import words
from toolchain.build import build
from toolchain.check.lint import lint_manuscript
from toolchain.errors import BuildError
from toolchain.read.manuscript import read_meta

CHAPTER = """# Eins

Ein Satz über [Trotzki]{.index} und die [KPD]{.index term="Kommunistische Partei"}.[^1]

[]{.index term="Bolschewiki" see="Kommunistische Partei"}

| Jahr | Preis |
|------|------:|
| 1922 | 163 |
| 1923 | 1.000 |

[^1]: Eine Anmerkung.
"""
PEOPLE = """isbn = { print = "9783161484100", ebook = "9782070368228" }
publisher = "Verlag"

[[contributors]]
name = "Erika Muster"
role = "trl"

[[contributors]]
name = "Hans Beispiel"
role = "edt"

[[contributors]]
name = "Anna Probe"
role = "edt"
"""
WHEN = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in Formatter().parse(text) if f is not None}


def test_every_catalogue_has_englishs_keys_and_placeholders():
    english = words.catalogue("en")
    assert set(words.languages()) >= {"en", "de", "fr", "es", "it", "ru"}
    for code in words.languages():
        table = words.catalogue(code)
        assert set(table) == set(english), code
        for key, value in english.items():
            if isinstance(value, str):
                assert placeholders(table[key]) == placeholders(value), (code, key)
            else:
                assert len(table[key]) == len(value) == 12, (code, key)


def built(tmp_path, language: str, extra: str = "") -> tuple[dict, dict[str, str]]:
    manuscript = make_book(tmp_path / "m", {"eins.md": CHAPTER}, title="Ein Buch",
                           extra=PEOPLE + extra)
    toml = manuscript / "book.toml"
    toml.write_text(toml.read_text().replace('language = "en-GB"', f'language = "{language}"'))
    out = tmp_path / "dist"
    report = build(manuscript, out, ROOT / "styles", stream=io.StringIO(), date=WHEN)
    with zipfile.ZipFile(out / "small-book.epub") as epub:
        texts = {name[5:]: epub.read(name).decode() for name in epub.namelist()
                 if name.startswith("EPUB/") and name.endswith((".xhtml", ".opf"))}
    return report, texts


def test_a_german_book_speaks_german(tmp_path):
    report, texts = built(tmp_path, "de-DE")
    toc = xml(texts["toc.xhtml"].encode())
    said = text_of(toc)
    assert said.startswith("Inhalt") and "Anmerkungen" in said and "Register" in said
    assert "Kolophon" in said and "Orientierungspunkte" in said
    assert "Seiten der Druckausgabe" in texts["toc.xhtml"]
    title = text_of(xml(texts["titlepage.xhtml"].encode()))
    assert "Übersetzt von Erika Muster" in title
    assert "Herausgegeben von Hans Beispiel und Anna Probe" in title
    imprint = text_of(xml(texts["imprint.xhtml"].encode()))
    assert "ISBN 978-3-16-148410-0 (Druckausgabe)" in imprint
    assert "ISBN 978-2-07-036822-8 (E-Book)" in imprint
    colophon = text_of(xml(texts["colophon.xhtml"].encode()))
    assert "Erstellt am 5. Dezember 2026" in colophon and "Kennung: urn:uuid:" in colophon
    index = text_of(xml(texts["index.xhtml"].encode()))
    assert index.startswith("Register") and "Siehe Kommunistische Partei" in index
    opf = texts["content.opf"]
    assert "Eine reine Textpublikation mit einer logischen Lesereihenfolge" in opf
    assert "Datentabellen mit Zeilen- und Spaltenköpfen" in opf
    assert no_english(texts, "de") == []
    assert not any("W005" in w for w in report["warnings"])


def no_english(texts: dict[str, str], code: str) -> list[tuple[str, str]]:
    """Where an English word of the toolchain's own stands in a book in another language:
    every English value (its words between placeholders) the language does not share."""
    from toolchain.write.xhtml import DESIGNER, TYPEFACE

    theirs = words.catalogue(code)
    shared = " ".join(v for v in theirs.values() if isinstance(v, str)) + TYPEFACE + DESIGNER
    english = {piece.strip(" ,.:;()") for key, value in words.catalogue("en").items()
               if isinstance(value, str) and key != "language" and value != theirs[key]
               for piece in re.split(r"\{\w+\}", value)}
    english = {piece for piece in english if piece not in shared}  # ISBN, a typeface's name
    found = []
    for name, text in texts.items():
        plain = re.sub(r"<[^>]+>", " ", text)
        for value in sorted(v for v in english if len(v) >= 4):
            if re.search(rf"(?<!\w){re.escape(value)}(?!\w)", plain):
                found.append((name, value))
    return found


def test_a_french_book_with_a_house_style_over_its_catalogue(tmp_path):
    _, texts = built(tmp_path, "fr", '\n[words]\ncontents = "Sommaire"\n')
    said = text_of(xml(texts["toc.xhtml"].encode()))
    assert said.startswith("Sommaire") and "Table des matières" not in said
    assert "Notes" in said and "Colophon" in said and "Index" in said
    colophon = text_of(xml(texts["colophon.xhtml"].encode()))
    assert "Produit le 5 décembre 2026" in colophon and "Traduit par Erika Muster." in colophon
    assert "Édité par Hans Beispiel et Anna Probe." in colophon
    assert no_english(texts, "fr") == []


@pytest.mark.parametrize("words_table, message", [
    ('contnets = "Inhalt"', "words.contnets is not a word the toolchain writes"),
    ('isbn_print = "ISBN {isbn} {year}"', "words.isbn_print has {year}, which the build"),
    ('colophon_built = "Built {date"', "words.colophon_built has an unpaired brace"),
    ('months = "Januar"', "words.months should be a list of the twelve months"),
])
def test_a_wrong_words_table_is_an_error_naming_its_line(tmp_path, words_table, message):
    manuscript = make_book(tmp_path / "m", {"eins.md": CHAPTER},
                           extra=f"\n[words]\n{words_table}\n")
    with pytest.raises(BuildError) as caught:
        read_meta(manuscript / "book.toml")
    problem = caught.value.problems[0]
    assert problem.code == "M130" and message in problem.message
    lines = (manuscript / "book.toml").read_text().splitlines()
    assert lines[problem.line - 1] == words_table


def test_a_language_without_a_catalogue_is_english_with_a_warning(tmp_path):
    manuscript = make_book(tmp_path / "m", {"eins.md": CHAPTER})
    toml = manuscript / "book.toml"
    toml.write_text(toml.read_text().replace('language = "en-GB"', 'language = "nl"'))
    found = [p for p in lint_manuscript(manuscript) if p.code == "W005"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert "no words in 'nl'" in found[0].message
    assert toml.read_text().splitlines()[found[0].line - 1] == 'language = "nl"'
    assert words.for_book(read_meta(toml))["contents"] == "Contents"
