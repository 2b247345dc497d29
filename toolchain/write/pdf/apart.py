"""The book laid out a division at a time, each division written as a PDF of its own, the
parts joined, and kept between builds: a build after an edit lays out only the divisions
edited, and a build that must lay out many lays them out on every core.

A division (`div.doc`) depends on the rest of the book only through the folio and the side
it begins on, the page numbers it prints, the links it makes to other divisions and the
division after it (whether blank pages follow): a division laid out alone has the book's
pages, and writes the same bytes (tests/test_join.py). So each is laid out alone, in book
order, where the pages before it leave it (`in_order`), with an empty division of the next
one's class after it, so that the blank pages between them are laid out too. What the build
needs of its pages is kept as data (`Division`): its part of the PDF (`join.Part`), its page
facts, where its pages begin in the EPUB, its anchors and index marks. The cache (`Cache`)
keeps each under a key of exactly what it depends on (`division_key`), and a record of the
book's last build: its divisions, their keys and pages, the numbers the book printed.

A build fills the book's numbers in as the record has them, takes each division whose key
is known from the cache, and lays out the others — those whose places the record gives, at
once, on `jobs` processes; then the numbers are read from the pages and filled in again, and
a division whose text or place that changed is laid out again, until they rest. The screen
PDF is the parts joined (`join.join`), byte for byte the same whatever the cache holds and
however many processes lay it out (tests/test_apart.py). A watch builds the same way.
"""

from __future__ import annotations

import copy
import ctypes
import dataclasses
import gc
import hashlib
import json
import multiprocessing
import multiprocessing.connection
import os
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ...errors import InternalError
from ...kept import prune, write_whole
from ...places import cache_folder
from ...typeset.facts import Block, PageFacts, folio_labels, page_facts, roman
from ...typeset.hyphenate import preload
from ...typeset.marks import BLOCK, mark_pages
from ...typeset.pages import division
from ...typeset.paragraphs import KEY
from ...typeset.weasy import page_box
from .. import folios
from ..index import LOCATORS
from ..pagelist import PageStart, page_starts
from . import join
from .laying_out import Layout, Setting
from .sandbox import refused
from .writing import text_beyond

FORMAT = 2  # of the cache's files: a change of what they hold makes every key new


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
    feet: str = "none moved"  # how its lines were kept off the page feet (pdf.composed_layout)
    beyond: list[tuple[int, str]] = field(default_factory=list)  # text beyond a page's edge
    # (`writing.text_beyond`: its page, from 0 here; the text), measured once as written

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
    short: bool = False  # the book's text under LARGE_CHARACTERS (`short_book`)

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

    def beyond(self) -> list[tuple[int, str]]:
        """Text beyond a page's edge, each page numbered through the book (from 0)."""
        found, first = [], 0
        for d in self.divisions:
            found += [(first + k, text) for k, text in d.beyond]
            first += len(d.facts)
        return found

    def write(self, target: Path) -> None:
        """The screen edition: the divisions' parts joined, a blank page where one was."""
        join.join([d.part for d in self.divisions], self.labels(), target,
                  [d.blanks for d in self.divisions])
        give_back_memory()  # the join's objects, before the press edition reads the PDF


def lay_out_book(setting: Setting, identifier: bytes, versions: str,
                 cache: Cache | None, jobs: int = 1, client=None) -> BookPages:
    """The book's pages, each division laid out alone in book order (or taken from the
    cache), the numbers the divisions print filled in until they rest. The cache then keeps
    them for the next build. Divisions laid out at once go to `jobs` processes, or to the
    workers of a Dask cluster (`client`)."""
    context = layout_context(setting, identifier, versions)
    names = [d.get("id") for d in setting.html.find("body")]
    record = cache.record(identifier) if cache is not None else None
    short = short_book(setting.html)
    if not short or jobs > 1 or client is not None:
        gc.collect()  # what the stages before left, given back before the processes that
        give_back_memory()  # lay the divisions out are forked, which would each share it
    gc.freeze()  # what the build holds so far (the model, the documents, the print HTML,
    try:  # the fonts) left out of the collections after each division, which then go
        book = in_order(setting, identifier, context, cache, record, jobs, client)
    finally:  # through that division's boxes alone
        gc.unfreeze()
    if cache is not None:
        cache.remember(identifier, book, names)
    book.short = short
    return book


