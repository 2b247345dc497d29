"""PDFs of parts of the book joined into the book's one PDF, with pikepdf.

The first step to divisions laid out and written apart (issue 28): each part is a tagged
PDF/UA-1 file that WeasyPrint wrote from some of the book's pages, in book order. The join
keeps what a reader and a screen reader use, as one file made whole would have it:

- the pages, in order, with their figures; each face's font once (`merge_fonts`), where
  each part embeds its own subset of it;
- the tags: each part's structure elements a Part of one Document element, the parent
  tree's keys moved past the parts before (and each page's and link's key with them);
- the links: a part holds links to anchors in other parts, which WeasyPrint keeps only when
  it finds the anchor, so a part's writer gives it stand-ins (`stand_ins`); the join keeps
  each name's destination from the part that holds the anchor (`Part.anchors`);
- the outline, one list in book order; the page labels, from the folios of every page;
- the metadata, the language and the viewer's settings, from the first part.
"""

from __future__ import annotations

import copy
import io
import math
import re
import warnings
import zlib
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from fontTools.misc.arrayTools import intRect, unionRect
from fontTools.ttLib import TTFont

from ...typeset.pages import division
from ...typeset.weasy import page_box
from .writing import label_starts


@dataclass
class Part:
    data: bytes  # the part's PDF
    anchors: set[str]  # the anchors it holds (its other named destinations are stand-ins)


def join(parts: list[Part], labels: list[str], target: Path,
         blanks: list[int] | None = None) -> None:
    """Write the parts, in order, as one PDF at `target`; `labels`: every page's folio;
    `blanks`: how many blank pages follow each part (a verso left blank, so that the next
    division begins on a recto), the size of the page before them."""
    blanks = blanks or [0] * len(parts)
    book = pikepdf.open(io.BytesIO(parts[0].data))
    add_blank_pages(book, blanks[0])
    root = book.Root.StructTreeRoot
    document = book.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, P=root, K=pikepdf.Array()))
    document.K.append(as_part(root.K[0], document))
    root.K = pikepdf.Array([document])
    nums = list(book.Root.StructTreeRoot.ParentTree.Nums)
    outline = book.Root.get("/Outlines")
    destinations = own_destinations(book, book, parts[0].anchors)
    for number, part in enumerate(parts[1:], 1):
        other = pikepdf.open(io.BytesIO(part.data))
        offset = max((int(nums[k]) for k in range(0, len(nums), 2)), default=-1) + 1
        first = len(book.pages)
        with warnings.catch_warnings():  # the named destinations are joined below
            warnings.filterwarnings("ignore", "Copying pages from another Pdf")
            book.pages.extend(other.pages)
        add_blank_pages(book, blanks[number])
        for page in book.pages[first:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        theirs = other.Root.StructTreeRoot
        their_nums = theirs.ParentTree.Nums
        document.K.append(as_part(book.copy_foreign(without_parent(theirs.K[0])), document))
        for k in range(0, len(their_nums), 2):
            nums += [int(their_nums[k]) + offset, copy_over(book, other, their_nums[k + 1])]
        if "/Outlines" in other.Root:
            outline = append_outline(book, outline, other)
        destinations |= own_destinations(book, other, part.anchors)
    book.Root.StructTreeRoot.ParentTree = book.make_indirect(
        pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
    book.Root.Names = pikepdf.Dictionary(Dests=book.make_indirect(pikepdf.Dictionary(
        Names=pikepdf.Array([x for raw in sorted(destinations)  # in the bytes' order
                             for x in (pikepdf.String(raw), destinations[raw])]))))
    book.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(
        x for start, style in label_starts(labels)
        for x in (start, pikepdf.Dictionary(S=pikepdf.Name('/' + style)))))
    merge_fonts(book)
    book.save(target, deterministic_id=True,
              object_stream_mode=pikepdf.ObjectStreamMode.generate)


def without_parent(element):
    """A part's Document element, its parent (the part's root, which leads to the part's
    parent tree) taken off, so that copying it copies its elements and no more."""
    del element["/P"]
    return element


def as_part(element, document):
    """A part's Document element made a Part of the book's: each division a /Part (PDF's
    "large-scale division of a document"), which keeps the elements WeasyPrint tags in the
    page margins (running heads, folios) and leaves out of the tree, as their parent."""
    element.S, element.P = pikepdf.Name.Part, document
    return element


def add_blank_pages(book: pikepdf.Pdf, count: int) -> None:
    """`count` blank pages after the last, each of its size: nothing drawn, nothing tagged."""
    for _ in range(count):
        last = book.pages[-1].obj
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, Resources=pikepdf.Dictionary(),
                                  Contents=book.make_stream(b""))
        for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
            if box in last:
                page[box] = pikepdf.Array(last[box])
        book.pages.append(pikepdf.Page(page))


