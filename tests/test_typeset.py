"""The print edition's paragraph composition: the total-fit line breaker against a brute-force
optimum, the hyphenation rules on hand-made paragraphs, and the typography of the title's
built PDF (no hyphen at a recto's foot, the quotation on the body's line grid, no folio on
blank and title pages)."""

from __future__ import annotations

import ctypes
import io
import itertools
import json
import statistics
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest
from conftest import ROOT, SLUG, make_book
from hypothesis import given, settings
from hypothesis import strategies as st

from toolchain.build import Pipeline, build, build_date
from toolchain.reporting import StreamReporter
from toolchain.typeset import hyphenate, paragraphs
from toolchain.typeset import pages as makeup
from toolchain.typeset.hyphenate import Hyphenator, read_exceptions
from toolchain.typeset.linebreak import INF, Box, Glue, Penalty, Settings, break_lines
from toolchain.typeset.paragraphs import Composer
from toolchain.write.pdf import laying_out as pdf_writer

END = [Penalty(0, INF), Glue(0, 1e6, 0), Penalty(0, -INF)]


def words(widths, space=1.0):
    items = []
    for w in widths:
        items += [Box(w), Glue(space, space / 2, space / 3)]
    return items[:-1] + END


def demerits(items, breaks, first, width, tolerance):
    """The total demerits of a choice of breaks, computed plainly, or None if a line does
    not fit `tolerance` (the same model as the breaker, without fitness classes)."""
    total, start = 0.0, 0
    for n, b in enumerate(breaks):
        line = [i for i in items[start:b] if not isinstance(i, Penalty)]
        while line and isinstance(line[-1], Glue):
            line.pop()
        natural = sum(i.width for i in line)
        measure = first if n == 0 else width
        stretch = sum(i.stretch for i in line)
        shrink = sum(i.shrink for i in line)
        if b == len(items) - 1:
            stretch += 1e6
        if natural < measure:
            ratio = (measure - natural) / stretch if stretch else float("inf")
        elif natural > measure:
            ratio = (measure - natural) / shrink if shrink else float("-inf")
        else:
            ratio = 0.0
        if not -1 - 1e-9 <= ratio <= tolerance:
            return None
        total += (10 + min(100 * abs(ratio) ** 3, 10_000)) ** 2
        start = b + 1
        while start < len(items) and isinstance(items[start], Glue):
            start += 1
    return total


def brute_force(items, first, width, tolerance, lines=None):
    glue = [k for k, i in enumerate(items[:-3]) if isinstance(i, Glue)]
    best = None
    for n in range(len(glue) + 1) if lines is None else [lines - 1]:
        for chosen in itertools.combinations(glue, n):
            d = demerits(items, [*chosen, len(items) - 1], first, width, tolerance)
            if d is not None and (best is None or d < best):
                best = d
    return best


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(2, 9), min_size=3, max_size=11), st.integers(12, 24))
def test_the_breaks_chosen_are_the_optimum(widths, measure):
    """Against every possible choice of breaks: the breaker finds the least total demerits."""
    items = words(widths)
    plain = Settings(adj_demerits=0)
    lines = break_lines(items, measure, measure, plain)
    assert lines is not None
    for tolerance in (plain.tolerance, plain.retry_tolerance):
        best = brute_force(items, measure, measure, tolerance)
        if best is not None:
            break
    else:
        return  # only an emergency pass sets it; nothing to compare
    got = demerits(items, [line.end for line in lines], measure, measure, tolerance)
    assert got == pytest.approx(best)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(2, 9), min_size=3, max_size=11), st.integers(12, 24),
       st.integers(0, 6), st.integers(1, 6))
def test_the_breaks_chosen_for_a_line_count_and_an_indent_are_the_optimum(widths, measure,
                                                                          indent, lines):
    """With the paragraph's lines counted (it must set in exactly `lines`, as the page
    makeup asks) and a first line indented: the least total demerits of every choice of
    breaks that has that many lines, or None where no choice has."""
    items = words(widths)
    wanted = Settings(adj_demerits=0, lines=lines, emergency=False)
    got = break_lines(items, measure - indent, measure, wanted)
    for tolerance in (wanted.tolerance, wanted.retry_tolerance):
        best = brute_force(items, measure - indent, measure, tolerance, lines)
        if best is not None:
            break
    if best is None:
        assert got is None
        return
    assert got is not None and len(got) == lines
    assert demerits(items, [line.end for line in got], measure - indent, measure,
                    tolerance) == pytest.approx(best)


