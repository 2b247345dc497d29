"""The index: marks and the pages they fell on → a back-matter division in EPUB Indexes 1.0
markup, the same for both editions.

Entries are sorted by the Unicode Collation Algorithm (pyuca: accents and umlauts sort with
their letter, as dictionaries do), letter by letter or word by word (Chicago 16.58–16.61),
with the tailorings of the languages whose alphabets add letters after z or n (Swedish,
Danish, Norwegian, Finnish, Spanish); grouped under their first letters; sub-entries below
their heading. The index is written first with a locator per mark (each a link to the
mark's id) whose text waits for the print layout; `fill_locators` then puts in the folios:
in page order, a note's as 23n4, consecutive pages and marked ranges merged and elided as
Chicago 9.64 has them (3–5, 101–8, 321–28; roman numerals in full).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from lxml import etree

from .. import model as m
from .xhtml import EPUB_TYPE, XHTML, el

H = f"{{{XHTML}}}"
TAILORED = {  # letters sorted after z (or after n), by language
    "sv": "åäö", "fi": "åäö", "da": "æøå", "nb": "æøå", "nn": "æøå", "no": "æøå",
}
AFTER_N = {"es": "ñ"}


@dataclass
class Place:
    """A mark where it stands: its id, its document, and the note it is in, if any."""

    ident: str
    file: str
    note: str | None = None  # the note's number as printed ("4"), "" for a starred note
    range: str | None = None


@dataclass
class Entry:
    heading: str
    sort: str
    places: list = field(default_factory=list)  # Place, or (start Place, end Place)
    see: list = field(default_factory=list)
    also: list = field(default_factory=list)
    subs: dict = field(default_factory=dict)


@cache
def collator():
    import pyuca

    return pyuca.Collator()
LOCATORS = "index-locator-list"  # the epub:type of an entry's list of pages


def collation_key(text: str, language: str, by_word: bool) -> tuple:
    """How a heading sorts: up to its first comma or parenthesis, letter by letter (spaces
    and hyphens ignored) or word by word (a space before any letter); then the rest."""
    base = language.split("-")[0].lower()
    text = text.lower()
    for k, char in enumerate(TAILORED.get(base, "")):
        text = text.replace(char, "\uffff" + chr(0x31 + k))
    for char in AFTER_N.get(base, ""):
        text = text.replace(char, "n\uffff")
    found = re.search(r"[,(]", text)
    head = text[:found.start()] if found else text
    rest = text[len(head):]
    key = collator().sort_key
    if by_word:
        words = [w for w in re.split(r"[\s\-–—]+", head) if w]
        first = tuple(key(w) for w in words)
    else:
        first = (key(re.sub(r"[\s\-–—'’.]", "", head)),)
    return first, key(rest)


def group_of(text: str, language: str, words=None) -> str:
    """The letter an entry is grouped under."""
    first = text.strip()[:1]
    base = language.split("-")[0].lower()
    if first.lower() in TAILORED.get(base, "") + AFTER_N.get(base, ""):
        return first.upper()
    letter = unicodedata.normalize("NFKD", first)[:1].upper()
    if letter.isalpha():
        return letter
    words = words or {"index_numerals": "0–9", "index_symbols": "Symbols"}
    return words["index_numerals"] if letter.isdigit() else words["index_symbols"]


def entries(marks: list[tuple[m.IndexMark, Place]]) -> dict[str, Entry]:
    """The entries of the index, as a tree by heading, from the marks in reading order. A
    range's start and end marks become one place (start, end)."""
    tree: dict[str, Entry] = {}
    open_ranges: dict[tuple, Place] = {}
    for mark, place in marks:
        level = tree
        entry = None
        for depth, heading in enumerate(mark.headings):
            entry = level.get(heading)
            if entry is None:
                entry = level[heading] = Entry(heading, (mark.sort if depth == 0 and mark.sort
                                                         else heading))
            elif depth == 0 and mark.sort:
                entry.sort = mark.sort
            level = entry.subs
        path = tuple(mark.headings)
        if mark.see:
            entry.see.append(mark.see)
        if mark.also:
            entry.also.append(mark.also)
        if mark.see or (mark.also and not mark.children):
            continue  # a cross-reference alone is no locator
        if mark.range == "start":
            open_ranges[path] = place
        elif mark.range == "end" and path in open_ranges:
            entry.places.append((open_ranges.pop(path), place))
        else:
            entry.places.append(place)
    for path, place in open_ranges.items():  # never closed (lint says so): a point
        level = tree
        for heading in path:
            entry = level[heading]
            level = entry.subs
        entry.places.append(place)
    return tree


