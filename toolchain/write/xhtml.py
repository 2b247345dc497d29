"""The XHTML writer: one polyglot XHTML5 document per chapter, plus front and back matter.

Everything about notes is decided here: a starred note becomes an `aside` after the
block that calls it, a numbered note an item in the Notes document, and each call
and note link to each other. The EPUB and PDF writers take these documents as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from .. import model as m
from .. import words

XHTML = "http://www.w3.org/1999/xhtml"
EPUB = "http://www.idpf.org/2007/ops"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = f"{{{EPUB}}}type"
STYLESHEET = "css/book.css"
TYPEFACE, DESIGNER = "Source Serif 4", "Frank Grießhammer"
DEFAULT_FLAG = "The original reference is not preserved in the source text."
IMPRINT_KEYS = ("rights", "edition", "publisher", "isbn")
MONTHS = ("January|February|March|April|May|June|July|August|September|October|November"
          "|December")
FRACTION = re.compile(r"([^.]*)(\.\d+)")  # a figure with a decimal fraction: 4.2, 17.05


@dataclass
class Document:
    name: str  # file name, e.g. "ch-03.xhtml"
    title: str
    landmark: str | None  # epub:type of the document's landmark, if any
    root: etree._Element
    division: str | None = None  # for a manuscript division: its kind and its matter,
    matter: str | None = None  # so that print can start it on a recto and foliate it
    origins: list = field(default_factory=list)  # (element's index in the tree, file, line)

    def to_bytes(self) -> bytes:
        return etree.tostring(self.root, encoding="utf-8", xml_declaration=True,
                              doctype="<!DOCTYPE html>", pretty_print=True)

    def origin(self, line: int) -> tuple | None:
        """The manuscript file and line behind a line of this document as written: the nearest
        element at or before it that a manuscript block made."""
        root = etree.fromstring(self.to_bytes())
        nodes = (n for n in root.iter() if n.get(EPUB_TYPE) != "pagebreak")  # added later
        at = max((k for k, node in enumerate(nodes) if (node.sourceline or 0) <= line),
                 default=0)
        found = [(k, path, number) for k, path, number in self.origins if k <= at]
        return found[-1][1:] if found else None

    def origin_of_element(self, number: int) -> tuple | None:
        """The manuscript file and line behind the body's element `number` (in body.iter(),
        the body 0: as the print HTML numbers them, `pagelist.stamp`)."""
        head = self.root.find(f"{{{XHTML}}}head")
        at = 1 + (len(list(head.iter())) if head is not None else 0) + number
        found = [(path, line) for k, path, line in self.origins if k <= at]
        return found[-1] if found else None


def typeset(text: str) -> str:
    """Typographic clean-up that changes no word: ellipses, and no-break spaces where a
    typesetter keeps two things on one line (a day and its month; a spaced dash and
    the word before it)."""
    text = text.replace("...", "\u2026")
    text = re.sub(rf"\b(\d{{1,2}}) ({MONTHS})\b", "\\1\u00a0\\2", text)
    text = re.sub(r"(\S) \u2013 ", "\\1\u00a0\u2013 ", text)
    text = re.sub(r"(?<=[^\s\u2060])\u2014", "\u2060\u2014", text)  # no break before an em dash
    return text


def tie(text: str | None) -> str | None:
    """`text` with the spaces it ends with made one no-break space."""
    return re.sub(r"[ \t\n]+$", "\u00a0", text) if text else text


def el(tag: str, attrs: dict | None = None, *children, text: str | None = None):
    """Make an XHTML element; `epub:x` attribute names go into the EPUB namespace."""
    node = etree.Element(f"{{{XHTML}}}{tag}")
    for key, value in (attrs or {}).items():
        if value is None:
            continue
        if key.startswith("epub:"):
            key = f"{{{EPUB}}}{key[5:]}"
        elif key == "xml:lang":
            key = XML_LANG
        node.set(key, value)
    if text is not None:
        node.text = text
    for child in children:
        node.append(child)
    return node


def append_text(parent, text: str):
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text




class Writer:
    """Writes every document of a book; ids are unique across the whole book."""

    def __init__(self, book: m.Book, build_date: datetime):
        self.book = book
        self.meta = book.meta
        self.lang = book.meta["language"]
        self.words = words.for_book(book.meta)
        self.build_date = build_date
        self.has_endnotes = any(ch.endnotes for ch in book.chapters)
        self.has_index = any(m.index_marks(ch) for ch in book.chapters)  # (references
        # alone, from book.toml, make no index: lint says they lead nowhere)
        self.index_marks: list = []  # (mark, index.Place) in reading order, as written
        self.current_file, self.current_note = "", None
        self.link_target = ""  # the id a cross-reference being written leads to
        self.anchors = m.anchors(book)
        self.in_endnotes = {id(node) for ch in book.chapters for note in ch.endnotes
                            for block in note.blocks for node in m.walk(block)
                            if isinstance(node, (m.Anchor, m.Figure, m.Table))}  # (places
        # named in them are in notes.xhtml, not their division's file)
        self.section_ids: dict[int, str] = {}
        self.used_ids: set[str] = set()
        self.offsets = self.note_offsets()
        self.images = m.image_names(book)
        self.figure_ids: dict[int, tuple[str, str, m.Figure]] = {}  # id(figure) -> (file, id)
        if book.frontispiece:
            self.figure_ids[id(book.frontispiece)] = ("frontispiece.xhtml", "frontispiece-image",
                                                      book.frontispiece)
        counts: dict[str, int] = {}
        for ch, figure in m.figures(book):
            counts[ch.slug] = counts.get(ch.slug, 0) + 1
            self.figure_ids[id(figure)] = (self.chapter_file(ch),
                                           f"{ch.slug}-figure-{counts[ch.slug]}", figure)
        self.made_from: dict = {}  # element -> (manuscript file, line), for error messages
        self.works = {f"ref-{key}": self.chapter_file(ch) for ch in book.chapters
                      for block in ch.blocks if isinstance(block, m.References)
                      for key, _ in block.entries}  # a bibliography entry's id -> its file

    # --- ids and file names ------------------------------------------------
    @staticmethod
    def chapter_file(ch: m.Chapter) -> str:
        return f"{ch.slug}.xhtml"

    @staticmethod
    def note_id(ch: m.Chapter, note: m.Note) -> str:
        return f"{ch.slug}-{note.kind}-{note.number}"

    @staticmethod
    def ref_id(ch: m.Chapter, note: m.Note) -> str:
        return f"{ch.slug}-{note.kind}ref-{note.number}"

    # --- documents -----------------------------------------------------------
    def documents(self) -> list[Document]:
        docs = [self.frontispiece()] if self.book.frontispiece else []
        docs.append(self.titlepage())
        if any(self.meta.get(k) for k in IMPRINT_KEYS):
            docs.append(self.imprint())
        docs.append(self.contents())
        if self.meta.get("list_of_illustrations") and self.figure_ids:
            docs.append(self.illustrations())
        docs += [self.chapter(ch) for ch in self.book.chapters if not ch.after_notes]
        if self.has_endnotes:
            docs.append(self.notes())
        docs += [self.chapter(ch) for ch in self.book.chapters if ch.after_notes]
        if self.has_index:
            docs.append(self.index())
        docs.append(self.colophon())
        return docs

    def index(self) -> Document:
        """The index, from the marks as the chapters and notes were written: its locators
        link to the marks; their pages are filled in from the print layout."""
        from . import index

        tree = index.entries([(mark, None) for mark in self.book.index_references]
                             + self.index_marks)
        by_word = self.meta.get("index", {}).get("sort") == "word"
        sec = index.section(tree, self.lang, by_word, self.words)
        return self.page("index.xhtml", self.words["index"], "backmatter", sec, "index")

    def note_offsets(self) -> dict[str, int]:
        """With `note_numbering = "book"`, what each chapter adds to its own endnote numbers."""
        offsets, total = {}, 0
        for ch in self.book.chapters:
            offsets[ch.slug] = total if self.meta.get("note_numbering") == "book" else 0
            total += len(ch.endnotes)
        return offsets

    def mark(self, ch: m.Chapter, note: m.Note) -> str:
        return note.mark if note.is_footnote else str(note.number + self.offsets[ch.slug])

    def page(self, name: str, title: str, matter: str, section, landmark=None) -> Document:
        root = etree.Element(f"{{{XHTML}}}html", nsmap={None: XHTML, "epub": EPUB})
        root.set("lang", self.lang)
        root.set(XML_LANG, self.lang)
        root.set(f"{{{EPUB}}}prefix", "z3998: http://www.daisy.org/z3998/2012/vocab/structure/#")
        head = el("head", None, el("title", text=title),
                  el("link", {"rel": "stylesheet", "type": "text/css", "href": STYLESHEET}))
        root.append(head)
        root.append(el("body", {"epub:type": matter}, section))
        origins = [(k, *self.made_from[node]) for k, node in enumerate(root.iter())
                   if node in self.made_from]
        return Document(name, title, landmark, root, origins=origins)

    def frontispiece(self) -> Document:
        """The figure that faces the title page (book.toml's `[frontispiece]`)."""
        sec = el("section", {"id": "frontispiece", "class": "frontispiece",
                             "aria-label": self.words["frontispiece"]},
                 self.block(self.book.frontispiece, None))
        return self.page("frontispiece.xhtml", self.words["frontispiece"], "frontmatter", sec)

    def illustrations(self) -> Document:
        """The list of illustrations: each figure's caption (or, without one, its description),
        a link to it, and the print edition's page, filled in from the layout
        (`pagelist.fill_page_number_spans`) and in print by the stylesheet."""
        ol = el("ol")
        for file, ident, figure in self.figure_ids.values():
            label = m.plain_text(m.without_notes(figure.caption)).strip() or figure.alt
            ol.append(el("li", None, el("a", {"href": f"{file}#{ident}"}, text=typeset(label)),
                         el("span", {"class": "page-number", "data-target": ident})))
        sec = el("section", {"id": "illustrations", "epub:type": "loi", "class": "loi",
                             "aria-labelledby": "illustrations-title"},
                 el("h1", {"id": "illustrations-title"}, text=self.words["illustrations"]), ol)
        return self.page("illustrations.xhtml", self.words["illustrations"], "frontmatter", sec, "loi")

    def titlepage(self) -> Document:
        sec = el("section", {"id": "titlepage", "epub:type": "titlepage", "class": "titlepage",
                             "aria-labelledby": "titlepage-title"})
        collection = self.meta.get("collection", {}).get("title")
        if collection:
            sec.append(el("p", {"class": "collection"}, text=typeset(collection)))
        sec.append(el("h1", {"id": "titlepage-title", "class": "title"},
                      text=typeset(self.meta["title"])))
        sec.append(el("p", {"class": "author"}, text=self.words.names(m.authors(self.meta))))
        for role, people in self.credits():
            sec.append(el("p", {"class": "contributors"}, text=f"{role} {self.words.names(people)}"))
        if self.meta.get("publisher"):
            sec.append(el("p", {"class": "publisher"}, text=self.meta["publisher"]))
        return self.page("titlepage.xhtml", self.words["title_page"], "frontmatter", sec, "titlepage")

    def credits(self) -> list[tuple[str, list[str]]]:
        """("Translated by", [names]) for each role but the author's, in book.toml's order."""
        out: dict[str, list[str]] = {}
        for person in m.contributors(self.meta):
            if self.words.role(person["role"]):
                out.setdefault(self.words.role(person["role"]), []).append(person["name"])
        return list(out.items())

    def imprint(self) -> Document:
        """The copyright page: rights, edition, publisher and the ISBN of each edition."""
        sec = el("section", {"id": "imprint", "epub:type": "imprint", "class": "imprint",
                             "aria-label": self.words["imprint"]})
        for key in ("rights", "edition", "publisher"):
            if self.meta.get(key):
                sec.append(el("p", None, text=typeset(self.meta[key])))
        for edition, isbn in self.meta.get("isbn", {}).items():
            key = f"isbn_{edition}" if edition in ("print", "ebook") else "isbn_other"
            sec.append(el("p", {"class": f"isbn isbn-{edition}"},
                          text=self.words(key, isbn=isbn, edition=edition)))
        return self.page("imprint.xhtml", self.words["imprint"], "frontmatter", sec, "imprint")

    def contents(self) -> Document:
        """The table of contents, which is also the EPUB navigation document."""
        ol, part_list = el("ol"), None
        has_list = self.meta.get("list_of_illustrations") and self.figure_ids
        if has_list:
            ol.append(el("li", None, self.toc_link("illustrations.xhtml", self.words["illustrations"])))
        for ch in [ch for ch in self.book.chapters if not ch.after_notes]:
            li = el("li", None, self.toc_link(self.chapter_file(ch), self.toc_title(ch)))
            subs = [b for b in ch.blocks if isinstance(b, m.Heading) and b.level == 2]
            if subs:
                sub = el("ol")
                for h in subs:
                    href = f"{self.chapter_file(ch)}#{self.section_id(ch, h)}"
                    sub.append(el("li", None, self.toc_link(href, m.plain_text(h.children))))
                li.append(sub)
            if ch.kind == "part":
                part_list = el("ol")
                li.append(part_list)
                ol.append(li)
            elif ch.part is not None and part_list is not None:
                part_list.append(li)
            else:
                part_list = None
                ol.append(li)
        for li in ol.iter(f"{{{XHTML}}}li"):  # a part with no sub-list yet, or an empty one
            for empty in li.findall(f"{{{XHTML}}}ol"):
                if not len(empty):
                    li.remove(empty)
        if self.has_endnotes:
            ol.append(el("li", None, self.toc_link("notes.xhtml", self.words["notes"])))
        for ch in [ch for ch in self.book.chapters if ch.after_notes]:
            ol.append(el("li", None, self.toc_link(self.chapter_file(ch), self.toc_title(ch))))
        if self.has_index:
            ol.append(el("li", None, self.toc_link("index.xhtml", self.words["index"])))
        ol.append(el("li", None, self.toc_link("colophon.xhtml", self.words["colophon"])))
        toc = el("nav", {"id": "toc", "epub:type": "toc", "role": "doc-toc", "class": "toc",
                         "aria-labelledby": "toc-title"},
                 el("h1", {"id": "toc-title"}, text=self.words["contents"]), ol)
        marks = el("ol")
        first = self.chapter_file(self.book.body[0])
        for href, kind, label in (("titlepage.xhtml", "titlepage", self.words["title_page"]),
                                  ("toc.xhtml", "toc", self.words["contents"]),
                                  ("illustrations.xhtml" if has_list else None, "loi",
                                   self.words["list_of_illustrations"]),
                                  (first, "bodymatter", self.words["start_of_content"]),
                                  ("notes.xhtml" if self.has_endnotes else None, "endnotes",
                                   self.words["notes"]),
                                  *((self.chapter_file(ch), "bibliography", self.toc_title(ch))
                                    for ch in self.book.chapters if ch.kind == "bibliography"),
                                  ("index.xhtml" if self.has_index else None, "index",
                                   self.words["index"]),
                                  ("colophon.xhtml", "colophon", self.words["colophon"])):
            if href:
                marks.append(el("li", None, el("a", {"href": href, "epub:type": kind}, text=label)))
        landmarks = el("nav", {"id": "landmarks", "epub:type": "landmarks", "hidden": "hidden",
                               "class": "landmarks", "aria-label": self.words["landmarks"]},
                       el("h2", text=self.words["landmarks"]), marks)
        doc = self.page("toc.xhtml", self.words["contents"], "frontmatter", toc, "toc")
        doc.root.find(f"{{{XHTML}}}body").append(landmarks)
        return doc

    @staticmethod
    def toc_title(ch: m.Chapter) -> str:
        return m.plain_text(ch.title).strip()

    @staticmethod
    def toc_link(href, label):
        return el("a", {"href": href}, text=typeset(label))

    def section_id(self, ch: m.Chapter, heading: m.Heading) -> str:
        """The heading's id: chapter slug and title words; a repeated title gets -2, -3…"""
        if id(heading) not in self.section_ids:
            base = f"{ch.slug}-{m.slugify(m.plain_text(heading.children)) or 'section'}"
            ident, n = base, 1
            while ident in self.used_ids:
                n += 1
                ident = f"{base}-{n}"
            self.used_ids.add(ident)
            self.section_ids[id(heading)] = ident
        return self.section_ids[id(heading)]

    def chapter(self, ch: m.Chapter) -> Document:
        self.current_file = self.chapter_file(ch)
        title_id = f"{ch.slug}-title"
        attrs = {"id": ch.slug, "epub:type": ch.kind, "role": f"doc-{ch.kind}",
                 "class": f"{ch.kind} short" if ch.short else ch.kind}
        if ch.shows_title:
            attrs["aria-labelledby"] = title_id
        else:
            attrs["aria-label"] = self.toc_title(ch)
        root = el("section", attrs)
        self.made_from[root] = (ch.path, 1)
        if ch.shows_title:
            root.append(self.inline(el("h1", {"id": title_id}), ch.title, ch))
        for label in note_calls(m.Para(ch.title, 0)):
            self.place_footnote(root, ch, label)
        stack = [(1, root)]
        for block in ch.blocks:
            if isinstance(block, m.Heading):
                while stack[-1][0] >= block.level:
                    stack.pop()
                sid = self.section_id(ch, block)
                sec = el("section", {"id": sid, "aria-labelledby": f"{sid}-title"})
                self.made_from[sec] = (ch.path, block.line)
                sec.append(self.inline(el(f"h{block.level}", {"id": f"{sid}-title"}),
                                       block.children, ch))
                stack[-1][1].append(sec)
                stack.append((block.level, sec))
                for label in note_calls(block):
                    self.place_footnote(sec, ch, label)
                continue
            parent = stack[-1][1]
            parent.append(self.block(block, ch))
            for label in note_calls(block):
                self.place_footnote(parent, ch, label)
        matter = {"front": "frontmatter", "body": "bodymatter", "back": "backmatter"}[ch.matter]
        doc = self.page(self.chapter_file(ch), self.toc_title(ch), matter, root,
                        "bodymatter" if ch is self.book.body[0] else None)
        doc.division, doc.matter = ch.kind, ch.matter
        return doc

    def place_footnote(self, parent, ch: m.Chapter, label: str):
        note = ch.notes.get(label)
        if note is not None and note.is_footnote:
            parent.append(self.footnote(ch, note))

    def footnote(self, ch: m.Chapter, note: m.Note):
        aside = el("aside", {"id": self.note_id(ch, note), "epub:type": "footnote",
                             "role": "doc-footnote"})
        self.note_body(aside, ch, note, "")
        self.made_from[aside] = (ch.path, note.line)
        return aside

    def note_body(self, parent, ch, note, call_file):
        """The note's paragraphs; the first opens with its mark, a link back to the call. A
        note that opens with another block (a list, a table, a poem) has its mark in a
        paragraph of its own before it: a link may not stand in a list or a table."""
        self.current_note = "" if note.starred else self.mark(ch, note)
        back = el("a", {"href": f"{call_file}#{self.ref_id(ch, note)}", "role": "doc-backlink",
                        "class": "note-mark"},
                  text=note.mark if note.is_footnote else f"{self.mark(ch, note)}.")
        for i, block in enumerate(note.blocks):
            node = self.block(block, ch)
            if i == 0 and etree.QName(node).localname == "p":
                back.tail = " " + (node.text or "")
                node.text = None
                node.insert(0, back)
            elif i == 0:
                parent.append(el("p"))
                parent[-1].append(back)
            parent.append(node)
        self.current_note = None
        if note.incomplete:
            flag = self.meta.get("incomplete_note_flag", DEFAULT_FLAG)
            last = parent[-1]
            append_text(last, " ")
            last.append(el("span", {"class": "editorial-flag"}, text=f"[{flag}]"))

    def notes(self) -> Document:
        self.current_file = "notes.xhtml"
        sec = el("section", {"id": "notes", "epub:type": "endnotes", "role": "doc-endnotes",
                             "class": "endnotes",
                             "aria-labelledby": "notes-title"},
                 el("h1", {"id": "notes-title"}, text=self.words["notes"]))
        several = len([ch for ch in self.book.chapters if ch.endnotes]) > 1
        for ch in self.book.chapters:
            if not ch.endnotes:
                continue
            ol = el("ol", {"class": "notes"})
            for note in ch.endnotes:
                li = el("li", {"id": self.note_id(ch, note), "epub:type": "endnote"})
                self.note_body(li, ch, note, self.chapter_file(ch))
                self.made_from[li] = (ch.path, note.line)
                ol.append(li)
            if several:
                sid = f"notes-{ch.slug}"
                sec.append(el("section", {"id": sid, "aria-labelledby": f"{sid}-title"},
                              self.inline(el("h2", {"id": f"{sid}-title"}),
                                          m.without_notes(ch.title), ch), ol))
            else:
                sec.append(ol)
        return self.page("notes.xhtml", self.words["notes"], "backmatter", sec, "endnotes")

    def colophon(self) -> Document:
        sec = el("section", {"id": "colophon", "epub:type": "colophon", "role": "doc-colophon",
                             "class": "colophon",
                             "aria-labelledby": "colophon-title"},
                 el("h1", {"id": "colophon-title"}, text=self.words["colophon"]))
        for block in self.book.colophon:
            sec.append(self.block(block, None))
        for role, people in self.credits():
            sec.append(el("p", None, text=f"{role} {self.words.names(people)}."))
        source = self.meta.get("source", {}).get("text")
        if source:
            sec.append(el("p", None, text=typeset(self.words("colophon_source", source=source))))
        sec.append(el("p", None, text=self.words("colophon_identifier",
                                                 identifier=self.meta["identifier"])))
        sec.append(el("p", None, text=self.words("colophon_typeface", typeface=TYPEFACE,
                                                 designer=DESIGNER)))
        date = self.words.date(self.build_date.astimezone(UTC))
        sec.append(el("p", None, text=self.words("colophon_built", date=date)))
        return self.page("colophon.xhtml", self.words["colophon"], "backmatter", sec, "colophon")

    # --- blocks and inlines: one method per model class, as pandoc's writers have -------
    def block(self, block, ch):
        method = getattr(self, f"block_{type(block).__name__}", None)
        if method is None:
            raise TypeError(f"the XHTML writer has no method for {type(block).__name__}")
        node = method(block, ch)
        if ch is not None and getattr(block, "line", 0):
            self.made_from[node] = (ch.path, block.line)
        return node

    def block_Para(self, block: m.Para, ch):
        if block.role:
            return self.inline(el("p", {"class": block.role,
                                        "epub:type": m.PARA_ROLES[block.role]}), block.children, ch)
        return self.inline(el("p"), block.children, ch)

    def block_Verse(self, verse: m.Verse, ch):
        """Stanzas as paragraphs of lines (a span each, then a line break), as Standard Ebooks
        sets verse: it reads as verse with or without the stylesheet."""
        div = el("div", {"class": f"verse {verse.kind}", "epub:type": f"z3998:{verse.kind}"})
        for stanza in verse.stanzas:
            p = el("p", {"class": "stanza"})
            for k, line in enumerate(stanza):
                if k:
                    p.append(el("br"))
                p.append(self.inline(el("span", {"class": f"line i{line.indent}" if line.indent
                                                  else "line"}), line.children, ch))
            div.append(p)
        return div

    def block_Letter(self, letter: m.Letter, ch):
        """A letter; its closing (valediction, signature, a postscript after them) in a footer."""
        quote = el("blockquote", {"class": "letter", "epub:type": "z3998:letter"})
        closing = [k for k, b in enumerate(letter.blocks)
                   if isinstance(b, m.Para) and b.role in ("valediction", "signature")]
        footer = None
        for k, block in enumerate(letter.blocks):
            node = self.block(block, ch)
            if closing and k >= closing[0]:
                if footer is None:
                    footer = el("footer")
                    quote.append(footer)
                footer.append(node)
            else:
                quote.append(node)
        return quote  # its footnotes follow it, as they follow any block

    def block_Quote(self, block: m.Quote, ch):
        return el("blockquote", None, *(self.block(b, ch) for b in block.blocks))

    def block_ListBlock(self, block: m.ListBlock, ch):
        items = [el("li", None, *(self.block(b, ch) for b in item)) for item in block.items]
        if not block.ordered:
            return el("ul", None, *items)
        return el("ol", {"start": str(block.start)} if block.start != 1 else None, *items)

    def block_Heading(self, block: m.Heading, ch):  # headings inside quotations or notes
        return self.inline(el("p", {"class": "heading"}), block.children, ch)

    def block_Figure(self, figure: m.Figure, ch):
        """The image, then its caption and credit as paragraphs: they read apart without CSS."""
        found = self.figure_ids.get(id(figure))
        node = el("figure", {"class": "figure", "id": found[1] if found else None},
                  el("img", {"src": f"images/{self.images[figure.path]}", "alt": figure.alt}))
        if figure.caption or figure.credit:
            caption = el("figcaption")
            if figure.caption:
                caption.append(self.inline(el("p"), figure.caption, ch))
            if figure.credit:
                caption.append(self.inline(el("p", {"class": "credit"}), figure.credit, ch))
            node.append(caption)
        return node

    def block_SectionBreak(self, block: m.SectionBreak, ch):
        return el("hr", {"class": "section-break"})

    def block_Table(self, table: m.Table, ch):
        """A table in a wrapper that scrolls on a narrow screen; wide ones are marked for print."""
        def cls(k, *extra):
            align = table.align[k] if k < len(table.align) else None
            names = [*extra, "num" if k < len(table.numeric) and table.numeric[k] else "",
                     f"align-{align}" if align else ""]
            return " ".join(n for n in names if n) or None

        parts = [self.inline(el("caption"), table.caption, ch)] if table.caption else []
        if table.header:
            head_row = el("tr")
            for k, cell in enumerate(table.header):
                head_row.append(self.inline(el("th", {"scope": "col", "class": cls(k)}), cell, ch))
            parts.append(el("thead", None, head_row))
        body = el("tbody")
        pointed = {k for row in table.rows for k, cell in enumerate(row)
                   if FRACTION.fullmatch(m.plain_text(m.without_notes(cell)).strip())}
        for row in table.rows:
            tr = el("tr")
            for k, cell in enumerate(row):
                if k == 0:
                    tr.append(self.inline(el("th", {"scope": "row", "class": cls(k)}), cell, ch))
                elif k < len(table.numeric) and table.numeric[k] and m.plain_text(cell).strip():
                    tr.append(self.figure_cell(cell, cls(k), ch, k in pointed))
                else:
                    tr.append(self.inline(el("td", {"class": cls(k)}), cell, ch))
            body.append(tr)
        parts.append(body)
        columns = max([len(table.header)] + [len(r) for r in table.rows])
        width = "wide" if columns > 6 else "medium" if columns > 4 else None
        if table.layout:  # the editor's choice; else print measures it (pdf.fit_tables)
            width = "wide landscape" if table.layout == "landscape" else table.layout
        # A wrapper that may scroll is a region a keyboard can reach (WCAG 2.1.1; Ace's
        # scrollable-region-focusable), named by the table's caption.
        name = m.plain_text(m.without_notes(table.caption)).strip() or self.words["table"]
        return el("div", {"class": f"table-wrap {width or ''}".strip(), "role": "region",
                          "tabindex": "0", "aria-label": name, "data-layout": table.layout,
                          "id": f"at-{table.name}" if table.name else None},
                  el("table", {"class": width}, *parts))

    def figure_cell(self, cell: list, cls: str | None, ch, pointed: bool):
        """A figure split at the decimal point, so that a column with fractions (`pointed`)
        aligns on it in any renderer, the fraction (or its room) after it; a note call after
        the figure stays with it, in that room. A column of whole numbers is set flush right,
        as its head is, the call after the figure."""
        text = "".join(n.text for n in cell if isinstance(n, m.Text)).strip()
        found = FRACTION.fullmatch(text)
        whole, frac = (found[1], found[2]) if found else (text, "")
        td = el("td", {"class": cls}, text=whole)
        calls = [n for n in cell if isinstance(n, m.NoteRef)]
        if pointed:
            td.append(self.inline(el("span", {"class": "frac"}, text=frac), calls, ch))
        else:
            self.inline(td, calls, ch)
        return td

    def inline(self, parent, nodes: list, ch):
        for node in nodes:
            method = getattr(self, f"inline_{type(node).__name__}", None)
            if method is None:
                raise TypeError(f"the XHTML writer has no method for {type(node).__name__}")
            method(parent, node, ch)
        return parent

    def inline_Text(self, parent, node: m.Text, ch):
        append_text(parent, typeset(node.text))

    def inline_IndexMark(self, parent, node: m.IndexMark, ch):
        """A mark of the index: its words, in a span whose id the index's locators link to."""
        from .index import Place

        ident = f"ix-{len(self.index_marks) + 1}"
        self.index_marks.append((node, Place(ident, self.current_file, self.current_note,
                                             node.range)))
        parent.append(self.inline(el("span", {"id": ident, "class": "index-mark"}),
                                  node.children, ch))

    def inline_Unindexed(self, parent, node: m.Unindexed, ch):
        self.inline(parent, node.children, ch)

    def inline_LineBreak(self, parent, node: m.LineBreak, ch):
        parent.append(el("br"))

    def inline_Styled(self, parent, node: m.Styled, ch):
        if node.kind in m.PARA_ROLES:
            tag, attrs = "span", {"class": node.kind, "epub:type": m.PARA_ROLES[node.kind]}
        else:
            tag, attrs = {"em": ("em", {}), "strong": ("strong", {}), "cite": ("cite", {}),
                          "foreign": ("i", {}),
                          "smallcaps": ("span", {"class": "smallcaps"}),
                          "sup": ("sup", {})}[node.kind]
        if node.lang:
            attrs = {**attrs, "lang": node.lang, "xml:lang": node.lang}
        parent.append(self.inline(el(tag, attrs), node.children, ch))

    def block_References(self, block: m.References, ch):
        """The works cited, each an entry a citation links to; its paragraphs as citeproc
        set them, the first line hanging."""
        ul = el("ul", {"class": "references"})
        for key, paragraphs in block.entries:
            li = el("li", {"id": f"ref-{key}", "epub:type": "biblioentry"})
            for inlines in paragraphs:
                li.append(self.inline(el("p"), inlines, ch))
            ul.append(li)
        return ul

    def inline_Link(self, parent, node: m.Link, ch):
        href = node.href
        if href[1:] in self.works:  # a citation's link to the work it cites
            href = ("" if self.works[href[1:]] == self.current_file else
                    self.works[href[1:]]) + href
            parent.append(self.inline(el("a", {"href": href, "role": "doc-biblioref"}),
                                      node.children, ch))
            return
        if href.startswith("#^"):  # a note of this division
            note = ch.notes[href[2:]]
            self.link_target = self.note_id(ch, note)
            href = (self.chapter_file(ch) if note.is_footnote else "notes.xhtml") + \
                f"#{self.link_target}"
        elif href.startswith("#"):
            target, place = self.anchors[href[1:]]
            self.link_target = self.place_id(target, place)
            href = ("notes.xhtml" if id(place) in self.in_endnotes else self.chapter_file(
                target)) + (f"#{self.link_target}" if place else "")
        link = self.inline(el("a", {"href": href}), node.children, ch)
        parent.append(link)
        if not link.text and len(link) and link[0].get("class") == "page-number":
            before = link.getprevious()  # `p. [#](#x)`: the number tied to the word before
            if before is not None:  # the link, outside it
                before.tail = tie(before.tail)
            else:
                parent.text = tie(parent.text)

    def place_id(self, ch: m.Chapter, place) -> str:
        """The id of what a cross-reference names: a chapter, a section, a named place."""
        if place is None:
            return ch.slug
        if isinstance(place, m.Heading):
            return self.section_id(ch, place)
        if isinstance(place, m.Figure):
            return self.figure_ids[id(place)][1]
        return f"at-{place.name}"

    def inline_Anchor(self, parent, node: m.Anchor, ch):
        parent.append(self.inline(el("span", {"id": f"at-{node.name}"}), node.children, ch))

    def inline_PageNumber(self, parent, node: m.PageNumber, ch):
        """The print page of the link's target, filled in after the layout (in the EPUB by
        pagelist.fill_page_number_spans, in print by folios.fill); tied to the word before
        it, as a typesetter ties "p." to its number (a no-break space for the space)."""
        if len(parent):
            parent[-1].tail = tie(parent[-1].tail)
        else:
            parent.text = tie(parent.text)
        parent.append(el("span", {"class": "page-number", "data-target": self.link_target},
                         text="#"))

    def inline_NoteRef(self, parent, node: m.NoteRef, ch):
        parent.append(self.noteref(ch, node))

    def noteref(self, ch, ref: m.NoteRef):
        """A note call: the mark in a <sup>, so that it reads as a call in any reading engine,
        with or without the stylesheet (pandoc's EPUBs do the same)."""
        note = ch.notes[ref.label]
        target = "" if note.is_footnote else "notes.xhtml"
        return el("a", {"id": self.ref_id(ch, note), "href": f"{target}#{self.note_id(ch, note)}",
                        "epub:type": "noteref", "role": "doc-noteref",
                        "class": "noteref footnote-ref" if note.is_footnote
                        else "noteref endnote-ref"},
                  el("sup", text=self.mark(ch, note)))


def note_calls(block) -> list[str]:
    """Labels of the note calls in a block, at any depth, in reading order."""
    out = []

    def walk(node):
        if isinstance(node, m.NoteRef):
            out.append(node.label)
        for child in m.children_of(node):
            walk(child)

    walk(block)
    return out


def write_documents(book: m.Book, build_date: datetime) -> list[Document]:
    return Writer(book, build_date).documents()

