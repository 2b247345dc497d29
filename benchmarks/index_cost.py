"""What the index costs: the full build of a 400-page book (the title's chapter 20 times) with
its index (book.toml's [index.terms], as the title has them: some 1,300 marks, 2,800
locators) and without (the [index] tables taken out), alternated A B A B; medians.

Run: python benchmarks/index_cost.py [RUNS] [--write docs/benchmarks.md]   (nox -s bench)
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import pages, publish, toolchain, write_target  # noqa: E402
from memory import make_manuscript  # noqa: E402

CHAPTERS = 20


def without_index(folder: Path) -> None:
    """book.toml without its [index] and [index.terms] tables: no marks, no index."""
    toml = folder / "book.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r"\n\[index(\.terms)?\]\n(?:(?!\n\[).)*", "\n", text, flags=re.S),
                    encoding="utf-8")


def locators(out: Path) -> int:
    text = (out / "xhtml" / "index.xhtml").read_text(encoding="utf-8")
    return text.count('epub:type="index-locator"')


def main(runs: int, write: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        books = {"with the index": work / "with", "without": work / "without"}
        for folder in books.values():
            make_manuscript(folder, CHAPTERS)
        without_index(books["without"])
        times: dict[str, list[float]] = {name: [] for name in books}
        for _ in range(runs):
            for name, folder in books.items():
                times[name].append(toolchain(folder, work / f"dist-{folder.name}")[0])
        with_out, without_out = work / "dist-with", work / "dist-without"
        rows = {name: statistics.median(found) for name, found in times.items()}
        count = locators(with_out)
        assert not (without_out / "xhtml" / "index.xhtml").exists()
        extra = rows["with the index"] / rows["without"] - 1
        table = "\n".join([
            "| book | pages | index locators | full build | more than without |",
            "|---|--:|--:|--:|--:|",
            f"| {CHAPTERS} chapters, with the index | {pages(with_out)} | {count} | "
            f"{rows['with the index']:.1f} s | {extra:+.1%} |",
            f"| {CHAPTERS} chapters, without | {pages(without_out)} | 0 | "
            f"{rows['without']:.1f} s | — |"])
    publish(table, write, "index")


if __name__ == "__main__":
    args = sys.argv[1:]
    target = write_target(args)
    numbers = [a for a in args if a.isdigit()]
    main(int(numbers[0]) if numbers else 2, target)
