"""How the Word files of the import tests were made: by LibreOffice, not by our code.

Each title's built EPUB chapters are joined into one HTML file in the markup LibreOffice's
own HTML export uses for notes (sdfootnote / sdendnote anchors), so that LibreOffice makes
them real Word footnotes and endnotes; then `soffice --headless --convert-to docx` writes the
.docx. `tracked.fodt` (a tracked insertion, a tracked deletion and a comment) and
`constructs.html` (headings, italics, bold, notes, a quotation, nested lists, a table, a
scene break), `superscript.fodt` (an ordinal and small caps, as Word marks them) and
`layout.fodt` (a paragraph indented on both sides, a page break between scenes) and
`objects.fodt` (Symbol and Wingdings characters, a page-number field, a text box) and
`index.fodt` (index entries: marked words, sub-entries two and three deep, one in a heading,
and an alphabetical index, which LibreOffice writes as Word's XE and INDEX fields) and
`zotero.html` (a chapter whose footnotes are Zotero's, in a note style) are converted the
same way. LibreOffice writes no equations from a flat file and writes symbol
characters as text in the symbol font, not as Word's `w:sym`, and no cross-reference in an
index entry: `word_markup()` puts Word's own markup for Insert › Equation and Insert › Symbol
into objects.docx where the .fodt says EQUATION and SYMBOL, and for an entry's *See* and *See
also* into index.docx where it says XESEE and XEALSO, and Zotero's citation fields (their code
ADDIN ZOTERO_ITEM CSL_CITATION and the citation's JSON, split over runs as Word splits long
codes), its bibliography field and its document preferences (the ZOTERO_PREF_1 custom
property naming the style) into zotero.docx where its text says ZOTERO1…6 and ZOTEROBIBL.
Run from the project root after building the titles:

    python tests/data/word/make_docx.py dist dist-whitman-leaves-of-grass \
        dist-doyle-adventures-of-sherlock-holmes

(needs Debian's libreoffice-writer-nogui; the .docx files are committed, so the tests do not).
`pandoc.docx` is another producer's: `pandoc book.md -o pandoc.docx` (pandoc 3.9, from the
pypandoc_binary wheel) on a page with a title block, a footnote, a captioned image (a plain
600×400 PNG) and a captioned table; `formatting.docx` the same way from `formatting.md`
(struck-through, subscript, underlined and superscript text, nested lists, a note of several
paragraphs, a definition list, a fourth-level heading). Two files for the refusals were made
by hand: `superscript.doc` by
`soffice --headless --convert-to doc superscript.docx`, and `encrypted.docx` (constructs.docx
with the password "secret") by `msoffcrypto-tool -e -p secret constructs.docx encrypted.docx`.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
H = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def word_html(epub: Path) -> str:
    with zipfile.ZipFile(epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        title = opf.find(f".//{DC}title").text
        author = opf.find(f".//{DC}creator").text
        language = opf.find(f".//{DC}language").text
        hrefs = {i.get("id"): i.get("href") for i in opf.iter(f"{OPF}item")}
        docs = {href: etree.fromstring(archive.read(f"EPUB/{href}"))
                for href in hrefs.values() if href.endswith(".xhtml")}
        spine = [hrefs[r.get("idref")] for r in opf.iter(f"{OPF}itemref")]
    html = etree.Element("html", lang=language)
    head = etree.SubElement(html, "head")
    etree.SubElement(head, "meta", charset="utf-8")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "meta", name="author", content=author)
    body = etree.SubElement(html, "body")
    notes = []
    for href in spine:
        if not href.startswith("ch-"):
            continue
        section = copy.deepcopy(docs[href].find(f"{H}body"))
        for call in list(section.iter(f"{H}a")):
            if call.get("role") != "doc-noteref":
                continue
            target_file, _, target = call.get("href").partition("#")
            note = (docs[target_file] if target_file else docs[href]).xpath(
                "//*[@id=$i]", i=target)[0]
            kind = "sdfootnote" if note.get(EPUB_TYPE) == "footnote" else "sdendnote"
            number = len(notes) + 1
            call.attrib.clear()
            call.set("class", f"{kind}anc")
            call.set("name", f"{kind}{number}anc")
            call.set("href", f"#{kind}{number}sym")
            text = copy.deepcopy(note)
            for mark in text.xpath(".//*[@role='doc-backlink' or @class='note-mark']"):
                drop(mark)
            notes.append((kind, number, text))
        for aside in list(section.iter(f"{H}aside")):
            aside.getparent().remove(aside)
        for child in section:
            body.append(child)
    for kind, number, text in notes:
        div = etree.SubElement(body, "div", id=f"{kind}{number}")
        for k, para in enumerate(text.iter(f"{H}p")):
            p = copy.deepcopy(para)
            if k == 0:
                sym = etree.Element("a", {"class": f"{kind}sym", "name": f"{kind}{number}sym",
                                          "href": f"#{kind}{number}anc"})
                sym.text, sym.tail = str(number), p.text
                p.text = None
                p.insert(0, sym)
            div.append(p)
    for node in html.iter():
        if isinstance(node.tag, str):
            node.tag = etree.QName(node).localname
    etree.cleanup_namespaces(html)
    return etree.tostring(html, method="html", encoding="unicode")


def drop(node) -> None:
    """Remove an element but not the text after it (lxml's remove() takes the tail too)."""
    parent, previous = node.getparent(), node.getprevious()
    tail = (node.tail or "").lstrip()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(node)


def convert(source: Path, target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["soffice", "--headless", "--convert-to", 'docx:MS Word 2007 XML',
                        "--outdir", tmp, str(source)], check=True, capture_output=True)
        (Path(tmp) / (source.stem + ".docx")).replace(target)


def main(outs: list[str]):
    for out in outs:
        epub = next(Path(out).glob("*.epub"))
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / f"{epub.stem}.html"
            source.write_text(word_html(epub), encoding="utf-8")
            convert(source, HERE / f"{epub.stem}.docx")
        print(HERE / f"{epub.stem}.docx")
    for source in ("tracked.fodt", "constructs.html", "superscript.fodt", "layout.fodt",
                   "objects.fodt", "index.fodt"):
        convert(HERE / source, HERE / (Path(source).stem + ".docx"))
        print(HERE / (Path(source).stem + ".docx"))
    word_markup(HERE / "objects.docx", {"EQUATION": EQUATION, "SYMBOL": SYMBOL})
    word_markup(HERE / "index.docx", {"XESEE": XE_SEE, "XEALSO": XE_ALSO})
    convert(HERE / "zotero.html", HERE / "zotero.docx")
    word_markup(HERE / "zotero.docx", {"ZOTEROBIBL": ZOTERO_BIBL}, ZOTERO_NOTES, ZOTERO_PREFS)


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
EQUATION = (f'<m:oMath xmlns:m="{M}" xmlns:w="{W}"><m:r><m:t>E=m</m:t></m:r><m:sSup><m:e><m:r>'
            '<m:t>c</m:t></m:r></m:e><m:sup><m:r><m:t>2</m:t></m:r></m:sup></m:sSup></m:oMath>')
SYMBOL = f'<w:r xmlns:w="{W}"><w:sym w:font="Symbol" w:char="F0B3"/></w:r>'  # ≥


def xe_field(code: str) -> str:
    """An index entry as Word's Mark Entry writes it: a complex field with no shown text."""
    return (f'<w:x xmlns:w="{W}"><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText '
            f'xml:space="preserve"> {code} </w:instrText></w:r><w:r><w:fldChar '
            'w:fldCharType="end"/></w:r></w:x>')


XE_SEE = xe_field('XE "Bolsheviks" \\t "See KPD"')  # a cross-reference: Word's \t switch
XE_ALSO = xe_field('XE "Cuno, Wilhelm" \\t "See also Ruhr"')


WORKS = {
    "trotsky": {"id": 101, "type": "book", "title": "The History of the Russian Revolution",
                "author": [{"family": "Trotsky", "given": "Leon"}],
                "translator": [{"family": "Eastman", "given": "Max"}],
                "publisher": "Victor Gollancz", "publisher-place": "London",
                "issued": {"date-parts": [["1932"]]}},
    "serge": {"id": 102, "type": "book", "title": "Memoirs of a Revolutionary, 1901–1941",
              "author": [{"family": "Serge", "given": "Victor"}],
              "translator": [{"family": "Sedgwick", "given": "Peter"}],
              "publisher": "Oxford University Press", "publisher-place": "London",
              "issued": {"date-parts": [["1963"]]}},
    "carr": {"id": 103, "type": "book", "title": "The Bolshevik Revolution, 1917–1923",
             "author": [{"family": "Carr", "given": "E. H."}], "volume": "1",
             "publisher": "Macmillan", "publisher-place": "London",
             "issued": {"date-parts": [["1950"]]}},
    "angress": {"id": 104, "type": "book", "title": "Stillborn Revolution: The Communist Bid "
                "for Power in Germany, 1921–1923", "author": [{"family": "Angress",
                                                               "given": "Werner T."}],
                "publisher": "Princeton University Press", "publisher-place": "Princeton",
                "issued": {"date-parts": [["1963"]]}},
}


def zotero_field(items: list[dict], shown: str, note: int) -> str:
    """A citation as Zotero's Word plugin writes it: a complex field whose code is ADDIN
    ZOTERO_ITEM CSL_CITATION and the citation's JSON (split over runs, as Word splits long
    codes), its shown text the plugin's rendering."""
    import json

    citation = {"citationID": f"zc{note}", "properties": {"formattedCitation": shown,
                                                           "plainCitation": shown,
                                                           "noteIndex": note},
                "citationItems": [{"id": WORKS[i["work"]]["id"],
                                   "uris": [f"http://zotero.org/users/local/x/items/{i['work']}"],
                                   "itemData": WORKS[i["work"]],
                                   **{k: v for k, v in i.items() if k != "work"}}
                                  for i in items],
                "schema": "https://github.com/citation-style-language/schema/raw/master/"
                          "csl-citation.json"}
    code = " ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps(citation, ensure_ascii=False) + " "
    chunks = [code[k:k + 255] for k in range(0, len(code), 255)]
    instr = "".join(f'<w:r><w:instrText xml:space="preserve">{escape(c)}</w:instrText></w:r>'
                    for c in chunks)
    return (f'<w:x xmlns:w="{W}"><w:r><w:fldChar w:fldCharType="begin"/></w:r>{instr}'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r><w:t xml:space="preserve">{escape(shown)}</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:x>')


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


ZOTERO_NOTES = {
    "ZOTERO1": zotero_field([{"work": "trotsky", "locator": "45", "label": "page"}],
                            "Leon Trotsky, The History of the Russian Revolution, 45.", 1),
    "ZOTERO2": zotero_field([{"work": "serge", "locator": "112–14", "label": "page",
                              "prefix": "see", "suffix": ", on the committee"}],
                            "See Victor Serge, Memoirs of a Revolutionary, 112–14.", 2),
    "ZOTERO3": zotero_field([{"work": "trotsky", "locator": "50", "label": "page"}],
                            "Trotsky, History, 50.", 3),
    "ZOTERO4": zotero_field([{"work": "serge", "locator": "120", "label": "page"}],
                            "Serge, Memoirs, 120", 4),
    "ZOTERO5": zotero_field([{"work": "carr", "locator": "201", "label": "page"}],
                            "E. H. Carr, The Bolshevik Revolution, 201", 4),
    "ZOTERO6": zotero_field([{"work": "carr", "locator": "200", "label": "page"},
                             {"work": "angress", "locator": "310–12", "label": "page"}],
                            "Carr, Bolshevik Revolution, 200; Angress, Stillborn, 310–12.", 5),
}
ZOTERO_BIBL = (f'<w:x xmlns:w="{W}"><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r>'
               '<w:instrText xml:space="preserve"> ADDIN ZOTERO_BIBL {"uncited":[],"omitted":[],'
               '"custom":[]} CSL_BIBLIOGRAPHY </w:instrText></w:r><w:r><w:fldChar '
               'w:fldCharType="separate"/></w:r><w:r><w:t>Carr, E. H. The Bolshevik Revolution.'
               '</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:x>')
ZOTERO_PREFS = ('<data data-version="3" zotero-version="6.0.30"><session id="AbCdEfGh"/>'
                '<style id="http://www.zotero.org/styles/chicago-note-bibliography" '
                'locale="en-GB" hasBibliography="1" bibliographyStyleHasBeenSet="1"/><prefs>'
                '<pref name="fieldType" value="Field"/><pref name="noteType" value="1"/></prefs>'
                '</data>')


def word_markup(docx: Path, markers: dict[str, str], note_markers: dict[str, str] | None = None,
                zotero_prefs: str | None = None) -> None:
    """Word's markup the .fodt cannot say, where the text says a marker: an inline equation
    (E=mc², as Insert › Equation writes it), an inserted symbol, an index entry's
    cross-reference (Word's \\t switch; LibreOffice has none), Zotero's citation fields (in the
    footnotes, `note_markers`) and its document preferences (a custom property, as the plugin
    stores them). A `w:x` wrapper is a run sequence."""
    with zipfile.ZipFile(docx) as archive:
        files = {item.filename: archive.read(item) for item in archive.infolist()}
    put_markup(files, "word/document.xml", markers)
    if note_markers:
        put_markup(files, "word/footnotes.xml", note_markers)
    if zotero_prefs:
        custom_properties(files, {"ZOTERO_PREF_1": zotero_prefs})
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def custom_properties(files: dict[str, bytes], values: dict[str, str]) -> None:
    """docProps/custom.xml with these string properties, as Word keeps a document's own."""
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
    vt = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
    props = "".join(f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{k + 2}" '
                    f'name="{name}"><vt:lpwstr>{escape(value)}</vt:lpwstr></property>'
                    for k, (name, value) in enumerate(values.items()))
    files["docProps/custom.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                    f'<Properties xmlns="{ns}" xmlns:vt="{vt}">{props}'
                                    '</Properties>').encode()
    types = files["[Content_Types].xml"].decode()
    if "/docProps/custom.xml" not in types:
        files["[Content_Types].xml"] = types.replace("</Types>", '<Override PartName="/docProps/'
                                                     'custom.xml" ContentType="application/vnd.'
                                                     'openxmlformats-officedocument.custom-'
                                                     'properties+xml"/></Types>').encode()
    rels = files["_rels/.rels"].decode()
    if "docProps/custom.xml" not in rels:
        files["_rels/.rels"] = rels.replace("</Relationships>", '<Relationship Id="rIdCustom" '
                                            'Type="http://schemas.openxmlformats.org/officeDocu'
                                            'ment/2006/relationships/custom-properties" Target='
                                            '"docProps/custom.xml"/></Relationships>').encode()


def put_markup(files: dict[str, bytes], part: str, markers: dict[str, str]) -> None:
    root = etree.fromstring(files[part])
    for marker, markup in markers.items():
        text = next(t for t in root.iter(f"{{{W}}}t") if marker in (t.text or ""))
        run = text.getparent()
        before, after = text.text.split(marker)
        tail = copy.deepcopy(run)
        text.text = before
        text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        tail.find(f"{{{W}}}t").text = after
        tail.find(f"{{{W}}}t").set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        run.addnext(tail)
        inserted = etree.fromstring(markup)
        for node in reversed(list(inserted) if inserted.tag == f"{{{W}}}x" else [inserted]):
            run.addnext(node)
    files[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


if __name__ == "__main__":
    main(sys.argv[1:])
