"""The divisions' pages kept between builds (write/pdf/apart.py): a build after an edit lays
out only what the edit changed, and its files are byte for byte a clean build's."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import ROOT, make_book

from toolchain.build import build

WORDS = "the harbour keeper walked along the quay at dusk and counted the boats".split()


def prose(words: int, seed: int) -> str:
    return " ".join(WORDS[(seed + k * 5) % len(WORDS)] for k in range(words)).capitalize() + "."


PREFACE = f"# Preface {{.preface}}\n\n{prose(80, 0)} The quay is on [p. #](#quay).\n"
CHAPTERS = {  # chapters of a few pages, page references across them and from the preface
    "01-one.md": f"# One\n\n{prose(500, 1)}\n\nThe [quay]{{#quay}} and its [lamps]{{.index}}."
                 f"[^1]\n\n{prose(700, 2)}\n\n[^1]: A note on the lamps.\n",
    "02-two.md": f"# Two\n\n{prose(900, 3)} Back to [p. #](#quay); the [lamps]{{.index}}.\n",
    "03-three.md": f"# Three\n\n{prose(600, 4)}\n",
}


def book_with_preface(root: Path, chapters: dict[str, str], preface: str = PREFACE) -> Path:
    """The chapters, after a preface (roman folios) and the contents."""
    manuscript = make_book(root, chapters, extra='front = ["front/preface.md"]')
    (manuscript / "front").mkdir()
    (manuscript / "front" / "preface.md").write_text(preface, encoding="utf-8")
    return manuscript


def build_into(manuscript: Path, out: Path, cache: bool = True) -> dict:
    return build(manuscript, out, ROOT / "styles", stream=io.StringIO(), force=True,
                 cache=cache)


def outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix in (".pdf", ".epub")}


def edit(manuscript: Path, name: str, old: str, new: str) -> None:
    path = manuscript / "chapters" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.slow
def test_a_build_after_an_edit_lays_out_only_what_changed_and_makes_a_clean_builds_files(
        tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLCHAIN_CACHE", str(tmp_path / "cache"))
    manuscript = book_with_preface(tmp_path / "m", CHAPTERS)
    first = build_into(manuscript, tmp_path / "first")
    assert len(first["laid out alone"]) == 10  # nothing kept yet: every division laid out
    assert len(list((tmp_path / "cache" / "layout").glob("*.pdf"))) >= 6

    again = build_into(manuscript, tmp_path / "again")  # nothing changed: every part kept
    assert again["laid out alone"] == ["doc-halftitle"]  # (the first holds the metadata)
    assert outputs(tmp_path / "again") == outputs(tmp_path / "first")

    edit(manuscript, "02-two.md", "Back to", "Turn back to")  # a word, in one chapter
    # and a new build date, as a manuscript outside git takes it from the edited file
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(os.environ["SOURCE_DATE_EPOCH"]) + 86400))
    edited = build_into(manuscript, tmp_path / "edited")
    assert "doc-ch-02-two" in edited["laid out alone"]
    assert not {"doc-ch-01-one", "doc-ch-03-three"} & set(edited["laid out alone"])
    clean = build_into(manuscript, tmp_path / "clean", cache=False)
    assert len(clean["laid out alone"]) == 10
    assert outputs(tmp_path / "edited") == outputs(tmp_path / "clean")
    assert outputs(tmp_path / "edited") != outputs(tmp_path / "first")

    # the anchor a page reference and the index print moves a page on: the numbers change,
    # the divisions that print them are laid out again, and still the clean build's files
    edit(manuscript, "01-one.md", "The [quay]", f"{prose(400, 7)} The [quay]")
    moved = build_into(manuscript, tmp_path / "moved")
    build_into(manuscript, tmp_path / "moved-clean", cache=False)
    assert outputs(tmp_path / "moved") == outputs(tmp_path / "moved-clean")
    assert {"doc-ch-01-one", "doc-ch-preface", "doc-ch-02-two", "doc-index"} <= \
        set(moved["laid out alone"])


@pytest.mark.slow
def test_a_damaged_or_stale_cache_is_a_cache_that_misses(tmp_path, monkeypatch):
    """Files of the cache cut short, emptied or from another book are not read as pages."""
    monkeypatch.setenv("TOOLCHAIN_CACHE", str(tmp_path / "cache"))
    chapters = {k: v for k, v in CHAPTERS.items() if k != "02-two.md"}
    manuscript = book_with_preface(tmp_path / "m", chapters)
    build_into(manuscript, tmp_path / "first")
    folder = tmp_path / "cache" / "layout"
    for k, path in enumerate(sorted(folder.glob("*.json"))):
        if not path.name.startswith("book-"):
            path.write_bytes(path.read_bytes()[:k * 7])  # cut short, or emptied
    for path in folder.glob("*.pdf"):
        os.utime(path, (0, 0))
    damaged = build_into(manuscript, tmp_path / "damaged")
    assert len(damaged["laid out alone"]) >= 6  # the divisions whose files were damaged
    assert outputs(tmp_path / "damaged") == outputs(tmp_path / "first")


@pytest.mark.slow
def test_divisions_laid_out_on_two_processes_or_a_dask_cluster_make_the_same_files(
        tmp_path, monkeypatch):
    """With the stylesheets changed (a comment: every key new) the record of the last build
    says where each division begins, so all are laid out at once: on two processes forked
    from the build's, or on the two workers of a real Dask cluster (`build --scheduler`,
    each division's HTML sent as bytes and the setting rebuilt there). The files are those
    of one process, and of a clean build."""
    import distributed

    from toolchain.write.pdf import apart

    monkeypatch.setenv("TOOLCHAIN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(apart, "SUBSTANTIAL_CHARACTERS", 1000)  # its chapters long enough
    manuscript = book_with_preface(tmp_path / "m", CHAPTERS)  # to be laid out side by side
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)
    build(manuscript, tmp_path / "first", styles, stream=io.StringIO(), force=True)
    made = {}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        for way, options in (("one", {"jobs": 1}), ("two", {"jobs": 2}),
                             ("dask", {"scheduler": cluster.scheduler_address})):
            with (styles / "print.css").open("a", encoding="utf-8") as sheet:
                sheet.write(f"\n/* {way} */\n")
            report = build(manuscript, tmp_path / way, styles, stream=io.StringIO(),
                           force=True, **options)
            assert len(report["laid out alone"]) == 10
            made[way] = outputs(tmp_path / way)
        sent = cluster.scheduler.task_prefixes.get("lay_out_sent")
        assert sent is not None and sent.duration_average > 0  # the workers laid them out
    assert made["one"] == made["two"] == made["dask"] == outputs(tmp_path / "first")

    # A first build (nothing kept) on two processes: the body, numbered from its own first
    # page, is laid out beside the front matter, and with each the division after, where
    # it would begin were the one before as long as estimated; the files are the same
    # again, and so they are with estimates wrong every way (odd: the next on a verso).
    batches, lay_out = [], apart.Book.lay_out
    monkeypatch.setattr(apart.Book, "lay_out", lambda book, wanted, everywhere: (
        batches.append([(book.names[w[0]], w[2]) for w in wanted])
        or lay_out(book, wanted, everywhere)))
    build(manuscript, tmp_path / "first-two", styles, stream=io.StringIO(), force=True,
          cache=False, jobs=2)
    first = dict(batches[0])  # each division laid out at once: its first folio
    assert first["doc-halftitle"] == "i" and first["doc-ch-01-one"] == "1"
    assert "doc-ch-02-two" in first and "doc-titlepage" in first
    assert outputs(tmp_path / "first-two") == made["dask"]
    for wrong in (1, 7):
        batches.clear()
        monkeypatch.setattr(apart.Book, "estimate", lambda book, k, wrong=wrong: wrong)
        build(manuscript, tmp_path / f"wrong-{wrong}", styles, stream=io.StringIO(),
              force=True, cache=False, jobs=2)
        assert dict(batches[0])["doc-ch-02-two"] == str(1 + wrong)
        assert outputs(tmp_path / f"wrong-{wrong}") == made["dask"]


@pytest.mark.slow
def test_a_record_that_is_not_one_is_no_record(tmp_path, monkeypatch):
    """The book's record damaged in every way a file can be: each build lays out what it
    must and makes a clean build's files."""
    monkeypatch.setenv("TOOLCHAIN_CACHE", str(tmp_path / "cache"))
    manuscript = book_with_preface(tmp_path / "m", {"01-one.md": CHAPTERS["01-one.md"]})
    build_into(manuscript, tmp_path / "first")
    record = next((tmp_path / "cache" / "layout").glob("book-*.json"))
    good = json.loads(record.read_text())
    for damaged in ([], {"names": good["names"]}, {**good, "found": []},
                    {**good, "found": {"quay": ["x", 1]}}, {**good, "pages": [0] * 9},
                    {**good, "pages": good["pages"][:2]}, {**good, "pages": ["a"] * 9}):
        record.write_text(json.dumps(damaged))
        build_into(manuscript, tmp_path / "again")
        assert outputs(tmp_path / "again") == outputs(tmp_path / "first"), damaged


