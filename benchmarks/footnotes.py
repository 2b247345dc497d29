"""The layout of note-heavy books, with each page's footnotes laid out once apiece
(typeset/weasy.stacked_notes) and, in the same run, as WeasyPrint lays them out: every note
of the page again each time a note is added or moved on. The books: the fuzzer's kept
books with the most long footnotes (book-01, book-33: eight long notes on a line, book-34:
five with lists on a line) and the first title (endnotes: no change expected). For each,
RUNS builds each way, alternating, `--no-cache`; the median of the layout stage and of the
whole build, and whether the two ways made the same bytes.

Run: python benchmarks/footnotes.py [RUNS]
"""

from __future__ import annotations

import hashlib
import io
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SOURCE_DATE_EPOCH", "1764000000")

from toolchain.build import build  # noqa: E402
from toolchain.typeset import weasy  # noqa: E402

BOOKS = [ROOT / "tests" / "data" / "fuzz" / name for name in ("book-01", "book-33", "book-34")
         ] + [ROOT / "manuscript"]


def one_build(manuscript: Path, stacked: bool) -> tuple[float, float, str]:
    """(layout seconds, build seconds, digest of the files) of one build."""
    stacks = weasy.stacks
    if not stacked:
        weasy.stacks = lambda area: False  # WeasyPrint's own way, every note again
    try:
        with tempfile.TemporaryDirectory() as tmp:
            report = build(manuscript, Path(tmp) / "dist", ROOT / "styles",
                           stream=io.StringIO(), force=True, cache=False)
            digest = hashlib.sha256(b"".join(
                path.read_bytes() for path in sorted((Path(tmp) / "dist").glob("*"))
                if path.suffix in (".pdf", ".epub"))).hexdigest()[:12]
    finally:
        weasy.stacks = stacks
    seconds = report["stage_seconds"]
    return seconds["layout"], sum(seconds.values()), digest


def main(runs: int) -> None:
    print(f"{'book':<12} {'layout, stock':>14} {'layout, once':>13} {'build, stock':>13} "
          f"{'build, once':>12}  same files")
    for manuscript in BOOKS:
        got: dict[bool, list] = {True: [], False: []}
        for _ in range(runs):
            for stacked in (False, True):
                got[stacked].append(one_build(manuscript, stacked))
        median = {way: [statistics.median(r[k] for r in got[way]) for k in (0, 1)]
                  for way in got}
        same = len({r[2] for way in got for r in got[way]}) == 1
        print(f"{manuscript.name:<12} {median[False][0]:>13.2f}s {median[True][0]:>12.2f}s "
              f"{median[False][1]:>12.2f}s {median[True][1]:>11.2f}s  {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
