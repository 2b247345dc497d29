"""Property-based tests: hypothesis writes manuscripts from every construct of the format.

For each one, either the book is read, written and validated — every word of the input in
the output, in order — or the toolchain stops with clean `file:line` errors. A traceback, a
hang, a lost word or an invalid document fails. CI runs a few hundred examples; set
HYPOTHESIS_PROFILE=long for a longer hunt (thousands, and more full builds).
"""

from __future__ import annotations

import html
import io
import os
import re
import tempfile
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from conftest import NS, ROOT, make_book
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from toolchain import safexml
from toolchain.build import build
from toolchain.check.lint import lint_manuscript
from toolchain.check.validate import check_documents, epubcheck_documents
from toolchain.errors import BuildError
from toolchain.read.markdown import read_book
from toolchain.write.xhtml import write_documents

settings.register_profile("ci", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
STYLES = ROOT / "styles"
DATE = datetime(2025, 1, 1, tzinfo=UTC)

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZàéîõüßÆœłčžαβγδЖжщ"
word = st.text(alphabet=LETTERS, min_size=1, max_size=9)
words = st.lists(word, min_size=1, max_size=6).map(" ".join)


class Gen:
    """Builds one chapter's Markdown while recording, in order, the words it should show."""

    def __init__(self):
        self.endnotes: list[str] = []  # texts, in call order
        self.footnotes: list[str] = []


@st.composite
def inline(draw, gen: Gen, notes: bool = True) -> str:
    kind = draw(st.sampled_from(["plain", "plain", "em", "strong", "cite", "foreign", "smallcaps",
                                 "link", "note", "footnote", "punct"]))
    text = draw(words)
    if kind == "em":
        return f"*{text}*"
    if kind == "strong":
        return f"**{text}**"
    if kind == "cite":
        return f"*{text}*{{.title{draw(st.sampled_from(['', ' lang=de', ' lang=fr']))}}}"
    if kind == "foreign":
        return f"*{text}*{{lang={draw(st.sampled_from(['de', 'fr', 'la']))}}}"
    if kind == "smallcaps":
        return f"[{text}]{{.smallcaps}}"
    if kind == "link":
        return f"[{text}](https://example.org/{draw(st.integers(0, 99))})"
    if kind == "note" and notes:
        gen.endnotes.append(draw(words))
        return f"{text}[^{len(gen.endnotes)}]"
    if kind == "footnote" and notes:
        gen.footnotes.append(draw(words))
        return f"{text}[^{len(gen.footnotes)}*]"
    if kind == "punct":
        return text + draw(st.sampled_from([",", ".", ";", ":", "’s", " –", "!", "?"]))
    return text


@st.composite
def paragraph(draw, gen: Gen, notes: bool = True) -> str:
    return " ".join(draw(st.lists(inline(gen, notes), min_size=1, max_size=6)))


@st.composite
def table(draw, gen: Gen) -> str:
    columns = draw(st.integers(1, 4))
    numeric = [draw(st.booleans()) for _ in range(columns)]
    numeric[0] = False
    header = [draw(words) for _ in range(columns)]
    lines = [f"Table: {draw(paragraph(gen, notes=False))}", "",
             "| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for _ in range(draw(st.integers(1, 4))):
        width = columns if draw(st.integers(0, 9)) else draw(st.integers(1, 5))  # now and then ragged
        cells = [f"{draw(st.integers(0, 10**7)):,}" if k < columns and numeric[k]
                 else draw(words) for k in range(width)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


@st.composite
def block(draw, gen: Gen, depth: int = 0) -> str:
    kinds = ["para", "para", "para", "heading", "quote", "list", "olist", "table", "break",
             "verse", "letter", "role"]
    kind = draw(st.sampled_from(kinds if depth < 2 else ["para"]))
    if kind == "heading":
        return f"{'#' * draw(st.integers(2, 4))} {draw(paragraph(gen, notes=False))}"
    if kind == "quote":
        inner = draw(st.lists(block(gen, depth + 1), min_size=1, max_size=3))
        return "\n>\n".join("\n".join("> " + line if line else ">" for line in b.split("\n"))
                            for b in inner)
    if kind in ("list", "olist"):
        items = draw(st.lists(paragraph(gen), min_size=1, max_size=4))
        start = draw(st.sampled_from([1, 1, 0, 3, 10, 999]))  # a list taken up again
        return "\n".join(f"{k + start}. {t}" if kind == "olist" else f"- {t}"
                         for k, t in enumerate(items))
    if kind == "table":
        return draw(table(gen))
    if kind == "break":
        return "* * *"
    if kind == "verse":
        stanzas = draw(st.lists(st.lists(st.tuples(st.integers(0, 3), paragraph(gen)),
                                         min_size=1, max_size=4), min_size=1, max_size=3))
        body = "\n\n".join("\n".join("  " * indent + line for indent, line in stanza)
                           for stanza in stanzas)
        return f"::: {draw(st.sampled_from(['poem', 'verse']))}\n{body}\n:::"
    if kind == "letter":
        paras = draw(st.lists(paragraph(gen), min_size=1, max_size=3))
        close = [f"[{draw(words)}]{{.valediction}}", f"[{draw(words)}]{{.signature}}"]
        return "::: letter\n" + "\n\n".join(paras + close[: draw(st.integers(0, 2))]) + "\n:::"
    if kind == "role":
        role = draw(st.sampled_from(["attribution", "dateline", "salutation"]))
        return f"[{draw(words)}]{{.{role}}}"
    return draw(paragraph(gen))


@st.composite
def chapter(draw) -> str:
    gen = Gen()
    title = draw(paragraph(gen, notes=False))
    blocks = draw(st.lists(block(gen), min_size=1, max_size=8))
    text = f"# {title}\n\n" + "\n\n".join(blocks) + "\n"
    defs = [f"[^{k}]: {t}" for k, t in enumerate(gen.endnotes, 1)]
    defs += [f"[^{k}*]: {t}" for k, t in enumerate(gen.footnotes, 1)]
    mischief = draw(st.sampled_from(["none"] * 6 + ["dangling call", "orphan note", "duplicate",
                                                    "bad attribute", "raw html"]))
    if mischief == "dangling call":
        text = text.rstrip("\n") + f" Lost.[^{len(gen.endnotes) + 1}]\n"
    elif mischief == "orphan note":
        defs.append(f"[^{len(gen.endnotes) + 1}]: Orphan.")
    elif mischief == "duplicate" and defs:
        defs.append(defs[0])
    elif mischief == "bad attribute":
        text += "\nA *word*{.shouting} here.\n"
    elif mischief == "raw html":
        text += "\n<div>hidden</div>\n"
    if defs:
        text += "\n" + "\n\n".join(defs) + "\n"
    return text


manuscripts = st.lists(chapter(), min_size=1, max_size=3)


def words_of_markdown(text: str) -> list[str]:
    """The words a reader must find, in order: the Markdown without its syntax."""
    body = re.sub(r"^\[\^\d+\*?\]: .*$", "", text, flags=re.M)  # notes are checked on their own
    body = re.sub(r"\[\^\d+\*?\]", " ", body)
    body = re.sub(r"\{[^{}]*\}", " ", body)
    body = re.sub(r"\]\(https://[^)]*\)", " ", body)
    # a list's numbers go: an item's is its place in its list, whatever its marker says
    body = re.sub(r"^(\s*(#+|>|-|\d+\.)(\s+|$))+", "", body, flags=re.M)
    body = re.sub(r"^Table: ", "", body, flags=re.M)
    body = re.sub(r"^(> ?)*::: ?(poem|verse|letter)?$", " ", body, flags=re.M)
    body = re.sub(r"^\|[-:|]+\|$", " ", body, flags=re.M)
    body = body.replace("* * *", " ")
    body = re.sub(r"[*\[\]|]", " ", body)
    return body.split()


def words_of_documents(docs) -> list[str]:
    out = []
    for doc in docs:
        root = safexml.parse(doc.to_bytes())
        for call in root.xpath("//h:a[@role='doc-noteref' or @role='doc-backlink']",
                               namespaces=NS):
            call.text = " "
        for listing in root.iterfind(".//h:ol", NS):  # its numbers, as a reader shows them
            for number, item in enumerate(listing.iterfind("h:li", NS),
                                          int(listing.get("start", 1))):
                item.text = f"{number}. {item.text or ''}"
        body = root.find("h:body", NS)
        out += "".join(body.itertext()).replace("\u00a0", " ").split()
    return out


def in_order(needle: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(any(w == h for h in it) for w in needle)


def assert_clean_failure(exc: BuildError, root: Path):
    for problem in exc.problems:
        assert str(problem.path).startswith(str(root)), str(problem)
        assert problem.line >= 1 and problem.code[0] in "MX", str(problem)


def letters_of(text: str) -> str:
    """The letters and digits a reader must find, in order, of text with Markdown in it."""
    text = html.unescape(re.sub(r"\]\([^)]*\)", "]", text))  # link targets are not text
    return "".join(c for c in unicodedata.normalize("NFC", text) if c.isalnum())


def read_write_validate(chapters: list[str], root: Path, exact_words: bool = True):
    """The fast path of a build: lint, read, write XHTML, our own validation."""
    make_book(root, {f"{k:02d}.md": text for k, text in enumerate(chapters, 1)})
    try:
        errors = [p for p in lint_manuscript(root, STYLES) if p.severity == "error"]
        if errors:
            raise BuildError(errors)
        book = read_book(root)
    except BuildError as exc:
        assert_clean_failure(exc, root)
        return None
    docs = write_documents(book, DATE)
    assert check_documents({d.name: d.to_bytes() for d in docs}) == []
    output = words_of_documents(docs)
    if not exact_words:
        found = iter(" ".join(output))
        assert all(c in found for c in letters_of("".join(chapters))), chapters
        return docs
    for text in chapters:
        assert in_order(words_of_markdown(text), output), text
        for note in re.findall(r"^\[\^\d+\*?\]: (.*)$", text, flags=re.M):
            assert in_order(note.split(), output), note
    shown = [int(ol.get("start", 1)) for doc in docs if doc.name.startswith("ch-")
             for ol in safexml.parse(doc.to_bytes()).iterfind(".//h:ol", NS)
             if ol.get("class") != "notes"]
    assert shown == [n for text in chapters for n in list_starts(text)], chapters
    return docs


def list_starts(text: str) -> list[int]:
    """The first number of each numbered list of generated Markdown, in reading order: an
    item's line whose last line with text, at its depth of quotation, is not an item (the
    generator's items are a line each; two lists apart by a blank line are one, loose)."""
    starts, before = [], (0, False)  # the last line with text: its depth, whether an item
    written: list[int] = []  # the numbers written in the list so far
    for line in text.splitlines():
        depth = len(re.match(r"(> ?)*", line)[0].replace(" ", ""))
        line = re.sub(r"^(> ?)*", "", line)
        if not line.strip():
            if depth < before[0]:  # a quotation ended: a list in the next is a list of its own
                before = (depth, False)
            continue
        found = re.match(r"(\d+)\. \S", line)
        number = int(found[1]) if found else None
        if found and (before != (depth, True) or number != starts[-1] + len(written) and not (
                set(written) == {number})):  # (a number neither the next nor the list's
            starts.append(number)  # every one: a list of its own, as the reader makes it)
            written = []
        if found:
            written.append(number)
        before = (depth, bool(found))
    return starts


@given(manuscripts)
@example(["# A\n\n> " + "> " * 25 + "deep\n"])  # markdown-it dropped text past 20 levels
@example(["# A\n\n> 1. aa\n> 2. bb\n\n> 3. cc\n"])  # two quotations' lists, two lists
@example(["# A\n\n" + "*" * 3000 + "x" + "*" * 3000 + "\n"])  # RecursionError in the writer
@example(["# A\n\n<div>x</div>\n"])  # raw HTML vanished
@example(["# A\n\n* * *\n\nB\n"])  # a section break vanished
@example(["# A\n\n[x](javascript:alert(1))\n"])  # printed as literal Markdown
@example(["# A\n\nTable: T\n\n| a | b |\n|---|---|\n| x |  |\n"])  # M006 false positive
@example(["# A\n\n## B\n\n## B\n"])  # two sections of one title had one id
@example(["# A\n\n## Æ\n"])  # a title with no ASCII letter took the chapter's own id
@example(["# A\n\n::: letter\nA[^1*]\n:::\n\n[^1*]: A\n"])  # a letter's footnote placed twice
@example(["# A[^1]\n\nText.\n\n[^1]: On the title.\n"])  # a call in a title: X002 in Notes
@example(["# A\n\n::: poem\n    A[^1]\n:::\n\n[^1]: A\n"])  # a stanza 4 spaces in: code, note lost
def test_any_manuscript_builds_or_fails_cleanly(chapters):
    with tempfile.TemporaryDirectory() as tmp:
        read_write_validate(chapters, Path(tmp) / "manuscript")


@given(st.text(max_size=300))
@example("\x00\x07\u202e\u200b\ufeff")
@example("`code` and <b>bold</b> & <!-- c --> [x][y] ![i](p.png)")
@example("0[")
@example("3.")  # an empty item of a list from 3: an error (M133)
@example("3. x\n4. y")  # a list from 3: its numbers were lost (M133 then; now `start`)
@example("1.")
@example("x\n\n# Second title\n")  # IndexError in the writer: a second level-1 heading
@example("x\n\n[1]: Smith, History\n")  # a link definition vanished from the book
def test_any_unicode_paragraph_builds_or_fails_cleanly(text):
    with tempfile.TemporaryDirectory() as tmp:
        read_write_validate([f"# Title\n\n{text}\n"], Path(tmp) / "manuscript", exact_words=False)


@settings(max_examples=12 if LONG else 3,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(chapter(), min_size=6, max_size=6))
def test_generated_books_pass_epubcheck(books):
    """EPUBCheck's content-document mode on the XHTML of six generated books in one JVM."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k, text in enumerate(books):
            docs = read_write_validate([text], Path(tmp) / f"m{k}")
            for doc in docs or []:
                path = Path(tmp) / f"x{k}" / doc.name
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(doc.to_bytes())
                paths.append(path)
        if paths:
            assert epubcheck_documents(paths) == []


@settings(max_examples=8 if LONG else 1)
@given(manuscripts)
def test_generated_book_full_build(chapters):
    """The whole build — EPUB, EPUBCheck, both PDFs — on a generated book; the two editions
    carry the same words, and the EPUB marks every printed page where it begins."""
    from toolchain.check.parity import check_pages, compare

    with tempfile.TemporaryDirectory() as tmp:
        root = make_book(Path(tmp) / "manuscript",
                         {f"{k:02d}.md": text for k, text in enumerate(chapters, 1)})
        try:
            report = build(root, Path(tmp) / "dist", STYLES, stream=io.StringIO())
        except BuildError as exc:
            for problem in exc.problems:
                assert problem.code[0] in "MXP" and "Traceback" not in str(problem)
            return
        assert report["validators"]["epubcheck"]["nError"] == 0
        epub, pdf = Path(tmp) / "dist" / "small-book.epub", Path(tmp) / "dist" / "small-book.pdf"
        assert compare(epub, pdf)[0] == []
        assert check_pages(epub, pdf)[0] == []
