"""The index, end to end, on one book that uses every construct of it: sub-entries, see and
see also, a range over a page turn, marks in an endnote and in a footnote, a mark in the
front matter (a roman folio), sort keys and accents, terms marked from book.toml, a word
excluded from them, and a mark on the last word of a page. Each test reads the built EPUB
or the PDFs, as a reader would; `check_index` reads every locator's page in both PDFs.
"""

from __future__ import annotations

import io
import re
import zipfile

import pypdfium2
import pytest
from conftest import ROOT, xml

from toolchain.build import build
from toolchain.check import index_pages
from toolchain.check.lint import index_problems
from toolchain.read.markdown import read_book
from toolchain.write.index import collation_key, elided, group_of

WORDS = ("the harbour keeper walked along the quay at dusk and counted boats returning from "
         "sea with their nets full of herring and their sails patched against wind").split()


def prose(seed: int, words: int) -> str:
    out, k = [], seed
    while len(out) < words:
        length = 9 + k % 11
        sentence = [WORDS[(k * 7 + j * 3) % len(WORDS)] for j in range(length)]
        out += [sentence[0].capitalize(), *sentence[1:-1], sentence[-1] + "."]
        k += 1
    return " ".join(out)


PREFACE = f"""# Preface {{.preface}}

{prose(1, 80)} The [Comintern]{{.index term="Communist International"}} is met first here.
{prose(2, 60)}
"""

ONE = f"""# 1. The Quay

{prose(3, 120)} [Trotsky]{{.index term="Trotsky, Leon"}} spoke at the quay.[^1]

[]{{.index term="Germany > inflation" range=start}}{prose(4, 500)}

{prose(5, 500)} The [Müller]{{.index sort="Muller"}} government
fell.[]{{.index term="Germany > inflation" range=end}}

{prose(6, 80)} [de Gaulle]{{.index term="de Gaulle, Charles" sort="Gaulle, Charles de"}} was not
there; [The Times]{{.index sort="Times, The"}} said so, and [Évian]{{.index}} and
[Evans]{{.index}} and [Newark]{{.index}} and [New York]{{.index}} were far away.
[Trotsky]{{.index term="Trotsky, Leon > in exile"}} wrote.

[]{{.index term="Bolsheviks" see="Communist Party"}}The
[KPD]{{.index term="Communist Party" also="Communist International"}} met. The
[harbour]{{.noindex}} master was absent. {prose(7, 200)}

[^1]: A note on [Brandler]{{.index term="Brandler, Heinrich"}}, who led the party.
"""

TWO = f"""# 2. The Sea {{notes=footnotes}}

{prose(8, 300)}[^1] [Radek]{{.index term="Radek, Karl"}} came by sea. {prose(9, 300)}

[^1]: [Zinoviev]{{.index}} wrote from Moscow, in a footnote.
"""

BOOK = """title = "The Index Book"
author = "A. N. Author"
language = "en-GB"
identifier = "urn:uuid:6b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
slug = "index-book"
front = ["front/preface.md"]
chapters = ["chapters/01.md", "chapters/02.md"]

[index]
[index.terms]
"Harbour, the" = ["harbour"]
"""


def write_book(root, one: str = ONE):
    for folder in ("front", "chapters"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "front" / "preface.md").write_text(PREFACE, encoding="utf-8")
    (root / "chapters" / "01.md").write_text(one, encoding="utf-8")
    (root / "chapters" / "02.md").write_text(TWO, encoding="utf-8")
    (root / "book.toml").write_text(BOOK, encoding="utf-8")
    return root


def pdf_page_words(pdf) -> list[list[str]]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [re.findall(r"\w+", page.get_textpage().get_text_range()) for page in doc]
    finally:
        doc.close()


def page_labels(pdf) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [doc.get_page_label(k) for k in range(len(doc))]
    finally:
        doc.close()


def last_word_page(one: str, pages: list[list[str]], labels: list[str]) -> tuple[int, str]:
    """A body page of chapter 1 whose last word (its folio aside) is whole and occurs in the
    chapter as a plain word: that word's occurrence number in the chapter, and the folio."""
    chapter = [w for w in re.findall(r"\w+", one)]
    seen: dict[str, int] = {}
    for k, words in enumerate(pages):
        body = words[:-1] if words and words[-1] == labels[k] else words
        for word in body:
            seen[word] = seen.get(word, 0) + 1
        if labels[k].isdigit() and body and body[-1] in WORDS and body[-1] != "harbour" \
                and chapter.count(body[-1]) >= seen[body[-1]]:
            return seen[body[-1]], body[-1], labels[k]
    raise AssertionError("no page of chapter 1 ends on a plain word")


