"""Total-fit paragraphs inside WeasyPrint: measure, break, and have WeasyPrint set those lines.

1. Every paragraph that may be composed is numbered (`data-kp`) in the HTML WeasyPrint sets,
   and a first, cheap layout sets each on one unbroken line: it gives each paragraph's
   measure and first-line indent, and each piece of its text with the computed style it is
   set in (italics, small caps, note calls, the footnote's mark: all in their own fonts).
2. The words are measured with WeasyPrint's own text shaping (Pango and HarfBuzz on the same
   font files), hyphenation points found (`hyphenate`), and the lines chosen together
   (`linebreak`).
3. Each chosen break becomes a `<br class="kp">` in the HTML (after a hyphen where the word
   is divided) and the paragraph is set `white-space: nowrap`, so WeasyPrint makes exactly
   those lines; a small patch to WeasyPrint's `text_align` then justifies every line that
   ends in such a break to the measure, shrinking its spaces where the line is full. The
   paragraph's last line keeps its natural spacing.

Only justified paragraphs in the normal flow or the footnote area are composed; a paragraph
whose text cannot be matched to the source, or which holds an inline block or image, is
left to WeasyPrint's own line breaking.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from lxml import etree

from . import footnotes, weasy
from .hyphenate import Hyphenator
from .linebreak import INF, Box, Glue, Penalty, Settings, break_lines
from .weasy import boxes, page_box

KEY = "data-kp"
POS = "data-pos"  # the element's number in the EPUB's documents (write.pagelist.stamp)
SET = "data-kp-set"
MEASURE_CSS = f"[{KEY}] {{ white-space: nowrap !important; }}"
SET_CSS = (f"[{SET}] {{ white-space: nowrap !important; hyphens: manual !important; }}\n"
           f"[{SET}] [{KEY}]:not([{SET}]) {{ white-space: normal !important; }}")
GENERATED = ("::before", "::after", "::marker", "::footnote-call", "::footnote-marker")
SPACE_STRETCH, SPACE_SHRINK = 1 / 2, 1 / 3  # of a space's width, as TeX's text fonts have
# How far letters may be spaced out or in, in em, at a line's full stretch or shrink: a
# hundredth of an em per letter, about microtype's 2 % font expansion in what it gives a
# line, and below what the eye sees as letterspacing.
TRACKING = 0.01
TRACK_STEP = 0.0005  # tracking is set in steps: the spaces take up the difference
CAPITALISED_PENALTY = 3000  # a name is divided only where nothing else will do (last resort)
HYPHEN_PENALTY = 50
DASH_PENALTY = 50
# Margin kerning (pdfTeX's protrusion): the share of its width by which a line's last
# character hangs into the right margin, so that the edge of the text looks straight to the
# eye; light marks hang further than heavy ones, letters not at all.
PROTRUSION = {".": 0.7, ",": 0.7, "-": 0.7, "\u2010": 0.7, "\u2019": 0.5, "\u201d": 0.5,
              ":": 0.5, ";": 0.5, "\u2013": 0.3, "\u2014": 0.2, "!": 0.2, "?": 0.2}


def mark(html) -> int:
    """Number the paragraphs that may be composed: outside tables, whose widths depend on
    their text."""
    count = 0
    for node in html.xpath("//p[not(ancestor::table)] | "
                           "//span[contains(concat(' ', @class, ' '), ' footnote ')]"):
        node.set(KEY, str(count))
        count += 1
    return count


@dataclass
class Measured:
    """A paragraph as the first layout set it, on one line between forced breaks."""

    width: float = 0.0  # the measure, in CSS px
    indent: float = 0.0
    pieces: list = field(default_factory=list)  # (kind, text or width, style)
    usable: bool = True


def measure(document) -> dict[str, Measured]:
    """Each justified paragraph's measure, indent and styled pieces, from the first layout."""
    found: dict[str, Measured] = {}

    def walk(box):
        element = getattr(box, "element", None)
        key = element.get(KEY) if element is not None and \
            isinstance(box, boxes.BlockContainerBox) else None
        if key is not None and "::" not in (box.element_tag or ""):
            if box.style["text_align_all"] != "justify":
                return
            para = found.get(key)
            if para is None:
                para = found[key] = Measured(width=box.width)
            for line in box.children:
                if not isinstance(line, boxes.LineBox):
                    para.usable = False
                    continue
                if not para.pieces:
                    para.indent = line.text_indent
                elif para.pieces[-1][0] != "br":
                    para.usable = False  # a paragraph set on two lines though unbroken
                flatten(line, para)
            return
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page_box(page))
    return found


