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
import dataclasses
from dataclasses import dataclass, field

from lxml import etree
from weasyprint.document import Page
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline as wp_inline
from weasyprint.text.line_break import Layout, line_size

from .hyphenate import Hyphenator
from .linebreak import INF, Box, Glue, Penalty, Settings, break_lines

KEY = "data-kp"
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
        walk(page._page_box)
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
        if left:
            para.pieces.append(("edge", left, box.style))
        for child in box.children:
            flatten(child, para)
        if right:
            para.pieces.append(("edge", right, box.style))
    elif isinstance(box, boxes.LineBox):
        for child in box.children:
            flatten(child, para)
    elif box.is_in_normal_flow():
        para.usable = False  # an inline block or image: left to WeasyPrint


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
                    places.append(None)
                elif child.get(KEY) is None:
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
            i += 1
            pieces.append(("br", None, style, None))
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
        self.layouts: dict[tuple, Layout] = {}
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
                layout = self.layouts[key] = Layout(style)
            layout.set_text(text)
            line, _ = layout.get_first_line()
            found = self.widths[(key, text)] = line_size(line, style)[0]
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

        def flush():
            self.word_items(word, items)
            word.clear()

        for kind, text, style, refs in pieces:
            if kind == "br":
                flush()
                items += paragraph_end()
            elif kind == "edge":
                word.append((text, None, None))
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
                                          (("space", ""), refs[k]), breakable=char == " "))
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
                items.append(Box(text, "\ufffc"))
                continue
            before = n > 0 and word[n - 1][1] is not None and word[n - 1][0][-1:].isalpha()
            after = n + 1 < len(word) and word[n + 1][1] is not None and \
                word[n + 1][0][:1].isalpha()
            for part in self.segment(text, style, before, after):
                if part[0] == "box":
                    _, width, piece, stretch = part
                    items.append(Box(width, piece, stretch, stretch))
                else:
                    _, point, width, cost, flagged, kind, last_resort = part
                    items.append(Penalty(width, cost, flagged, (kind, refs[point]),
                                         last_resort))

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
                found.append(("pen", point, width, cost, flagged, kind, last_resort))
                done += box
                start = point
            found.append(("box", self.measurer.width(style, text) - done, text[start:],
                          (len(text) - start) * tracking))
        return found

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

    `breaks` are ((kind, hyphen), (node, attribute, offset), line number, tracking in em);
    done from the end of each text so that earlier offsets stay true."""
    by_text: dict[tuple, list] = {}
    for kind, (node, attr, offset), line, track in breaks:
        by_text.setdefault((node, attr), []).append((offset, kind, node, attr, line, track))
    for entries in by_text.values():
        for offset, kind, node, attr, line, track in sorted(entries, key=lambda e: -e[0]):
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

    def __init__(self, html, first_layout, exceptions: dict):
        self.html = html
        composer = Composer(Measurer(), {}, exceptions)  # not kept: its measurer holds the
        # first layout's styles, and with them that layout's memory
        self.elements = {node.get(KEY): node for node in html.xpath(f"//*[@{KEY}]")}
        self.plans: dict[str, Plan] = {}
        self.left = 0  # paragraphs left to WeasyPrint's own line breaking
        for key, para in measure(first_layout).items():
            plan = plan_paragraph(composer, para, self.elements.get(key))
            if plan is None:
                self.left += 1
            else:
                self.plans[key] = plan

    def fill_short_pages(self, document) -> dict[str, int]:
        """For each page that ends whole lines short, paragraphs set whole on it made a line
        or more longer (TeX's \\looseness) to fill it, the least loosened first, so long as
        every line stays within the first try's tolerance. Returns {key: page}."""
        on_page: dict[int, list[str]] = {}
        for key, found in lines_of_paragraphs(document, set(self.plans)).items():
            pages = {page for page, *_ in found}
            if len(pages) == 1 and len({id(b) for _, b, _ in found}) == 1:
                on_page.setdefault(pages.pop(), []).append(key)
        chosen: dict[str, int] = {}
        for page, short in short_pages(document):
            options = []
            for key in on_page.get(page, []):
                plan = self.plans[key]
                for more in range(1, short + 1):
                    settings = dataclasses.replace(plan.settings, lines=len(plan.lines) + more,
                                                   retry_tolerance=plan.settings.tolerance,
                                                   emergency=False)
                    lines = break_lines(plan.items, plan.first_width, plan.width, settings)
                    if lines is not None and all(abs(x.ratio) <= settings.tolerance
                                                 for x in lines[:-1]):
                        options.append((max(abs(x.ratio) for x in lines[:-1]), more, key,
                                        lines, settings))
            for _, more, key, lines, settings in sorted(options):
                if key in chosen or more > short:
                    continue
                self.plans[key] = dataclasses.replace(self.plans[key], lines=lines,
                                                      settings=settings)
                chosen[key] = page
                short -= more
        return chosen

    def report(self) -> dict:
        return {"composed": len(self.plans), "left": self.left}

    def html_tree(self):
        """A copy of the book's HTML with every composed paragraph's breaks in it."""
        out = copy.deepcopy(self.html)
        # keyed by the elements themselves: lxml makes a new Python object for an element
        # whenever none is alive, so id() of one from iter() is not the element's
        twin = dict(zip(self.html.iter(), out.iter(), strict=True))
        for key, plan in self.plans.items():
            apply_plan(twin[self.elements[key]], plan, twin)
        return out

    def keep_hyphens_off_page_feet(self, document) -> list[str]:
        """Break again the paragraphs whose line ending a page is hyphenated: on a recto (the
        word would be finished over the leaf) whenever the paragraph can keep its number of
        lines without it; on a verso only if that costs no loose line. Returns their keys."""
        changed = []
        for number, page in enumerate(document.pages):
            line = last_main_flow_line(page._page_box)
            br = composed_break(line) if line is not None else None
            if br is None or br.get("data-hyphen") is None:
                continue
            key = line.element.get(KEY) if line.element is not None else None
            plan = self.plans.get(key)
            if plan is None:
                continue
            recto = number % 2 == 0
            settings = dataclasses.replace(
                plan.settings, lines=len(plan.lines),
                no_hyphen_at=plan.settings.no_hyphen_at | {int(br.get("data-line"))},
                **({} if recto else {"retry_tolerance": plan.settings.tolerance,
                                     "emergency": False}))
            lines = break_lines(plan.items, plan.first_width, plan.width, settings)
            if lines is None or (not recto and any(abs(x.ratio) > settings.tolerance
                                                   for x in lines[:-1])):
                continue
            self.plans[key] = dataclasses.replace(plan, lines=lines, settings=settings)
            changed.append(key)
        return changed

def short_pages(document) -> list[tuple[int, int]]:
    """(page, lines) for each page whose main flow ends whole lines short of its foot (of
    its footnotes, if it has any) while the next page goes on with the same division: a
    paragraph that could not be split there (widows, orphans) or a block kept whole."""
    found = []
    for number, page in enumerate(document.pages[:-1]):
        box = page._page_box
        last = last_main_flow_line(box)
        following = document.pages[number + 1]._page_box
        if last is None or last_main_flow_line(following) is None or \
                division(box) != division(following):
            continue
        bottom = box.content_box_y() + box.height
        for child in box.children:
            if isinstance(child, boxes.FootnoteAreaBox) and child.children:
                bottom = child.position_y
        lines = int((bottom - flow_bottom(box.children[0])) / last.height + 0.01)
        if lines >= 1:
            found.append((number, lines))
    return found


def flow_bottom(root) -> float:
    """Where the page's main flow ends: the lowest of its lines, images, tables and other
    boxes without children (a rule), not only its last line of text."""
    lowest = 0.0

    def walk(box):
        nonlocal lowest
        children = [c for c in getattr(box, "children", ()) if c.is_in_normal_flow()]
        if isinstance(box, (boxes.LineBox, boxes.ReplacedBox, boxes.TableBox)) or not children:
            lowest = max(lowest, box.position_y + box.margin_height())
            return
        for child in children:
            walk(child)

    walk(root)
    return lowest


def division(page_box):
    """The id of the book's division (`div.doc`) a page's main flow belongs to."""
    box = page_box.children[0]
    while box is not None:
        element = getattr(box, "element", None)
        if element is not None and (element.get("id") or "").startswith("doc-"):
            return element.get("id")
        box = next((c for c in getattr(box, "children", ()) if not isinstance(
            c, (boxes.TextBox, boxes.LineBox))), None)
    return None


def lengthen(document, alone, chosen: dict[str, int]) -> bool:
    """Put the paragraphs `chosen` (key: their page), each now set a line or more longer and
    laid out `alone`, on their short pages, moving what follows them on the page down.
    False, and `document` untouched, unless each has its old lines' measure, height and
    letters and sits whole on its page."""
    before, after = lines_of_paragraphs(document, chosen), lines_of_paragraphs(alone, chosen)
    moves = []
    for key, page in chosen.items():
        old, new = before.get(key, []), after.get(key, [])
        if not old or len(new) <= len(old) or {p for p, *_ in old} != {page} or \
                len({id(b) for _, b, _ in old}) != 1:
            return False
        block, height = old[0][1], old[0][2].height
        if any(abs(line.height - height) > 0.01 for *_, line in new) or \
                abs(block.width - new[0][1].width) > 0.01 or \
                letters_of(line for *_, line in old) != letters_of(line for *_, line in new):
            return False
        top, x = old[0][2].position_y, block.content_box_x()
        for k, (_, new_block, line) in enumerate(new):  # stacked: alone, it may run over pages
            line.translate(x - new_block.content_box_x(), top + k * height - line.position_y)
        moves.append((page, block, [line for *_, line in old], [line for *_, line in new],
                      height * (len(new) - len(old))))
    for page, block, _old, new, height in sorted(moves, key=lambda m: (m[0],
                                                                        -m[2][0].position_y)):
        block.children = new
        path = path_to(document.pages[page]._page_box.children[0], block)
        for parent, child in zip(path[-2::-1], path[:0:-1], strict=True):
            parent.height += height
            for sibling in parent.children[parent.children.index(child) + 1:]:
                sibling.translate(0, height)
        block.height += height
    for number in {m[0] for m in moves}:
        document.pages[number] = Page(document.pages[number]._page_box)
    return True


def path_to(root, target) -> list:
    """The boxes from `root` down to `target`, both included."""
    if root is target:
        return [root]
    for child in getattr(root, "children", ()):
        if isinstance(child, (boxes.TextBox, boxes.LineBox)):
            continue
        found = path_to(child, target)
        if found:
            return [root, *found]
    return []


def only(tree, keys):
    """`tree` cut down to the paragraphs `keys` (a set), for a quick layout of them alone:
    the book's divisions without one taken out, and around the paragraphs every other
    element hidden but kept, empty, so that selectors such as `h2 + p` still match."""
    wanted = [node for node in tree.iter() if node.get(KEY) in keys]
    inside = {n for node in wanted for n in node.iter()}  # a footnote is inside a paragraph
    keep = {a for node in wanted for a in node.iterancestors()} - inside
    body = tree.find("body")
    for division in list(body):
        if division not in keep:
            body.remove(division)
    for node in list(tree.iter()):
        parent = node.getparent()
        if parent in keep and node not in keep and node not in inside and \
                isinstance(node.tag, str):
            node.set("style", "display: none !important")
            node.text = None
            for child in list(node):  # what a hidden element holds matches no selector
                node.remove(child)  # of the paragraphs', and costs a cascade
    return tree


def transplant(document, alone, keys: list[str]) -> bool:
    """Put the lines of paragraphs `keys`, laid out `alone` (see `Composition.only`), in
    place of their lines in `document`: broken again with the same number of lines, they
    leave every page where it was, so the book need not be laid out a third time. False,
    and `document` untouched, unless every line has its twin of the same height and measure
    and every note call stays on its page."""
    before, after = lines_of_paragraphs(document, keys), lines_of_paragraphs(alone, keys)
    swaps = []
    for key in keys:
        old, new = before.get(key, []), after.get(key, [])
        if not old or len(old) != len(new):
            return False
        calls_before: dict[int, list] = {}
        calls_after: dict[int, list] = {}
        for (page, block, line), (_, new_block, new_line) in zip(old, new, strict=True):
            if abs(line.height - new_line.height) > 0.01 or \
                    abs(block.width - new_block.width) > 0.01:
                return False
            calls_before.setdefault(page, []).extend(note_calls(line))
            calls_after.setdefault(page, []).extend(note_calls(new_line))
            swaps.append((page, block, line, new_line))
        if calls_before != calls_after or letters_of(line for *_, line in old) != \
                letters_of(line for *_, line in new):
            return False  # not the same text, whatever the reason: the safe way instead
    for _, block, line, new_line in swaps:
        new_line.translate(line.position_x - new_line.position_x,
                           line.position_y - new_line.position_y)
        block.children[block.children.index(line)] = new_line
    for number in {page for page, *_ in swaps}:
        document.pages[number] = Page(document.pages[number]._page_box)  # links, anchors
    return True


def lines_of_paragraphs(document, keys) -> dict[str, list]:
    """(page, block, line) for every line of the paragraphs `keys`, in order."""
    found: dict[str, list] = {}

    def walk(box, page):
        element = getattr(box, "element", None)
        key = element.get(KEY) if element is not None else None
        if key in keys and isinstance(box, boxes.BlockContainerBox):
            found.setdefault(key, []).extend(
                (page, box, line) for line in box.children if isinstance(line, boxes.LineBox))
            return
        for child in getattr(box, "children", ()):
            walk(child, page)

    for number, page in enumerate(document.pages):
        walk(page._page_box.children[0], number)
    return found


def letters_of(lines) -> str:
    """The letters and figures set in `lines`, generated text included."""
    out = []

    def walk(box):
        if isinstance(box, boxes.TextBox):
            out.append("".join(c for c in box.text if c.isalnum()))
        for child in getattr(box, "children", ()):
            walk(child)

    for line in lines:
        walk(line)
    return "".join(out)


def note_calls(box) -> list[str]:
    if (box.element_tag or "").endswith("::footnote-call"):
        return [box.element.get("id") or ""]
    return [c for child in getattr(box, "children", ()) for c in note_calls(child)]


def last_main_flow_line(page_box):
    """The page's last line of the main flow (not the footnotes, running heads or folio)."""
    last = None

    def walk(box):
        nonlocal last
        if isinstance(box, boxes.LineBox):
            last = box
            return
        for child in getattr(box, "children", ()):
            walk(child)

    walk(page_box.children[0])
    return last


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
            continue  # a line break of the source, already there
        if item.ref is None:
            continue
        kind, (node, attr, offset) = item.ref
        breaks.append((kind, (twin[node], attr, offset), number,
                       max(-1.0, min(1.0, line.ratio)) * TRACKING))
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
        style = tracked_style(box.style, em)
        width = tracked_width(style, box.text)
        if not wp_inline.count_expandable_spaces(box):  # else justifying lays it out again
            box.pango_layout = wp_inline.create_layout(box.text, style, context, None, 0)
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


def tracked_style(style, em: float):
    """`style` with its letters spaced `em` more: one copy per style and step of tracking
    (the steps are 0.0005 em, `rewrite` rounds to them), not one per box, which held a
    400-page book's memory twice over."""
    copies = style.font_config.__dict__.setdefault("_tracked_styles", {})
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
        layout = layouts[key] = Layout(style)
    layout.style = style  # set_text reads its letter spacing
    layout.set_text(text)
    return line_size(layout.get_first_line()[0], style)[0]


def justify_composed(context, line, available_width, last):
    """WeasyPrint's `text_align`, except that a line ending in a composed break is justified
    to the measure exactly: its letters tracked as the line breaker chose, then its spaces
    stretched or shrunk to fill what remains."""
    br = composed_break(line) if last else None
    if br is not None:
        em = float(br.get("data-track") or 0)
        if em:
            track(context, line, em)
        spaces = wp_inline.count_expandable_spaces(line)
        if spaces:
            wp_inline.add_word_spacing(context, line, (available_width - line.width) / spaces, 0)
        return 0
    return ORIGINAL_TEXT_ALIGN(context, line, available_width, last)


ORIGINAL_TEXT_ALIGN = wp_inline.text_align
wp_inline.text_align = justify_composed
