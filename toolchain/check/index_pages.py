"""The index against the pages: every locator's printed page holds the words marked there,
and each PDF prints the EPUB's index, entry for entry and number for number.

The EPUB's index links each locator to its mark (an id in the text) and prints the folio as
the link's text; the EPUB's page-break markers give each PDF page its folio (the pages
check proves them). So each locator is checked on the page of the PDF whose folio it
prints: the words of its mark (the marked words, or for an empty mark the two words after
it, or before it at a paragraph's end) must be there, letter for letter — a word
hyphenated over the page's end counts from where it starts."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

from lxml import etree

from ..errors import Problem
from .parity import BLOCKS, EPUB_TYPE, H, block_text, epub_words, read_pages, squeeze, text_share, words

HERE = "\ue001"  # a mark's place in its block's text


def epub_index(epub: Path) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The words of the EPUB's index (its entries, without its title), and each locator as
    (printed folio, file, id) in order — a range's elided end written out; ([], []) if the
    book has none."""
    with zipfile.ZipFile(epub) as archive:
        names = [n for n in archive.namelist() if n.endswith(".xhtml")]
        for name in names:
            root = etree.fromstring(archive.read(name))
            section = next((s for s in root.iter(f"{H}section")
                            if s.get(EPUB_TYPE) == "index"), None)
            if section is None:
                continue
            title = section.find(f"{H}h1")
            entries = block_text(section)
            if title is not None:
                entries = entries.replace("".join(title.itertext()), "", 1)
            locators = []
            for link in section.iter(f"{H}a"):
                if link.get(EPUB_TYPE) == "index-locator":
                    target, _, anchor = link.get("href", "").partition("#")
                    path = str(PurePosixPath(name).parent / target) if target else name
                    text = "".join(link.itertext())
                    parent = link.getparent()
                    if parent.get(EPUB_TYPE) == "index-locator-range" and link is parent[-1]:
                        text = full_folio("".join(parent[0].itertext()), text)
                    locators.append((text, path, anchor))
            return words(entries), locators
    return [], []


def marked_words(epub: Path, locators: list[tuple[str, str, str]]) -> dict[tuple, str]:
    """Each locator's (file, id) → the letters of the words at its mark."""
    found: dict[tuple, str] = {}
    with zipfile.ZipFile(epub) as archive:
        for path in sorted({p for _, p, _ in locators}):
            root = etree.fromstring(archive.read(path))
            for _, _, anchor in (loc for loc in locators if loc[1] == path):
                mark = root.find(f".//*[@id='{anchor}']")
                if mark is None:
                    continue
                text = "".join(mark.itertext())
                if not words(text):
                    block = next((a for a in mark.iterancestors() if a.tag in BLOCKS), mark)
                    saved = mark.text
                    mark.text = HERE
                    before, _, after = block_text(block).partition(HERE)
                    mark.text = saved
                    text = " ".join(words(after)[:2]) or " ".join(words(before)[-2:])
                found[(path, anchor)] = squeeze(words(text))
    return found


def full_folio(start: str, end: str) -> str:
    """An elided range's end written out: 321–28 → 328."""
    if start.isdigit() and end.isdigit() and len(end) < len(start):
        return start[:len(start) - len(end)] + end
    return end


def check_index(epub: Path, pdf: Path) -> tuple[list[Problem], dict]:
    """Problems with the index of `pdf`, and counts: locators checked, entries' words."""
    index_words, locators = epub_index(epub)
    if not locators and not index_words:
        return [], {"locators": 0, "words": 0}
    marks: list[tuple[str, int]] = []
    body, notes, heads = epub_words(epub, marks)
    share = text_share(body, notes)
    pages = read_pages(pdf, heads, feet=False)
    by_folio = {label: squeeze(pages[k].words) for k, (label, _) in enumerate(marks[:len(pages)])}
    texts: dict[str, str] | None = None  # each page's letters above its notes (`page_texts`)
    problems = []
    letters = marked_words(epub, locators)
    for text, path, anchor in locators:
        folio = re.sub(r"n\d*$", "", text)  # a note's locator, 23n4 (a starred note, 23n): page 23
        target = letters.get((path, anchor))
        where = f"the index's locator {text} (to {path}#{anchor})"
        if target is None:
            problems.append(Problem(epub, 0, 0, "P070", f"{where} leads to no mark",
                                    "rebuild, or report it"))
        elif folio not in by_folio:
            problems.append(Problem(pdf, 0, 0, "P071", f"{where}: no page prints the folio "
                                    f"{folio}", "rebuild, or report it"))
        elif not on_page(target, by_folio[folio]):
            if texts is None:  # read only when needed: it reads every letter's size
                texts = page_texts(pdf, heads, marks, share)
            if not on_page(target, texts.get(folio, "")):
                problems.append(Problem(pdf, 0, 0, "P072", f"{where}: page {folio} does not "
                                        f"hold the marked words “{target}”",
                                        "rebuild, or report it"))
    printed = [w for page in pages for w in page.words]
    wanted = squeeze(index_words)
    if wanted not in squeeze(printed):
        whole = squeeze(printed)
        agree = next((k for k in range(len(index_words), 0, -1)
                      if squeeze(index_words[:k]) in whole), 0)
        problems.append(Problem(pdf, 0, 0, "P073", "the printed index differs from the EPUB's "
                                f"after “{' '.join(index_words[max(0, agree - 8):agree])}”: "
                                f"the EPUB goes on “{' '.join(index_words[agree:agree + 8])}”",
                                "rebuild, or report it"))
    return problems, {"locators": len(locators), "words": len(index_words)}


def page_texts(pdf: Path, heads: set, marks: list, share: float) -> dict[str, str]:
    """Each page's letters above the notes at its foot, by its folio: a word hyphenated over
    the page turn ends the page's text, and the notes follow it. (`share`: parity's
    `text_share` of the book.)"""
    pages = read_pages(pdf, heads, share=share)
    return {label: squeeze(pages[k].words[:pages[k].foot])
            for k, (label, _) in enumerate(marks[:len(pages)])}


def on_page(target: str, page: str) -> bool:
    """The marked letters are on the page, or begin at its end (a word hyphenated over the
    page turn)."""
    return target in page or any(page.endswith(target[:k]) for k in range(len(target), 1, -1))