def flatten(box, para: Measured) -> None:
    if isinstance(box, boxes.TextBox):
        generated = (box.element_tag or "").endswith(GENERATED)
        para.pieces.append(("gen" if generated else "text", box.text, box.style))
    elif isinstance(box, boxes.InlineBox):
        if box.element_tag == "br":
            para.pieces.append(("br", None, box.style))
            return
        left = box.margin_left + box.border_left_width + box.padding_left
        right = box.margin_right + box.border_right_width + box.padding_right
        if left:  # (a box whose padding begins each of its lines: an indent)
            clone = box.style["box_decoration_break"] == "clone"
            para.pieces.append(("indent" if clone else "edge", left, box.style))
        for child in box.children:
            flatten(child, para)
        if right:
            para.pieces.append(("edge", right, box.style))
    elif isinstance(box, boxes.LineBox):
        for child in box.children:
            flatten(child, para)
    elif isinstance(box, boxes.InlineBlockBox) and is_hung_mark(box.element):
        para.pieces.append(("edge", box.margin_width(), box.style))  # (its own width less
        # the margin it hangs by: nothing, at the line's start)
    elif box.is_in_normal_flow():
        para.usable = False  # an inline block or image: left to WeasyPrint


HUNG = {"note-item-mark", "note-hang"}  # inline blocks hung before a line in a footnote
# (write/pdf/assemble): a list item's number or bullet, of its own width, and the empty
# one that brings a verse line's first line out of its turnovers' indent. To the composer,
# a box of its width less the margin it hangs by


def is_hung_mark(element) -> bool:
    return element is not None and bool(HUNG & set((element.get("class") or "").split()))


BR = "\n"  # a line break of the source, in `source_chars`'s text


def source_chars(element) -> tuple[str, list]:
    """The element's text in reading order, with BR for a line break, and the place of each
    character as (node, attribute, offset); the text of a footnote inside it is the
    footnote's own paragraph."""
    chars: list[str] = []
    places: list = []

    def add(node, attr, text):
        chars.append(text.replace(BR, " "))
        places.extend((node, attr, k) for k in range(len(text)))

    def walk(node):
        add(node, "text", node.text or "")
        for child in node:
            if isinstance(child.tag, str):
                if child.tag == "br":
                    chars.append(BR)
                    places.append((child, "br", 0))  # a line break of the source
                elif child.get(KEY) is None and not is_hung_mark(child):
                    walk(child)
            add(child, "tail", child.tail or "")

    walk(element)
    return "".join(chars), places


def align(para: Measured, element):
    """Each character the layout set, paired with the place of the source character it came
    from (None for generated text). None when they cannot be matched: the paragraph is then
    left alone."""
    text_of, places = source_chars(element)
    i = 0
    pieces = []
    for kind, text, style in para.pieces:
        if kind == "br":
            while i < len(text_of) and text_of[i] != BR:
                if not text_of[i].isspace():
                    return None
                i += 1
            if i == len(text_of):
                return None
            pieces.append(("br", None, style, [places[i]]))
            i += 1
            continue
        if kind != "text":
            pieces.append((kind, text, style, None))
            continue
        if text_of.startswith(text, i):  # as written: nothing collapsed
            pieces.append(("text", text, style, places[i:i + len(text)]))
            i += len(text)
            continue
        refs = []
        for char in text:
            while True:
                if i >= len(text_of) or text_of[i] == BR:
                    return None
                src = text_of[i]
                if src == char or (char == " " and src.isspace()):
                    refs.append(places[i])
                    i += 1
                    break
                if src.isspace():
                    i += 1  # collapsed away
                    continue
                return None
        pieces.append(("text", text, style, refs))
    if text_of[i:].strip() or BR in text_of[i:]:
        return None
    return pieces


