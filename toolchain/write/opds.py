"""The catalogue's feeds: OPDS 2.0 (`opds.json`) for today's reading apps and OPDS 1.2
(`catalog.xml`, Atom) for KOReader and the e-ink readers that speak only 1.2.

Both describe every title that built, from its book.toml and its build: title, contributors
with their roles, language, description, subjects, publisher, identifiers, the build date,
the cover and a thumbnail, and acquisition links to the EPUB and the screen PDF. Every link
is relative, so the folder works as it is, served from any address.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .. import model as m

OPDS_JSON = "application/opds+json"
ATOM = "application/atom+xml;profile=opds-catalog;kind=acquisition"
ACQUISITION = "http://opds-spec.org/acquisition"
EPUB_TYPE, PDF_TYPE = "application/epub+zip", "application/pdf"
# MARC relator → the Readium metadata key for that role; others are "contributor" with a role
ROLES = {"aut": "author", "trl": "translator", "edt": "editor", "art": "artist",
         "ill": "illustrator", "nrt": "narrator", "clr": "colorist"}
THUMBNAIL_HEIGHT = 300


@dataclass
class Entry:
    """A title that built: its metadata, build date and files, relative to the catalogue."""

    meta: dict
    modified: str  # the build date, ISO 8601
    epub: str
    pdf: str
    sizes: dict  # file -> bytes
    cover: tuple[str, str, int, int] | None = None  # href, media type, width, height
    thumbnail: tuple[str, str, int, int] | None = None


def covers(epub: Path, folder: Path, slug: str) -> tuple[tuple, tuple]:
    """The cover from the EPUB (the publisher's art or the typographic cover) and a thumbnail,
    written as `covers/<slug>.<ext>` and `covers/<slug>-thumbnail.jpg`."""
    from PIL import Image

    with zipfile.ZipFile(epub) as archive:
        name = next(n for n in sorted(archive.namelist())
                    if n.startswith("EPUB/images/cover."))
        data = archive.read(name)
    ext = name.rsplit(".", 1)[1]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.{ext}").write_bytes(data)
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        small = image.convert("RGB")
        small.thumbnail((THUMBNAIL_HEIGHT * width // height, THUMBNAIL_HEIGHT))
        small.save(folder / f"{slug}-thumbnail.jpg", "JPEG", quality=85, optimize=True)
    media = "image/jpeg" if ext == "jpg" else "image/png"
    return ((f"{folder.name}/{slug}.{ext}", media, width, height),
            (f"{folder.name}/{slug}-thumbnail.jpg", "image/jpeg", *small.size))


def identifiers(meta: dict) -> tuple[str, list[str]]:
    """The title's identifier (its ebook ISBN as a URN where it has one, else book.toml's
    identifier) and its other identifiers."""
    isbns = [f"urn:isbn:{v.replace('-', '')}" for k, v in sorted(meta.get("isbn", {}).items())
             if k == "ebook"]
    others = [f"urn:isbn:{v.replace('-', '')}" for k, v in sorted(meta.get("isbn", {}).items())
              if k != "ebook"]
    if isbns:
        return isbns[0], [meta["identifier"], *others]
    return meta["identifier"], others


def publication(entry: Entry) -> dict:
    meta = entry.meta
    identifier, others = identifiers(meta)
    data = {"@type": "http://schema.org/Book", "title": meta["title"], "identifier": identifier}
    if others:
        data["altIdentifier"] = others
    for person in m.contributors(meta):
        key = ROLES.get(person["role"], "contributor")
        item = {"name": person["name"]}
        if person.get("sort"):
            item["sortAs"] = person["sort"]
        if key == "contributor":
            item["role"] = person["role"]
        data.setdefault(key, []).append(item)
    data["language"] = meta["language"]
    for key in ("publisher", "description"):
        if meta.get(key):
            data[key] = meta[key]
    if meta.get("subjects"):
        data["subject"] = [{"name": s} for s in meta["subjects"]]
    data["modified"] = entry.modified
    if meta.get("collection", {}).get("title"):
        series = {"name": meta["collection"]["title"]}
        if meta["collection"].get("position"):
            series["position"] = meta["collection"]["position"]
        data["belongsTo"] = {"series": [series]}
    links = [{"rel": ACQUISITION, "href": entry.epub, "type": EPUB_TYPE,
              "size": entry.sizes[entry.epub]},
             {"rel": ACQUISITION, "href": entry.pdf, "type": PDF_TYPE,
              "size": entry.sizes[entry.pdf], "title": "PDF (screen edition)"}]
    result = {"metadata": data, "links": links}
    images = []  # the reading app picks by size: the cover, then its thumbnail
    for image in (entry.cover, entry.thumbnail):
        if image:
            href, media, width, height = image
            images.append({"href": href, "type": media, "width": width, "height": height})
    if images:
        result["images"] = images
    return result


def feed_json(title: str, entries: list[Entry], url: str = "") -> bytes:
    """The OPDS 2.0 feed: one publication per title, newest build date as the feed's. Its
    `self` link is absolute where the catalogue's address is known (`url`), as the Readium
    manifest asks; every other link is relative to the feed."""
    feed = {"metadata": {"title": title, "numberOfItems": len(entries)},
            "links": [{"rel": "self", "href": url + "opds.json", "type": OPDS_JSON},
                      {"rel": "alternate", "href": "catalog.xml", "type": ATOM}],
            "publications": [publication(e) for e in entries]}
    if entries:
        feed["metadata"]["modified"] = max(e.modified for e in entries)
    return (json.dumps(feed, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


A = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"


def feed_atom(title: str, entries: list[Entry], url: str = "") -> bytes:
    """The OPDS 1.2 acquisition feed (Atom), the same titles and files."""
    def sub(parent, tag, text=None, **attrs):
        node = etree.SubElement(parent, tag, {k.replace("_", ":"): v for k, v in attrs.items()})
        if text is not None:
            node.text = text
        return node

    feed = etree.Element(f"{{{A}}}feed", nsmap={None: A, "dc": DC,
                                                "opds": "http://opds-spec.org/2010/catalog"})
    sub(feed, f"{{{A}}}id", catalogue_id(title))
    sub(feed, f"{{{A}}}title", title)
    sub(feed, f"{{{A}}}updated", max((e.modified for e in entries), default="1970-01-01T00:00:00Z"))
    sub(sub(feed, f"{{{A}}}author"), f"{{{A}}}name", title)
    for rel in ("self", "start"):
        sub(feed, f"{{{A}}}link", rel=rel, href=url + "catalog.xml", type=ATOM)
    sub(feed, f"{{{A}}}link", rel="alternate", href="opds.json", type=OPDS_JSON)
    for entry in entries:
        meta = entry.meta
        item = sub(feed, f"{{{A}}}entry")
        sub(item, f"{{{A}}}title", meta["title"])
        identifier, others = identifiers(meta)
        sub(item, f"{{{A}}}id", identifier)
        for other in others:
            sub(item, f"{{{DC}}}identifier", other)
        sub(item, f"{{{A}}}updated", entry.modified)
        for person in m.contributors(meta):
            if person["role"] == "aut":
                author = sub(item, f"{{{A}}}author")
                sub(author, f"{{{A}}}name", person["name"])
            else:
                sub(item, f"{{{DC}}}contributor", person["name"])
        sub(item, f"{{{DC}}}language", meta["language"])
        if meta.get("publisher"):
            sub(item, f"{{{DC}}}publisher", meta["publisher"])
        for subject in meta.get("subjects", []):
            sub(item, f"{{{A}}}category", term=subject, label=subject)
        if meta.get("description"):
            sub(item, f"{{{A}}}summary", meta["description"], type="text")
        for image, rel in ((entry.cover, "http://opds-spec.org/image"),
                           (entry.thumbnail, "http://opds-spec.org/image/thumbnail")):
            if image:
                sub(item, f"{{{A}}}link", rel=rel, href=image[0], type=image[1])
        sub(item, f"{{{A}}}link", rel=ACQUISITION, href=entry.epub, type=EPUB_TYPE,
            length=str(entry.sizes[entry.epub]))
        sub(item, f"{{{A}}}link", rel=ACQUISITION, href=entry.pdf, type=PDF_TYPE,
            length=str(entry.sizes[entry.pdf]), title="PDF (screen edition)")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def catalogue_id(title: str) -> str:
    """A URN for the feed that stays as long as the catalogue's title does."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"opds-catalogue:{title}"))