def test_a_known_paragraph_is_set_evenly_where_first_fit_is_not():
    """Words 2 2 5 8 7 5 2 4 8 2 on a measure of 20. First fit, as a browser sets it:
    "2 2 5 8" | "7 5 2" (16 wide: its spaces at three times their width, ratio 4) |
    "4 8 2". Chosen together: "2 2 5 8" | "7 5 2 4" shrunk | "8 2"."""
    items = words([2, 2, 5, 8, 7, 5, 2, 4, 8, 2])
    lines = break_lines(items, 20, 20)
    assert [x.end for x in lines] == [7, 15, len(items) - 1]
    assert [round(x.ratio, 2) for x in lines] == [0.0, -1.0, 0.0]


def test_a_full_line_shrinks_rather_than_set_loose():
    items = words([4, 4, 4, 4, 6, 6])  # four words are 19 wide, the measure 18.5
    lines = break_lines(items, 18.5, 18.5)
    assert lines[0].end == 7 and -1 <= lines[0].ratio < 0


def test_the_breaker_counts_on_what_hangs_into_the_margin():
    """A line that ends where its last character (a comma: `protrude`) would hang half a
    unit into the margin is set as if half a unit shorter: its spaces stretch to make up
    that half unit too, and the line ends flush with the measure plus the hang."""
    def paragraph(hang):
        return [Box(3), Glue(1, 0.5, 1 / 3), Box(3), Glue(1, 0.5, 1 / 3, protrude=hang),
                Box(3)] + END

    plain, hung = (break_lines(paragraph(h), 7, 7) for h in (0.0, 0.5))
    assert [line.end for line in plain] == [line.end for line in hung] == [3, 7]
    assert plain[0].ratio == 0.0 and hung[0].ratio == pytest.approx(1.0)


def exact_at_hyphens():
    """A paragraph where every line fits exactly if it ends at a hyphen."""
    items = []
    rest = 0
    for pre, post in [(5, 2), (6, 4), (4, 3), (5, 2), (6, 4), (4, 3)]:
        if rest:
            items += [Box(rest), Glue(1, 0.5, 1 / 3)]
        items += [Box(pre), Penalty(1, 50, True)]
        rest = post
    return items + [Box(rest)] + END


def test_no_more_than_two_hyphenated_lines_in_a_row():
    items = exact_at_hyphens()
    loose = break_lines(items, 6, 10, Settings(max_hyphen_run=9, double_hyphen_demerits=0))
    assert runs(loose) >= 3  # without the rule, the hyphens run on
    assert runs(break_lines(items, 6, 10)) <= 2


def runs(lines) -> int:
    best = run = 0
    for line in lines:
        run = run + 1 if line.hyphenated else 0
        best = max(best, run)
    return best


def test_a_named_line_is_kept_free_of_a_hyphen_and_the_line_count_kept():
    """What the page foot asks: line 1 must not end with a hyphen, the paragraph keeps its
    number of lines (so the page breaks where it did)."""
    items = exact_at_hyphens()
    free = break_lines(items, 6, 10)
    assert free[0].hyphenated
    moved = break_lines(items, 6, 10, Settings(no_hyphen_at=frozenset({1}), lines=len(free)))
    assert moved is not None and len(moved) == len(free) and not moved[0].hyphenated
    assert break_lines(items, 6, 10, Settings(no_hyphen_at=frozenset({1}), lines=1)) is None


class Monospace:
    """Every letter one unit wide, a space one unit: a measurer for hand-made paragraphs."""

    def key(self, style):
        return ()

    def width(self, style, text):
        return float(len(text))

    def space(self, style):
        return 1.0


STYLE = {"font_size": 1.0, "hyphens": "auto", "lang": "en", "hyphenate_character": "-",
         "hyphenate_limit_chars": (6, 3, 3)}


def set_text(text: str, measure: float):
    composer = Composer(Monospace(), {}, {})
    refs = [(None, "text", k) for k in range(len(text))]
    items = composer.items([("text", text, STYLE, refs)])
    lines = break_lines(items, measure, measure)
    out, start = [], 0
    for line in lines:
        chunk = [i for i in items[start:line.end] if isinstance(i, (Box, Glue))]
        words = "".join(i.ref if isinstance(i, Box) else " " for i in chunk).strip()
        out.append(words + ("-" if line.hyphenated else ""))
        start = line.end + 1
    return out


