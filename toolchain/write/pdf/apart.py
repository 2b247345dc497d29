"""The book's pages as its divisions, each written as a PDF of its own, joined, and kept
between builds so that a build after an edit lays out only the divisions edited.

A division (`div.doc`) depends on the rest of the book only through the folio and the side
it begins on, the page numbers it prints and the links it makes to other divisions
(tests/test_join.py: a division laid out alone has the book's pages, and writes the same
bytes). So what the build needs of a division's pages is kept as data (`Division`): its
part of the PDF (`join.Part`), its page facts, where its pages begin in the EPUB, its
anchors and index marks. The cache (`Cache`) keeps each under a key of exactly what it
depends on (`division_key`), and a record of the book's last build: its divisions in
order, their keys, and the page numbers the book printed.

A build with a record (`from_cache`) fills the book's numbers in as they were, takes each
division whose key is known from the cache, and lays out alone only the others; each must
come out with as many pages as before, or the book is laid out whole (so every division
stays where it was, and with it every folio and side). Then the numbers are read from the
pages and filled in again, and a division whose text that changed (the contents, the index)
is laid out again, until none does. Either way the screen PDF is the parts joined
(`join.join`), byte for byte the same with the cache or without (tests/test_apart.py).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ...typeset.facts import Block, PageFacts, folio_labels, page_facts
from ...typeset.marks import BLOCK, mark_pages
from ...typeset.pages import division
from ...typeset.paragraphs import KEY
from ...typeset.weasy import page_box
from .. import folios
from ..index import LOCATORS
from ..pagelist import PageStart, page_starts
from . import join
from .laying_out import Layout, Setting, lay_out_whole, setting_the_book
from .sandbox import refused

FORMAT = 1  # of the cache's files: a change of what they hold makes every key new


@dataclass
class Division:
    """One division's pages, laid out and written, as the build needs them: plain data."""

    name: str
    key: str
    part: join.Part  # its pages written, not the blank pages after it (the join makes those)
    facts: list[PageFacts]  # its pages, then the blank pages after it; `index` from 0 here
    starts: list[PageStart]  # where each begins in the EPUB; `number` from 1 here
    anchors: list[list[str]]  # each page's anchors
    marks: dict[str, int]  # each index mark in it: the page it fell on, from 0 here
    counts: dict[str, int] = field(default_factory=dict)  # how its paragraphs were composed
    links: list[str] = field(default_factory=list)  # the anchors outside it its links name
    standing: list[str] = field(default_factory=list)  # those of the book, when written (the
    # part holds a stand-in for each, which the join replaces; WeasyPrint drops the others)

    @property
    def blanks(self) -> int:
        return len(self.facts) - len(self.anchors)


@dataclass
class BookPages:
    """The book's pages, a division at a time: what the page checks, the page list and the
    screen PDF are made from."""

    divisions: list[Division]
    composition: dict
    laid_out_alone: list[str] | None = None  # the divisions laid out this build, if not all
    unwritten: object = None  # parts still to write (`write`), and then to keep (`kept`)

    def labels(self) -> list[str]:
        return folio_labels([f.name for d in self.divisions for f in d.facts])

    def facts(self) -> list[PageFacts]:
        """Every page's facts, numbered through the book, with the book's folios."""
        labels, out = self.labels(), []
        for page in (f for d in self.divisions for f in d.facts):
            out.append(dataclasses.replace(page, index=len(out), folio=labels[len(out)]))
        return out

    def starts(self) -> list[PageStart]:
        labels, out = self.labels(), []
        for d in self.divisions:
            for start in d.starts:
                out.append(dataclasses.replace(start, number=len(out) + 1, folio=labels[len(out)]))
        return out

    def anchor_places(self) -> dict[str, tuple[int, str]]:
        """Each anchor and index mark: (the page it is on, from 0; that page's folio), as
        `folios.anchor_places` reads them from a layout."""
        labels, found, first = self.labels(), {}, 0
        for d in self.divisions:
            for k, names in enumerate(d.anchors):
                for name in names:
                    found.setdefault(name, (first + k, labels[first + k]))
            for name, k in d.marks.items():
                found[name] = (first + k, labels[first + k])
            first += len(d.facts)
        return found

    def write(self, target: Path) -> None:
        """The screen edition: the divisions' parts joined, a blank page where one was; the
        parts of a book laid out whole are written here, where the build writes its PDF
        (EPUBCheck at work meanwhile), and then kept for the next build."""
        if self.unwritten is not None:
            self.unwritten()
        join.join([d.part for d in self.divisions], self.labels(), target,
                  [d.blanks for d in self.divisions])


