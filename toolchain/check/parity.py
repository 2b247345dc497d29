"""Text parity: the EPUB and the screen PDF carry the same words in the same order.

The EPUB's spine documents and the PDF's text layer (pdfium) are read as words and aligned
(difflib). What print adds by design is set aside: running heads and folios, the half title,
a table's header row repeated atop each page it runs over, and footnotes, which print moves
to the foot of the page (each footnote is found as a run of its own, letter for letter,
first among the lines that end a page set in one size smaller than its text — the notes,
and a table or quotation set as small just above them, if any — each note beginning and
ending a line; then anywhere, if that leaves differences).
Words split by a line-end or page-end hyphen, or run together with a note call, count as the
same words when their letters are. Anything else — a word only in one edition — is a
difference, listed with its context."""

from __future__ import annotations

import bisect
import collections
import difflib
import itertools
import re
import zipfile
from pathlib import Path
from typing import NamedTuple

import pypdfium2
from lxml import etree

from ..errors import Problem

H = "{http://www.w3.org/1999/xhtml}"
OPS = "http://www.idpf.org/2007/ops"
EPUB_TYPE = f"{{{OPS}}}type"
WORD = re.compile(r"\w+(?:[’'.\-]\w+)*")
PAGE_MARK = "\ue000"  # a page-break marker's place in a block's text: not a letter
MARK_OR_WORD = re.compile(f"{WORD.pattern}|{PAGE_MARK}")
FOLIO = re.compile(r"\d+|[ivxlcdm]+", re.I)
BLOCKS = {f"{H}{t}" for t in ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "br",
                              "caption", "figcaption", "blockquote", "div", "section", "aside",
                              "dt", "dd", "hr", "nav", "ol", "ul", "table", "tr", "header",
                              "footer", "figure")}


def words(text: str) -> list[str]:
    return WORD.findall(text.replace("\u2060", "").replace("\u00ad", ""))


def squeeze(tokens) -> str:
    """The letters of some words, hyphens and points aside: what a reader reads."""
    return re.sub(r"[\-‐.’']", "", "".join(tokens)).lower()


def listed_numbers(root) -> list:
    """The page numbers of the list of illustrations' entries (`span.page-number` after each
    entry's link)."""
    return [span for section in root.iter(f"{H}section")
            if "loi" in (section.get("class") or "").split()
            for span in section.iter(f"{H}span") if span.get("class") == "page-number"]


def listed_entries(root) -> list:
    """The links of a document's contents and list of illustrations: print sets each
    before a leader and its page number (print.css: `nav a::after`, `.doc-illustrations
    a::after`)."""
    return [link for section in (*root.iter(f"{H}nav"), *(
        s for s in root.iter(f"{H}section") if "loi" in (s.get("class") or "").split()))
        for link in section.iter(f"{H}a")]