def test_a_common_word_is_divided_where_a_name_is_not():
    """The same letters, a word in one paragraph and a name in the other: the line that
    fits exactly by dividing the word is set loose instead of dividing the name."""
    word = set_text("So the talk of all of us was about revolutionary and more after that", 42)
    name = set_text("So the talk of all of us was about Revolutionary and more after that", 42)
    assert word[0] == "So the talk of all of us was about revolu-", word
    assert name[0] == "So the talk of all of us was about", name


def test_hyphenation_keeps_three_letters_each_side_and_the_house_exceptions(tmp_path):
    hy = Hyphenator("en-GB")
    assert all(3 <= p <= len("proletariat") - 3 for p in hy.points("proletariat"))
    assert hy.points("results") == [2] or 2 not in hy.points("results") and \
        3 not in hy.points("results")
    (tmp_path / "hyphenation.txt").write_text("# the house's list\nre-sults Kerensky\n")
    exceptions = read_exceptions(tmp_path)
    assert exceptions == {"results": [2], "kerensky": []}
    hy = Hyphenator("en-GB", exceptions, left=2, right=3)
    assert hy.points("results") == [2] and hy.points("Kerensky") == []
    assert Hyphenator("en-GB").points("capitalist") != [5]  # not capit-alist


@pytest.mark.parametrize("name", ["de", "en_US", "fr", "hu_HU"])
def test_hyphenation_patterns_kept_in_the_cache_are_pyphens_own(name, tmp_path, monkeypatch):
    """A dictionary's patterns read back from the user's cache are those pyphen parses from
    the file, and break words the same; one with nonstandard breaks (Hungarian) is not kept,
    a damaged file in the cache is parsed anew, and without a home folder nothing is kept."""
    import pyphen

    monkeypatch.setenv("TOOLCHAIN_CACHE", str(tmp_path))
    path = pyphen.LANGUAGES[name]
    parsed = pyphen.HyphDict(path)
    first = hyphenate.kept_patterns(Path(str(path)))
    kept = list((tmp_path / "hyphenation").glob("*.json"))
    assert len(kept) == (0 if name == "hu_HU" else 1)
    second = hyphenate.kept_patterns(Path(str(path)))  # from the cache, where kept
    for found in (first, second):
        assert found.patterns == parsed.patterns and found.maxlen == parsed.maxlen
    words = ["Revolution", "Arbeiterbewegung", "proletariat", "gouvernement", "megszentségtelenít"]
    assert [second.positions(w) for w in words] == [parsed.positions(w) for w in words]
    if kept:
        kept[0].write_text("{not json")
        assert hyphenate.kept_patterns(Path(str(path))).patterns == parsed.patterns

    def homeless():
        raise RuntimeError("Could not determine home directory.")
    monkeypatch.setattr(hyphenate, "cache_folder", homeless)  # no cache: pyphen parses
    assert hyphenate.kept_patterns(Path(str(path))) is None


def test_the_house_exceptions_ship_with_the_styles():
    exceptions = read_exceptions(Path(__file__).resolve().parents[1] / "styles")
    assert exceptions, "styles/hyphenation.txt lists the words the patterns get wrong"


# --- the title's print edition ---------------------------------------------------------

def chars_of(page):
    """(baseline in pt from the top, origin x, right edge of the glyph, character, font
    size in pt) of each character set on a page; a hyphen at a line's end reads as "-"."""
    text = page.get_textpage()
    x, y = ctypes.c_double(), ctypes.c_double()
    for k in range(text.count_chars()):
        char = text.get_text_range(k, 1).replace("\ufffe", "-")
        if not char.strip():
            continue
        raw.FPDFText_GetCharOrigin(text.raw, k, ctypes.byref(x), ctypes.byref(y))
        size = raw.FPDFText_GetFontSize(text.raw, k) * 0.75  # WeasyPrint's px, in pt
        yield (round(page.get_height() - y.value, 1), x.value, text.get_charbox(k)[2], char,
               size)


def lines_of(pdf: Path) -> list[list[tuple[float, str, float]]]:
    """Per page, top to bottom: (baseline in pt from the top, text, font size in pt) of each
    line. A hyphen at a line's end reads as "-"."""
    pages = []
    for page in pdfium.PdfDocument(pdf):
        rows: dict[float, list] = {}
        for top, x, _, char, size in chars_of(page):
            rows.setdefault(top, []).append((x, char, size))
        pages.append([(top, "".join(c for _, c, _ in sorted(row)), max(s for *_, s in row))
                      for top, row in sorted(rows.items())])
    return pages