def lay_out_book(setting: Setting, identifier: bytes, versions: str,
                 cache: Cache | None) -> BookPages:
    """The book's pages: from the cache where the record of its last build allows, else laid
    out whole (a watch's kept layout too); the cache then keeps them."""
    context = layout_context(setting, identifier, versions)
    record = cache.record(context) if cache is not None and setting.kept is None else None
    book = None
    if record:
        body = setting.html.find("body")
        as_made = [copy.deepcopy(d) for d in body]  # the numbers not filled in yet
        book = from_cache(setting, identifier, context, record, cache)
        if book is None:
            body[:] = as_made  # laid out whole as a clean build lays it out
    names = [d.get("id") for d in setting.html.find("body")]

    def keep():
        if cache is not None:
            cache.remember(context, book, names)

    if book is None:
        book = from_layout(lay_out_whole(setting), setting.placed, identifier, context, cache,
                           keep)
    else:
        keep()
    return book


def layout_context(setting: Setting, identifier: bytes, versions: str) -> str:
    """What every division's pages depend on outside it: the layout's context (stylesheets,
    fonts, figures, running title: `relayout.snapshot`), the book's head but for its dates
    (carried only by the first part, which is always laid out), the libraries' versions."""
    head = etree.Element("head")
    for node in setting.html.find("head"):
        if not (node.get("name") or "").startswith("dcterms."):
            head.append(etree.fromstring(etree.tostring(node)))
    return hashlib.sha256(b"\0".join([
        str(FORMAT).encode(), setting.now[0].encode(), etree.tostring(head), identifier,
        versions.encode(), str(setting.compose).encode()])).hexdigest()


def division_key(context: str, html, name: str, folio: str, side: str, after: str,
                 placed: dict) -> str:
    """The key of division `name` laid out alone from `folio` on `side`, its page numbers
    filled in, followed by a division of class `after` (on which a blank page after it
    depends), with the index's marks of `placed` that fall in it (typeset.marks: the
    HTML keeps none)."""
    tree = folios.alone(html, {name}, folio, side)
    for node in tree.iter():
        node.attrib.pop(KEY, None)  # the paragraphs' numbers in the whole book's layout
    blocks = {node.get(BLOCK) for node in tree.iter() if node.get(BLOCK) is not None}
    marks = sorted((ident, place) for ident, place in placed.items() if place[0] in blocks)
    return hashlib.sha256(b"\0".join([context.encode(), folio.encode(), side.encode(),
                                      after.encode(), etree.tostring(tree),
                                      repr(marks).encode()])).hexdigest()


def places(divisions: list[Division]) -> tuple[list[str], list[str], list[int]]:
    """Each division's first folio and side, and its first page's place, from 0."""
    labels = folio_labels([f.name for d in divisions for f in d.facts])
    first, folios_, sides, starts = 0, [], [], []
    for d in divisions:
        folios_.append(labels[first])
        sides.append(d.facts[0].side)
        starts.append(first)
        first += len(d.facts)
    return folios_, sides, starts


def after_classes(html) -> dict[str, str]:
    body = list(html.find("body"))
    return {d.get("id"): (body[k + 1].get("class") or "") if k + 1 < len(body) else ""
            for k, d in enumerate(body)}


def from_layout(laid_out: Layout, placed: dict, identifier: bytes, context: str,
                cache: Cache | None, keep) -> BookPages:
    """The book's pages from its layout as a whole: each division's pages and their facts;
    their parts of the PDF taken from the cache when it has the same, the others written
    with the book's PDF (`BookPages.write`), and then kept (`keep`)."""
    pages = laid_out.pages
    facts, starts = page_facts(pages), page_starts(pages)
    marks = mark_pages(pages, placed)
    everywhere = {name for page in pages for name in page.anchors}
    after = after_classes(laid_out.html)
    divisions, groups = [], join.division_parts(pages)
    for numbers in groups:
        name = division(page_box(pages[numbers[0]]))
        local = {n: k for k, n in enumerate(numbers)}
        divisions.append(Division(
            name, "", join.Part(b"", set()), *as_kept([facts[n] for n in numbers],
                                                      [starts[n] for n in numbers]),
            [sorted(pages[n].anchors) for n in written(pages, numbers)],
            {m: local[n] for m, n in marks.items() if n in local},
            dict(laid_out.by_division.get(name, {}))))
    folios_, sides, _ = places(divisions)
    unwritten = []
    for d, numbers, folio, side in zip(divisions, groups, folios_, sides, strict=True):
        d.key = division_key(context, laid_out.html, d.name, folio, side, after[d.name], placed)
        kept = cache.division(d.key) if cache is not None and d is not divisions[0] else None
        if kept is not None and kept.facts == d.facts:
            d.part, d.links, d.standing = kept.part, kept.links, kept.standing
        else:
            unwritten.append((d, written(pages, numbers)))

    def write_parts():
        for d, numbers in unwritten:
            d.part, d.links, d.standing = join.write_part(laid_out.document, numbers,
                                                          identifier, everywhere)
        refused(laid_out.fetcher)
        book.unwritten = None
        keep()

    book = BookPages(divisions, dict(laid_out.composition), unwritten=write_parts)
    return book


