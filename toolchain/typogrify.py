"""The typographer's fixes (Standard Ebooks' `se typogrify` is the model): straight quotes and
apostrophes made curly by their context, in the book's language's own marks; `--` and `---`
made dashes; `...` an ellipsis. `lint --fix` and `import` apply them; each change is listed.

Quotes are read as a typographer reads them, paragraph by paragraph:
- an apostrophe stands inside a word (don't, fo'c'sle), at the start of an elision ('tis,
  'em, rock 'n' roll) or of a decade ('90s), or after a plural's s (the keepers' lights) when
  no single quotation is open: ’ in every language;
- a mark after a digit and before another (5'10", 6' 2") is a prime (′ ″);
- any other mark opens a quotation at the start of a line or after a space, an opening
  bracket or dash or another opening mark, and closes one otherwise; the first kind of mark
  opened is the language's primary quotation, the other inside it the secondary: en-GB
  ‘…“…”…’, en-US “…‘…’…”, de „…‚…‘…“, fr « … “…” … » (with no-break spaces);
- a quotation of several paragraphs opens each with the mark again and closes at its end.
What Markdown means by its marks is left alone: code spans, link and image addresses (an
image's caption is text), attribute blocks, comments, table rules and section breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NBSP = "\u00a0"
MARKS = {  # primary (open, close), secondary (open, close)
    "en-GB": (("\u2018", "\u2019"), ("\u201c", "\u201d")),
    "en": (("\u201c", "\u201d"), ("\u2018", "\u2019")),
    "de": (("\u201e", "\u201c"), ("\u201a", "\u2018")),
    "fr": (("\u00ab" + NBSP, NBSP + "\u00bb"), ("\u201c", "\u201d")),
}
APOSTROPHE = "\u2019"
PRIME, DOUBLE_PRIME = "\u2032", "\u2033"
ELISIONS = ("tis", "twas", "twere", "twill", "em", "n", "til", "cause", "bout", "round",
            "ere", "neath", "gainst", "twixt", "ow", "appen", "ave", "im", "er", "e", "ome",
            "scuse", "prentice", "cos", "coz")
OPENERS = set(" \t([{\u2014\u2013/\u2018\u201c\u201e\u201a\u00ab\u00a0-")


def marks_for(language: str):
    language = (language or "en").strip()
    if language in MARKS:
        return MARKS[language]
    base = language.split("-")[0].lower()
    if base == "en" and language.upper().endswith(("GB", "UK", "IE", "AU", "NZ", "ZA", "IN")):
        return MARKS["en-GB"]
    return MARKS.get(base, MARKS["en"])


@dataclass
class Change:
    line: int
    before: str
    after: str


# What Markdown means by its marks: kept as written (masked while the text is read).
SYNTAX = re.compile(r"""\\.                                 # an escaped mark, kept as typed
                      |`[^`\n]*`                          # a code span
                      |<!--.*?-->                          # a comment
                      |\{[^{}\n]*\}                        # an attribute block
                      |\]\(\S*?(?=[\s)])                    # a link's or image's address
                      |^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$   # a table's rule
                      |^\s*([-*_])(\s*\1){2,}\s*$          # a section break
                      |^\s{0,3}\[\^[^\]\s]+\]:             # a note's label
                      """, re.X | re.M | re.S)
TITLE_DELIMITERS = re.compile(r'(?<=\S)( ")((?:[^"\\\n]|\\.)*)("\))')  # ](path "caption")


def fix_text(text: str, language: str) -> tuple[str, list[Change]]:
    """The text with the typographer's fixes made, and each line changed (before, after)."""
    masked = mask(text)
    out = list(text)
    primary, secondary = marks_for(language)
    stack: list[str] = []  # the straight marks of the quotations open, outermost first
    paragraph_start, last_open = True, -2
    for k, char in enumerate(masked):
        if char == "\n":
            rest = masked[k + 1:]
            if rest[:1] == "\n" or re.match(r"[ >]*(\n|$)", rest):
                paragraph_start = True  # a blank line, or one of only `>`
            continue
        if char not in "'\"":
            if not char.isspace() and char not in ">\x01":
                if paragraph_start:
                    stack.clear()  # a paragraph that does not go on with the quotation
                paragraph_start = False
            continue
        before = masked[k - 1] if k else "\n"
        after = masked[k + 1] if k + 1 < len(masked) else "\n"
        opening = (before in OPENERS or before in "\n>\x01" or last_open == k - 1) and not (
            char in stack and (after.isspace() or after in ".,;:!?)]"))  # « … » typed spaced
        if char == "'" and apostrophe(masked, k, stack):
            out[k] = APOSTROPHE
        elif before.isdigit() and prime(masked, k):
            out[k] = PRIME if char == "'" else DOUBLE_PRIME
        elif paragraph_start and stack and stack[0] == char:
            out[k], last_open = primary[0], k  # a quotation going on in a new paragraph
        elif opening:
            stack.append(char)
            out[k], last_open = (primary if len(stack) % 2 else secondary)[0], k
        elif char in stack:
            while stack[-1] != char:
                stack.pop()
            out[k] = (primary if len(stack) % 2 else secondary)[1]
            stack.pop()
        else:  # a closing mark with none open: an apostrophe, or the primary's close
            out[k] = APOSTROPHE if char == "'" else primary[1]
        paragraph_start = False
    dashes_and_ellipses(out, masked)
    fixed = "".join(out)
    if primary[0].endswith(NBSP):  # French: no doubled space inside the guillemets
        fixed = re.sub("\u00ab\u00a0[ \t]+", "\u00ab\u00a0", fixed)
        fixed = re.sub("[ \t]+\u00a0\u00bb", "\u00a0\u00bb", fixed)
    changes = [Change(n, old, new) for n, (old, new) in enumerate(
        zip(text.split("\n"), fixed.split("\n"), strict=True), 1) if old != new]
    return fixed, changes


def prime(masked: str, k: int) -> bool:
    """A mark after a digit that measures: 5'10", 6' 2", 12" long."""
    if masked[k] == "'":
        return masked[k + 1:k + 2].isdigit() or bool(re.match(r" \d{1,2}\"", masked[k + 1:]))
    return bool(re.search(r"\d['\u2032] ?\d{1,2}$", masked[:k])) or \
        bool(UNITS.match(masked[k + 1:]))


# What an inch mark stands before, in the languages the marks are known for
UNITS = re.compile(r" ?(long|high|wide|tall|deep|thick|across|square|lange?[snr]?|breite?[snr]?|"
                   r"hohe?[snr]?|tiefe?[snr]?|dicke?[snr]?|de (long|large|haut))\b")


def apostrophe(masked: str, k: int, stack: list[str]) -> bool:
    """Whether the straight single mark at `k` is an apostrophe."""
    before = masked[k - 1] if k else " "
    after = masked[k + 1] if k + 1 < len(masked) else " "
    if before.isalnum() and after.isalpha():
        return True  # inside a word: don't, fo'c'sle, Müller's
    if masked[k:k + 3] == "'n'" or masked[k - 2:k + 1] == "'n'":
        return True  # rock 'n' roll
    word = re.match(r"[A-Za-z]+", masked[k + 1:])
    if not before.isalnum() and word and word[0].lower() in ELISIONS and \
            masked[k + 1 + len(word[0]):k + 2 + len(word[0])] != "'":
        return True  # 'tis, 'em, 'til
    if not before.isalnum() and re.match(r"\d\d(?!\d)", masked[k + 1:]) and \
            not re.match(r"\d\d\w*'", masked[k + 1:]):
        return True  # the '90s, the '45, die '20er
    if before in "sS" and "'" not in stack and not after.isalnum():
        return True  # the keepers' lights, when no single quotation is open
    return False


def dashes_and_ellipses(out: list[str], masked: str) -> None:
    """`---` an em dash, `--` an en dash, `...` an ellipsis, where Markdown means none: in
    `out`, the text's characters one a slot (a slot may hold more, or none)."""
    k = 0
    while k < len(masked):
        for run, mark in (("---", "\u2014"), ("--", "\u2013"), ("...", "\u2026")):
            if masked.startswith(run, k) and masked[k + len(run):k + len(run) + 1] != run[0] \
                    and masked[k - 1:k] != run[0]:
                out[k:k + len(run)] = [mark] + [""] * (len(run) - 1)
                k += len(run)
                break
        else:
            k += 1


def mask(text: str) -> str:
    """`text` with what Markdown means by its marks blanked (same length), an image's or
    link's caption kept."""
    chars = list(text)
    for found in SYNTAX.finditer(text):
        for k in range(found.start(), found.end()):
            if chars[k] != "\n":
                chars[k] = "\x01"
    masked = "".join(chars)
    for found in TITLE_DELIMITERS.finditer(text):  # the caption's quotes are syntax
        for k in (found.start(1) + 1, found.start(3)):
            masked = masked[:k] + "\x01" + masked[k + 1:]
    return masked