def short_book(html) -> bool:
    """Whether the book's text is at most LARGE_CHARACTERS: what its stages leave is then
    small, and not worth a collection of everything the process holds (50 ms in a build's
    own process, 150 ms in a test's or a watch's, two a build) before it is laid out on
    one job, or before its EPUBs are checked."""
    return len("".join(html.find("body").itertext())) <= LARGE_CHARACTERS


def layout_context(setting: Setting, identifier: bytes, versions: str) -> str:
    """What every division's pages depend on outside it: the layout's context (stylesheets,
    fonts, figures, running title: `laying_out.context`), the book's head but for its dates
    (carried only by the first part, which is always laid out), the libraries' versions."""
    head = etree.Element("head")
    for node in setting.html.find("head"):
        if not (node.get("name") or "").startswith("dcterms."):
            head.append(etree.fromstring(etree.tostring(node)))
    return hashlib.sha256(b"\0".join([
        str(FORMAT).encode(), setting.context.encode(), etree.tostring(head), identifier,
        versions.encode(), str(setting.compose).encode()])).hexdigest()


def division_key(context: str, html, name: str, folio: str, side: str, after: str,
                 placed: dict) -> str:
    """The key of division `name` laid out alone from `folio` on `side`, its page numbers
    filled in, followed by a division of class `after` (on which a blank page after it
    depends), with the index's marks of `placed` that fall in it (typeset.marks: the
    HTML keeps none). The book's dates are left out, as `layout_context` leaves them: an
    editor's manuscript outside git takes its date from the newest file, so every edit
    would otherwise lay every division out again."""
    tree = folios.alone(html, {name}, folio, side)
    for node in tree.iter():
        node.attrib.pop(KEY, None)  # the paragraphs' numbers in the whole book's layout
    head = tree.find("head")
    for node in head.findall("meta"):
        if (node.get("name") or "").startswith("dcterms."):
            head.remove(node)  # the dates: the first part carries them, and is laid out
    blocks = {node.get(BLOCK) for node in tree.iter() if node.get(BLOCK) is not None}
    marks = sorted((ident, place) for ident, place in placed.items() if place[0] in blocks)
    return hashlib.sha256(b"\0".join([context.encode(), folio.encode(), side.encode(),
                                      after.encode(), etree.tostring(tree),
                                      repr(marks).encode()])).hexdigest()


def after_classes(html) -> dict[str, str]:
    body = list(html.find("body"))
    return {d.get("id"): (body[k + 1].get("class") or "") if k + 1 < len(body) else ""
            for k, d in enumerate(body)}


def in_order(setting: Setting, identifier: bytes, context: str, cache: Cache | None,
             record: dict | None, jobs: int = 1, client=None) -> BookPages:
    """Each division laid out alone in its place in the book, from the folio and on the side
    the pages before it leave it (`place`), or taken from the cache under its key; then the
    page numbers read from the pages and filled in, and the divisions whose text or place
    that changed laid out again, until the numbers rest. The last build's record (`record`)
    gives the numbers and each division's pages to begin with: so after an edit most
    divisions are found in the cache at once, and the others are laid out at once, on
    `jobs` processes or a cluster's workers (`settle`)."""
    html = setting.html
    body = list(html.find("body"))
    names = [d.get("id") for d in body]
    first_form = {d.get("id"): copy.deepcopy(d) for d in body
                  if d.xpath(f".//*[@data-epub-type='{LOCATORS}']")}
    found, guesses = last_build(record, names)
    if found:
        fill(html, first_form, found)
    book = Book(setting, identifier, context, cache, body, jobs, client)
    if not guesses and first_form:  # the index waits for its numbers, from the pages before
        index = names.index(next(iter(first_form)))  # it (with none, it would print each of
        fill(html, first_form, BookPages(book.settle({}, index), {}).anchor_places())  # 0)
    for _ in range(folios.ROUNDS + 2):
        divisions = book.settle(guesses)
        pages = BookPages(divisions, {}, sorted(set(book.alone)))
        found = pages.anchor_places()
        if not fill(html, first_form, found):
            break
    else:
        raise InternalError("layout", "the page numbers the contents, the index and the page "
                            f"references print did not come to rest in {folios.ROUNDS + 2} "
                            "rounds")
    lost = sorted({a.get("data-at") for d in first_form.values() for a in d.xpath(
        ".//*[@data-at]")} - set(found))
    if lost:  # a locator to a mark no page holds would print 0: a page number made up
        raise InternalError("layout", f"the index's marks {', '.join(lost[:5])} fell on no "
                            "page laid out")
    everywhere = anchors_of(divisions)
    for k, d in enumerate(divisions):  # a link to an id that no page holds: written again
        if set(d.links) & everywhere != set(d.standing):  # without its stand-in
            divisions[k] = book.lay_out([(k, d.key) + book.places[k]], everywhere)[0]
    pages.composition = {**totals(divisions), "page feet": next(
        (d.feet for d in divisions if d.feet != "none moved"), "none moved")}
    return pages