FONT_PROPERTIES = ("font_family", "font_size", "font_style", "font_weight", "font_stretch",
                   "font_variant_caps", "font_variant_numeric", "font_variant_ligatures",
                   "font_variant_position", "font_feature_settings", "font_kerning",
                   "letter_spacing", "lang", "font_language_override")


class Measurer:
    """Widths of text in a computed style, by WeasyPrint's shaping; cached."""

    def __init__(self):
        self.layouts: dict[tuple, object] = {}  # WeasyPrint text layouts
        self.widths: dict[tuple, float] = {}
        self.keys: dict[int, tuple] = {}  # by style object: the styles outlive the measurer

    def key(self, style) -> tuple:
        found = self.keys.get(id(style))
        if found is None:
            found = self.keys[id(style)] = self.font_key(style)
        return found

    @staticmethod
    def font_key(style, letter_spacing: bool = True) -> tuple:
        return tuple(repr(style[name]) for name in FONT_PROPERTIES
                     if letter_spacing or name != "letter_spacing")

    def width(self, style, text: str) -> float:
        key = self.key(style)
        found = self.widths.get((key, text))
        if found is None:
            layout = self.layouts.get(key)
            if layout is None:
                layout = self.layouts[key] = weasy.text_layout(style)
            layout.set_text(text)
            line, _ = layout.get_first_line()
            found = self.widths[(key, text)] = weasy.line_width(line, style)
        return found

    def space(self, style) -> float:
        key = (self.key(style), None)
        found = self.widths.get(key)
        if found is None:
            found = self.widths[key] = self.width(style, "x x") - self.width(style, "xx")
        return found


