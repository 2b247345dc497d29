"""The first title as built: the whole chapter, faithful to the source, with its apparatus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import NS, ROOT, text_of, xml

from toolchain.check.lint import OPEN_COMPOUND

SOURCE = (Path(__file__).parent / "data" / "source.txt").read_text(encoding="utf-8")
CHAPTER = "ch-03-german-revolution-of-1923.xhtml"
FIGURES = ["4.2", "8.9", "14.0", "64.8", "39.5", "64.9", "76.7", "191.8", "493.2", "17,972",
           "353,412", "4,620,455", "98,860,000", "25,260,208,000", "4,200,000,000,000"]


@pytest.fixture
def chapter(built):
    return xml((built / "xhtml" / CHAPTER).read_bytes())


@pytest.fixture(scope="module")
def notes(built):
    return xml((built / "xhtml" / "notes.xhtml").read_bytes())


def words(text: str) -> list[str]:
    """The words, with the typographic refinements EDITORIAL.md allows made: an ellipsis
    character, no-break spaces, and en dashes in ranges of numbers (1917–1923) and after an
    open compound (Social Democratic–Communist, lint M014)."""
    text = text.replace("...", "\u2026").replace("\u00a0", " ")
    text = OPEN_COMPOUND.sub("\\1\u2013\\2", text)
    return re.sub(r"(?<=\d)-(?=\d)", "\u2013", text).split()


def drop(node):
    """Remove an element but keep the text that follows it (lxml drops the tail too)."""
    parent, prev, tail = node.getparent(), node.getprevious(), node.tail or ""
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(node)


def test_documents_written(built):
    names = sorted(p.name for p in (built / "xhtml").glob("*.xhtml"))
    assert names == sorted([CHAPTER, "colophon.xhtml", "index.xhtml", "notes.xhtml",
                            "titlepage.xhtml", "toc.xhtml"])


def test_fidelity_every_word_of_the_source_in_order(chapter):
    """The chapter's body text, with note calls, footnotes and the table set aside, is the
    source's text word for word from the chapter title to the end."""
    body = SOURCE[SOURCE.index("3. German revolution of 1923"):SOURCE.index("\n1*. ")]
    expected = words(re.sub(r"\s*\[\d+\*?\]", "", body))
    for node in chapter.xpath("//h:a[@epub:type='noteref'] | //h:aside | //h:table",
                              namespaces=NS):
        drop(node)
    got = words("".join(chapter.find("h:body", NS).itertext()))
    assert got == expected


def test_starred_notes_keep_the_source_text(chapter):
    asides = chapter.xpath("//h:aside[@epub:type='footnote']", namespaces=NS)
    assert len(asides) == 2
    for aside, number in zip(asides, ("1*", "2*"), strict=True):
        original = re.search(rf"^{re.escape(number)}\. (.*)$", SOURCE, re.M)[1]
        text = text_of(aside)
        assert text[2:] == original  # after the mark (* or †) and a space
    assert [text_of(a)[0] for a in asides] == ["*", "\u2020"]


def test_title_page_carries_book_chapter_and_author(built):
    page = text_of(xml((built / "xhtml" / "titlepage.xhtml").read_bytes()))
    for line in ("Tony Cliff", "Trotsky: Fighting the rising Stalinist bureaucracy",
                 "German revolution of 1923"):
        assert line in page


def test_structure_headings_quotations_and_small_caps(chapter):
    h1 = chapter.xpath("//h:h1", namespaces=NS)
    assert [text_of(h) for h in h1] == ["3. German revolution of 1923"]
    assert [text_of(h) for h in chapter.xpath("//h:h2", namespaces=NS)] == [
        "The German Revolution and stirrings in Russia", "A Short Sketch of the German Revolution",
        "The policy of the KPD", "The Collapse of the German Revolution"]
    quotes = chapter.xpath("//h:blockquote", namespaces=NS)
    assert 18 <= len(quotes) <= 22
    # the passage with the editor's interpolation "[a leading Hamburg communist]", closed by
    # note 8, is quoted matter too (issue 9)
    hamburg = [q for q in quotes if text_of(q).startswith("The disruption of economic life")]
    assert len(hamburg) == 1 and "[a leading Hamburg communist]" in text_of(hamburg[0])
    assert text_of(hamburg[0]).endswith("sympathise with the working class’.8")
    lenin = [q for q in quotes if text_of(q).startswith("Even now we must not support")]
    assert len(lenin) == 1 and len(lenin[0].xpath("h:p", namespaces=NS)) == 2
    lead = chapter.xpath("//h:span[@class='smallcaps']", namespaces=NS)
    assert [text_of(s) for s in lead] == ["THE 1923 Opposition"]


