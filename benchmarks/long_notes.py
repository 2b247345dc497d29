"""Scholarly books of long footnotes: which build. A history press's books call notes a few to
a line, and some of those notes run to a page or more; the page invariants (a note begins on
its call's page, its rest on the next) stop a build that breaks them (P041).

Five books are made, one a seed, of three chapters each: 22 paragraphs of the seed chapter's
words (`tests/data/source.txt`), each calling up to six notes and one in ten nine; the notes
of 5 to 700 words in prose, one in ten with a quotation; `notes = "footnotes"`. Each chapter
is built alone (`--no-cache --jobs 1`, two builds at once), and with `--whole` each book too;
the table says which built, the first error of those that did not, the seconds, and the
pages the build found short of their text block (P045: a line gone over with its notes) and
by how many lines.
tests/data/fuzz/book-50 and book-51 are chapters of these books (seeds 1 and 5).

Run from the project root: python benchmarks/long_notes.py [--whole] [SEEDS ...] (default 1-5)
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = re.findall(r"[A-Za-z][a-z’']+|[0-9]+",
                   (ROOT / "tests" / "data" / "source.txt").read_text(encoding="utf-8"))
CHAPTERS = 3


def chapters(seed: int) -> list[str]:
    """The book's chapters as Markdown, the same for the same seed."""
    rng = random.Random(seed)

    def sentence(n: int) -> str:
        words = [rng.choice(WORDS) for _ in range(n)]
        return " ".join([words[0].capitalize(), *words[1:]]) + "."

    def prose(n: int) -> str:
        out = []
        while n > 0:
            k = min(n, rng.randint(8, 25))
            out.append(sentence(k))
            n -= k
        return " ".join(out)

    texts = []
    for c in range(1, CHAPTERS + 1):
        notes, paragraphs, n = [], [], 0
        for _ in range(22):
            calls = rng.choice([0, 1, 1, 2, 2, 3, 4, 6]) if rng.random() < 0.9 else 9
            words = prose(rng.randint(40, 200)).split(" ")
            for at in sorted(rng.sample(range(1, len(words)), min(calls, len(words) - 1))):
                n += 1
                words[at] += f"[^{n}]"
                kind = rng.random()
                if kind < 0.05:
                    body = prose(rng.randint(400, 700))
                elif kind < 0.15:
                    body = (prose(rng.randint(60, 120)) + "\n\n    > " +
                            prose(rng.randint(30, 80)) + "\n\n    " + prose(rng.randint(20, 60)))
                elif kind < 0.5:
                    body = prose(rng.randint(40, 180))
                else:
                    body = prose(rng.randint(5, 30))
                notes.append(f"[^{n}]: {body}")
            paragraphs.append(" ".join(words))
        texts.append(f"# Chapter {c}\n\n" + "\n\n".join(paragraphs + notes) + "\n")
    return texts


def write_book(folder: Path, seed: int, which: list[int]) -> Path:
    """A manuscript of the seed's book, of its chapters `which` (numbered from 1)."""
    (folder / "chapters").mkdir(parents=True)
    names = []
    for c, text in enumerate(chapters(seed), start=1):
        if c in which:
            names.append(f"chapters/{c:02d}-chapter-{c}.md")
            (folder / names[-1]).write_text(text, encoding="utf-8")
    identifier = uuid.uuid5(uuid.NAMESPACE_URL, f"long-notes-{seed}")
    (folder / "book.toml").write_text(
        f'title = "Long Notes {seed}"\nauthor = "A. Historian"\nlanguage = "en-GB"\n'
        f'identifier = "urn:uuid:{identifier}"\nslug = "long-notes"\nnotes = "footnotes"\n'
        "chapters = [" + ", ".join(f'"{name}"' for name in names) + "]\n", encoding="utf-8")
    return folder


def build(manuscript: Path) -> tuple[bool, str, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "toolchain", "build", "--manuscript", str(manuscript), "--out",
         str(manuscript.parent / "dist"), "--styles", str(ROOT / "styles"), "--no-cache",
         "--jobs", "1"], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1764000000"})
    error = next((line for line in done.stdout.splitlines() + done.stderr.splitlines()
                  if " error " in line), "")
    return done.returncode == 0, error, time.perf_counter() - start, short_lines(
        manuscript.parent / "dist" / "report.json")


def short_lines(report: Path) -> tuple[int, int]:
    """The pages the build found short (P045) and their lines short, added."""
    if not report.is_file():
        return 0, 0
    found = [int(m[1]) for w in json.loads(report.read_text(encoding="utf-8"))["warnings"]
             if (m := re.search(r"P045: .* ends (\d+) line", w))]
    return len(found), sum(found)


def main(argv: list[str]) -> None:
    whole = "--whole" in argv
    seeds = [int(a) for a in argv if a.isdigit()] or [1, 2, 3, 4, 5]
    jobs = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            for c in range(1, CHAPTERS + 1):
                jobs.append((f"seed {seed}, chapter {c}",
                             write_book(Path(tmp) / f"{seed}-{c}" / "m", seed, [c])))
            if whole:
                jobs.append((f"seed {seed}, the book", write_book(
                    Path(tmp) / f"{seed}-all" / "m", seed, list(range(1, CHAPTERS + 1)))))
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda job: build(job[1]), jobs))
    print("| book | built | seconds | pages short (P045) | lines short | first error |\n"
          "|---|---|--:|--:|--:|---|")
    for (name, _), (ok, error, seconds, (pages, lines)) in zip(jobs, results, strict=True):
        print(f"| {name} | {'yes' if ok else 'no'} | {seconds:.1f} | {pages} | {lines} | "
              f"{error[:90]} |")
    built = sum(result[0] for result in results)
    pages, lines = (sum(result[3][k] for result in results if result[0]) for k in (0, 1))
    print(f"\n{built} of {len(results)} built; those built: {pages} pages short, by {lines} "
          "lines in all")


if __name__ == "__main__":
    main(sys.argv[1:])