@dataclass
class Composer:
    measurer: Measurer
    hyphenators: dict
    exceptions: dict
    segments: dict = field(default_factory=dict)

    def hyphenator(self, style) -> Hyphenator:
        total, left, right = style["hyphenate_limit_chars"]
        key = (style["lang"], left, right, total)
        found = self.hyphenators.get(key)
        if found is None:
            found = self.hyphenators[key] = Hyphenator(
                style["lang"] or "", self.exceptions,
                left=left if left != "auto" else 3, right=right if right != "auto" else 3,
                shortest=total if total != "auto" else 6)
        return found

    def items(self, pieces) -> list:
        """The paragraph as boxes, glue and penalties; each break's `ref` says where in the
        source it falls and what it needs there: ((what, text), ref), what is "space" (the space
        goes), "hyphen" (`text`, the hyphen, is added) or "after" (a dash written there)."""
        items: list = []
        word: list = []  # (text, style, refs) segments, or (width, None, None)
        hang = 0.0  # how far the last word's last character would hang at a line's end

        def flush():
            nonlocal hang
            if word:
                text, style, _ = word[-1]
                hang = self.hang(style, text[-1:]) if style is not None else 0.0
            self.word_items(word, items)
            word.clear()

        for kind, text, style, refs in pieces:
            if kind == "br":
                flush()
                items += paragraph_end()
                items[-1].ref = ("source", refs[0]) if refs else None
            elif kind in ("edge", "indent"):
                word.append((text, None, kind))
            elif kind == "gen":
                word.append((self.measurer.width(style, text), None, None))
            else:
                start = 0
                for k, char in enumerate(text):
                    if char in " \u00a0":
                        if k > start:
                            word.append((text[start:k], style, refs[start:k]))
                        flush()
                        space = self.measurer.space(style)
                        items.append(Glue(space, space * SPACE_STRETCH, space * SPACE_SHRINK,
                                          (("space", ""), refs[k]), breakable=char == " ",
                                          protrude=hang))
                        start = k + 1
                if start < len(text):
                    word.append((text[start:], style, refs[start:]))
        flush()
        if not items or not (isinstance(items[-1], Penalty) and items[-1].cost <= -INF):
            items += paragraph_end()
        return items

    def word_items(self, word, items) -> None:
        for n, (text, style, refs) in enumerate(word):
            if style is None:
                items.append(Box(text, "\ufffc", indent=refs == "indent"))
                continue
            before = n > 0 and word[n - 1][1] is not None and word[n - 1][0][-1:].isalpha()
            after = n + 1 < len(word) and word[n + 1][1] is not None and \
                word[n + 1][0][:1].isalpha()
            for part in self.segment(text, style, before, after):
                if part[0] == "box":
                    _, width, piece, stretch = part
                    items.append(Box(width, piece, stretch, stretch))
                else:
                    _, point, width, cost, flagged, kind, last_resort, hang = part
                    items.append(Penalty(width, cost, flagged, (kind, refs[point]),
                                         last_resort, hang))

    def segment(self, text, style, before: bool, after: bool) -> list[tuple]:
        """A segment of a word as boxes and the penalties between them, without their places
        in the source; the same words recur, so each is worked out once per style."""
        key = (self.measurer.key(style), text, before, after, style["hyphens"],
               style["hyphenate_limit_chars"], style["hyphenate_character"])
        found = self.segments.get(key)
        if found is None:
            found = self.segments[key] = []
            start, done = 0, 0.0
            tracking = TRACKING * style["font_size"]
            for point, width, cost, flagged, kind, last_resort in self.cuts(
                    text, style, before, after):
                box = self.measurer.width(style, text[:point]) - done
                found.append(("box", box, text[start:point], (point - start) * tracking))
                hang = self.hang(style, kind[1] if kind[0] == "hyphen" else text[point - 1])
                found.append(("pen", point, width, cost, flagged, kind, last_resort, hang))
                done += box
                start = point
            found.append(("box", self.measurer.width(style, text) - done, text[start:],
                          (len(text) - start) * tracking))
        return found

    def hang(self, style, char: str) -> float:
        """How far `char` hangs into the right margin at a line's end (PROTRUSION)."""
        share = PROTRUSION.get(char, 0.0)
        return share * self.measurer.width(style, char) if share else 0.0

    def cuts(self, text, style, before: bool, after: bool) -> list[tuple]:
        """Where a segment of a word may break, as (offset, width, cost, flagged, what is
        done there, last resort): after a hyphen or dash written in it, and at the
        dictionary's points of its letters (not in a word running on into the segments
        before or after it)."""
        cuts = []
        for k, char in enumerate(text[:-1]):
            if char in "-\u2010" and text[k - 1:k].isalpha() and text[k + 1].isalpha():
                cuts.append((k + 1, 0, HYPHEN_PENALTY, True, ("after", ""), False))
            elif char in "\u2013\u2014" and k > 0:
                cuts.append((k + 1, 0, DASH_PENALTY, False, ("after", ""), False))
        if style["hyphens"] == "auto" and not before and not after:
            hyphen = style["hyphenate_character"]
            width = self.measurer.width(style, hyphen)
            hyphenator = self.hyphenator(style)
            start = 0
            for part in split_words(text):
                core_start = start + len(part) - len(part.lstrip(PUNCTUATION))
                core = part.strip(PUNCTUATION)
                name = core[:1].isupper()
                cost = CAPITALISED_PENALTY if name else HYPHEN_PENALTY
                for point in hyphenator.points(core):
                    cuts.append((core_start + point, width, cost, True, ("hyphen", hyphen), name))
                start += len(part) + 1
        return sorted(cuts, key=lambda c: c[0])


def paragraph_end() -> list:
    """TeX's \\parfillskip: the last line's spaces keep their width, the rest is left blank."""
    return [Penalty(0, INF), Glue(0, 1e6, 0), Penalty(0, -INF)]


