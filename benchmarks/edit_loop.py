"""The watch's edit loop, timed: one word changed in one chapter, until the outputs are made.

Run by bench.py in a process of its own: python benchmarks/edit_loop.py MANUSCRIPT OUT RUNS.
It drives `toolchain.watch.Watcher` as `python -m toolchain watch` does, without the browser:
one round (preview, then full build) to begin with, then RUNS edits, each timed from the save
to the end of its round (the preview, then the EPUB and both PDFs). Prints one JSON line:
the seconds of each edit and the divisions each laid out alone (null: the whole book).
"""

from __future__ import annotations

import gc
import io
import json
import sys
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench import one_word_edited  # noqa: E402

from toolchain.build import few_collections  # noqa: E402
from toolchain.watch import Watcher  # noqa: E402


def main(manuscript: Path, out: Path, runs: int) -> None:
    watcher = Watcher(manuscript, out, ROOT / "styles", stream=io.StringIO())
    watcher.cycle()
    chapters = sorted((manuscript / "chapters").glob("*.md"))
    edited = chapters[min(6, len(chapters) - 1)]  # chapter 7, or the last
    text = edited.read_text(encoding="utf-8")
    seconds, alone = [], []
    try:
        for k in range(runs):
            edited.write_text(one_word_edited(text, k), encoding="utf-8")
            start = perf_counter()
            with few_collections():  # watcher.cycle(), timed to the outputs made, before
                watcher.round()  # the collection that follows them
            seconds.append(perf_counter() - start)
            gc.collect()
            if watcher.state["error"]:
                sys.exit(watcher.state["error"])
            report = json.loads((out / "report.json").read_text(encoding="utf-8"))
            alone.append(report["laid out alone"])
    finally:
        edited.write_text(text, encoding="utf-8")
        if watcher.epubcheck is not None:
            watcher.epubcheck.cancel()
    print(json.dumps({"seconds": seconds, "laid out alone": alone}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
