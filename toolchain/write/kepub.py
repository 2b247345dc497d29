"""The Kobo edition (`<slug>.kepub.epub`): the EPUB with Kobo's reading-position spans, which
Kobo's devices need to open a book in their better engine (reading position within a
chapter, page turns, statistics). Made from the built EPUB, as Kobo's own conversion and
kepubify make it: nothing of the text changes, only spans and two wrappers are added.

The rules, as kepubify (github.com/pgaskin/kepubify, kepub/transform.go) and Kobo's store
files have them:
- the body's content inside `div#book-columns > div#book-inner`;
- every text node of the body split into sentences (after . ! or ?, a closing quote, and
  white space, the white space kept with the sentence before) and each piece wrapped in
  `<span class="koboSpan" id="kobo.N.M">`; N counts paragraphs (p, lists, tables and
  headings start one), M the pieces within it, from 1; an image is a paragraph of its own,
  wrapped whole; text in script, style, pre, audio, video, svg and math is left alone, and
  white space is wrapped only directly in a paragraph;
- a `style.kobostylehacks` in the head, zeroing the wrapper's margins.
A document that already has koboSpans is left as it is."""

from __future__ import annotations

import hashlib
import io
import os
import re
import sys
import zipfile
from pathlib import Path

from lxml import etree

from .. import safexml
from ..kept import prune, write_whole
from .xhtml import XHTML

H = f"{{{XHTML}}}"
PARAGRAPHS = {f"{H}{name}" for name in ("p", "ol", "ul", "table", "h1", "h2", "h3", "h4",
                                        "h5", "h6")}
SKIPPED = {f"{H}{name}" for name in ("script", "style", "pre", "audio", "video")} | {
    "{http://www.w3.org/2000/svg}svg", "{http://www.w3.org/1998/Math/MathML}math"}
SENTENCE = re.compile(r".*?[.!?]['\"”’“…]?[ \t\n\f\r]+", re.S)
STYLE_HACKS = "div#book-inner { margin-top: 0; margin-bottom: 0; }"


def sentences(text: str) -> list[str]:
    """The text in pieces that join back to it exactly."""
    pieces, at = [], 0
    for found in SENTENCE.finditer(text):
        pieces.append(found[0])
        at = found.end()
    if at < len(text):
        pieces.append(text[at:])
    return pieces


class Spans:
    """The numbering of one document's spans."""

    def __init__(self):
        self.paragraph, self.segment, self.pending = 0, 0, False

    def span(self, text: str | None = None):
        if self.pending:
            self.paragraph, self.segment, self.pending = self.paragraph + 1, 0, False
        self.segment += 1
        span = etree.Element(f"{H}span", {"class": "koboSpan",
                                           "id": f"kobo.{self.paragraph}.{self.segment}"})
        span.text = text
        return span

    def pieces(self, text: str | None, in_paragraph: bool) -> list:
        if not text or (not text.strip() and not in_paragraph):
            return []
        return [self.span(piece) for piece in sentences(text)]

    def wrap(self, element) -> None:
        """Spans for `element`'s text and its children's, in document order."""
        if element.tag in PARAGRAPHS:
            self.pending = True
        in_paragraph = element.tag == f"{H}p"
        children = list(element)
        spans = self.pieces(element.text, in_paragraph)
        if spans:
            element.text = None
            for k, span in enumerate(spans):
                element.insert(k, span)
        for child in children:
            tail, child.tail = child.tail, None
            if not isinstance(child.tag, str):
                pass  # a comment or processing instruction
            elif child.tag == f"{H}img":
                self.paragraph, self.segment, self.pending = self.paragraph + 1, 0, False
                holder = self.span()
                child.addprevious(holder)
                holder.append(child)
                child = holder
            elif child.tag not in SKIPPED:
                self.wrap(child)
            spans = self.pieces(tail, in_paragraph)
            if not spans:
                child.tail = tail
            for span in reversed(spans):
                child.addnext(span)


def kobo_document(data: bytes) -> bytes:
    """One XHTML content document with Kobo's spans and wrappers."""
    root = safexml.parse(data)
    body = root.find(f"{H}body")
    if body is None or root.xpath("//*[contains(concat(' ', @class, ' '), ' koboSpan ')]"):
        return data
    columns = etree.Element(f"{H}div", {"id": "book-columns"})
    inner = etree.SubElement(columns, f"{H}div", {"id": "book-inner"})
    inner.text, body.text = body.text, None
    for child in list(body):
        inner.append(child)
    body.append(columns)
    Spans().wrap(inner)
    head = root.find(f"{H}head")
    style = etree.SubElement(head, f"{H}style", {"type": "text/css", "class": "kobostylehacks"})
    style.text = STYLE_HACKS
    tree = root.getroottree()
    return etree.tostring(tree, encoding="utf-8", xml_declaration=True,
                          doctype=tree.docinfo.doctype or None)


def kepub(epub: bytes, kept: Path | None = None) -> bytes:
    """The Kobo edition of a built EPUB: every XHTML document spanned, every other file and
    every zip entry's date and order as they were (so the same EPUB gives the same bytes).
    `kept`: a folder where each document spanned is kept under a key of its bytes and of
    the code that spans it, so that a build after an edit spans only what the edit changed."""
    source = zipfile.ZipFile(io.BytesIO(epub))
    out = io.BytesIO()
    code = code_hash() if kept else b""
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.endswith(".xhtml"):
                content = (kept_document(content, kept, code) if kept
                           else kobo_document(content))
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.create_system, copy.external_attr = info.create_system, info.external_attr
            copy.compress_type = info.compress_type
            target.writestr(copy, content,
                            compresslevel=None if info.compress_type == zipfile.ZIP_STORED
                            else 9)
    if kept:
        prune_kept(kept)
    return out.getvalue()


KEPT_BYTES = 64 * 1024 * 1024  # the spanned documents kept; the least used go first


def kept_document(data: bytes, folder: Path, code: bytes) -> bytes:
    """`kobo_document(data)`, taken from `folder` when this code (`code`: a hash of it)
    spanned it before. Each file holds its content's hash first: a file cut short or
    changed, or one that cannot be read or written, is a cache that misses."""
    key = hashlib.sha256(code + b"\0" + data).hexdigest()
    path = folder / f"{key}.xhtml"
    try:
        kept = path.read_bytes()
        check, _, spanned = kept.partition(b"\n")
        if check.decode("ascii") == hashlib.sha256(spanned).hexdigest():
            os.utime(path)
            return spanned
    except (OSError, UnicodeDecodeError):
        pass
    spanned = kobo_document(data)
    try:
        write_whole(path, hashlib.sha256(spanned).hexdigest().encode() + b"\n" + spanned)
    except OSError:
        pass
    return spanned


def code_hash() -> bytes:
    """What the spans depend on besides the document: this module, the XML parser's, lxml
    and its libxml2 (which writes the document out)."""
    digest = hashlib.sha256(repr((etree.LXML_VERSION, etree.LIBXML_VERSION)).encode())
    for module in (sys.modules[__name__], safexml):
        digest.update(Path(module.__file__).read_bytes())
    return digest.digest()


def prune_kept(folder: Path) -> None:
    """The least used documents let go while the folder holds more than KEPT_BYTES."""
    try:
        prune(folder, "*.xhtml", KEPT_BYTES)
    except OSError:
        pass  # another build pruning at once