def mark_occurrence(text: str, word: str, number: int) -> str:
    """`text` with the number-th occurrence of `word` (as a whole word) marked for the index."""
    found = [m for m in re.finditer(rf"\b{word}\b", text)]
    at = found[number - 1]
    return f"{text[:at.start()]}[{word}]{{.index term=\"Last word\"}}{text[at.end():]}"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The book built twice: once as written, to find a page that ends on a plain word, and
    again with that word marked (a mark is no wider than its words: the pages stay)."""
    root = write_book(tmp_path_factory.mktemp("index") / "manuscript")
    first = root.parent / "first"
    build(root, first, ROOT / "styles", stream=io.StringIO(), force=True)
    pdf = first / "index-book.pdf"
    labels = page_labels(pdf)
    body_start = labels.index("1")
    one_pages = pdf_page_words(pdf)
    chapter_two = next(k for k, words in enumerate(one_pages) if "Sea" in words[:6])
    number, word, folio = last_word_page(ONE, one_pages[body_start:chapter_two],
                                         labels[body_start:chapter_two])
    # the prose before the chapter's first page counts none of its words: only chapter 1
    (root / "chapters" / "01.md").write_text(mark_occurrence(ONE, word, number),
                                             encoding="utf-8")
    out = root.parent / "dist"
    report = build(root, out, ROOT / "styles", stream=io.StringIO(), force=True)
    return out, report, word, folio, root


def index_doc(out, epub: str = "index-book.epub"):
    with zipfile.ZipFile(out / epub) as archive:
        return xml(archive.read("EPUB/index.xhtml"))


def entries(out, epub: str = "index-book.epub") -> dict[str, str]:
    """Each entry's text, by its heading path ("Germany > inflation")."""
    H = "{http://www.w3.org/1999/xhtml}"
    found = {}

    def walk(ul, path):
        for li in ul.findall(f"{H}li"):
            term = "".join(li.find(f"{H}span").itertext())
            text = (li.text or "").strip() + "".join(
                "".join(child.itertext()) + (child.tail or "") for child in li
                if child.tag != f"{H}ul").strip()
            found[" > ".join((*path, term))] = text
            for sub in li.findall(f"{H}ul"):
                walk(sub, (*path, term))

    for ul in index_doc(out, epub).iter(f"{H}ul"):
        if ul.getparent().tag == f"{H}section":
            walk(ul, ())
    return found


def test_every_locator_on_its_page_in_both_pdfs(book):
    out = book[0]
    for name in ("index-book.pdf", "index-book-print.pdf"):
        problems, info = index_pages.check_index(out / "index-book.epub", out / name)
        assert problems == [], name
        assert info["locators"] >= 12


def test_the_last_word_of_a_page_is_indexed_to_that_page(book):
    out, _, word, folio, _ = book
    assert entries(out)["Last word"] == f"Last word, {folio}"
    labels = page_labels(out / "index-book.pdf")
    words = pdf_page_words(out / "index-book.pdf")[labels.index(folio)]
    assert words[-2:] == [word, folio]  # the marked word still ends its page


def test_a_range_over_a_page_turn(book):
    text = entries(book[0])["Germany > inflation"]
    start, end = re.fullmatch(r"inflation, (\d+)–(\d+)", text).groups()
    assert int(end[-len(end):]) != int(start[-len(end):])


def test_front_matter_mark_has_a_roman_folio(book):
    assert re.fullmatch(r"Communist International, [ivx]+", entries(book[0])[
        "Communist International"])


def test_notes_locators(book):
    found = entries(book[0])
    assert re.fullmatch(r"Brandler, Heinrich, \d+n1", found["Brandler, Heinrich"])  # endnote
    assert re.fullmatch(r"Zinoviev, \d+n1", found["Zinoviev"])  # footnote, on its call's page


def test_cross_references(book):
    found = entries(book[0])
    assert found["Bolsheviks"] == "Bolsheviks. See Communist Party"
    assert re.fullmatch(r"Communist Party, \d+\. See also Communist International",
                        found["Communist Party"])
    doc = index_doc(book[0])
    links = [a.get("href") for a in doc.iter("{http://www.w3.org/1999/xhtml}a")
             if a.get("{http://www.idpf.org/2007/ops}type") == "index-term"]
    assert "#index-communist-party" in links and "#index-communist-international" in links