def last_build(record: dict | None, names: list[str]) -> tuple[dict, dict[str, int]]:
    """From the record of the book's last build, if it had these divisions: the numbers it
    printed (anchor → (page, folio)) and each division's pages; nothing from a record that
    is not one (any file in the cache may have been damaged)."""
    try:
        if record is None or record["names"] != names:
            return {}, {}
        found = {str(name): (int(at[0]), str(at[1])) for name, at in record["found"].items()}
        pages = [int(count) for count in record["pages"]]
        if len(pages) != len(names) or min(pages, default=1) < 1:
            return {}, {}
        return found, dict(zip(names, pages, strict=True))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return {}, {}


class Book:
    """The divisions of a book being laid out apart: each one's pages as laid out or found
    so far (`current`), and where each begins (`places`)."""

    def __init__(self, setting: Setting, identifier: bytes, context: str, cache: Cache | None,
                 body: list, jobs: int, client=None):
        self.setting, self.identifier, self.context, self.cache = setting, identifier, context, cache
        self.body, self.names = body, [d.get("id") for d in body]
        self.after = after_classes(setting.html)
        self.ids = set(setting.html.xpath("//@id"))  # the anchors of the book, at most
        self.jobs, self.client = jobs, client
        self.current: dict[str, Division] = {}
        self.alone: list[str] = []
        self.places: list[tuple[str, str]] = []
        self.lengths: dict[str, int] = {}  # each division's characters and classes
        self.kinds: dict[str, set[str]] = {}  # (`measure`)
        for lang in languages(setting.html):  # loaded here once, not in each process
            preload(lang)  # forked to lay a division out

    def settle(self, guesses: dict[str, int], before: int | None = None) -> list[Division]:
        """Every division (or those `before` the one numbered so) in its place: found, or
        laid out (those whose places are known at once together); again while a division
        laid out has not the pages guessed, so that those after it move.

        The body's divisions are numbered from its first page, which is a recto: where the
        front matter's pages are not known yet (a first build), the body's are laid out
        beside it, from folio 1 on (`body_ahead`); were the front matter's pages odd, they
        would be laid out again in their places."""
        keys: dict[tuple, str] = {}  # the HTML does not change in here: each key made once
        body = self.body[:before]
        while True:
            wanted, position, start, self.places = [], 0, None, []
            for k, div in enumerate(body):
                if start is None and "body-start" in (div.get("class") or "").split():
                    start = position
                self.places.append(place(position, start))
                count = self.find(k, self.places[-1], keys, guesses, wanted)
                if count is None:  # the places after it are known once it is laid out
                    line = (k, position, start, 0)
                    if start is None:  # the front matter's line, and the body's beside it
                        ahead = self.body_ahead(body, keys, guesses, wanted)
                        self.ahead_of(body, line, keys, guesses, wanted, front=True)
                        line = ahead
                    if line is not None:
                        self.ahead_of(body, line, keys, guesses, wanted)
                    break
                position += count
            if not wanted:
                return [self.current[name] for name in self.names[:len(body)]]
            for d in self.lay_out(wanted, self.ids):
                self.current[d.name] = d
                self.alone.append(d.name)
                guesses[d.name] = len(d.facts)

    def find(self, k: int, where: tuple[str, str], keys: dict, guesses: dict[str, int],
             wanted: list) -> int | None:
        """Division `k` at `where` (folio, side): taken as laid out already or from the
        cache, else added to `wanted`; its pages' count, if known or guessed."""
        name = self.names[k]
        if (name, *where) not in keys:
            keys[name, *where] = division_key(self.context, self.setting.html, name, *where,
                                              self.after[name], self.setting.placed)
        key = keys[name, *where]
        got = self.current.get(name)
        if got is None or got.key != key:
            got = self.cache.division(key) if self.cache is not None and k else None
            if got is None:  # (the first part, always laid out: the metadata)
                wanted.append((k, key) + where)
            else:
                self.current[name] = got
        return len(got.facts) if got is not None and got.key == key else guesses.get(name)

    def body_ahead(self, body: list, keys: dict, guesses: dict[str, int],
                   wanted: list) -> tuple[int, int, int, int] | None:
        """The body's divisions found or wanted in book order from its first page, folio 1
        on a recto, while the front matter's pages are still being laid out: where they
        stop, as `ahead_of` takes it, if they do."""
        first = next((k for k, div in enumerate(body)
                      if "body-start" in (div.get("class") or "").split()), None)
        relative = 0
        for k in range(first if first is not None else len(body), len(body)):
            count = self.find(k, place(relative, 0), keys, guesses, wanted)
            if count is None:
                return k, relative, 0, first
            relative += count
        return None

    def ahead_of(self, body: list, line: tuple[int, int, int | None, int], keys: dict,
                 guesses: dict[str, int], wanted: list, front: bool = False) -> None:
        """`line`: the division that stops a line of divisions found in book order (its
        number, its first page, the body's first page) and the line's first division. While
        fewer of the line are wanted than there are processes, the divisions after it are
        laid out too, each where it would begin were those before it as long as estimated
        (`estimate`). A division's pages are as many wherever it begins (only its folios
        differ), so each one laid out gives the next round its count, and so the exact place
        of the one after it, even when its own place was wrong; where it was right, it is
        the division's layout. Were a count to differ with the place, the rounds would still
        place each division where the pages before it leave it: the files are the same.
        `front`: the line is the front matter's, beside the body's (`body_ahead`): it ends
        where the body begins."""
        k, position, start, first = line
        self.measure()
        end = next((n for n, div in enumerate(body) if front and "body-start" in (
            div.get("class") or "").split()), len(body))
        ours = sum(1 for w in wanted if first <= w[0] < end)
        while ours < self.jobs and self.client is None and self.forks():
            name = self.names[k]
            position += guesses[name] if name in guesses else self.estimate(k)
            k += 1
            if k >= end:
                return
            if start is None and "body-start" in (body[k].get("class") or "").split():
                start = position
            if self.lengths[self.names[k]] > LARGE_CHARACTERS:
                return  # laid out alone, once, where the pages before it leave it
            if self.names[k] not in guesses:  # its count is not known yet
                before = len(wanted)
                self.find(k, place(position, start), keys, guesses, wanted)
                ours += len(wanted) - before

    def forks(self) -> bool:
        """Whether divisions are laid out in processes forked for them: always for a long
        book (its text over LARGE_CHARACTERS: what a layout leaves goes with its process),
        where this process may fork (`may_fork`). A short book's layouts leave little
        behind, and a process forked for each division starts its caches cold (the title at
        `--jobs 1`, 0.3–1.1 s of CPU and 0.6 s of wall), so it is laid out in this process
        with one job, and with more unless WORTH_FORKING of its divisions are long enough
        to be laid out side by side with gain. Measured with two jobs against one (the
        layout stage, two runs each, 2 cores): the title, one chapter, 3.5 s against 3.1 s;
        Whitman, two poems' chapters, 5.6–6.0 s against 2.0–2.1 s (its places guessed
        wrong, divisions laid out again); the title's chapter twice, 5.9–6.1 s against
        5.0–5.6 s; three times, alike (6.9–7.1 s, 7.0–7.2 s); four and five times, 7.6 s
        against 8.5–8.7 s and 8.9–9.2 s against 10.8–11.0 s."""
        self.measure()
        if not may_fork():
            return False
        if sum(self.lengths.values()) > LARGE_CHARACTERS:
            return True
        substantial = sum(1 for n in self.lengths.values() if n >= SUBSTANTIAL_CHARACTERS)
        return self.jobs > 1 and substantial >= WORTH_FORKING

    def measure(self) -> None:
        """Each division's characters and classes, once: for `ahead_of` and `estimate`."""
        if not self.lengths:
            self.lengths = {d.get("id"): len("".join(d.itertext())) for d in self.body}
            self.kinds = {d.get("id"): set((d.get("class") or "").split()) - {"body-start"}
                          for d in self.body}

    def estimate(self, k: int) -> int:
        """The pages division `k` may take, from its text's length at the pages per
        character of the divisions of its kind (its classes) laid out so far with much
        text, else of any kind, else about 2,200 characters a page (this book design's),
        made even: the next begins on a recto."""
        self.measure()
        name = self.names[k]
        known = [(n, len(d.facts), self.lengths[n]) for n, d in self.current.items()
                 if self.lengths.get(n, 0) >= 2000]
        alike = [(p, c) for n, p, c in known if self.kinds[n] == self.kinds[name]]
        known = alike or [(p, c) for _, p, c in known]
        per_character = (sum(p for p, _ in known) / sum(c for _, c in known) if known
                         else 1 / 2200)
        pages = max(1, round(self.lengths[name] * per_character))
        return pages + pages % 2

    def lay_out(self, wanted: list[tuple], everywhere: set[str]) -> list[Division]:
        """The divisions `wanted` ((number, key, folio, side) each) laid out alone: each in a
        process forked for it from this one, which has the book's HTML and fonts loaded, up
        to `jobs` at once (a short book's in this one, unless it gains: `forks`); or on the
        cluster's workers. A process a division: what its layout held goes with it, so that
        the build holds the largest division's layout at most, not what a thousand pages of
        layouts leave behind (`give_back_memory`)."""
        tasks = [(self.names[k], key, folio, side, self.after[self.names[k]])
                 for k, key, folio, side in wanted]
        if self.client is not None and len(tasks) > 1:
            return on_cluster(self.client, self.setting, tasks, self.identifier, everywhere)
        if not self.forks():
            return [lay_out_alone(self.setting, *task, self.identifier, everywhere)
                    for task in tasks]
        body = self.setting.html.find("body")  # as filled now: the index with its numbers
        large = {n for n, (k, *_) in enumerate(wanted)
                 if len("".join(body[k].itertext())) > LARGE_CHARACTERS}
        global FORKED
        FORKED = (self.setting, self.identifier, everywhere)
        try:
            return each_forked(tasks, self.jobs, large)
        finally:
            FORKED = None


