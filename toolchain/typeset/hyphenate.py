"""Where a word may be hyphenated in print: the dictionary, the house's exceptions, the rules.

The dictionaries are the TeX/LibreOffice patterns that WeasyPrint uses (pyphen). English is
broken by Liang's American patterns, TeX's own, whatever the spelling: the British patterns
break by sound and make the breaks a typesetter flags ("res-ults", "capit-alist",
"prolet-ariat"; the American give "re-sults", "cap-i-tal-ist", "pro-le-tariat"). Words the
patterns still get wrong go in the styles' `hyphenation.txt`, one per line with its breaks
marked (`re-sults`), or with none to forbid any.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyphen

EXCEPTIONS_FILE = "hyphenation.txt"


class Hyphenator:
    """The break points of words in one language: offsets into the word, each with `left`
    letters before it and `right` after it at least."""

    def __init__(self, lang: str, exceptions: dict[str, list[int]] | None = None,
                 left: int = 3, right: int = 3, shortest: int = 6):
        self.left, self.right, self.shortest = left, right, shortest
        self.exceptions = exceptions or {}
        self.dictionaries = dictionaries(lang)
        self.cache: dict[str, list[int]] = {}

    def points(self, word: str) -> list[int]:
        found = self.cache.get(word)
        if found is None:
            found = self.cache[word] = self._points(word)
        return found

    def _points(self, word: str) -> list[int]:
        if len(word) < self.shortest or not word.isalpha():
            return []
        known = self.exceptions.get(word.lower())
        if known is not None:
            return [p for p in known if self.left <= p <= len(word) - self.right]
        if not self.dictionaries:
            return []
        sets = [set(d.positions(word)) for d in self.dictionaries]
        return sorted(p for p in set.intersection(*sets)
                      if self.left <= p <= len(word) - self.right)


def dictionaries(lang: str) -> tuple:
    lang = (lang or "").replace("-", "_")
    if lang.lower().split("_")[0] == "en":
        names = ["en_US"]
    else:
        name = pyphen.language_fallback(lang)
        names = [name] if name else []
    return tuple(dictionary(n) for n in names)


def preload(lang: str) -> None:
    """The dictionaries of `lang` loaded into this process: ours (`dictionaries`), and the
    one WeasyPrint takes for text it hyphenates itself (the running heads; pyphen keeps each
    file it parsed). A process forked to lay a division out then finds them loaded, where
    each would otherwise parse them again (en_GB 0.09 s, German 0.7 s, a division)."""
    dictionaries(lang)
    name = pyphen.language_fallback((lang or "").replace("-", "_"))
    if name:
        dictionary(name)


@cache
def dictionary(name: str) -> pyphen.Pyphen:
    """Each dictionary loaded once (en, en-GB and en-US all use en_US): the limits on the
    letters either side are applied by the Hyphenator."""
    return pyphen.Pyphen(lang=name, left=1, right=1)


def read_exceptions(styles: Path) -> dict[str, list[int]]:
    """The styles' exceptions list: `re-sults` allows only that break, `Kerensky` none."""
    path = styles / EXCEPTIONS_FILE
    table: dict[str, list[int]] = {}
    if not path.is_file():
        return table
    for line in path.read_text(encoding="utf-8").splitlines():
        for entry in line.split("#", 1)[0].split():
            points, letters = [], 0
            for part in entry.split("-"):
                letters += len(part)
                points.append(letters)
            table[entry.replace("-", "").lower()] = points[:-1]
    return table