def main_flow(page):
    """The page's lines of body text and quotations (9.25 pt and up): not its running head
    (8 pt), folio (8.5 pt) or footnotes (8.25 pt)."""
    return [line for line in page if line[2] >= 9]


def foot_hyphens(pdf: Path) -> list[int]:
    """The pages whose main flow ends with a word divided over the page turn."""
    return [number for number, page in enumerate(lines_of(pdf), 1)
            if main_flow(page) and main_flow(page)[-1][1].endswith("-")]


def print_editions(out: Path) -> dict:
    """The title's two PDFs alone, written into `out` as its build writes them (read, XHTML,
    layout, the page checks, the screen PDF and the press PDF: no EPUB, EPUBCheck or cover),
    for the tests that look only at the pages; returns the report's `paragraphs`. The book
    is laid out whole, and nothing is kept: the tests change how it is laid out."""
    manuscript = ROOT / "manuscript"
    out.mkdir(parents=True)
    pipeline = Pipeline(manuscript, ROOT / "styles", out, build_date(manuscript)[0],
                        StreamReporter(io.StringIO()), cache=False)
    book = pipeline.read()
    docs = pipeline.write_xhtml(book)
    laid_out = pipeline.layout(book, docs)
    pipeline.check_page_invariants(book, docs, laid_out)  # as a build stops on a page error
    pipeline.write_pdf(laid_out, book, SLUG)
    pipeline.write_press(book, SLUG)
    return laid_out.composition


def unfilled(monkeypatch) -> None:
    """Short pages left short: the title's pages then break where they did before they were
    filled, with words divided at two rectos' feet (pp. 9 and 23)."""
    monkeypatch.setattr(makeup, "fill_short_pages", lambda composition, document, limit: {})
    monkeypatch.setattr(makeup, "pushing_options", lambda composition, document, page, n:
                        (page, []))


@pytest.fixture(scope="module")
def unfilled_title(tmp_path_factory) -> tuple[Path, dict]:
    """The title's PDFs with short pages left short (`unfilled`), made once for the tests
    that compare with them: the folder, and the report's `paragraphs`."""
    out = tmp_path_factory.mktemp("unfilled") / "dist"
    with pytest.MonkeyPatch.context() as patch:
        unfilled(patch)
        return out, print_editions(out)


def test_no_hyphen_at_the_foot_of_a_recto(built, unfilled_title, tmp_path, monkeypatch):
    """Composed but not yet broken again at the page feet, the title's pages (as they break
    with short pages left short) have words divided over a leaf; built, they have none."""
    report = json.loads((built / "report.json").read_text())
    assert report["paragraphs"]["composed"] > 50 and report["paragraphs"]["left"] == 0
    assert not [n for n in foot_hyphens(built / f"{SLUG}.pdf") if n % 2 == 1]

    mended, report = unfilled_title
    assert report["broken again at a page foot"] >= 1
    assert not [n for n in foot_hyphens(mended / f"{SLUG}.pdf") if n % 2 == 1]
    unfilled(monkeypatch)
    monkeypatch.setattr(makeup, "keep_hyphens_off_page_feet", lambda composition, document: [])
    print_editions(tmp_path / "dist")
    assert [n for n in foot_hyphens(tmp_path / "dist" / f"{SLUG}.pdf") if n % 2 == 1]


def test_lines_put_in_place_are_the_third_layout_byte_for_byte(unfilled_title, tmp_path,
                                                               monkeypatch):
    """The paragraphs broken again at a page foot are laid out alone and their lines put in
    the book's pages; the book laid out a third time instead gives the same PDF."""
    placed, report = unfilled_title
    assert report["page feet"] == "their lines put in place"
    unfilled(monkeypatch)
    monkeypatch.setattr(makeup, "transplant", lambda document, alone, keys: False)
    assert print_editions(tmp_path / "dist")["page feet"] == "the book laid out again"
    for name in (f"{SLUG}.pdf", f"{SLUG}-print.pdf"):
        assert (tmp_path / "dist" / name).read_bytes() == (placed / name).read_bytes(), name


