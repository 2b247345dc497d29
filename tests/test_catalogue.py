"""The catalogue: titles built in parallel (a process pool, and a real Dask LocalCluster with
two workers), one failing on purpose without stopping the others or losing its last good
files, unchanged titles skipped, and both feeds read by the schema and by client libraries."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import feedparser
import pytest
from conftest import ROOT, make_book
from webpub_manifest_parser.opds2 import OPDS2FeedParserFactory

from toolchain.build import build, up_to_date
from toolchain.catalogue import catalogue_config, prepare, run_catalogue
from toolchain.check.opds import feed_problems

CHAPTER = "# {title}\n\nThe {title} story begins on a wet night in the town.[^1]\n\n" \
          "[^1]: A note to the {title} story.\n"
BROKEN = "# Broken\n\nA paragraph with a stray ' straight quote.\n"


def press(root: Path, titles: list[str]) -> Path:
    """A project folder: styles, and one small book per title under books/, listed in a
    catalogue.toml."""
    shutil.copytree(ROOT / "styles", root / "styles")
    for k, name in enumerate(titles):
        book = make_book(root / "books" / name, {"one.md": CHAPTER.format(title=name.title())},
                         title=f"The {name.title()} Book", extra=f'description = "The {name} book."')
        toml = (book / "book.toml").read_text(encoding="utf-8")
        (book / "book.toml").write_text(toml.replace('"small-book"', f'"{name}"').replace(
            "000000000001", f"{k + 1:012d}"), encoding="utf-8")
    (root / "catalogue.toml").write_text(
        'title = "A Small Press"\ntitles = ["books/*"]\n'
        'url = "https://books.example.org/catalogue"\n', encoding="utf-8")
    return root


def break_title(root: Path, name: str) -> None:
    (root / "books" / name / "chapters" / "one.md").write_text(BROKEN, encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def check_feeds(out: Path, slugs: list[str]) -> None:
    """Both feeds list exactly these titles; every link they name exists in the folder."""
    assert feed_problems(out / "opds.json") == []
    parsed = OPDS2FeedParserFactory().create().parse_file(str(out / "opds.json"))
    assert not parsed.errors, parsed.errors
    feed = json.loads((out / "opds.json").read_text())
    names = [p["links"][0]["href"].split("/")[0] for p in feed["publications"]]
    assert sorted(names) == sorted(slugs)
    assert [p.metadata.title for p in parsed.root.publications] == \
        [p["metadata"]["title"] for p in feed["publications"]]
    for publication in feed["publications"]:
        for link in publication["links"] + publication["images"]:
            assert (out / link["href"]).is_file(), link
        types = {link["type"] for link in publication["links"]}
        assert types == {"application/epub+zip", "application/pdf"}
    atom = feedparser.parse((out / "catalog.xml").read_bytes())
    assert not atom.bozo, atom.bozo_exception
    assert atom.feed.title == "A Small Press" and len(atom.entries) == len(slugs)
    rels = set()
    assert atom.feed.links[0].href == "https://books.example.org/catalogue/catalog.xml"
    for entry in atom.entries:
        for link in entry.links:
            rels.add(link.rel)
            assert (out / link.href).is_file(), link.href
    assert rels == {"http://opds-spec.org/acquisition", "http://opds-spec.org/image",
                    "http://opds-spec.org/image/thumbnail"}


@pytest.mark.slow
def test_a_failing_title_leaves_the_others_built_and_its_last_good_files(tmp_path):
    root = press(tmp_path, ["anchor", "bridge", "canal"])
    out = tmp_path / "dist" / "catalogue"
    log = io.StringIO()
    report = run_catalogue(root, out, workers=2, stream=log)
    assert report["counts"] == {"built": 3, "skipped": 0, "failed": 0}
    assert "[3/3]" in log.getvalue()
    check_feeds(out, ["anchor", "bridge", "canal"])
    good = snapshot(out / "bridge")

    break_title(root, "bridge")
    report = run_catalogue(root, out, workers=2, stream=io.StringIO())
    status = {t["slug"]: t for t in report["titles"]}
    assert status["bridge"]["status"] == "failed"
    assert "M005" in status["bridge"]["errors"][0] and "books/bridge" in \
        status["bridge"]["errors"][0]  # the real manuscript file, not the worker's copy
    assert status["anchor"]["status"] == status["canal"]["status"] == "skipped"
    assert snapshot(out / "bridge") == good  # its last good build, kept and still listed
    check_feeds(out, ["anchor", "bridge", "canal"])
    assert not list(out.glob(".*.build-*"))  # nothing half-written
    # a build into dist/ replaces dist/ whole, but carries the catalogue inside it over
    before = snapshot(out)
    build(root / "books" / "anchor", tmp_path / "dist", root / "styles", stream=io.StringIO())
    assert (tmp_path / "dist" / "anchor.epub").is_file() and snapshot(out) == before


def test_the_served_catalogue_gives_reading_apps_its_feeds_and_books(tmp_path):
    import threading
    import urllib.request

    from toolchain.catalogue import catalogue_server

    root = press(tmp_path, ["anchor"])
    (root / "catalogue.toml").write_text('title = "A Small Press"\ntitles = ["books/*"]\n')
    out = tmp_path / "cat"
    run_catalogue(root, out, workers=1, stream=io.StringIO())
    server = catalogue_server(out, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(f"{base}/opds.json") as response:
            assert response.headers["Content-Type"] == "application/opds+json"
            feed = json.loads(response.read())
        assert feed["links"][0]["href"] == f"{base}/opds.json"  # absolute, as served
        parsed = OPDS2FeedParserFactory().create().parse_json(feed)
        assert not parsed.errors, parsed.errors
        href = feed["publications"][0]["links"][0]["href"]
        with urllib.request.urlopen(f"{base}/{href}") as response:
            assert response.headers["Content-Type"] == "application/epub+zip"
            assert response.read() == (out / href).read_bytes()
        with urllib.request.urlopen(f"{base}/catalog.xml") as response:
            assert response.headers["Content-Type"].startswith("application/atom+xml")
    finally:
        server.shutdown()
        server.server_close()


def test_a_changed_stylesheet_makes_every_title_out_of_date(tmp_path):
    root = press(tmp_path, ["anchor"])
    out = tmp_path / "cat"
    run_catalogue(root, out, workers=1, stream=io.StringIO())
    title = prepare(root / "books" / "anchor", root / "styles")
    assert up_to_date(out / "anchor", title.key)
    with (root / "styles" / "book.css").open("a") as css:
        css.write("\n/* house style, revised */\n")
    assert not up_to_date(out / "anchor", prepare(root / "books" / "anchor",
                                                   root / "styles").key)


def test_the_project_catalogue_is_the_title_and_the_samples():
    config = catalogue_config(ROOT, None)
    assert config.styles == ROOT / "styles"
    assert [f.name for f in config.folders] == ["manuscript", "doyle-adventures-of-sherlock-holmes",
                                         "whitman-leaves-of-grass"]


def test_a_catalogue_toml_that_names_no_manuscript_is_an_error(tmp_path):
    (tmp_path / "catalogue.toml").write_text('titles = ["nowhere/*"]\n')
    with pytest.raises(Exception, match="E041.*nowhere"):
        catalogue_config(tmp_path, None)


@pytest.mark.slow
def test_titles_on_a_dask_cluster_of_two_workers(tmp_path):
    """The same run through a real Dask scheduler: the titles land, the failing one is
    reported, and the report is the same as a local run's."""
    distributed = pytest.importorskip("distributed")
    root = press(tmp_path, ["anchor", "bridge", "canal", "dune"])
    break_title(root, "dune")
    out = tmp_path / "cat"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        report = run_catalogue(root, out, scheduler=cluster.scheduler_address,
                               stream=io.StringIO())
    assert report["where"].startswith("Dask at tcp://")
    assert report["counts"] == {"built": 3, "skipped": 0, "failed": 1}
    workers = {t["worker"] for t in report["titles"] if t["status"] == "built"}
    assert len(workers) == 2  # both workers built titles
    assert not (out / "dune").exists() and not list(out.glob(".*.build-*"))
    check_feeds(out, ["anchor", "bridge", "canal"])
    local = run_catalogue(root, tmp_path / "local", workers=2, stream=io.StringIO(),
                          force=True)
    for a, b in zip(report["titles"], local["titles"], strict=True):
        assert (a["slug"], a["status"], a["errors"]) == (b["slug"], b["status"], b["errors"])
        if a["status"] == "built":  # byte for byte the same files, wherever built
            remote, here = snapshot(out / a["slug"]), snapshot(tmp_path / "local" / a["slug"])
            reports = [json.loads(files.pop("report.json")) for files in (remote, here)]
            assert remote == here and reports[0]["outputs"] == reports[1]["outputs"]