def entry_id(path: tuple[str, ...]) -> str:
    """An entry's id, from its headings: what a cross-reference links to."""
    words = re.sub(r"[^\w]+", "-", " ".join(path).lower()).strip("-")
    return "index-" + (unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
                       or "entry")


def section(tree: dict[str, Entry], language: str, by_word: bool, words):
    """The index as EPUB Indexes markup: a section of index-groups of entry lists; `words`
    the book's (its title, "See", "See also", the groups of symbols and numerals)."""
    sec = el("section", {"id": "index", "epub:type": "index", "role": "doc-index",
                         "class": "index", "aria-labelledby": "index-title"},
             el("h1", {"id": "index-title"}, text=words["index"]))
    main = {heading: entry_id((heading,)) for heading in tree}
    groups: dict[str, list] = {}
    for entry in sorted(tree.values(), key=lambda e: collation_key(e.sort, language, by_word)):
        groups.setdefault(group_of(entry.sort, language, words), []).append(entry)
    group_ids = {letter: f"index-group-{entry_id((letter,))[6:] or 'other'}" for letter in groups}
    ids = set(group_ids.values()) | {f"{gid}-title" for gid in group_ids.values()}
    for letter, members in groups.items():
        gid = group_ids[letter]
        group = el("section", {"epub:type": "index-group", "id": gid,
                               "aria-labelledby": f"{gid}-title"},
                   el("h2", {"id": f"{gid}-title"}, text=letter))
        group.append(entry_list(members, (), language, by_word, main, ids, words))
        sec.append(group)
    return sec


def entry_list(members: list[Entry], path: tuple, language: str, by_word: bool,
               main: dict[str, str], ids: set[str], words):
    ul = el("ul", {"epub:type": "index-entry-list"})
    for entry in members:
        here = (*path, entry.heading)
        ident = entry_id(here)
        while ident in ids:
            ident += "-x"
        ids.add(ident)
        li = el("li", {"epub:type": "index-entry", "id": ident},
                el("span", {"epub:type": "index-term"}, text=entry.heading))
        if entry.places:
            li[-1].tail = ", "
            locators = el("span", {"epub:type": LOCATORS})
            for k, place in enumerate(entry.places):
                locators.append(locator_placeholder(place))
                if k + 1 < len(entry.places):
                    locators[-1].tail = ", "
            li.append(locators)
        see_also = words["index_see_also"]
        for kind, targets, word in (("index-xref-preferred", entry.see, words["index_see"]),
                                    ("index-xref-related", entry.also,
                                     see_also[:1].lower() + see_also[1:])):
            if not targets:
                continue
            last = li[-1]
            last.tail = (last.tail or "").rstrip(", ") + (". " if not path else "; ")
            xref = el("span", {"epub:type": kind},
                      el("i", text=word[:1].upper() + word[1:] if not path or kind.endswith("preferred")
                         else word))
            xref[-1].tail = " "
            for k, target in enumerate(dict.fromkeys(targets)):
                head = target.split(">")[0].strip()
                link = el("a", {"epub:type": "index-term",
                                "href": f"#{main[head]}" if head in main else None},
                          text=target.replace(" > ", ", "))
                if k:
                    xref[-1].tail = (xref[-1].tail or "") + "; "
                xref.append(link)
            li.append(xref)
        if entry.subs:
            li.append(entry_list(sorted(entry.subs.values(), key=lambda e: collation_key(
                e.sort, language, by_word)), here, language, by_word, main, ids, words))
        ul.append(li)
    return ul


def locator_placeholder(place) -> etree._Element:
    """A place as the first writing shows it, before the pages are known: a link to the
    mark (or the range's two), its text to come (`fill_locators`)."""
    if isinstance(place, tuple):
        start, end = place
        return el("span", {"epub:type": "index-locator-range", "class": "range"},
                  locator_link(start), locator_link(end))
    return locator_link(place)


def locator_link(place: Place) -> etree._Element:
    return el("a", {"epub:type": "index-locator", "href": f"{place.file}#{place.ident}",
                    "data-at": place.ident, "data-note": place.note}, text="0")