def test_a_worker_that_sees_other_files_is_refused(tmp_path):
    """`build --scheduler` asks each worker what it would lay out with (the toolchain's
    code, the libraries, the styles' and manuscript's files): a worker that sees other
    files, or none, is an error naming it (E044), before its pages could be kept under
    this build's keys. (The Dask test above shows workers that see the same pass.)"""
    from toolchain.build import same_on_workers, what_a_worker_sees
    from toolchain.errors import BuildError

    manuscript = book_with_preface(tmp_path / "m", {"03-three.md": CHAPTERS["03-three.md"]})
    styles = tmp_path / "styles"
    shutil.copytree(ROOT / "styles", styles)

    class Cluster:  # runs the function here, as a worker would, after `change`
        def __init__(self, change=None):
            self.change = change

        def run(self, function, *args):
            if self.change:
                self.change()
            return {"tcp://10.0.0.7:40000": function(*args)}

    same_on_workers(Cluster(), styles, manuscript)  # the same files: no error
    assert what_a_worker_sees(str(styles), str(manuscript))
    with pytest.raises(BuildError) as raised:
        same_on_workers(Cluster(lambda: (styles / "print.css").write_text("p {}\n")),
                        styles, manuscript)
    assert raised.value.problems[0].code == "E044"
    assert "tcp://10.0.0.7:40000" in raised.value.problems[0].message
    with pytest.raises(BuildError) as raised:
        same_on_workers(Cluster(lambda: shutil.rmtree(manuscript / "front")), styles,
                        manuscript)
    assert raised.value.problems[0].code == "E044"