def test_order_and_groups(book):
    found = list(entries(book[0]))
    main = [h for h in found if " > " not in h]
    # Évian with E after Evans (letter by letter, the accent secondary); de Gaulle under G;
    # Müller as Muller; The Times under T; Newark before New York letter by letter
    assert main.index("Evans") < main.index("Évian") < main.index("de Gaulle, Charles") < \
        main.index("Germany") < main.index("Harbour, the") < main.index("Müller") < \
        main.index("Newark") < main.index("New York") < main.index("The Times") < \
        main.index("Trotsky, Leon") < main.index("Zinoviev")
    groups = [h.text for h in index_doc(book[0]).iter("{http://www.w3.org/1999/xhtml}h2")]
    assert groups == sorted(groups) and "G" in groups and "D" not in groups


def test_terms_from_book_toml_and_exclusions(book):
    out, *_, root = book
    harbour = entries(out)["Harbour, the"]
    assert re.fullmatch(r"Harbour, the, vii, [\d–, ]+", harbour)  # the preface, then
    with zipfile.ZipFile(out / "index-book.epub") as archive:
        one = archive.read("EPUB/ch-01.xhtml").decode()
    assert "master" in one and not re.search(r'index-mark">harbour</span> master', one)


def test_epub_index_markup_and_landmarks(book):
    out = book[0]
    with zipfile.ZipFile(out / "index-book.epub") as archive:
        nav = archive.read("EPUB/toc.xhtml").decode()
        opf = archive.read("EPUB/content.opf").decode()
    assert 'epub:type="index" href="index.xhtml' in nav or \
        'href="index.xhtml' in nav and 'epub:type="index"' in nav
    assert "index.xhtml" in opf
    doc = index_doc(out)
    types = {e.get("{http://www.idpf.org/2007/ops}type") for e in doc.iter()}
    assert {"index", "index-group", "index-entry-list", "index-entry", "index-term",
            "index-locator", "index-locator-list", "index-locator-range",
            "index-xref-preferred", "index-xref-related"} <= types


def test_pdf_page_labels_are_the_folios(book):
    labels = page_labels(book[0] / "index-book.pdf")
    assert labels[0] == "i" and "1" in labels
    assert labels[labels.index("1") - 1] in ("iv", "v", "vi", "vii", "viii")