def copy_over(book: pikepdf.Pdf, other: pikepdf.Pdf, value):
    """`value` of `other` in `book`: an indirect object copied (pikepdf keeps one copy of
    each, so the pages and elements copied before are the ones referred to); a direct array
    made indirect in `other` first, as only indirect objects are copied."""
    if not value.is_indirect:
        value = other.make_indirect(value)
    return book.copy_foreign(value)


def own_destinations(book: pikepdf.Pdf, pdf: pikepdf.Pdf, anchors: set[str]) -> dict:
    """The named destinations of `pdf` whose anchors it holds, copied into `book`, by their
    keys' bytes as written (as the links' /Dest strings are: ASCII, or UTF-16 with its BOM)."""
    if "/Names" not in pdf.Root or "/Dests" not in pdf.Root.Names:
        return {}
    found = {}
    for key, destination in name_tree_items(pdf.Root.Names.Dests):
        raw = bytes(key)
        name = raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else \
            raw.decode("latin-1")
        if name in anchors:
            found[raw] = destination if pdf is book else copy_over(book, pdf, destination)
    return found


def name_tree_items(node):
    """A name tree's (key, value) pairs, its keys as the strings written."""
    names = node.get("/Names", [])
    for k in range(0, len(names), 2):
        yield names[k], names[k + 1]
    for kid in node.get("/Kids", []):
        yield from name_tree_items(kid)


def append_outline(book: pikepdf.Pdf, outline, other: pikepdf.Pdf):
    """The outline items of `other` after those of the book so far."""
    theirs = other.Root.Outlines
    if "/First" not in theirs:
        return outline
    if outline is None:
        outline = book.Root.Outlines = book.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Outlines, Count=0))
    item = copy_over(book, other, theirs.First)
    last = outline.get("/Last")
    if last is None:
        outline.First = item
    else:
        last.Next, item.Prev = item, last
    while True:
        item.Parent = outline
        if "/Next" not in item:
            break
        item = item.Next
    outline.Last = item
    outline.Count = int(outline.get("/Count", 0)) + int(theirs.get("/Count", 0))
    return outline


def division_parts(pages) -> list[list[int]]:
    """The numbers of the book's pages, grouped by division (`div.doc`), each blank page
    with the division before it: the parts the book is written in."""
    groups: list[list[int]] = []
    last = object()
    for number, page in enumerate(pages):
        box = page_box(page)
        name = last if box.page_type.blank else division(box)
        if not groups or name != last:
            groups.append([])
        groups[-1].append(number)
        last = name
    return groups


def write_part(document, numbers: list[int], identifier: bytes,
               everywhere: set[str] | None = None) -> tuple[Part, list[str], list[str]]:
    """Pages `numbers` of a laid-out WeasyPrint document written as a part: tagged, as the
    book is, with stand-ins for the anchors of other parts that its links point to (of
    `everywhere`, the book's anchors: by default the document's). With the part: the
    anchors outside it its links name, and those it holds stand-ins for."""
    part = document.copy([document.pages[n] for n in numbers])
    anchors = {name for page in part.pages for name in page.anchors}
    if everywhere is None:
        everywhere = {name for page in document.pages for name in page.anchors}
    standing = stand_ins(part.pages, anchors, everywhere)
    part.pages[0].anchors.update(standing)  # the page is the book's: taken off again below
    try:
        data = part.write_pdf(pdf_identifier=identifier, pdf_variant="pdf/ua-1")
    finally:
        for name in standing:
            del part.pages[0].anchors[name]
    links = sorted({target for page in part.pages for kind, target, _, _ in page.links
                    if kind == "internal" and target not in anchors})
    return Part(data, anchors), links, sorted(standing)


def stand_ins(pages, anchors: set[str], everywhere: set[str]) -> dict[str, tuple]:
    """The anchors of the book (`everywhere`) the links of `pages` point to outside them
    (`anchors`), each a stand-in on the first page, so that WeasyPrint writes those links
    (it drops a link whose anchor it cannot find, as it does one to an anchor nowhere in
    the book); the join replaces them with the anchors themselves."""
    wanted = {target for page in pages for kind, target, _, _ in page.links
              if kind == "internal" and target not in anchors and target in everywhere}
    return {name: (0, 0, 0, 0) for name in sorted(wanted)}