def short_lines(pdf: Path) -> int:
    """Lines left empty at the foot of the chapter's pages without footnotes, but its first
    and last (the foot: a full page's last baseline, 548.2 pt)."""
    total = 0
    for page in lines_of(pdf)[7:23]:
        flow = main_flow(page)
        if flow and not any(8.2 < size < 8.3 for _, _, size in page):
            total += round((548.2 - flow[-1][0]) / 13.6)
    return total


def test_short_pages_are_filled_by_a_paragraph_set_a_line_longer(built, unfilled_title, tmp_path,
                                                                  monkeypatch):
    """Pages the widows and orphans left short get a paragraph on them set a line longer
    (within its own tolerance, else LEVELLING_TOLERANCE), laid out alone and put in place
    with what follows moved down: byte for byte what a third layout of the book gives."""
    report = json.loads((built / "report.json").read_text())
    assert report["paragraphs"]["set a line longer to fill a short page"] >= 1
    monkeypatch.setattr(makeup, "lengthen", lambda document, alone, chosen: False)
    print_editions(tmp_path / "again")
    assert (tmp_path / "again" / f"{SLUG}.pdf").read_bytes() == \
        (built / f"{SLUG}.pdf").read_bytes()
    assert short_lines(built / f"{SLUG}.pdf") < short_lines(unfilled_title[0] / f"{SLUG}.pdf")


def uneven_spreads(pdf: Path) -> list[tuple[int, int]]:
    """The chapter's spreads (pp. 8–9 to 22–23) whose pages, neither with footnotes, end on
    different baselines (a quotation's smaller type sits 0.4 pt higher)."""
    pages = lines_of(pdf)
    uneven = []
    for verso in range(8, 23, 2):
        feet = [main_flow(pages[n - 1])[-1][0] for n in (verso, verso + 1)
                if not any(8.2 < size < 8.3 for _, _, size in pages[n - 1])]
        if len(feet) == 2 and abs(feet[0] - feet[1]) > 1:
            uneven.append((verso, verso + 1))
    return uneven


def test_facing_pages_end_on_the_same_line(built, tmp_path, monkeypatch):
    """A page left short that no paragraph on it can fill within its own tolerance gets one
    on it, or on the pages before (pushing lines onto it), set looser, up to
    LEVELLING_TOLERANCE: on the title, pp. 22 and 10 end level with their facing pages,
    which they do not when paragraphs may only be loosened within their own tolerance."""
    report = json.loads((built / "report.json").read_text())
    assert report["paragraphs"]["set longer to push lines onto a short page"] >= 1
    assert uneven_spreads(built / f"{SLUG}.pdf") == []
    monkeypatch.setattr(makeup, "LEVELLING_TOLERANCE", 1.0)
    print_editions(tmp_path / "dist")
    assert uneven_spreads(tmp_path / "dist" / f"{SLUG}.pdf") == [(10, 11), (22, 23)]


def test_pages_laid_out_again_alone_are_the_book_laid_out_again(built, tmp_path, monkeypatch):
    """The pages a paragraph set looser pushes lines over, laid out again alone and put in
    the book's (keeping the folios and running heads), give byte for byte the PDF a layout
    of the whole book gives."""
    push = pdf_writer.push_onto_short_pages

    def then_the_whole_book(composition, document, render, counted):
        kept = push(composition, document, render, counted)
        document.pages[:] = render(composition.html_tree(), paragraphs.SET_CSS).pages
        return kept

    monkeypatch.setattr(pdf_writer, "push_onto_short_pages", then_the_whole_book)
    print_editions(tmp_path / "dist")
    for name in (f"{SLUG}.pdf", f"{SLUG}-print.pdf"):
        assert (tmp_path / "dist" / name).read_bytes() == (built / name).read_bytes(), name


def hangs(pdf: Path) -> list[tuple[str, float]]:
    """(last character, how far it ends past the measure, in pt) of every line of body type
    (10.25 pt) in the title's chapter, pp. 7–23; the measure's right edge is where most of
    the page's lines ending in a letter end (the justified ones: rectos and versos differ)."""
    doc = pdfium.PdfDocument(pdf)
    found = []
    for number in range(6, 23):
        rows: dict[float, tuple] = {}
        for top, _, right, char, size in chars_of(doc[number]):
            if top not in rows or right > rows[top][1]:
                rows[top] = (char, right, size)
        rows = {top: (char, right) for top, (char, right, size) in rows.items()
                if abs(size - 10.25) < 0.01}
        letters = [right for char, right in rows.values() if char.isalpha()]
        measure = max(letters, key=lambda r: sum(abs(x - r) < 0.2 for x in letters))
        found += [(char, right - measure) for char, right in rows.values()]
    return found