def from_cache(setting: Setting, identifier: bytes, context: str, record: dict,
               cache: Cache) -> BookPages | None:
    """The book's pages from the last build's record: each division from the cache when
    its key is known, else laid out alone in the place it had; None when a division would
    not keep its place (as many pages), or the book's divisions are not the record's."""
    html = setting.html
    names = [d.get("id") for d in html.find("body")]
    old = [cache.division(key) for key in record["keys"]]
    if names != record["names"] or None in old:
        return None
    folios_, sides, _ = places(old)
    after = after_classes(html)
    found = {name: tuple(place) for name, place in record["found"].items()}
    first_form = {d.get("id"): copy.deepcopy(d) for d in html.find("body")
                  if d.xpath(f".//*[@data-epub-type='{LOCATORS}']")}
    fill(html, first_form, found)
    divisions, alone = list(old), []
    for _ in range(folios.ROUNDS + 1):
        for k, name in enumerate(names):
            key = division_key(context, html, name, folios_[k], sides[k], after[name],
                               setting.placed)
            if k and key == divisions[k].key:
                continue
            got = cache.division(key) if k else None  # the first part: the book's metadata
            if got is None:
                got = lay_out_alone(setting, name, key, folios_[k], sides[k], old[k],
                                    identifier, anchors_of(divisions))
                if got is None:
                    return None
                alone.append(name)
            divisions[k] = got
        book = BookPages(divisions, dict(record["composition"]), sorted(set(alone)))
        everywhere = anchors_of(divisions)
        if any(set(d.links) & everywhere != set(d.standing) for d in divisions):
            return None  # a link whose anchor came or went: laid out whole (WeasyPrint
            # writes a link only to an anchor of the book)
        if not fill(html, first_form, book.anchor_places()):
            break
    else:
        return None
    book.composition.update(totals(divisions))
    refused(setting.fetcher)
    return book


def as_kept(facts: list[PageFacts], starts: list[PageStart]):
    """A division's page facts and starts as it keeps them, whether laid out alone or in
    the book: numbered from its first page, their folios left to the book (`BookPages`)."""
    return ([dataclasses.replace(f, index=k, folio="", blocks=[
                dataclasses.replace(b, element=None) for b in f.blocks])
             for k, f in enumerate(facts)],
            [dataclasses.replace(s, number=k + 1, folio="") for k, s in enumerate(starts)])


def written(pages, numbers: list[int]) -> list[int]:
    """The pages of a division a part holds: up to its last page not blank (the blank pages
    after it, which begin the next division on a recto, are made by the join)."""
    last = max(k for k, n in enumerate(numbers) if not page_box(pages[n]).page_type.blank)
    return numbers[:last + 1]


def fill(html, first_form: dict, found: dict) -> list[str]:
    """`folios.fill` with the index's locators filled from their first form each time (a
    list filled is merged into runs, and keeps only each run's ends): the divisions whose
    text changed."""
    body = html.find("body")
    before = {d.get("id"): etree.tostring(d) for d in body}
    for k, d in enumerate(body):
        if d.get("id") in first_form:
            body[k] = copy.deepcopy(first_form[d.get("id")])
    folios.fill(html, found)
    return [d.get("id") for d in body if etree.tostring(d) != before[d.get("id")]]


def anchors_of(divisions: list[Division]) -> set[str]:
    return {name for d in divisions for names in d.anchors for name in names}


def totals(divisions: list[Division]) -> dict[str, int]:
    return {name: sum(d.counts.get(name, 0) for d in divisions) for name in Layout.COUNTS}


