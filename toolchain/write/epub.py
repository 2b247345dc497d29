"""The EPUB writer: validated XHTML documents in, one reproducible EPUB 3 out.

ebooklib builds the package (OPF, NCX, manifest, spine); the XHTML documents and the
navigation document go in byte for byte as the XHTML stage wrote and validated them.
The zip is then rewritten so that the same sources give the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from ebooklib import epub
from lxml import etree

from .. import model as m
from .. import safexml, words
from .xhtml import EPUB, XHTML, Document, el

OPF_NS = "http://www.idpf.org/2007/opf"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ZIP_ORDER = ("mimetype", "META-INF/container.xml", "EPUB/content.opf")


class RawHtml(epub.EpubHtml):
    """An XHTML document written exactly as given.

    ebooklib's EpubHtml.get_content() re-parses the document with lxml.html and rebuilds it,
    dropping the head and the attributes of html and body and "repairing" markup silently."""

    def __init__(self, uid: str, file_name: str, content: bytes, title: str, properties=()):
        super().__init__(uid=uid, file_name=file_name, media_type="application/xhtml+xml",
                         content=content, title=title)
        self.properties = list(properties)

    def get_content(self, default=None):
        return self.content


MEDIA_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".svg": "image/svg+xml"}


def write_epub(path: Path, meta: dict, docs: list[Document], stylesheet: bytes,
               cover: tuple[str, bytes], build_date: datetime,
               images: dict[str, bytes] | None = None) -> None:
    """`cover` is (file name, image): the publisher's art, or the generated typographic cover;
    `images` the figures' files by their name under images/."""
    book = epub.EpubBook()
    book.FOLDER_NAME = "EPUB"
    lang = meta["language"]
    book.set_identifier(meta["identifier"])
    book.set_title(meta["title"])
    book.set_language(lang)
    add_people(book, meta)
    for edition, isbn in meta.get("isbn", {}).items():
        if edition == "ebook":
            book.add_metadata("DC", "identifier", f"urn:isbn:{isbn.replace('-', '')}",
                              {"id": "isbn-ebook"})
    for key in ("publisher", "rights"):
        if meta.get(key):
            book.add_metadata("DC", key, meta[key])
    if meta.get("description"):
        book.add_metadata("DC", "description", meta["description"])
    for subject in meta.get("subjects", []):
        book.add_metadata("DC", "subject", subject)
    if meta.get("source", {}).get("text"):
        book.add_metadata("DC", "source", meta["source"]["text"])
    collection = meta.get("collection", {})
    if collection.get("title"):
        book.add_metadata(None, "meta", collection["title"],
                          {"property": "belongs-to-collection", "id": "collection"})
        book.add_metadata(None, "meta", "series",  # what calibre and Apple Books read as a series
                          {"refines": "#collection", "property": "collection-type"})
        if collection.get("position"):
            book.add_metadata(None, "meta", str(collection["position"]),
                              {"refines": "#collection", "property": "group-position"})
    for prop, value in accessibility(meta, docs, bool(images)):
        attrs = {"property": prop}
        if prop == "a11y:certifiedBy":
            attrs["id"] = "certifier"
        elif prop == "a11y:certifierCredential":
            attrs["refines"] = "#certifier"
        book.add_metadata(None, "meta", value, attrs)

    cover_name, cover_bytes = cover
    book.set_cover(f"images/{cover_name}", cover_bytes, create_page=False)
    book.get_item_with_id("cover-img").media_type = (
        "image/png" if cover_name.endswith(".png") else "image/jpeg")
    css = epub.EpubItem(uid="css", file_name="css/book.css", media_type="text/css",
                        content=stylesheet)
    book.add_item(css)
    for k, (name, data) in enumerate(sorted((images or {}).items()), 1):
        book.add_item(epub.EpubItem(uid=f"figure-{k}", file_name=f"images/{name}",
                                    media_type=MEDIA_TYPES[Path(name).suffix], content=data))
    cover_page = RawHtml("cover", "cover.xhtml",
                         cover_document(meta, f"images/{cover_name}").to_bytes(),
                         words.for_book(meta)["cover"])
    items = [cover_page]
    for doc in docs:
        props = ["nav"] if doc.name == "toc.xhtml" else []
        items.append(RawHtml(doc.name.removesuffix(".xhtml"), doc.name, doc.to_bytes(),
                             doc.title, props))
    for item in items:
        book.add_item(item)
    book.spine = items
    book.toc = toc_links(docs)
    book.add_item(epub.EpubNcx())

    buffer = io.BytesIO()
    epub.write_epub(buffer, book, {"epub2_guide": False, "epub3_landmark": False,
                                   "epub3_pages": False, "mtime": build_date.astimezone(UTC)})
    path.write_bytes(reproducible_zip(buffer.getvalue(), build_date, lang))