def test_a_line_ending_in_a_hyphen_or_a_stop_hangs_into_the_margin(built):
    """Margin kerning: a justified line's last hyphen, comma or full stop hangs part of its
    width past the measure (the breaker counts on it), so that the text's edge looks
    straight; a line ending in a letter ends at the measure, and no line runs over it (a
    paragraph's last line the breaker set shrunk used to: "…confused them." on p. 21 by
    4 pt, "…open to all." on p. 12 by 9)."""
    ends = hangs(built / f"{SLUG}.pdf")
    hyphens = [hang for char, hang in ends if char == "-"]
    stops = [hang for char, hang in ends if char in ".," and hang > -0.6]  # not a
    letters = [hang for char, hang in ends if char.isalpha() and hang > -0.6]  # ragged line
    assert len(hyphens) > 10 and len(stops) > 10
    assert all(1.0 < hang < 3.5 for hang in hyphens), hyphens  # 0.7 of a 3.4 pt hyphen
    assert all(hang < 3.2 for hang in stops), stops  # a last line set to the measure: ~0
    assert sum(hang > 0.4 for hang in stops) > 0.8 * len(stops), stops
    assert statistics.median(letters) < 0.2  # ink, not advance: an f's hook overhangs


GRID = 13.6


def test_the_main_flow_keeps_the_line_grid(tmp_path):
    """Headings, quotations (smaller type), a letter and verse between paragraphs, over
    several pages, some of them splitting over a page: every line of the main flow stands on
    the body's 13.6 pt grid, so that facing pages end on the same baseline."""
    para = ("The strike spread from the mines to the docks, and from the docks to the "
            "railways; every day brought new names to the committees, and the committees "
            "sent their delegates to the capital. ") * 4
    quote = ("The movement exhausted and spent itself once it had achieved the maximum that "
             "spontaneous and unguided action of this kind could achieve. ") * 3
    parts = []
    for k in range(1, 7):
        parts += [f"## Section {k}", para, para, f"> {quote}", para,
                  "::: poem\nA line of the song,\nand another line of it.\n:::", para]
    make_book(tmp_path / "m", {"one.md": "# Grid\n\n" + "\n\n".join(parts) + "\n"})
    build(tmp_path / "m", tmp_path / "dist", ROOT / "styles", stream=io.StringIO())
    pages = lines_of(tmp_path / "dist" / "small-book.pdf")
    full = [main_flow(page) for page in pages if main_flow(page)
            and main_flow(page)[0][0] < 70]  # pages of running text, not the opening
    assert len(full) >= 4
    top = full[0][0][0]
    quoted = 0
    for lines in full:
        for baseline, text, size in lines:
            steps = (baseline - top) / GRID
            assert abs(steps - round(steps)) < 0.05, (text, baseline, size)
            quoted += size < 10
    assert quoted > 20  # the quotations' lines were among them


def test_no_folio_on_blank_pages_the_half_title_or_the_title_page(built):
    pages = lines_of(built / f"{SLUG}.pdf")
    folio = [[t for _, t, size in page if abs(size - 8.5) < 0.05 and t.strip("ivxlc0123456789") == ""]
             for page in pages]
    assert not pages[1] and not pages[3], "the versos behind the half title and title are blank"
    assert not folio[0] and not folio[2]  # the half title and the title page
    assert folio[4] == ["v"] and folio[6] == ["1"]  # the contents, the first page of text




def test_a_paragraph_laid_out_alone_keeps_all_it_holds():
    """`only` hides the paragraph's neighbours (kept, empty, for the selectors) and drops
    the other divisions, but nothing inside the paragraph: not its note reference, nor the
    footnote inside it, which is a paragraph of its own."""
    from lxml import etree

    tree = etree.fromstring(
        '<html><body><div id="a"><p data-kp="1">Other <em>text</em></p></div>'
        '<div id="b"><section><h2>Head</h2><p data-kp="2">Before<a class="endnote-ref">15'
        '</a><span class="footnote" data-kp="3">The note.</span> after.</p>'
        '<p data-kp="4">Next <em>one</em>.</p></section></div></body></html>')
    cut = makeup.only(tree, {"2", "3"})  # the paragraph and its footnote, both wanted
    assert [d.get("id") for d in cut.find("body")] == ["b"]
    para = cut.xpath("//p[@data-kp='2']")[0]
    assert "".join(para.itertext()) == "Before15The note. after." and para.get("style") is None
    for hidden in (cut.xpath("//h2")[0], cut.xpath("//p[@data-kp='4']")[0]):
        assert "display: none" in hidden.get("style") and len(hidden) == 0 and not hidden.text