def lay_out_alone(setting: Setting, name: str, key: str, folio: str, side: str,
                  before: Division, identifier: bytes, everywhere: set[str]) -> Division | None:
    """Division `name` laid out alone from `folio` on `side`; None unless it has as many
    pages as it had (`before`), so that every division after it keeps its place."""
    with setting_the_book():
        laid = setting.lay_out(folios.alone(setting.html, {name}, folio, side), setting.compose,
                               whole=False)
    numbers = written(laid.pages, list(range(len(laid.pages))))
    pages = [laid.pages[n] for n in numbers]
    if len(pages) != len(before.anchors) or numbers[0] != 0 or \
            page_box(pages[0]).page_type.side != side:
        return None
    facts, starts = as_kept(page_facts(pages), page_starts(pages))
    anchors = [sorted(page.anchors) for page in pages]
    part, links, standing = join.write_part(
        laid.document, numbers, identifier, everywhere | {a for names in anchors for a in names})
    return Division(name, key, part, facts + before.facts[len(pages):],
                    starts + before.starts[len(pages):],
                    anchors, mark_pages(pages, setting.placed),
                    dict(laid.by_division.get(name, {})), links, standing)


class Cache:
    """Divisions' pages kept between builds, in a folder of the user's cache
    (`TOOLCHAIN_CACHE`, else `$XDG_CACHE_HOME/toolchain`, else ~/.cache/toolchain): one
    JSON file and one PDF a division, named by its key; one record a book (by its
    layout's sources, the manuscript's divisions), written last. Files are written whole
    and moved in place, so two builds at once leave each a whole file or none."""

    LIMIT = 512 * 1024 * 1024  # bytes kept; the least used go first

    def __init__(self, folder: Path):
        self.folder = folder / "layout"

    @classmethod
    def default(cls) -> Cache:
        root = os.environ.get("TOOLCHAIN_CACHE") or (
            Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "toolchain")
        return cls(Path(root))

    def record(self, book_key: str) -> dict | None:
        return self.read_json(self.folder / f"book-{book_key[:32]}.json")

    def division(self, key: str) -> Division | None:
        data = self.read_json(self.folder / f"{key}.json")
        pdf = self.folder / f"{key}.pdf"
        if data is None or not pdf.is_file():
            return None
        try:
            os.utime(pdf)
            return Division(
                data["name"], key, join.Part(pdf.read_bytes(), set(data["part_anchors"])),
                [page_facts_from(f) for f in data["facts"]],
                [PageStart(**s) for s in data["starts"]], data["anchors"], data["marks"],
                data["counts"], data["links"], data["standing"])
        except (OSError, KeyError, TypeError):
            return None

    def remember(self, book_key: str, book: BookPages, names: list[str]) -> None:
        """Keep each division not kept yet, then the book's record."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for d in book.divisions:
                if not (self.folder / f"{d.key}.json").is_file():
                    self.write(f"{d.key}.pdf", d.part.data)
                    self.write(f"{d.key}.json", json.dumps({
                        "name": d.name, "part_anchors": sorted(d.part.anchors),
                        "facts": [dataclasses.asdict(f) for f in d.facts],
                        "starts": [dataclasses.asdict(s) for s in d.starts],
                        "anchors": d.anchors, "marks": d.marks, "counts": d.counts,
                        "links": d.links, "standing": d.standing}).encode())
            found = book.anchor_places()
            self.write(f"book-{book_key[:32]}.json", json.dumps({
                "names": names,
                "keys": [d.key for d in book.divisions], "found": found,
                "composition": book.composition}).encode())
            self.prune()
        except OSError:
            pass  # a cache that cannot be written is a cache that misses: the build is whole

    def write(self, name: str, data: bytes) -> None:
        temporary = self.folder / f".{name}.{os.getpid()}"
        temporary.write_bytes(data)
        os.replace(temporary, self.folder / name)

    @staticmethod
    def read_json(path: Path) -> dict | None:
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def prune(self) -> None:
        """The least used divisions let go while the cache holds more than LIMIT."""
        files = sorted(self.folder.glob("*.pdf"), key=lambda p: p.stat().st_mtime)
        size = sum(p.stat().st_size for p in files)
        for pdf in files:
            if size <= self.LIMIT:
                break
            size -= pdf.stat().st_size
            pdf.unlink(missing_ok=True)
            pdf.with_suffix(".json").unlink(missing_ok=True)


def page_facts_from(data: dict) -> PageFacts:
    blocks = [Block(**b) for b in data.pop("blocks")]
    return PageFacts(**data, blocks=blocks)