PUNCTUATION = "\"'()[]{}.,;:!?\u2018\u2019\u201c\u201d\u2026*\u2020\u2021"


def split_words(text: str) -> list[str]:
    """A segment's parts between the hyphens and dashes written in it."""
    parts, current = [], ""
    for char in text:
        if char in "-\u2010\u2013\u2014":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def rewrite(breaks) -> None:
    """Put a `<br class="kp">` at each break, after a hyphen where the word is divided.

    `breaks` are ((kind, hyphen), (node, attribute, offset), line number, tracking in em,
    how far the line's last character hangs into the margin); done from the end of each
    text so that earlier offsets stay true."""
    by_text: dict[tuple, list] = {}
    for kind, (node, attr, offset), line, track, hang in breaks:
        by_text.setdefault((node, attr), []).append((offset, kind, node, attr, line, track,
                                                      hang))
    for entries in by_text.values():
        for offset, kind, node, attr, line, track, hang in sorted(entries, key=lambda e: -e[0]):
            text = getattr(node, attr) or ""
            if kind[0] == "space":
                before, after = text[:offset], text[offset + 1:]
            elif kind[0] == "hyphen":
                before, after = text[:offset] + kind[1], text[offset:]
            else:
                before, after = text[:offset], text[offset:]
            br = etree.Element("br", {"class": "kp", "data-line": str(line),
                                      "data-track": f"{round(track / TRACK_STEP) * TRACK_STEP:.4f}"})
            if kind[0] == "hyphen":
                br.set("data-hyphen", "")
            if hang:
                br.set("data-hang", f"{hang:.3f}")
            br.tail = after
            setattr(node, attr, before)
            if attr == "text":
                node.insert(0, br)
            else:
                node.addnext(br)


class Composition:
    """The print book's paragraphs, each broken into lines chosen together.

    `html` (numbered by `mark`) is not changed: `html_tree()` returns a copy with the breaks
    in it, so that the breaks can be chosen again after the pages are made up."""

    MENDING = ("splits", "pushed", "attempts", "styles", "notes_pages", "notes_pages_let_go",
               "notes_pages_more", "rests_on_notes_pages")

    def mending_copy(self) -> dict:
        """What the mending has decided (`typeset.pages`), a copy to go back to."""
        return copy.deepcopy({name: getattr(self, name) for name in self.MENDING})

    def restore_mending(self, state: dict) -> None:
        self.__dict__.update(copy.deepcopy(state))

    def __init__(self, html, first_layout, exceptions: dict):
        self.html = html
        composer = Composer(Measurer(), {}, exceptions)  # not kept: its measurer holds the
        # first layout's styles, and with them that layout's memory
        self.elements = {node.get(KEY): node for node in html.xpath(f"//*[@{KEY}]")}
        self.plans: dict[str, Plan] = {}
        self.left: list[str] = []  # paragraphs left to WeasyPrint's own line breaking
        # what the pages' mending decided (typeset.pages.mend_blocks): footnotes split after
        # a line (id -> lines on the call's page) or moved with their call's line, and styles
        # given to elements (data-pos -> CSS declarations: a forced break, an image's height)
        self.splits: dict[str, int] = {}
        self.pushed: set[str] = set()
        self.attempts: dict[str, int] = {}  # by footnote: how often it was mended
        self.styles: dict[str, str] = {}
        self.notes_pages: set[str] = set()  # divisions given a last page for the footnotes
        # that run over from their last text page (typeset.pages.keep_notes_in_division)
        self.notes_pages_let_go: dict[str, set] = {}  # those given one left empty, let go:
        # the mending's states then (`typeset.pages.mending_state`), not to let go in again
        self.notes_pages_more: dict[str, int] = {}  # the pages more than one those notes
        # need, and the rests called on each (typeset.footnotes.split_continuations)
        self.rests_on_notes_pages: dict[str, tuple[str, int]] = {}  # id: (division, k)
        for key, para in (measure(first_layout) if first_layout is not None else {}).items():
            plan = plan_paragraph(composer, para, self.elements.get(key))
            if plan is None:
                self.left.append(key)
            else:
                self.plans[key] = plan

    def division_of(self, key: str) -> str | None:
        """The id of the book's division (`div.doc`) paragraph `key` is in."""
        return next((a.get("id") for a in self.elements[key].iterancestors()
                     if (a.get("id") or "").startswith("doc-")), None)

    def html_tree(self, divisions: set[str] | None = None):
        """A copy of the book's HTML with every composed paragraph's breaks in it; with
        `divisions`, of only those divisions (`div.doc` ids), copied and set alone."""
        if divisions is None:
            out, pairs = copy.deepcopy(self.html), None
        else:  # the book's other divisions neither copied nor walked
            out, pairs = copy_divisions(self.html, divisions)
        # keyed by the elements themselves: lxml makes a new Python object for an element
        # whenever none is alive, so id() of one from iter() is not the element's
        twin = dict(zip(self.html.iter(), out.iter(), strict=True)) if pairs is None else {
            a: b for old, new in pairs for a, b in zip(old.iter(), new.iter(), strict=True)}
        for key, plan in self.plans.items():
            element = twin.get(self.elements[key])
            if element is not None:
                apply_plan(element, plan, twin)
        if self.styles:
            for element in out.iter():
                declarations = self.styles.get(element.get(POS)) if isinstance(
                    element.tag, str) else None
                if declarations:
                    element.set("style", "; ".join(filter(None, (element.get("style"),
                                                                 declarations))))
        for division in out.iter("div"):
            if division.get("id") in self.notes_pages:
                for _ in range(1 + self.notes_pages_more.get(division.get("id"), 0)):
                    division.append(division.makeelement("div", {"class": "notes-run-over"}))
        footnotes.split_notes(out, self.splits, self.pushed, KEY, SET, self.rests_on_notes_pages)
        return out

    def lines_of(self, note: str) -> int | None:
        """The lines footnote `note` is set in, if the composition chose them."""
        element = next((e for e in self.elements.values() if e.get("id") == note), None)
        plan = self.plans.get(element.get(KEY)) if element is not None else None
        return len(plan.lines) if plan is not None else None