def fill_locators(root, found: dict[str, tuple[int, str]]) -> bool:
    """Each locator list under `root` (an index's, in either edition's markup) rewritten with
    the pages its marks fell on — `found` is an anchor's (page index, folio): in page order,
    consecutive pages and ranges merged and elided, a note's as 23n4. Returns whether any
    text changed."""
    changed = False
    lists = [e for e in root.iter()  # (listed first: the loop rewrites them)
             if e.get("data-epub-type", e.get(EPUB_TYPE)) == LOCATORS]
    for locators in lists:
        items = []
        for child in locators:
            links = [child] if child.get("data-at") else [a for a in child if a.get("data-at")]
            if not links or any(a.get("data-at") not in found for a in links):
                continue
            first, last = links[0], links[-1]
            items.append((found[first.get("data-at")], found[last.get("data-at")],
                          first, last, first.get("data-note")))
        if not items:
            continue
        old = "".join(locators.itertext())
        for child in list(locators):
            locators.remove(child)
        for k, part in enumerate(merged(items, print_markup=locators.tag == "span")):
            if k:
                locators[-1].tail = ", "
            locators.append(part)
        changed |= "".join(locators.itertext()) != old
    return changed


def merged(items: list, print_markup: bool = False) -> list:
    """The locators' elements in page order: notes each alone (23n4); pages and ranges run
    together where they touch, elided (Chicago 9.64) — but two mentions on facing pages stay
    two (34, 35: a range would claim a discussion running over)."""
    notes = [i for i in items if i[4] is not None]
    spans = sorted((i for i in items if i[4] is None), key=lambda i: (i[0][0], i[1][0]))
    runs: list[list] = []
    for start, end, first, last, _ in spans:
        if runs and same_kind(runs[-1][1][1], start[1]) and start[0] <= runs[-1][1][0] + 1:
            if end[0] > runs[-1][1][0]:
                runs[-1][1], runs[-1][3] = end, last
            runs[-1][4] |= start[0] != end[0]
            continue
        runs.append([start, end, first, last, start[0] != end[0]])
    pairs = []
    for run in runs:  # two single mentions on consecutive pages: two locators
        start, end, first, last, spanned = run
        if end[0] == start[0] + 1 and not spanned:
            pairs += [[start, start, first, first, False], [end, end, last, last, False]]
        else:
            pairs.append(run)
    out = []
    for start, end, first, last, _ in pairs:
        if start[0] == end[0]:
            out.append((start[0], link_like(first, start[1])))
        else:
            text_end = elided(start[1], end[1])
            pieces = (link_like(first, start[1], "\u2013"), link_like(last, text_end))
            if print_markup:  # as the print HTML has every element (pdf.combined_html)
                span = etree.Element("span", {"class": "range",
                                              "data-epub-type": "index-locator-range"})
                span.extend(pieces)
            else:
                span = el("span", {"epub:type": "index-locator-range", "class": "range"},
                          *pieces)
            out.append((start[0], span))
    for start, _, first, _, note in notes:
        out.append((start[0], link_like(first, f"{start[1]}n{note}")))
    return [element for _, element in sorted(out, key=lambda o: o[0])]


def link_like(link, text: str, tail: str | None = None):
    """A copy of a locator's link with `text`."""
    copy = etree.Element(link.tag, dict(link.attrib))
    copy.text = text
    copy.tail = tail
    return copy


def same_kind(a: str, b: str) -> bool:
    return a.isdigit() == b.isdigit()


def elided(start: str, end: str) -> str:
    """The second number of a range as Chicago 9.64 writes it: all digits under 100, at a
    hundred's start (100–104) or when it grows a digit; from 101 through 109 of a hundred,
    the digits that change (101–8, 808–33, 1103–4); else two digits or more as needed
    (321–28, 498–532, 1496–500, 12991–3001). Roman numerals in full."""
    if not (start.isdigit() and end.isdigit()):
        return end
    first = int(start)
    if first < 100 or first % 100 == 0 or len(end) != len(start):
        return end
    differ = next((k for k in range(len(start)) if start[k] != end[k]), len(start) - 1)
    if first % 100 < 10:
        return end[differ:]
    return end[min(differ, len(end) - 2):]