@pytest.mark.skipif(os.environ.get("TOOLCHAIN_SCALE_TEST") != "1",
                    reason="ten minutes on two cores: set TOOLCHAIN_SCALE_TEST=1")
def test_a_hundred_chapters_build_in_under_a_gibibyte():
    """A book of 2,000 pages (the title's chapter a hundred times, 3.57 MiB of Markdown,
    under the manuscript limit, M107) is built, clean, in under 1 GiB: the peak of every
    process of the build together (the build, the processes that lay its divisions out,
    EPUBCheck's JVM), sampled five times a second as the sum of their proportional set
    sizes (benchmarks/memory.py)."""
    import sys
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from memory import measure
    size, took, peak, together, verdict = measure(100, os.cpu_count() or 1, past_the_limit=False)
    assert verdict == "built" and size > 3.5 * 2**20
    assert together < 1024, f"{together:.0f} MiB"


def test_a_large_division_is_laid_out_with_none_beside_it(tmp_path, monkeypatch):
    """On two processes, a division longer than LARGE_CHARACTERS (a long book's notes or
    index, the build's largest layout) runs alone, the others two at once, each in order."""
    from toolchain.write.pdf import apart

    def laid_out(task):
        start = time.time()
        time.sleep(0.4)
        (tmp_path / task[0]).write_text(f"{start} {time.time()}")
        return task[0]

    monkeypatch.setattr(apart, "lay_out_forked", laid_out)
    assert apart.each_forked([(n,) for n in "abcde"], 2, {2}) == list("abcde")
    spans = {n: [float(t) for t in (tmp_path / n).read_text().split()] for n in "abcde"}
    alone = spans.pop("c")
    assert all(end <= alone[0] or start >= alone[1] for start, end in spans.values())
    assert spans["a"][0] < spans["b"][1] and spans["b"][0] < spans["a"][1]
    assert spans["d"][0] < spans["e"][1] and spans["e"][0] < spans["d"][1]


def test_with_one_job_a_short_book_is_laid_out_in_the_builds_own_process(tmp_path, monkeypatch):
    """With one job, a short book's divisions are laid out one after another in the build's
    own process (a process forked for each would start its caches cold), making the same
    files; so they are with two jobs unless WORTH_FORKING of its divisions are long enough
    to gain from processes of their own (SUBSTANTIAL_CHARACTERS: these chapters are not,
    and then are counted so); a book longer than LARGE_CHARACTERS, in processes forked."""
    from toolchain.write.pdf import apart

    forked = []
    each_forked = apart.each_forked
    monkeypatch.setattr(apart, "each_forked", lambda tasks, *rest: forked.append(
        [t[0] for t in tasks]) or each_forked(tasks, *rest))
    manuscript = book_with_preface(tmp_path / "m", CHAPTERS)
    files = {}
    for jobs, substantial in ((1, 10_000), (2, 10_000), (2, 1000)):
        monkeypatch.setattr(apart, "SUBSTANTIAL_CHARACTERS", substantial)
        out = tmp_path / f"dist-{jobs}-{substantial}"
        forked.clear()
        build(manuscript, out, ROOT / "styles", stream=io.StringIO(), force=True, cache=False,
              jobs=jobs)
        files[jobs, substantial] = {p.name: p.read_bytes() for p in out.iterdir()
                                    if p.is_file() and p.suffix != ".json"}
        assert bool(forked) == (substantial == 1000), (jobs, substantial, forked)
    assert len({repr(sorted(f.items())) for f in files.values()}) == 1
    assert len(files[1, 10_000]) >= 5
    monkeypatch.setattr(apart, "SUBSTANTIAL_CHARACTERS", 10_000)
    monkeypatch.setattr(apart, "LARGE_CHARACTERS", 100)  # the book now a long one
    forked.clear()
    build(manuscript, tmp_path / "long", ROOT / "styles", stream=io.StringIO(), force=True,
          cache=False)
    assert forked
