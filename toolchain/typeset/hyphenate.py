"""Where a word may be hyphenated in print: the dictionary, the house's exceptions, the rules.

The dictionaries are the TeX/LibreOffice patterns that WeasyPrint uses (pyphen). English is
broken by Liang's American patterns, TeX's own, whatever the spelling: the British patterns
break by sound and make the breaks a typesetter flags ("res-ults", "capit-alist",
"prolet-ariat"; the American give "re-sults", "cap-i-tal-ist", "pro-le-tariat"). Words the
patterns still get wrong go in the styles' `hyphenation.txt`, one per line with its breaks
marked (`re-sults`), or with none to forbid any.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import pyphen

from ..kept import write_whole
from ..places import cache_folder

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
    path = pyphen.LANGUAGES.get(name)
    if path is not None and path not in pyphen.hdcache:
        patterns = kept_patterns(Path(str(path)))
        if patterns is not None:  # pyphen, and WeasyPrint through it, take them from here
            pyphen.hdcache[path] = patterns
    return pyphen.Pyphen(lang=name, left=1, right=1)


def kept_patterns(path: Path) -> pyphen.HyphDict | None:
    """The patterns of the dictionary at `path` as pyphen parses them, kept in the user's
    cache as JSON: pyphen's German takes 0.7 s to parse, its JSON 0.09 s to read. A
    dictionary with nonstandard breaks (Hungarian's `ssz/sz=sz`) is left to pyphen; so is
    everything when the cache cannot be read or written. Kept under the dictionary's hash
    and pyphen's version, so that another file or parser is parsed anew."""
    try:
        data = path.read_bytes()
        folder = cache_folder() / "hyphenation"
    except (OSError, RuntimeError):  # (no home folder to find the cache in)
        return None
    key = hashlib.sha256(data).hexdigest()[:32]
    kept = folder / f"{key}-pyphen-{pyphen.__version__}.json"
    try:
        found = json.loads(kept.read_bytes())
        table = {str(k): (int(start), tuple(int(v) for v in values))
                 for k, (start, values) in found.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        parsed = pyphen.HyphDict(path)
        table = parsed.patterns
        if any(type(v) is not int for _, values in table.values() for v in values):
            return parsed
        try:
            write_whole(kept, json.dumps({k: [start, list(values)]
                                          for k, (start, values) in table.items()}).encode())
        except OSError:
            pass
        return parsed
    if not table:
        return None
    patterns = pyphen.HyphDict.__new__(pyphen.HyphDict)  # as HyphDict.__init__ leaves it
    patterns.patterns, patterns.cache = table, {}
    patterns.maxlen = max(len(k) for k in table)
    return patterns


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