def accessibility(meta: dict, docs: list[Document], figures: bool) -> list[tuple[str, str]]:
    """EPUB Accessibility 1.1 metadata; the summary says what this book holds, no more, in
    the book's language."""
    def has(xpath: str) -> bool:
        return any(doc.root.xpath(xpath, namespaces={"h": XHTML, "epub": EPUB}) for doc in docs)

    said = words.for_book(meta)
    held = ["a11y_reading_order", "a11y_navigation"]
    if has("//h:table"):
        held.append("a11y_tables")
    if has("//*[@epub:type='noteref']"):
        held.append("a11y_notes")
    pages = has("//*[@epub:type='pagebreak']")
    if pages:
        held.append("a11y_page_numbers")
    summary = said("a11y_summary", kind=said["a11y_figures" if figures else "a11y_text_only"],
                   held=said.names([said[key] for key in held]))
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "alternativeText",
                "displayTransformability"]
    if pages:
        features += ["pageBreakMarkers", "pageNavigation"]
    if has("//*[@epub:type='index']"):
        features.append("index")
    evaluated = meta.get("accessibility", {})
    claim = []
    if evaluated.get("certified_by"):  # a person or body evaluated it: the claim is theirs
        claim = [("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level "
                  + evaluated.get("level", "AA")),
                 ("a11y:certifiedBy", evaluated["certified_by"]),
                 *((("a11y:certifierCredential", evaluated["credential"]),)
                   if evaluated.get("credential") else ())]
    else:  # no claim a program cannot back: automated checks are not an evaluation
        summary += " " + said["a11y_unevaluated"]
    return [
        ("schema:accessMode", "textual"),
        ("schema:accessMode", "visual"),
        ("schema:accessModeSufficient", "textual"),
        *(("schema:accessibilityFeature", f) for f in features),
        ("schema:accessibilityHazard", "none"),
        ("schema:accessibilitySummary",
         meta.get("accessibility_summary", summary)),
        *claim,
        *((("pageBreakSource", page_break_source(meta)),) if pages else ()),
    ]


def page_break_source(meta: dict) -> str:
    """The print edition the page markers come from: its ISBN, or failing one, a name that
    tells it apart (title, author, publisher, print edition)."""
    isbn = meta.get("isbn", {}).get("print")
    if isbn:
        return f"urn:isbn:{isbn.replace('-', '')}"
    who = ", ".join(filter(None, [m.names(m.authors(meta)), meta.get("publisher")]))
    return f"{meta['title']} ({who}), print edition"


def add_people(book, meta: dict) -> None:
    """One dc:creator per author and one dc:contributor per other contributor, each with its
    MARC relator role and sort name, in book.toml's order."""
    for k, person in enumerate(m.contributors(meta), 1):
        ident = f"{'creator' if person['role'] == 'aut' else 'contributor'}-{k}"
        book.add_metadata("DC", "creator" if person["role"] == "aut" else "contributor",
                          person["name"], {"id": ident})
        book.add_metadata(None, "meta", person["role"], {"refines": f"#{ident}",
                                                         "property": "role",
                                                         "scheme": "marc:relators"})
        if person.get("sort"):
            book.add_metadata(None, "meta", person["sort"], {"refines": f"#{ident}",
                                                             "property": "file-as"})


def cover_document(meta: dict, image: str) -> Document:
    """The cover page: the cover image, with the title and author as its alt text."""
    said = words.for_book(meta)
    alt = said("cover_alt", title=meta["title"], authors=said.names(m.authors(meta)))
    root = etree.Element(f"{{{XHTML}}}html", nsmap={None: XHTML, "epub": EPUB})
    root.set("lang", meta["language"])
    root.set(XML_LANG, meta["language"])
    root.append(el("head", None, el("title", text=said["cover"]),
                   el("link", {"rel": "stylesheet", "type": "text/css", "href": "css/book.css"})))
    root.append(el("body", {"epub:type": "cover"},
                   el("section", {"id": "cover", "epub:type": "cover", "class": "cover",
                                  "aria-label": said["cover"]},
                      el("img", {"src": image, "alt": alt, "role": "doc-cover"}))))
    return Document("cover.xhtml", said["cover"], "cover", root)


def toc_links(docs: list[Document]) -> list:
    """The NCX for older readers mirrors the navigation document's table of contents."""
    nav = next(d for d in docs if d.name == "toc.xhtml").root
    ns = {"h": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
    top = nav.xpath("//h:nav[@epub:type='toc']/h:ol", namespaces=ns)[0]

    def walk(ol, prefix):
        out = []
        for k, li in enumerate(ol.xpath("h:li", namespaces=ns), 1):
            a = li.xpath("h:a", namespaces=ns)[0]
            link = epub.Link(a.get("href"), "".join(a.itertext()), f"{prefix}{k}")
            sub = li.xpath("h:ol", namespaces=ns)
            out.append((epub.Section(link.title, link.href), walk(sub[0], f"{prefix}{k}-"))
                       if sub else link)
        return out

    return walk(top, "nav-")


def reproducible_zip(data: bytes, build_date: datetime, lang: str) -> bytes:
    """Rewrite ebooklib's zip: mimetype first and stored, fixed order, dates and permissions.

    The OPF also gets `xml:lang` on <package>, which ebooklib cannot write."""
    stamp = max(build_date.astimezone(UTC), datetime(1980, 1, 1, tzinfo=UTC))
    date_time = stamp.timetuple()[:6]
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    order = [n for n in ZIP_ORDER if n in names] + sorted(n for n in names if n not in ZIP_ORDER)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in order:
            content = source.read(name)
            if name.endswith(".opf"):
                content = patch_opf(content, lang)
            info = zipfile.ZipInfo(name, date_time)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content, compresslevel=9 if name != "mimetype" else None)
    return out.getvalue()


def patch_opf(content: bytes, lang: str) -> bytes:
    root = safexml.parse(content)
    root.set(XML_LANG, lang)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)