def test_titles_and_foreign_words_carry_their_language(chapter):
    def lang_of(text):
        found = [n for n in chapter.xpath("//h:cite | //h:i", namespaces=NS) if text_of(n) == text]
        assert found, text
        return found[0].get("lang"), found[0].get("{http://www.w3.org/XML/1998/namespace}lang")

    assert lang_of("Märzaktion") == ("de", "de")
    assert lang_of("fait accompli") == ("fr", "fr")
    assert lang_of("Révolution en Allemagne (1917–1923)") == ("fr", "fr")
    assert lang_of("Die Rote Fahne") == ("de", "de")
    cites = {text_of(c) for c in chapter.xpath("//h:cite", namespaces=NS)}
    assert {"Hammer or Anvil", "Pravda", "The New Course", "The Lessons of October"} <= cites


def test_root_carries_both_language_attributes(built):
    for path in (built / "xhtml").glob("*.xhtml"):
        root = xml(path.read_bytes())
        assert root.get("lang") == "en-GB"
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
        assert root.nsmap.get("epub") == NS["epub"]


def test_twenty_five_endnotes_and_two_footnotes(chapter, notes):
    calls = chapter.xpath("//h:a[@epub:type='noteref']", namespaces=NS)
    assert len(calls) == 27
    items = notes.xpath("//h:section[@epub:type='endnotes']//h:li", namespaces=NS)
    assert [text_of(li).split()[0] for li in items] == [f"{n}." for n in range(1, 26)]
    flagged = [li for li in items if li.xpath(".//h:span[@class='editorial-flag']",
                                              namespaces=NS)]
    assert len(flagged) == 24
    assert not items[2].xpath(".//h:span[@class='editorial-flag']", namespaces=NS)
    assert "restored" in text_of(items[2])


def test_no_invented_citation_in_the_notes(notes):
    """The notes hold only names and titles that the chapter itself gives."""
    body = " ".join(words(SOURCE))
    for cite in notes.xpath("//h:cite", namespaces=NS):
        assert text_of(cite) in body
    assert not re.search(r"\bp{1,2}\.\s*\d", text_of(notes))  # no page numbers
    assert not re.search(r"\b(19[3-9]\d|20\d\d)\b", text_of(notes))  # no later editions


def test_the_table_and_its_fifteen_exact_figures(chapter):
    table = chapter.xpath("//h:table", namespaces=NS)[0]
    assert text_of(table.find("h:caption", NS)).startswith("Paper marks to one US dollar")
    assert table.xpath("h:caption/h:a[@epub:type='noteref']/h:sup", namespaces=NS)[0].text == "3"
    assert [th.get("scope") for th in table.xpath("h:thead//h:th", namespaces=NS)] == ["col"] * 2
    rows = table.xpath("h:tbody/h:tr", namespaces=NS)
    assert len(rows) == 15
    assert all(r.xpath("h:th[@scope='row']", namespaces=NS) for r in rows)
    assert ["".join(r.xpath("h:td", namespaces=NS)[0].itertext()) for r in rows] == FIGURES
    assert text_of(rows[0].find("h:th", NS)) == "July 1914"
    assert text_of(rows[-1].find("h:th", NS)) == "15 November 1923"
    wrap = table.getparent()  # it scrolls on a phone: a named region a keyboard reaches
    assert (wrap.get("role"), wrap.get("tabindex")) == ("region", "0")
    assert wrap.get("aria-label") == "Paper marks to one US dollar, 1914–1923"  # no note call
    # the table stands where the source lost it
    before = table.getparent().getprevious()  # the table-wrap's
    assert text_of(before).endswith("tell the story:")


def test_manuscript_has_no_bracketed_markers_left():
    for path in (ROOT / "manuscript").rglob("*.md"):
        assert not re.search(r"(?<!\^)\[\d+\*?\]", path.read_text(encoding="utf-8")), path