def epub_words(epub: Path, marks: list | None = None
               ) -> tuple[list[str], list[list[str]], set[tuple[str, ...]]]:
    """The words of the spine in reading order, the footnotes' words one list each, and the
    titles (book, collection, every heading) that print may repeat as running heads, with
    the entries of the contents and of the list of illustrations (`listed_entries`).
    `marks`, if given, receives (folio, index of the next word) for each page-break marker."""
    with zipfile.ZipFile(epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        ns = {"o": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
        hrefs = {i.get("id"): i.get("href") for i in opf.findall(".//o:item", ns)}
        heads = {tuple(words(t.text or "")) for t in opf.findall(".//dc:title", ns)}
        heads |= {tuple(words(m.text or "")) for m in opf.findall(".//o:meta", ns)
                  if m.get("property") == "belongs-to-collection"}
        body, notes = [], []
        for ref in opf.findall(".//o:itemref", ns):
            href = hrefs[ref.get("idref")]
            root = etree.fromstring(archive.read(f"EPUB/{href}"))
            if root.find(f".//{H}img[@role='doc-cover']") is not None:
                continue
            for hidden in root.xpath("//*[@hidden]"):
                hidden.getparent().remove(hidden)
            for number in listed_numbers(root):  # print sets them after a leader, which the
                for child in list(number):  # PDF's reading leaves out (LEADER_FOLIO);
                    number.remove(child)  # check/page_references reads them
                number.text = None
            for aside in root.iter(f"{H}aside"):
                if aside.get(EPUB_TYPE) == "footnote":
                    for listing in aside.iter(f"{H}ol"):  # print sets a footnote's list
                        for k, item in enumerate(listing.findall(f"{H}li")):  # numbers as
                            item.text = f"{int(listing.get('start', 1)) + k}. " + (
                                item.text or "")  # its text (write/pdf/assemble.note_lines)
                    notes.append(words(block_text(aside)))
            for aside in list(root.iter(f"{H}aside")):
                if aside.get(EPUB_TYPE) == "footnote":
                    aside.getparent().remove(aside)
            for heading in root.iter(f"{H}h1", f"{H}h2", f"{H}h3", f"{H}title"):
                heads.add(tuple(words("".join(heading.itertext()))))
            for entry in listed_entries(root):  # print sets them before a leader
                heads.add(tuple(words("".join(entry.itertext()))))
            for row in root.iter(f"{H}thead"):  # print repeats it atop each page of the table
                heads.add(tuple(words(block_text(row))))
            for caption in root.iter(f"{H}caption"):  # and a table's turned in print
                heads.add(tuple(words(block_text(caption))))
            text = block_text(root.find(f"{H}body"))
            if marks is not None:
                labels = iter(root.xpath("//*[@epub:type='pagebreak']/@aria-label",
                                         namespaces={"epub": OPS}))
                count = len(body)
                for token in MARK_OR_WORD.finditer(text.replace("\u2060", "")
                                                   .replace("\u00ad", "")):
                    if token.group() == PAGE_MARK:
                        marks.append((next(labels), count))
                    else:
                        count += 1
            body += words(text)
    return body, notes, {h for h in heads if h}


def block_text(node) -> str:
    """Text with a space at every block's edges, and none inside a line (a note call stays
    against its word, as in print)."""
    parts = []

    def walk(element):
        if element.get(EPUB_TYPE) == "pagebreak":
            parts.append(PAGE_MARK)
        block = element.tag in BLOCKS
        if block:
            parts.append(" ")
        parts.append(element.text or "")
        for child in element:
            walk(child)
            parts.append(child.tail or "")
        if block:
            parts.append(" ")

    walk(node)
    return "".join(parts)


def pdf_words(pdf: Path, heads: set[tuple[str, ...]]) -> list[str]:
    """The PDF's words in page order, without each page's running head and folio."""
    return [w for page, _ in pdf_pages(pdf, heads) for w in page]


def pdf_pages(pdf: Path, heads: set[tuple[str, ...]]) -> list[tuple[list[str], str]]:
    """Each page's words and its printed folio ("" if none): `read_pages` without the feet."""
    return [(page.words, page.folio) for page in read_pages(pdf, heads, feet=False)]


class PdfPage(NamedTuple):
    words: list[str]
    folio: str  # as printed, "" if none
    foot: int  # where the page's foot begins in `words`: its last lines, set in one size
    # smaller than the book's text, where footnotes are (a page of notes only is all foot)
    lines: list[int]  # where each line begins in `words`
    halves: list[int]  # the words that end a line hyphenated there (pdfium's U+FFFE): the
    # first half of a word whose second begins the next line


def read_pages(pdf: Path, heads: set[tuple[str, ...]], feet: bool = True,
               share: float | None = None) -> list[PdfPage]:
    """Each page's words, its printed folio, and where its foot begins (without `feet`, at
    its end: the font sizes are not read); without its running head and folio. WeasyPrint
    draws the margin boxes last, so they are the page text's last lines; a last line is
    taken for one only if it reads as one (a title of the book, a page number) and lies in a
    margin: above or below the text of every page of the book — so a short paragraph that
    happens to read like a title or a number stays. pdfium marks a hyphen it takes for a
    line-end hyphenation with U+FFFE: the halves stay two tokens here, and the alignment
    joins them. `share`: the least share of the words the text's size holds (`text_share`)."""
    listed = {squeeze(head) for head in heads}
    doc = pypdfium2.PdfDocument(pdf)
    pages = []
    try:
        for page in doc:
            text = page.get_textpage()
            rects = [text.get_rect(k) for k in range(text.count_rects())]
            lines, sizes, hyphened = lines_and_sizes(text, listed, feet)
            candidates = []  # the last two lines, if they read as a head or a folio
            rest = rects
            for k in (1, 2):
                last, rest = last_line(rest)
                line = lines[-k] if len(lines) >= k else []
                if not last or words(text.get_text_bounded(*span(last))) != line or not (
                        len(line) == 1 and FOLIO.fullmatch(line[0]) or tuple(line) in heads):
                    break
                candidates.append(span(last))
            pages.append((lines, sizes, hyphened, candidates, rest))
    finally:
        doc.close()
    body = [r for *_, rest in pages for r in rest]
    top = max((r[3] for r in body), default=0)
    bottom = min((r[1] for r in body), default=0)
    out = []
    for lines, sizes, hyphened, candidates, _ in pages:
        folio, folio_box = "", None
        for box in candidates:
            is_folio = len(lines[-1]) == 1 and FOLIO.fullmatch(lines[-1][0])
            if is_folio and folio_box is not None:
                break  # a page has one folio: a number above it is text (a note's "(1963).")
            above, below = box[1] >= top - 0.5, box[3] <= bottom + 0.5
            if not (above or below) or len(lines) < 2 and not is_folio and not (
                    above and folio_box):
                break  # not in a margin; or a title alone on its page (a part's) — but a
                # head above a page's folio, over a figure without words, is the head
            if below and not above and not is_folio and not (
                    folio_box and abs(folio_box[1] - box[1]) < 2):
                break  # a heading that ends a page low, not a running head beside the folio
            line = lines.pop()
            sizes.pop()
            hyphened.pop()
            if is_folio:
                folio, folio_box = line[0], box
        out.append((lines, sizes, folio, hyphened))
    size_of_text = text_size(out, TEXT_SHARE if share is None else share)
    pages_out = []
    for lines, sizes, folio, hyphened in out:
        page_words = [w for line in lines for w in line]
        line_starts = list(itertools.accumulate([0] + [len(line) for line in lines[:-1]]))
        halves = [at + len(line) - 1 for at, line, cut in zip(  # (a page of no lines has
            line_starts, lines, hyphened, strict=False) if cut and line]  # one start, 0)
        foot, foot_size = len(page_words), None
        for line, size in zip(reversed(lines), reversed(sizes), strict=True):
            foot_size = size if foot_size is None and line else foot_size
            if line and (size >= size_of_text - 0.25 or abs(size - foot_size) > 0.25):
                break  # the text's size, or the size of what is above the notes (a quotation)
            foot -= len(line)
        pages_out.append(PdfPage(page_words, folio, foot, line_starts, halves))
    return pages_out


def lines_and_sizes(text, listed: set[str], sized: bool = True
                    ) -> tuple[list[list[str]], list[float], list[bool]]:
    """The words of each line of a page's text, each line's largest font size (0 if not
    `sized`, or if pdfium's text and its characters do not correspond one to one), and
    whether it ends hyphenated. pdfium puts U+FFFE for a line-end hyphen in place of the
    line's end: it ends a line here too (a note's last line on its page, quel-, and the
    folio below it are two lines). A line of the contents or the list of illustrations
    leaves out its page number after the leader's dots (`LEADER_FOLIO`): the EPUB's contents
    have none (its list of illustrations' are read apart: `listed_numbers`), and with them
    the PDF's contents no longer read as its titles in a row (a part's, a chapter's and a
    section's, on consecutive pages), which the alignment then took for the contents'
    (book-55). check/page_references checks the lists' numbers against the pages. Only
    where the words before the dots end an entry of the lists (`listed`, the letters of the
    titles): a line of text that ends in a four-dot ellipsis and a year (". . . . 1923")
    keeps its year."""
    whole = text.get_text_range()
    ends = [(m.start(), m.end()) for m in LINE_END.finditer(whole)]
    if not ends or ends[-1][1] < len(whole):
        ends.append((len(whole), len(whole)))
    spans, at = [], 0
    for start, end in ends:
        spans.append((at, start))
        at = end
    lines = [words(without_folio(whole[i:j], listed)) for i, j in spans]
    hyphened = [whole[start:end] == "\ufffe" for start, end in ends]
    if not sized or len(whole) != text.count_chars():
        return lines, [0.0] * len(lines), hyphened
    sizes = [max((pypdfium2.raw.FPDFText_GetFontSize(text, k) for k in range(i, j)
                  if not whole[k].isspace()), default=0.0) for i, j in spans]
    return lines, sizes, hyphened


def without_folio(line: str, listed: set[str]) -> str:
    """`line` without the leader and page number it ends in, if it ends an entry: its
    letters the last of an entry's (its last line, where an entry runs over two, broken at
    a space or after a hyphen)."""
    found = LEADER_FOLIO.search(line)
    if found is None:
        return line
    before = squeeze(words(line[:found.start()]))
    if not before or not any(entry.endswith(before) for entry in listed):
        return line
    return line[:found.start()]


# a leader of four dots or more, then a page number, ending the line (three spaced dots and
# a number may be a quotation's ellipsis and a year: `. . . 1923`)
LEADER_FOLIO = re.compile(r"(?:\.\s+){3,}\.\s*(?:\d+|[ivxlcdm]+)\s*$", re.I)
LINE_END = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\ufffe]")


def text_size(pages, share: float) -> float:
    """The size of the book's text: the largest font size that a good share of its words are
    set in (a scholarly book's notes may have more words than its text; its headings, fewer)."""
    count: collections.Counter = collections.Counter()
    for lines, sizes, *_ in pages:
        for line, size in zip(lines, sizes, strict=True):
            count[round(size, 2)] += len(line)
    total = sum(count.values())
    return max((size for size, n in count.items() if n >= share * total), default=0.0)


TEXT_SHARE = 0.15


def text_share(body: list[str], notes: list[list[str]]) -> float:
    """The share of a book's words its text's size is looked for at: TEXT_SHARE, or a
    quarter of the text's own share of the EPUB's words where its notes have most of them
    (the PDF has words the EPUB's text has not: its contents, its index, its title pages).
    book-62: a preface of a few lines calling eleven long notes, its text 7 % of the PDF's
    words, and the notes' size was taken for the text's: no page's foot was found."""
    words = len(body) + sum(len(note) for note in notes)
    return min(TEXT_SHARE, len(body) / words / 4) if words else TEXT_SHARE


def last_line(rects: list) -> tuple[list, list]:
    """The page's last-drawn text rectangles that share one line, and the others."""
    if not rects:
        return [], []
    bottom, top = rects[-1][1], rects[-1][3]
    k = len(rects)
    while k and abs(rects[k - 1][1] - bottom) < 1 and abs(rects[k - 1][3] - top) < 1:
        k -= 1
    return rects[k:], rects[:k]


def span(rects: list) -> tuple[float, float, float, float]:
    return (min(r[0] for r in rects), min(r[1] for r in rects), max(r[2] for r in rects),
            max(r[3] for r in rects))


def begins_with(epub_words: list[str], pdf_words: list[str]) -> bool:
    """The PDF page's first words are the EPUB's after the marker; or, for a word hyphenated
    across the page turn (the marker stands before the whole word), the page begins with
    that word's end."""
    first, after = squeeze(pdf_words), squeeze(epub_words)
    if not first:
        return False
    if after.startswith(first):
        return True
    whole, part = squeeze(epub_words[:1]), squeeze(pdf_words[:1])
    return 0 < len(part) < len(whole) and whole.endswith(part) and \
        after[len(whole) - len(part):].startswith(first)


def after_repeated_header(body: list[str], at: int, page: list[str]) -> bool:
    """A page that continues a table begins with its header row again (a turned table's, with
    its caption): the page's words after a run already read in the EPUB before the marker."""
    for skip in range(1, 41):  # a caption and a header row of a dozen columns
        if begins_with(body[at:at + 8], page[skip:skip + 5]):
            if squeeze(body[max(0, at - 3 * skip):at]).endswith(squeeze(page[:skip])):
                return False  # the words just before the marker: it is late, not after a header
            return remove_run(body[max(0, at - 2000):at], page[:skip]) is not None
    return False


def check_pages(epub: Path, pdf: Path) -> tuple[list[Problem], dict]:
    """The print edition's pages in the EPUB: one marker per PDF page, labelled with the
    folio the page prints, and followed by the words the page begins with. Pages with no
    text of the EPUB (blank pages, the half title, a page of notes run over alone: its
    words are the notes', which the EPUB sets elsewhere) share the next page's place."""
    marks: list[tuple[str, int]] = []
    body, notes, heads = epub_words(epub, marks)
    read = read_pages(pdf, heads, share=text_share(body, notes))  # (with their feet: a page
    # begins with its text, and a page of a line or two of text goes on with its notes)
    pages = [(page.words[:page.foot] or page.words, page.folio) for page in read]
    if len(marks) != len(pages):
        return [Problem(epub, 0, 0, "P062", f"the EPUB marks {len(marks)} pages, the PDF has "
                        f"{len(pages)}", "rebuild: the page list comes from the same layout")
                ], {"pages": len(pages), "matched": 0, "shared": 0}
    problems, matched, shared = [], 0, 0
    for k, ((label, at), (page, folio)) in enumerate(zip(marks, pages, strict=True)):
        where = f"page {k + 1} (marker {label})"
        if folio and folio != label:
            problems.append(Problem(pdf, 0, 0, "P063", f"{where} prints the folio {folio}"))
        if k + 1 < len(marks) and marks[k + 1][1] == at:
            shared += 1  # blank or print-only: marked at the next page's place
            if page and tuple(page) not in heads and read[k].foot > 0:  # a page of text
                # the EPUB did not find (not one of notes alone, all foot)
                problems.append(Problem(pdf, 0, 0, "P064", f"{where} begins “"
                                        f"{' '.join(page[:5])}”, but its marker shares the next "
                                        "page's place", "rebuild, or report it"))
            continue
        if begins_with(body[at:at + 8], page[:5]) or begins_with(  # a printed contents
                without_folios(body[at:at + 8]), without_folios(page[:8])[:3]) or \
                after_repeated_header(body, at, page):
            matched += 1
        else:
            problems.append(Problem(pdf, 0, 0, "P064", f"{where} begins “{' '.join(page[:5])}”"
                                    f", the EPUB's marker is before “{' '.join(body[at:at + 5])}”",
                                    "rebuild, or report it"))
    return problems, {"pages": len(pages), "matched": matched, "shared": shared}


def strip_heads(tokens: list[str], heads: set[tuple[str, ...]]) -> list[str]:
    """Tokens with every running head (a title, whole) and folio taken out — letter for
    letter, so that a repeated header row whose word was hyphenated in a narrow column
    (Quelvickdun- thal) still reads as the header."""
    out, k = [], 0
    ordered = sorted(("".join(head) for head in heads), key=len, reverse=True)
    while k < len(tokens):
        for head in ordered:
            end = letters_run(tokens, k, head)
            if end:
                k = end
                break
        else:
            out.append(tokens[k])
            k += 1
    return out


def letters_run(tokens: list[str], k: int, letters: str) -> int:
    """The index after the tokens from `k` whose letters, joined, are `letters`; 0 if none."""
    joined, end = "", k
    while end < len(tokens) and len(joined) < len(letters):
        joined += tokens[end]
        end += 1
        if not letters.startswith(joined):
            return 0
    return end if joined == letters else 0


def without_folios(tokens: list[str], keep: set[str] = frozenset()) -> list[str]:
    """Tokens without those that read as page numbers, but those in `keep` (section
    numbers I, II, III in a contents page are words of the EPUB)."""
    return [t for t in tokens if not FOLIO.fullmatch(t) or t in keep]


def remove_run(tokens: list[str], run: list[str]) -> list[str] | None:
    """`tokens` without the first place that reads as `run` — letter for letter, so that a word
    hyphenated at a line end (two tokens in print) still matches; None if there is none."""
    target = squeeze(run)
    if not target:
        return None
    for k in range(len(tokens)):
        letters = ""
        for end in range(k, len(tokens)):
            letters += squeeze(tokens[end:end + 1])
            if not target.startswith(letters):
                break
            if letters == target:
                return tokens[:k] + tokens[end + 1:]
    return None


PART = 40  # letters: the least of a split footnote's part (a line or so), so that a long
# word of the text that a note also begins with is not taken for the note's first part


def take_notes(flat: list[str], notes: list[list[str]], page_starts: list[int] | None = None,
               feet: list[bool] | None = None, lines: set[int] | None = None
               ) -> tuple[list[int], list[list[str]]]:
    """The places of the PDF's words left once each footnote is taken out, and the notes not
    found. A footnote is at the foot of its call's page, after the page's text, or split
    there and carried to the next page's foot; the notes come in the order of their calls,
    so each is looked for from where the one before began, whole first, then in parts (each
    of a line or so, PART, or the whole rest; letter for letter, so that words hyphenated at
    a line's end match). In text this repetitive (bri bri bri…) the first reading of a split
    note may take words of the next: a note then not found has the few notes before it read
    again, each other way it may be read, until all are found (`REREAD`). With `page_starts`
    (where each page's words begin), a note read whole is read where it is last on its page:
    a note whose words its page's text also has (a short note, "Thalforka morbri to
    ristandelu.", quoting the sentence before) is at the page's foot, after the text. With
    `feet` (each word's place: at a page's foot, set smaller than the text, or not), notes
    are read at the feet only; with `lines` (the words that begin a line), each note and
    each part of one begins a line and ends one, as print sets them."""
    letters = [squeeze([w]) for w in flat]
    taken = [False] * len(flat)
    barred = [not foot for foot in feet] if feet else [False] * len(flat)  # words no note
    # may be read in
    missing, start = [], 0

    def run_at(k: int, target: str) -> int:
        """The end of the longest run of free tokens from `k` that begins `target`."""
        end, got = k, ""
        while end < len(flat) and not taken[end] and not barred[end] and \
                target.startswith(got + letters[end]):
            got += letters[end]
            end += 1
            if got == target:
                break
        return end if got else k

    def part_end(k: int, target: str) -> int:
        """The end of the longest such run that ends a line (`k` if none)."""
        end = run_at(k, target)
        while lines is not None and end > k and end not in lines:
            end -= 1
        return end

    def rest_of(left: str, at: int, near: bool = False):
        """The parts of a note's rest after `at`, at the foot of the next page(s), or None;
        with `near`, within WINDOW words of `at`."""
        parts, last = [], min(len(flat), at + WINDOW) if near else len(flat)
        while left and at < last:
            starts = [j for j in range(at, last) if not taken[j] and not barred[j] and letters[j]
                      and left.startswith(letters[j]) and (lines is None or j in lines)]
            nxt = next((j for j in starts if "".join(letters[j:part_end(j, left)]) == left),
                       None)  # all the rest in one run, else a part of a line or more
            nxt = nxt if nxt is not None else next(
                (j for j in starts
                 if len("".join(letters[j:part_end(j, left)])) >= min(PART, len(left))), None)
            if nxt is None:
                break
            stop = part_end(nxt, left)
            parts.append((nxt, stop))
            left, at = left[len("".join(letters[nxt:stop])):], stop
        return None if left else parts

    def readings(target: str, start: int, whole: bool, near: bool = False):
        """Each place the note may be read at from `start`, the likeliest first: whole, or
        (but for `whole`) split; with `near`, within WINDOW words of `start`."""
        page = None  # the whole readings of one page, the last first
        for k in range(start, min(len(flat), start + WINDOW) if near else len(flat)):
            if page and (page_starts is None or page_of(k) != page_of(page[0][0][0])):
                yield from reversed(page)
                page = None
            if taken[k] or barred[k] or not letters[k] or not target.startswith(letters[k]) \
                    or lines is not None and k not in lines:
                continue
            end = part_end(k, target)
            if "".join(letters[k:end]) == target:
                page = (page or []) + [[(k, end)]]
                continue
            if page and not whole:  # a page's whole readings before its split ones
                yield from reversed(page)
                page = None
            for cut in range(end, k, -1) if not whole else ():  # the longest first part whose
                got = "".join(letters[k:cut])  # rest is found: the run may have taken the
                if len(got) < min(PART, len(target)):  # next page's first word when the note's
                    break  # next word begins with it (bri, brinethalma)
                if lines is not None and cut not in lines:
                    continue
                rest = rest_of(target[len(got):], cut, near)
                if rest is not None:
                    yield [(k, cut)] + rest
        yield from reversed(page or [])

    starts_of_pages = page_starts or [0]

    def page_of(k: int) -> int:
        return bisect.bisect_right(starts_of_pages, k)

    def find(target: str, whole: bool):
        return next(readings(target, start, whole), None)

    def every_reading(target: str, start: int):
        if not target:
            yield []
            return
        seen = set()
        for whole in (True, False):
            for spans in readings(target, start, whole, near=True):
                if tuple(spans) not in seen:
                    seen.add(tuple(spans))
                    yield spans

    def mark(spans, value: bool):
        for i, j in spans:
            for k in range(i, j):
                taken[k] = value

    def reread(numbers: list[int], start: int, tries: list[int]) -> list | None:
        """The notes `numbers` read in order from `start`, each every way it may be, until
        all are found (and taken); None if they cannot be within `tries`."""
        if not numbers:
            return []
        for spans in every_reading(targets[numbers[0]], start):
            if tries[0] <= 0:
                return None
            tries[0] -= 1
            mark(spans, True)
            rest = reread(numbers[1:], spans[0][0] if spans else start, tries)
            if rest is not None:
                return [spans] + rest
            mark(spans, False)
        return None

    targets = [squeeze(note) for note in notes]
    budget = [TRIES_IN_ALL]  # what all the readings again may try
    chosen: list = []  # each note's spans as read, None where it was not found
    starts: list[int] = []  # where each note was looked for from
    for number, note in enumerate(notes):
        target = targets[number]
        spans = (find(target, False) if feet else find(target, True) or find(target, False)
                 ) if target else []  # at the feet, the nearest reading, whole or split
        if spans and target in targets[number + 1:]:  # a later note says the same (one
            mark(spans, True)  # repeated in another chapter): if taking this whole copy
            before, start = start, spans[0][0]  # leaves none for it, this note was the
            found = find(target, True) or find(target, False)  # nearest one, split
            mark(spans, False)
            start = before
            if not found:
                spans = find(target, False)
        starts.append(start)
        if spans is None:
            for back in range(1, REREAD + 1):
                first = number - back
                if first < 0 or budget[0] <= 0 or any(c is None for c in chosen[first:]):
                    break
                for c in chosen[first:]:
                    mark(c, False)
                tries = [min(TRIES, budget[0])]
                again = reread(list(range(first, number + 1)), starts[first], tries)
                budget[0] -= min(TRIES, budget[0]) - tries[0]
                if again is not None:
                    chosen[first:], spans = again[:-1], again[-1]
                    for j in range(first + 1, number + 1):  # each looked for from where the
                        starts[j] = chosen[j - 1][0][0] if chosen[j - 1] else starts[j - 1]
                    break  # one before it now begins
                for c in chosen[first:]:
                    mark(c, True)
        chosen.append(spans)
        if spans is None:
            missing.append(note)
            continue
        mark(spans, True)
        if spans:
            start = spans[0][0]
    return [k for k, gone in enumerate(taken) if not gone], missing


REREAD = 4  # notes before one not found read again, at most
TRIES = 600  # readings tried in all, in each reading again (book-32 wants 400)
TRIES_IN_ALL = 1500  # and in all the book's: a PDF with notes truly missing is not read for
# long (a small book's, 2 s a PDF here; a note it cannot find even so is reported)
WINDOW = 1500  # words after where a note is looked for: the pages its parts are on, at most


NEARBY = 300  # words: how far text may move where print reads it in another order


def joined_halves(flat: list[str], kept: list[int], halves: set[int], known: set[str],
                  feet: list[bool] | None = None) -> list[str]:
    """The words at `kept` (the notes taken out), each word hyphenated at a line's end one
    word again where its halves make a word the EPUB has (`known`, squeezed): the halves as
    two words, in text where the same words come twice (a list item repeated, hyphenated at
    the same place), let the aligner match one copy's words with the other's. A half at the
    text's foot is joined to the next word of the text, not to the notes' below it, and
    over numbers drawn between them (a list's numbers, drawn after its items' lines)."""
    out: list[str] = []
    waiting = None  # (where in `out`, whether at a foot) of a first half
    for k in kept:
        foot = bool(feet and feet[k])
        if waiting is not None and waiting[1] == foot:
            if squeeze([out[waiting[0]], flat[k]]) in known:
                out[waiting[0]] += flat[k]
                waiting = (waiting[0], foot) if k in halves else None
                continue
            if not flat[k].isdigit():
                waiting = None
        out.append(flat[k])
        if k in halves:
            waiting = (len(out) - 1, foot)
    return out


def moved_apart(differing: list) -> list:
    """The differences left once text that is only in one edition here and only in the other
    a little further on (the same letters) is set aside: the lines of a table's cells read
    across the row in print, a column's end read before the next. Each is [EPUB position,
    EPUB words, PDF words]."""
    for k, (a1, _, _) in enumerate(differing):
        for other in differing[k + 1:]:
            if other[0] - a1 > NEARBY:
                break
            for mine, theirs in ((1, 2), (2, 1)):
                gone = squeeze(differing[k][mine])
                if gone and squeeze(other[theirs]) == gone:
                    differing[k][mine], other[theirs] = [], []
    return [d for d in differing if d[1] or d[2]]


BRIDGE = 2  # words: an agreement this short between two differences is the aligner's chance


def differing_runs(opcodes) -> list[tuple[int, int, int, int]]:
    """The places where the two editions differ, as (EPUB from, to, PDF from, to); two
    differences with a word or two that agree between them are one (a word hyphenated twice
    in a table cell, a header row repeated between its halves, and the same word again just
    after: the aligner matches that word out of place)."""
    runs: list[list[int]] = []
    for tag, a1, a2, b1, b2 in opcodes:
        if tag != "equal":
            if runs and runs[-1][4]:  # a short agreement since the last difference: join
                runs[-1][1:] = [a2, runs[-1][2], b2, 0]
            else:
                runs.append([a1, a2, b1, b2, 0])
        elif runs and a2 - a1 <= BRIDGE and runs[-1][1] == a1:
            runs[-1][4] = 1  # bridged, if a difference follows
        elif runs:
            runs[-1][4] = 0
    return [(a1, a2, b1, b2) for a1, a2, b1, b2, _ in runs]


def compare(epub: Path, pdf: Path) -> tuple[list[Problem], dict]:
    """The differences between the EPUB's words and the PDF's: notes not found (P060) and
    text that differs (P061). The PDF's notes are read at the pages' feet (the lines set
    smaller than the text, at the page's end), where print sets them; if that leaves
    differences (a note set otherwise, or text at a foot as small), anywhere, where each is
    first found, and then where each is last on its page (`take_notes`): the reading with the
    fewest differences is the PDF's."""
    body, notes, heads = epub_words(epub)
    pages = read_pages(pdf, heads, feet=bool(notes), share=text_share(body, notes))
    flat = [w for page in pages for w in page.words]
    feet = [k >= page.foot for page in pages for k in range(len(page.words))]
    starts = list(itertools.accumulate([0] + [len(page.words) for page in pages[:-1]]))
    lines = {at + k for at, page in zip(starts, pages, strict=True) for k in page.lines}
    halves = {at + k for at, page in zip(starts, pages, strict=True) for k in page.halves}
    known = {squeeze([w]) for w in body}
    problems = differences(pdf, body, notes, heads, flat, halves, known, feet=feet,
                           lines=lines | {len(flat)})
    for page_starts in (None, starts):
        if problems:
            problems = min(problems, differences(pdf, body, notes, heads, flat,
                                                 halves, known, page_starts), key=len)
    missing = sum(1 for problem in problems if problem.code == "P060")
    return problems, {"words": len(body), "footnotes": f"{len(notes) - missing}/{len(notes)}"}


def differences(pdf: Path, body: list[str], notes: list[list[str]], heads: set,
                flat: list[str], halves: set[int], known: set[str],
                page_starts: list[int] | None = None,
                feet: list[bool] | None = None, lines: set[int] | None = None
                ) -> list[Problem]:
    kept, missing = take_notes(flat, notes, page_starts, feet, lines)
    flat = joined_halves(flat, kept, halves, known, feet)
    matcher = difflib.SequenceMatcher(None, body, flat, autojunk=False)
    only_epub, only_pdf = [], []
    for a1, a2, b1, b2 in differing_runs(matcher.get_opcodes()):
        only_epub.append([a1, a2, body[a1:a2]])
        only_pdf.append([b1, b2, flat[b1:b2]])
    problems = [Problem(pdf, 0, 0, "P060", "a footnote is not in the PDF: "
                        + " ".join(note[:12])) for note in missing]
    differing = []
    for (a1, _, epub_run), (_, _, pdf_run) in zip(only_epub, only_pdf, strict=True):
        stripped = strip_heads(pdf_run, heads)
        if squeeze(epub_run) in {squeeze(run) for base in (stripped, pdf_run) for run in (
                base, without_folios(base), without_folios(base, keep=set(epub_run)))}:
            continue  # (a title or a numeral among the words that agree is the text's)
        differing.append([a1, epub_run, without_folios(stripped)])
    for a1, epub_run, pdf_run in moved_apart(differing):
        context = " ".join(body[max(0, a1 - 6):a1])
        problems.append(Problem(pdf, 0, 0, "P061", f"after “…{context}”: the EPUB has "
                                f"“{' '.join(epub_run[:12]) or '—'}”, the PDF "
                                f"“{' '.join(pdf_run[:12]) or '—'}”",
                                "the two editions differ here: rebuild, or report it"))
    return problems