@pytest.fixture(scope="module")
def chapter_laid_out(tmp_path_factory):
    """The first title's Setting (its print HTML, stylesheets and fonts), a maker of its
    chapter's tree as the build lays it out alone (from a recto numbered 1), and the
    chapter laid out, its layout's state kept."""
    from toolchain.write import folios
    from toolchain.write.pdf.laying_out import Setting

    manuscript = ROOT / "manuscript"
    date = build_date(manuscript)[0]
    pipeline = Pipeline(manuscript, ROOT / "styles", tmp_path_factory.mktemp("chapter"), date,
                        StreamReporter(io.StringIO()), cache=False)
    book = pipeline.read()
    setting = Setting(book, pipeline.write_xhtml(book), date, ROOT / "styles", manuscript)
    chapter = max(setting.html.find("body"), key=lambda d: len(d.xpath(".//p")))

    def tree_of():
        return folios.alone(setting.html, {chapter.get("id")}, "1", "right")
    return setting, tree_of, setting.render(tree_of(), keep=True)


def page_boxes(document) -> list[list[tuple]]:
    """Each page's boxes as laid out: kind, place, size and text, in order."""
    from toolchain.typeset.weasy import page_box

    def walk(box):
        yield (type(box).__name__, round(box.position_x, 6), round(box.position_y, 6),
               getattr(box, "width", None), getattr(box, "height", None),
               getattr(box, "text", None))
        for child in getattr(box, "children", ()):
            yield from walk(child)
    return [list(walk(page_box(page))) for page in document.pages]


@pytest.mark.parametrize("change", ["a paragraph set larger", "a paragraph put in",
                                    "a paragraph taken out", "a note made longer"])
def test_a_layout_resumed_at_a_page_is_the_layout_from_the_first(change, chapter_laid_out,
                                                                 monkeypatch):
    """The mending lays a division out again after each change; from the first page an
    element changed stands on, less two, it is laid out again from the state the layout
    had there (weasy.resuming), the pages before it kept. The pages, and the PDF, are the
    very ones a layout from the first page makes, each box's element one of the new tree's
    (`push_onto_short_pages` finds places by them); and the pages before were kept, not
    laid out again. A change on the first pages lays the division out from its first."""
    from toolchain.typeset import weasy

    resumed_at = []
    found = weasy.resumed_at
    monkeypatch.setattr(weasy, "resumed_at", lambda *a: resumed_at.append(found(*a)) or
                        resumed_at[-1])
    setting, tree_of, before = chapter_laid_out
    assert len(before.pages) > 12
    for late in (True, False):
        tree = tree_of()
        paragraphs_ = tree.xpath("//section//p[not(ancestor::*[@class='footnote'])]")
        target = paragraphs_[int(len(paragraphs_) * 0.8)] if late else paragraphs_[1]
        if change == "a paragraph set larger":
            target.set("style", "font-size: 14pt")
        elif change == "a paragraph put in":
            target.addnext(target.makeelement("p", {}))
            target.getnext().text = "A paragraph the editor put in. " * 12
        elif change == "a paragraph taken out":
            target.getparent().remove(target)
        else:  # (early: the first paragraph's, the chapter's first note being further on)
            note = tree.xpath("//span[@class='footnote']")[-2] if late else target
            note.text = (note.text or "") + " And a sentence more in the note." * 8
        resumed = setting.render(tree, after=before)
        assert (resumed_at[-1] is not None) == late, (change, late, resumed_at)
        if late:  # the first pages taken, not made again, their elements the new tree's
            assert resumed_at[-1] > 5
            whole = setting.render(tree)
            assert page_boxes(resumed) == page_boxes(whole), change
            assert resumed.write_pdf() == whole.write_pdf(), change
            own = {id(element) for element in resumed._html.etree_element.iter()}
            assert all(id(box.element) in own for page in resumed.pages
                       for box in weasy.page_box(page).descendants()
                       if box.element is not None), change
