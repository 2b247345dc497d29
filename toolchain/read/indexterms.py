"""book.toml's index terms: words marked for the index wherever they stand in the text, so
that an editor need not mark each occurrence of a name by hand.

    [index.terms]
    "Trotsky, Leon" = ["Trotsky", "Leon Trotsky"]              # heading = the words marked
    "Communist Party of Germany (KPD)" = ["KPD"]
    "Müller, Hermann" = { words = ["Müller"], sort = "Muller, Hermann" }
    "KPD" = { see = "Communist Party of Germany (KPD)" }        # a cross-reference alone
    "Trotsky, Leon" = { words = ["Trotsky"], also = "Left Opposition" }

A word is marked where it stands whole (not inside a longer word), as written (case
counts), in running text, quotations, verse, tables, captions and notes — not in titles and
headings, not inside a mark written by hand, not inside `[words]{.noindex}` — and not in the
notes if `[index] notes = false`. The longest words are looked for first, so "Leon Trotsky"
is one mark, not two.
"""

from __future__ import annotations

import re

from .. import model as m


def terms_of(meta: dict) -> list[tuple[str, list[str], str | None]]:
    """(words, headings, sort) for each word of book.toml's index terms, longest first."""
    found = []
    for heading, spec in meta.get("index", {}).get("terms", {}).items():
        words = spec if isinstance(spec, list) else spec.get("words", [])
        sort = None if isinstance(spec, list) else spec.get("sort")
        headings = [h.strip() for h in heading.split(">")]
        found += [(word, headings, sort) for word in words]
    return sorted(found, key=lambda item: -len(item[0]))


def cross_references(meta: dict) -> list[m.IndexMark]:
    """book.toml's *see* and *see also* references, each a mark with no place in the text."""
    marks = []
    for heading, spec in meta.get("index", {}).get("terms", {}).items():
        if isinstance(spec, dict) and (spec.get("see") or spec.get("also")):
            marks.append(m.IndexMark([], [h.strip() for h in heading.split(">")], 0,
                                     spec.get("sort"), spec.get("see"), spec.get("also")))
    return marks


def mark_terms(book: m.Book) -> int:
    """Mark every occurrence of book.toml's index terms; returns how many were marked."""
    terms = terms_of(book.meta)
    if not terms:
        return 0
    pattern = re.compile(r"(?<![\w-])(?:"  # (the word's edges tested once, not per term)
                         + "|".join(re.escape(word) for word, _, _ in terms) + r")(?![\w-])")
    by_word = {word: (headings, sort) for word, headings, sort in terms}
    count = 0

    def mark(inlines: list, line: int) -> None:
        nonlocal count
        k = 0
        while k < len(inlines):
            node = inlines[k]
            if isinstance(node, m.Text):
                pieces, last = [], 0
                for found in pattern.finditer(node.text):
                    headings, sort = by_word[found[0]]
                    pieces += [m.Text(node.text[last:found.start()]),
                               m.IndexMark([m.Text(found[0])], list(headings), line, sort,
                                           from_terms=True)]
                    last = found.end()
                    count += 1
                if pieces:
                    pieces.append(m.Text(node.text[last:]))
                    pieces = [p for p in pieces if not isinstance(p, m.Text) or p.text]
                    inlines[k:k + 1] = pieces
                    k += len(pieces)
                    continue
            elif isinstance(node, (m.Styled, m.Link)):
                mark(node.children, line)
            k += 1

    in_notes = book.meta.get("index", {}).get("notes", True)
    for chapter in book.chapters:
        blocks = list(chapter.blocks) + [b for note in chapter.notes.values() if in_notes
                                         for b in note.blocks]
        for block in blocks:
            for inlines, line in inline_lists(block):
                mark(inlines, line)
    return count


def inline_lists(block):
    """(the list of inlines, its line) of every run of text in a block that index terms may
    mark: not titles and headings."""
    line = getattr(block, "line", 0)
    if isinstance(block, m.Heading):
        return
    if isinstance(block, (m.Para, m.VerseLine)):
        yield block.children, line
    elif isinstance(block, (m.Quote, m.Letter)):
        for inner in block.blocks:
            yield from inline_lists(inner)
    elif isinstance(block, m.ListBlock):
        for item in block.items:
            for inner in item:
                yield from inline_lists(inner)
    elif isinstance(block, m.Verse):
        for stanza in block.stanzas:
            for verse_line in stanza:
                yield verse_line.children, verse_line.line
    elif isinstance(block, m.Table):
        yield block.caption, line
        for row in [block.header, *block.rows]:
            for cell in row:
                yield cell, line
    elif isinstance(block, m.Figure):
        yield block.caption, line