FORKED = None  # what a forked process lays out with: (Setting, identifier, anchors)


def may_fork() -> bool:
    """Whether a process may be forked for each division: on a system that forks, from the
    main thread of a process that may have children. Not from a thread of a Dask worker,
    where other threads may be laying out other titles (a fork copies the locks they hold),
    nor from a daemonic process; there the divisions are laid out in the process itself."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and threading.current_thread() is threading.main_thread()
            and not multiprocessing.current_process().daemon)


SUBSTANTIAL_CHARACTERS = 10_000  # a division of some five pages or more, and
WORTH_FORKING = 3  # as many of them: a short book's divisions laid out on several processes
LARGE_CHARACTERS = 400_000  # a division longer is laid out with none beside it: the notes
# or the index of a long book (a 2,000-page book's notes: a million characters, 170 pages),
# whose layout is the build's largest; two at once would pass the 1 GiB a build may hold


def each_forked(tasks: list[tuple], jobs: int, large: set[int] = frozenset()) -> list[Division]:
    """`lay_out_alone` of each task in a process forked for it, `jobs` at once, in order;
    those numbered in `large` with no other beside them. (A pool's worker would keep what
    each layout leaves behind; Python's pools do not retire a forked worker after each
    task.)"""
    context = multiprocessing.get_context("fork")
    results: list = [None] * len(tasks)
    waiting, running = list(enumerate(tasks)), {}
    try:
        while waiting or running:
            while waiting and len(running) < jobs and not (running and (
                    waiting[0][0] in large or any(j in large for j, _ in running.values()))):
                k, task = waiting.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=lay_out_and_send, args=(task, send))
                process.start()
                send.close()
                running[receive] = (k, process)
            for receive in multiprocessing.connection.wait(list(running)):
                k, process = running.pop(receive)
                try:
                    done, value, trace = receive.recv()
                except EOFError:
                    process.join()
                    raise InternalError("layout", f"the process laying out {tasks[k][0]} "
                                        f"ended with {process.exitcode}") from None
                finally:
                    receive.close()
                process.join()
                if not done:
                    raise value from RemoteError(trace)
                results[k] = value
    finally:
        for process in (p for _, p in running.values()):
            process.kill()
            process.join()
    return results


class RemoteError(Exception):
    """The traceback of an error in a forked process, shown with --debug."""


def lay_out_and_send(task: tuple, send) -> None:
    try:
        send.send((True, lay_out_forked(task), ""))
    except BaseException as exc:  # noqa: BLE001 (sent to the build, which reports it)
        trace = traceback.format_exc()
        try:
            send.send((False, exc, trace))
        except Exception:  # noqa: BLE001 (an error that does not pickle)
            send.send((False, InternalError("layout", repr(exc)), trace))


def lay_out_forked(task: tuple) -> Division:
    setting, identifier, everywhere = FORKED
    return lay_out_alone(setting, *task, identifier, everywhere, let_go=False)


def on_cluster(client, setting: Setting, tasks: list[tuple], identifier: bytes,
               everywhere: set[str]) -> list[Division]:
    """The divisions of `tasks` laid out on a Dask cluster's workers (`build --scheduler`),
    for a book too long for one machine's cores. Each task carries its division's HTML, as
    bytes; the setting (the stylesheets', fonts' and figures' paths, which the workers must
    see, as a catalogue's workers do) and the book's anchors go to each worker once."""
    shared = client.scatter([(setting, identifier, everywhere)], broadcast=True)[0]
    futures = [client.submit(lay_out_sent, shared, name, key, folio, side, after,
                             etree.tostring(folios.alone(setting.html, {name}, folio, side)),
                             pure=False)
               for name, key, folio, side, after in tasks]
    return client.gather(futures)


LAYING_OUT = threading.Lock()  # a worker's threads lay out one division at a time: the
# layout patches WeasyPrint for its process (laying_out.setting_the_book)


def lay_out_sent(shared: tuple, name: str, key: str, folio: str, side: str, after: str,
                 tree: bytes) -> Division:
    setting, identifier, everywhere = shared
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    with LAYING_OUT:
        return lay_out_alone(setting, name, key, folio, side, after, identifier, everywhere,
                             etree.fromstring(tree, parser))


def languages(html) -> set[str]:
    """Every language the book's HTML names."""
    return {str(value) for value in html.xpath("//@lang | //@xml:lang")}


def place(position: int, start: int | None) -> tuple[str, str]:
    """The folio and side of the book's page at `position` (from 0), the body beginning at
    page `start` (`typeset.facts.folios`)."""
    if start is None or position < start:
        folio = roman(position + 1)
    else:
        folio = str(position - start + 1)
    return folio, "right" if position % 2 == 0 else "left"


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


def lay_out_alone(setting: Setting, name: str, key: str, folio: str, side: str, after: str,
                  identifier: bytes, everywhere: set[str], tree=None,
                  let_go: bool = True) -> Division:
    """Division `name` laid out alone from `folio` on `side` (`tree`, if given, is its HTML
    so cut), with an empty division of the class of the one after it (`after`): the blank
    pages the book has between them are laid out too, and the empty division's page is left
    out. A file the sandbox refused is an error here, in whichever process laid it out.
    `let_go`: the layout's memory collected and handed back before returning, for a process
    that goes on (not one forked for this division, which ends: a chapter's collection took
    0.24 s of its layout's 4)."""
    if tree is None:
        tree = folios.alone(setting.html, {name}, folio, side)
    if after:
        etree.SubElement(tree.find("body"), "div", {"class": after})
    laid = setting.alone(tree)
    refused(setting.fetcher)
    pages = laid.pages
    own = [k for k, page in enumerate(pages) if not page_box(page).page_type.blank
           and division(page_box(page)) == name]
    if not own or own[0] != 0:
        raise InternalError("layout", f"the division {name} did not begin on its first page "
                            "when laid out alone")
    numbers = list(range(own[-1] + 1))
    blanks = [k for k in range(own[-1] + 1, len(pages)) if page_box(pages[k]).page_type.blank]
    if not after:
        blanks = []
    shown = [pages[k] for k in numbers]
    facts, starts = as_kept(page_facts(shown + [pages[k] for k in blanks]),
                            page_starts(shown + [pages[k] for k in blanks]))
    anchors = [sorted(page.anchors) for page in shown]
    part, links, standing = join.write_part(
        laid.document, numbers, identifier, everywhere | {a for names in anchors for a in names})
    made = Division(name, key, part, facts, starts, anchors, mark_pages(shown, setting.placed),
                    dict(laid.by_division.get(name, {})), links, standing,
                    laid.composition.get("page feet", "none moved"), text_beyond(part.data))
    del laid, pages, shown
    if let_go:
        gc.collect()  # the layout's boxes refer to each other: let go here, not as the book
        give_back_memory()  # grows
    return made


def give_back_memory() -> None:
    """The heap's free pages handed back to the system (glibc's malloc_trim), so that the
    memory of a long division laid out (the notes, the index) is not still held, unused,
    while the next is: a 2,000-page book's build otherwise holds the sum of its largest."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: the memory is reused by the process all the same


class Cache:
    """Divisions' pages kept between builds, in a folder of the user's cache
    (`TOOLCHAIN_CACHE`, else `$XDG_CACHE_HOME/toolchain`, else ~/.cache/toolchain): one
    JSON file and one PDF a division, named by its key; one record a book (by its
    identifier), written last. Files are written whole
    and moved in place, so two builds at once leave each a whole file or none."""

    LIMIT = 512 * 1024 * 1024  # bytes kept; the least used go first

    def __init__(self, folder: Path):
        self.folder = folder / "layout"

    @classmethod
    def default(cls) -> Cache:
        return cls(cache_folder())

    def record(self, identifier: bytes) -> dict | None:
        """The last build's record of the book with this identifier (`writing.pdf_identifier`)."""
        return self.read_json(self.folder / f"book-{identifier.decode()}.json")

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
                data["counts"], data["links"], data["standing"], data["feet"],
                [(int(k), str(text)) for k, text in data["beyond"]])
        except (OSError, KeyError, TypeError, ValueError):
            return None

    def remember(self, identifier: bytes, book: BookPages, names: list[str]) -> None:
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
                        "links": d.links, "standing": d.standing,
                        "feet": d.feet, "beyond": d.beyond}).encode())
            found = book.anchor_places()
            self.write(f"book-{identifier.decode()}.json", json.dumps({
                "names": names,
                "keys": [d.key for d in book.divisions], "found": found,
                "pages": [len(d.facts) for d in book.divisions]}).encode())
            self.prune()
        except OSError:
            pass  # a cache that cannot be written is a cache that misses: the build is whole

    def write(self, name: str, data: bytes) -> None:
        write_whole(self.folder / name, data)

    @staticmethod
    def read_json(path: Path) -> dict | None:
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def prune(self) -> None:
        """The least used divisions let go while the cache holds more than LIMIT."""
        prune(self.folder, "*.pdf", self.LIMIT, (".json",))


def page_facts_from(data: dict) -> PageFacts:
    blocks = [Block(**b) for b in data.pop("blocks")]
    return PageFacts(**data, blocks=blocks)