def merge_fonts(book: pikepdf.Pdf) -> None:
    """Each face's subsets, one per part, made one: WeasyPrint names a face the same in
    every part and keeps the glyphs' ids in its subsets (HarfBuzz's retain-gids), so the
    glyphs each part uses are copied into the first part's subset, its widths and its
    ToUnicode map joined likewise, and every part's pages refer to that font. A face whose
    subsets are not of that kind (a Type 3 font, differing private dictionaries) is left
    as the parts have it."""
    faces: dict[str, list] = {}
    resources = list(resource_dicts(book))
    for fonts in (r.Font for r in resources if "/Font" in r):
        for font in fonts.values():
            same = faces.setdefault(str(font.get("/BaseFont")), [])
            if font.get("/Subtype") == "/Type0" and all(f.objgen != font.objgen for f in same):
                same.append(font)
    merged = {}
    for name, fonts in faces.items():
        if len(fonts) > 1 and merge_face(fonts):
            merged[name] = fonts[0]
    for fonts in (r.Font for r in resources if "/Font" in r):
        for key, font in list(fonts.items()):
            if str(font.get("/BaseFont")) in merged:
                fonts[key] = merged[str(font.BaseFont)]


def resource_dicts(book: pikepdf.Pdf):
    """Every resource dictionary of the pages and of the forms they draw, once."""
    seen, todo = set(), deque(page.obj.get("/Resources") for page in book.pages)
    while todo:  # in the pages' order: the first part's glyphs and texts come first
        found = todo.popleft()
        if found is None or found.objgen in seen and found.objgen != (0, 0):
            continue
        seen.add(found.objgen)
        yield found
        for xobject in (found.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form":
                todo.append(xobject.get("/Resources"))


def merge_face(fonts: list) -> bool:
    """The glyphs, widths and text maps of `fonts` (one face's subsets) put in the first;
    False, leaving all as they were, unless they are subsets of one OpenType font (CFF, not
    CID-keyed, or TrueType) addressed by glyph id (Identity-H), whose text maps agree."""
    try:
        if any(font.get("/Encoding") != "/Identity-H" for font in fonts):
            return False  # (a part with a glyph the face lacks gets a map of its own)
        cid = [font.DescendantFonts[0] for font in fonts]
        files = [c.FontDescriptor.get("/FontFile3") or c.FontDescriptor.get("/FontFile2")
                 for c in cid]
        if any(f is None or f.get("/Subtype", "/OpenType") != "/OpenType" for f in files):
            return False
        otfs = [TTFont(io.BytesIO(f.read_bytes()), recalcTimestamp=False)  # (saved with
                for f in files]  # the font's date, not the build's: the same bytes)
        glyphs = [glyph_table(otf) for otf in otfs]
        texts_each = [read_to_unicode(font.ToUnicode) for font in fonts]
    except (AttributeError, KeyError, ValueError, pikepdf.PdfError, OSError, AssertionError):
        return False
    whole = max(range(len(otfs)), key=lambda k: len(otfs[k].getGlyphOrder()))
    # (each subset ends at the last glyph it uses; names may differ: a TrueType subset
    # names only the glyphs it maps, so glyphs go by their ids)
    if None in glyphs or None in texts_each or any(
            hasattr(g, "charStrings") and private(g) != private(glyphs[0]) for g in glyphs):
        return False
    widths, texts = {}, {}
    for otf, c, each in zip(otfs, cid, texts_each, strict=True):
        if any(texts.get(gid, text) != text for gid, text in each.items()):
            return False  # one glyph read as two texts: leave the parts' maps alone
        used = read_widths(c.W)
        for gid in sorted(used):
            if gid not in widths and gid < len(otf.getGlyphOrder()):
                copy_glyph(otf, otfs[whole], gid)
        widths |= {gid: w for gid, w in used.items() if gid not in widths}
        texts |= each
    data = io.BytesIO()
    save_font(otfs[whole], data)
    files[0].write(zlib.compress(data.getvalue()), filter=pikepdf.Name.FlateDecode)
    cid[0].W = pikepdf.Array([x for gid in sorted(widths)
                              for x in (gid, pikepdf.Array([widths[gid]]))])
    fonts[0].ToUnicode.write(zlib.compress(to_unicode(texts)), filter=pikepdf.Name.FlateDecode)
    return True


def save_font(otf: TTFont, target) -> None:
    """`otf.save(target)`, a CFF font's bounds worked out once a glyph: fontTools, left to
    recalculate them as it saves, works each glyph's out twice (the CFF's FontBBox, then
    hhea's extents: a third of a small book's join). The values are set where and as its
    own recalculation sets them — the FontBBox (`TopDict.recalcFontBBox`); hhea's extents
    (`table__h_h_e_a.recalc`) and `head`'s box (from the new FontBBox: `head` depends on the
    CFF, which is compiled first) when those tables are loaded, a table not loaded being
    copied as it was — so the bytes are the same (tests/test_join.py)."""
    if not otf.isLoaded("CFF ") or "vhea" in otf or "VARC" in otf or not otf.recalcBBoxes:
        otf.save(target)
        return
    top = otf["CFF "].cff.topDictIndex[0]
    charstrings = top.CharStrings
    bounds = {name: charstrings[name].calcBounds(charstrings) for name in charstrings.keys()}
    box = None
    for found in bounds.values():
        if found is not None:
            box = found if box is None else unionRect(box, found)
    top.FontBBox = top.defaults["FontBBox"][:] if box is None else list(intRect(box))
    if otf.isLoaded("head"):
        head = otf["head"]
        head.xMin, head.yMin, head.xMax, head.yMax = intRect(top.FontBBox)
    if otf.isLoaded("hhea") and "hmtx" in otf:
        hhea, hmtx = otf["hhea"], otf["hmtx"]
        hhea.advanceWidthMax = max(advance for advance, _ in hmtx.metrics.values())
        extents = []
        for name in otf.getGlyphOrder():
            found = bounds[name] if name in bounds else charstrings[name].calcBounds(charstrings)
            if found is not None:
                advance, lsb = hmtx[name]
                width = int(math.ceil(found[2]) - math.floor(found[0]))
                extents.append((lsb, advance - lsb - width, lsb + width))
        hhea.minLeftSideBearing = min((e[0] for e in extents), default=0)
        hhea.minRightSideBearing = min((e[1] for e in extents), default=0)
        hhea.xMaxExtent = max((e[2] for e in extents), default=0)
    otf.recalcBBoxes = False
    try:
        otf.save(target)
    finally:
        otf.recalcBBoxes = True


def glyph_table(otf):
    """The font's outlines: a CFF font's charstrings, or a TrueType font's glyf table; None
    for a CID-keyed CFF font (its glyphs belong to several private dictionaries)."""
    if "CFF " in otf:
        top = otf["CFF "].cff.topDictIndex[0]
        if hasattr(top, "FDArray") or "ROS" in top.rawDict:
            return None
        return top.CharStrings
    return otf["glyf"] if "glyf" in otf else None


def private(charstrings) -> dict:
    """A CFF font's private dictionary, on which its charstrings' widths depend: the same
    in every subset of one font."""
    return next(iter(charstrings.values())).private.rawDict if len(charstrings) else {}


def copy_glyph(source, target, gid: int) -> None:
    """Glyph `gid` of one subset into another, with its advance: a charstring, or a
    TrueType glyph and the glyphs it is composed of."""
    name, into = source.getGlyphOrder()[gid], target.getGlyphOrder()[gid]
    if "glyf" in source:
        glyph = copy.deepcopy(source["glyf"][name])
        if glyph.isComposite():
            for component in glyph.components:
                part = source.getGlyphID(component.glyphName)
                component.glyphName = target.getGlyphOrder()[part]
                copy_glyph(source, target, part)
        target["glyf"][into] = glyph
    else:
        target["CFF "].cff.topDictIndex[0].CharStrings[into] = \
            source["CFF "].cff.topDictIndex[0].CharStrings[name]
    target["hmtx"][into] = source["hmtx"][name]


def read_widths(w) -> dict[int, float]:
    """A CID font's /W array: `c [w1 w2 …]` and `c_first c_last w` entries."""
    found, items, k = {}, list(w), 0
    while k < len(items):
        first = int(items[k])
        if isinstance(items[k + 1], pikepdf.Array):
            for n, width in enumerate(items[k + 1]):
                found[first + n] = float(width)
            k += 2
        else:
            for gid in range(first, int(items[k + 1]) + 1):
                found[gid] = float(items[k + 2])
            k += 3
    return found


BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def read_to_unicode(stream) -> dict[int, bytes] | None:
    """A ToUnicode map's entries, if all are single-glyph ones (bfchar), as WeasyPrint 70
    writes them; None for a map with ranges."""
    found = {}
    if b"beginbfrange" in stream.read_bytes():
        return None
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream.read_bytes(), re.S):
        for gid, text in BFCHAR.findall(block):
            found[int(gid, 16)] = text
    return found


def to_unicode(texts: dict[int, bytes]) -> bytes:
    gids = sorted(texts)
    blocks = []
    for k in range(0, len(gids), 100):
        chunk = gids[k:k + 100]
        blocks.append(b"%d beginbfchar\n" % len(chunk) + b"".join(
            b"<%04x> <%s>\n" % (gid, texts[gid]) for gid in chunk) + b"endbfchar")
    return b"\n".join([
        b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
        b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0",
        b">> def", b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
        b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange", *blocks,
        b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"])