def copy_divisions(html, divisions: set[str]):
    """A copy of the book's `html` with only the divisions (`div.doc` ids) `divisions` in
    its body, and the (original, copy) pairs of those divisions."""
    out, pairs = etree.Element(html.tag, html.attrib), []
    for child in html:
        if child.tag != "body":
            out.append(copy.deepcopy(child))
            continue
        body = etree.SubElement(out, child.tag, child.attrib)
        for division in child:
            if division.get("id") in divisions:
                body.append(copy.deepcopy(division))
                pairs.append((division, body[-1]))
    return out, pairs


@dataclass
class Plan:
    items: list
    lines: list
    first_width: float
    width: float
    settings: Settings


def plan_paragraph(composer: Composer, para: Measured, element, settings=None) -> Plan | None:
    if element is None or not para.usable or not para.pieces:
        return None
    pieces = align(para, element)
    if pieces is None:
        return None
    items = composer.items(pieces)
    font_size = next((s["font_size"] for k, _, s, _ in pieces if k == "text"), 16)
    settings = settings or Settings(runt_width=3 * font_size)
    lines = break_lines(items, para.width - para.indent, para.width, settings)
    if lines is None:
        return None
    return Plan(items, lines, para.width - para.indent, para.width, settings)


def apply_plan(element, plan: Plan, twin: dict) -> None:
    """Write a plan's breaks into `element`, the copy of the one it was made for (`twin`
    maps the original's nodes to the copy's)."""
    breaks = []
    for number, line in enumerate(plan.lines[:-1], 1):
        item = plan.items[line.end]
        if isinstance(item, Penalty) and item.cost <= -INF:
            if item.ref is not None and item.ref[1] is not None:  # a line break of the source,
                twin[item.ref[1][0]].set("data-line", str(number))  # already there: numbered
            continue  # (a note split after this line is split there: typeset.footnotes)
        if item.ref is None:
            continue
        kind, (node, attr, offset) = item.ref
        breaks.append((kind, (twin[node], attr, offset), number,
                       max(-1.0, min(1.0, line.ratio)) * TRACKING, item.protrude))
    rewrite(breaks)
    element.set(SET, "")


