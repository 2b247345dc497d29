"""What the total-fit line breaker costs as a paragraph grows: paragraphs of 100 to 3,200
words (random word widths, a hyphenation point in one word of five) broken to a 320-pt
measure, freely and in one line more (as the page makeup asks, `Settings.lines`); the best
of three runs each.

Run: python benchmarks/line_breaking.py [--write docs/benchmarks.md]   (nox -s bench)
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import publish, write_target  # noqa: E402

from toolchain.typeset.linebreak import INF, Box, Glue, Penalty, Settings, break_lines  # noqa: E402

WORDS = (100, 400, 800, 1600)


def paragraph(words: int, seed: int = 1) -> list:
    rng = random.Random(seed)
    items: list = []
    for _ in range(words):
        items.append(Box(rng.uniform(15, 60)))
        if rng.random() < 0.2:
            items += [Penalty(4, 50, True), Box(rng.uniform(10, 30))]
        items.append(Glue(4, 2, 1.3))
    items[-1:] = [Glue(0, 10_000, 0), Penalty(0, -INF)]
    return items


def best_of_three(items: list, lines: int | None) -> float:
    times = []
    for _ in range(3):
        start = time.process_time()
        break_lines(items, 300, 320, Settings(lines=lines))
        times.append(time.process_time() - start)
    return min(times)


def main(write: Path | None) -> None:
    rows = ["| words | lines | seconds | in one line more, seconds |", "|--:|--:|--:|--:|"]
    for words in WORDS:
        items = paragraph(words)
        lines = break_lines(items, 300, 320)
        seconds = [best_of_three(items, None), best_of_three(items, len(lines) + 1)]
        rows.append(f"| {words:,} | {len(lines)} | {seconds[0]:.3f} | {seconds[1]:.3f} |")
    table = "\n".join(rows)
    publish(table, write, "line-breaking")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(write_target(args))