def test_the_check_fails_a_wrong_locator(book, tmp_path):
    """A locator moved to the wrong page, in a copy of the EPUB: the check names it."""
    out = book[0]
    source = out / "index-book.epub"
    copy = tmp_path / "wrong.epub"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(copy, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "EPUB/index.xhtml":
                text = data.decode()
                folio = re.search(r'href="ch-01.xhtml#ix-\d+" data-at="[^"]+">(\d+)<', text)
                text = text.replace(folio.group(0), folio.group(0).replace(
                    f">{folio[1]}<", f">{int(folio[1]) + 2}<"), 1)
                data = text.encode()
            new.writestr(item, data)
    problems, _ = index_pages.check_index(copy, out / "index-book.pdf")
    assert {p.code for p in problems} >= {"P072", "P073"}


def test_lint_range_cross_reference_and_spellings(tmp_path):
    text = ONE.replace('[]{.index term="Germany > inflation" range=end}', "")
    text = text.replace('see="Communist Party"', 'see="Communist Partei"')
    text += '\n[Trotsky]{.index term="Trotsky"} again.\n'
    root = write_book(tmp_path / "m", text)
    problems = index_problems(read_book(root))
    codes = sorted((p.code, p.line) for p in problems)
    assert [c for c, _ in codes] == ["M125", "M126", "W004"]
    assert all(p.path.name == "01.md" for p in problems)


def test_collation_units():
    key = lambda text, by_word=False: collation_key(text, "en", by_word)  # noqa: E731
    assert sorted(["New York", "Newark"], key=key) == ["Newark", "New York"]
    assert sorted(["New York", "Newark"], key=lambda t: key(t, True)) == ["New York", "Newark"]
    assert sorted(["Öberg", "Zola", "Oakes"], key=key) == ["Oakes", "Öberg", "Zola"]
    swedish = sorted(["Öberg", "Zola", "Oakes"], key=lambda t: collation_key(t, "sv", False))
    assert swedish == ["Oakes", "Zola", "Öberg"]
    assert group_of("Évian", "fr") == "E" and group_of("Öberg", "sv") == "Ö"
    assert [elided(a, b) for a, b in (("321", "328"), ("101", "108"), ("3", "5"),
                                      ("1496", "1500"), ("100", "104"), ("xii", "xv"))] == \
        ["28", "8", "5", "500", "104", "xv"]


def test_the_first_title_has_its_index(built):
    """The first title's index, from book.toml's terms: people, parties, places — every
    locator on the page whose folio it prints, in both PDFs."""
    slug = "cliff-german-revolution-1923"
    for name in (f"{slug}.pdf", f"{slug}-print.pdf"):
        problems, info = index_pages.check_index(built / f"{slug}.epub", built / name)
        assert problems == [] and info["locators"] >= 60, name
    with zipfile.ZipFile(built / f"{slug}.epub") as archive:
        text = archive.read("EPUB/index.xhtml").decode()
    for heading in ("Brandler", "Communist Party of Germany (KPD)", "Saxony", "Zeigner, E."):
        assert f'<span epub:type="index-term">{heading}</span>' in text
    assert not re.search(r">\d+n\d+<", text)  # its notes give sources only: notes = false


def test_marks_leave_the_print_html_as_places_in_their_blocks():
    """A mark in print is (its block, the letters before it): the span goes, its words
    stay; a footnote in the paragraph is a block of its own."""
    from lxml import etree

    from toolchain.typeset.marks import BLOCK, take_marks

    html = etree.fromstring(
        '<html><body><p>The <span class="index-mark" id="ix-1">KPD <i>Zentrale</i></span>'
        ' met.<span class="footnote" id="n1">Note on <span class="index-mark" id="ix-2">'
        'Radek</span>.</span> Then <span class="index-mark" id="ix-3"/>end.</p></body></html>')
    placed = take_marks(html)
    paragraph = html.find(".//p")
    note = html.find(".//span[@class='footnote']")
    assert placed["ix-1"] == (paragraph.get(BLOCK), 3, 24)  # The | KPD Zentrale met Then end
    assert placed["ix-2"] == (note.get(BLOCK), 6, 11)  # Note on | Radek
    assert placed["ix-3"] == (paragraph.get(BLOCK), 21, 24)
    assert paragraph.get("id") and note.get("id")
    assert "".join(paragraph.itertext()) == "The KPD Zentrale met.Note on Radek. Then end."
    assert not html.xpath("//span[@class='index-mark']")


def test_an_entry_longer_than_a_column_runs_on_under_the_index_heading(tmp_path):
    """An entry of seventy sub-entries, taller than a column, is the index's first: it runs
    on from under the index's heading and the letter's, over the columns, where kept whole
    it left the heading alone on the index's first page (P043: a 2,000-page book's index
    failed so)."""
    from conftest import built_book

    words = "the harbour keeper walked along the quay at dusk and counted the boats".split()
    paragraphs = [" ".join(words[(k + j * 5) % len(words)] for j in range(60)).capitalize()
                  + f" Quayword{k:02d} stood there." for k in range(70)]
    terms = "\n".join(f'"Aardvark > Quayword{k:02d}" = ["Quayword{k:02d}"]' for k in range(70))
    out, report = built_book(tmp_path, {"01.md": "# One\n\n" + "\n\n".join(paragraphs) + "\n"},
                             extra="[index]\n\n[index.terms]\n" + terms)
    pdf = out / f"{report['slug']}.pdf"
    pages = pdf_page_words(pdf)
    opening = next(words for words in pages if words[:1] == ["Index"])
    assert opening[1:4] == ["A", "Aardvark", "Quayword00"]
    problems, info = index_pages.check_index(out / f"{report['slug']}.epub", pdf)
    assert problems == [] and info["locators"] == 70


def test_a_page_that_begins_inside_an_entrys_locators_is_marked_there_in_the_epub(tmp_path):
    """One-line sub-entries and an entry whose mentions run together (a list made shorter
    when its numbers are filled in), then an entry of forty note locators that runs over
    the index's page turn: the EPUB's page marker stands before the first locator of the
    new page, inside the locator list. (The list is written anew when the page numbers are
    filled in, which once dropped a marker put there before: a broken page-list link, an
    internal error; counted on the unfilled list, the marker went to the entry's end; and
    filled first, the elements were no longer those print numbered.)"""
    SUBS = 56
    from conftest import built_book

    words = "the harbour keeper walked along the quay at dusk and counted the boats".split()
    paragraphs = [" ".join(words[(k + j * 5) % len(words)] for j in range(50)).capitalize()
                  + f" Quayword{k:02d} stood there." + (f"[^{k + 1}]" if k < 40 else "")
                  for k in range(SUBS)]
    notes = "\n".join(f"[^{k + 1}]: The beacon shone." for k in range(40))
    terms = "\n".join(f'"Aardvark > Quayword{k:02d}" = ["Quayword{k:02d}"]' for k in range(SUBS))
    out, report = built_book(tmp_path, {"01.md": "# One\n\n" + "\n\n".join(paragraphs) +
                                        "\n\n" + notes + "\n"},
                             extra='[index]\n\n[index.terms]\n' + terms + '\n"Beacon" = ["beacon"]'
                             '\n"Anchor" = ["harbour"]')  # on every page: runs merged
    with zipfile.ZipFile(out / f"{report['slug']}.epub") as archive:
        index = xml(archive.read("EPUB/index.xhtml"))
    H = "{http://www.w3.org/1999/xhtml}"
    pages = pdf_page_words(out / f"{report['slug']}.pdf")
    labels = page_labels(out / f"{report['slug']}.pdf")
    inside = 0
    for mark in index.iter(f"{H}span"):
        if mark.get("role") != "doc-pagebreak" or mark.getnext() is None:
            continue
        first = re.findall(r"\w+", (mark.tail or "") + "".join(mark.getnext().itertext()))[0]
        page = labels.index(mark.get("aria-label"))
        assert page > 0 and first in pages[page] and first not in pages[page - 1], \
            mark.get("aria-label")
        listed = mark.getparent()
        if listed.get("{http://www.idpf.org/2007/ops}type") == "index-locator-list":
            inside += "".join(listed.getparent().find(f"{H}span").itertext()) == "Beacon"
    turn = next(k for k, words in enumerate(pages) if words[:1] == ["11n18"] or
                re.fullmatch(r"\d+n\d+", (words or [""])[0]) and k and "Beacon" in pages[k - 1])
    assert turn, "the page turn no longer falls in Beacon's locators: change the count"
    assert inside == 1, f"no page marker inside Beacon's locators, where p. {labels[turn]} begins"


def test_marks_in_verse_are_on_their_pages_in_an_epigraph_and_over_a_page_turn(tmp_path):
    """Verse sets each line as a block of its own (`.verse .line`), inside its stanza, the
    block that holds the marks: a mark in a poem was found on no page, and the index
    printed its locator as 0. An epigraph's poem with a term from book.toml and a marked
    word, and a chapter's poem of 70 lines over a page turn with a mark in its first and
    last lines: every locator on its page in both PDFs."""
    from conftest import built_book

    lines = [f"Line {k} of the song the marchers sang, over the harbour" for k in range(70)]
    lines[0] = "The [Beacon]{.index} first, and the song the marchers sang,"
    lines[-1] = "And the [Lantern]{.index} last, over and over, the harbour"

    def epigraph(manuscript):
        (manuscript / "front").mkdir()
        (manuscript / "front" / "epigraph.md").write_text(
            "# Epigraph {.epigraph}\n\n::: poem\nThe harbour keeper walks at dusk,\n"
            "And counts the [Quay]{.index} lamps one by one.\n:::\n\n"
            "[— An Old Song]{.attribution}\n", encoding="utf-8")

    out, report = built_book(tmp_path, {"01.md": "# One\n\n::: poem\n" + ",\n".join(lines)
                                        + ".\n:::\n\nThe harbour at night.\n"},
                             extra='front = ["front/epigraph.md"]\n[index]\n\n[index.terms]\n'
                             '"Harbour" = ["harbour"]', prepare=epigraph)
    slug = report["slug"]
    for name in (f"{slug}.pdf", f"{slug}-print.pdf"):
        problems, info = index_pages.check_index(out / f"{slug}.epub", out / name)
        assert problems == [], (name, [str(p) for p in problems[:3]])
        assert info["locators"] >= 5
    labels = page_labels(out / f"{slug}.pdf")
    words = pdf_page_words(out / f"{slug}.pdf")
    beacon, lantern = (next(labels[k] for k, page in enumerate(words) if word in page)
                       for word in ("Beacon", "Lantern"))
    assert beacon != lantern  # the poem runs over a page turn
    found = entries(out, f"{slug}.epub")
    assert found["Beacon"] == f"Beacon, {beacon}" and found["Lantern"] == f"Lantern, {lantern}"
    assert found["Quay"].endswith(labels[next(k for k, page in enumerate(words)
                                              if "lamps" in page)])