def composed_break(box):
    """The `<br class="kp">` a line ends in, or None."""
    while isinstance(box, (boxes.LineBox, boxes.InlineBox)) and box.children:
        if box.element_tag == "br":
            break
        box = box.children[-1]
    element = getattr(box, "element", None)
    if box.element_tag == "br" and element is not None and element.get("class") == "kp":
        return element
    return None


def track(context, box, em: float, x_advance: float = 0.0) -> float:
    """Space the letters of a line's text by `em`, moving what follows along."""
    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        style = tracked_style(context, box.style, em)
        width = tracked_width(style, box.text)
        if not weasy.count_expandable_spaces(box):  # else justifying lays it out again
            box.pango_layout = weasy.create_layout(box.text, style, context, None, 0)
            box.pango_layout.deactivate()
        x_advance += width - box.width
        box.style, box.width = style, width
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = track(context, child, em, x_advance)
        box.width += x_advance - before
    else:
        box.translate(x_advance, 0)
    return x_advance


def tracked_style(context, style, em: float):
    """`style` with its letters spaced `em` more: one copy per style and step of tracking
    (the steps are 0.0005 em, `rewrite` rounds to them), not one per box, which held a
    400-page book's memory twice over. The copies are kept on the layout's `context`, and
    go with it: kept on the font configuration, which a watch keeps, every layout's styles
    stayed alive (14 MB more at each edit of a 403-page book)."""
    copies = context.__dict__.setdefault("_tracked_styles", {})
    key = (id(style), em)
    found = copies.get(key)
    if found is None:
        found = style.copy()
        spacing = found["letter_spacing"]
        found["letter_spacing"] = (0 if spacing == "normal" else spacing) + em * found["font_size"]
        copies[key] = (found, style)  # the original kept alive, so that its id stays its own
        return found
    return found[0]


def tracked_width(style, text: str) -> float:
    """The width of `text` in `style`, by one Pango layout kept per font (on the font
    configuration, so that it goes with it): a layout made per box costs a Pango context."""
    layouts = style.font_config.__dict__.setdefault("_tracked_layouts", {})
    key = Measurer.font_key(style, letter_spacing=False)
    layout = layouts.get(key)
    if layout is None:
        layout = layouts[key] = weasy.text_layout(style)
    layout.style = style  # set_text reads its letter spacing
    layout.set_text(text)
    return weasy.line_width(layout.get_first_line()[0], style)


def justify_composed(context, line, available_width, last):
    """WeasyPrint's `text_align`, except that a line ending in a composed break is justified
    to the measure exactly, or as far beyond it as its last character hangs: its letters
    tracked as the line breaker chose, then its spaces stretched or shrunk to fill what
    remains; and a composed paragraph's last line, if wider than the measure, has its
    spaces shrunk to it, as the breaker counted on (WeasyPrint would let it run over)."""
    br = composed_break(line) if last else None
    if br is not None:
        em = float(br.get("data-track") or 0)
        if em:
            track(context, line, em)
        spaces = weasy.count_expandable_spaces(line)
        width = available_width + float(br.get("data-hang") or 0)
        if spaces:
            weasy.add_word_spacing(context, line, (width - line.width) / spaces, 0)
        return 0
    if last and line.width > available_width and line.element is not None and \
            line.element.get(SET) is not None:  # a composed paragraph's last line, which
        spaces = weasy.count_expandable_spaces(line)  # the breaker set shrunk to fit
        if spaces:
            weasy.add_word_spacing(context, line, (available_width - line.width) / spaces, 0)
            return 0
    return weasy.original_text_align(context, line, available_width, last)


