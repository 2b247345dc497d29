"""Each validation rule of the XHTML stage, on small documents made here."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import pytest

from toolchain.check import validate
from toolchain.check.validate import check_documents, epubcheck_documents

HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" '
        'lang="en" xml:lang="en"><head><title>T</title></head><body>\n')
TAIL = "\n</body></html>\n"

CALL = ('<p>Text.<a id="r1" href="notes.xhtml#n1" epub:type="noteref" '
        'role="doc-noteref">1</a></p>')
NOTE = ('<ol><li id="n1" epub:type="endnote"><p><a href="a.xhtml#r1" role="doc-backlink">1.</a>'
        ' Note.</p></li></ol>')


def docs(a: str = CALL, notes: str = NOTE) -> dict[str, bytes]:
    return {"a.xhtml": (HEAD + a + TAIL).encode(), "notes.xhtml": (HEAD + notes + TAIL).encode()}


def test_good_documents_pass():
    assert check_documents(docs()) == []


CASES = {
    "X001": (docs(a="<p>unclosed"), "not well-formed XML"),
    "X002": (docs(a=CALL + '<p id="n1">dup</p>'), "duplicate id 'n1', first at"),
    "X003": (docs(a=CALL + '<p><a href="missing.xhtml">x</a></p>'),
             "broken link: links to 'missing.xhtml', which is not a document of the book"),
    "X004": (docs(a=CALL.replace('epub:type="noteref" ', "")), "note 'n1' has 0 calls, not one"),
    "X005": (docs(notes=NOTE.replace("a.xhtml#r1", "a.xhtml")),
             "note 'n1' does not link back to its call 'r1' in a.xhtml"),
    "X006": (docs(a=CALL + "<p>A lost marker [12] here.</p>"),
             "bracketed note marker '[12]' survives in the text"),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_reports_file_line_and_reason(code):
    files, message = CASES[code]
    found = check_documents(files)
    assert found, "the broken document passed"
    assert {p.code for p in found} == {code}, [str(p) for p in found]
    assert message in found[0].message
    assert found[0].line >= 1 and found[0].path in files


def test_call_to_something_that_is_not_a_note():
    files = docs(notes='<p id="n1"><a href="a.xhtml#r1" role="doc-backlink">1</a></p>')
    found = check_documents(files)
    assert [p.code for p in found] == ["X004"]
    assert "points at an element that is not a note" in found[0].message


def test_epubcheck_content_document_mode(tmp_path):
    good = tmp_path / "good.xhtml"
    good.write_bytes(docs()["a.xhtml"].replace(b'href="notes.xhtml#n1"', b'href="#r1"'))
    bad = tmp_path / "bad.xhtml"
    bad.write_text(HEAD + "<p><blink>old</blink></p>" + TAIL, encoding="utf-8")
    found = epubcheck_documents([good, bad])
    assert found and {p.path.name for p in found} == {"bad.xhtml"}
    assert found[0].code.startswith("RSC") and found[0].line == 4
    assert "blink" in found[0].message


def with_chapter_body(source, target, body: str) -> None:
    """The warm-up EPUB at `source` with its chapter's section holding `body`."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "EPUB/c.xhtml":
                data = data.decode().replace("</section>", body + "</section>").encode()
            new.writestr(info, data)


def test_the_builds_epubcheck_finds_duplicate_ids_as_released_epubcheck_does(tmp_path,
                                                                              monkeypatch):
    """The build's EPUBCheck counts each id through a key (validate.linear_id_check): on
    the installed EPUBCheck the rule it rewrites is found, and a duplicate id is reported
    with the very messages, lines and columns of EPUBCheck as released; a document of many
    ids is silent in both. The rewritten rule's message is marked here, to show that it is
    the rule EPUBCheck runs (the NVDL route finds the Schematron by a relative path: an
    overlay of that one file was not read)."""
    monkeypatch.setenv("TOOLCHAIN_CACHE", str(tmp_path / "cache"))  # the schemas made anew
    assert validate.linear_id_check(tmp_path / "schemas"), (
        "this EPUBCheck words its id rule otherwise: update ID_SET and ID_UNIQUE in "
        "toolchain/check/validate.py from its epub-xhtml-30.sch")
    written = (tmp_path / "schemas" / validate.SCHEMAS / "epub-xhtml-30.sch").read_text()
    assert validate.ID_KEY in written and validate.ID_UNIQUE not in written
    rewrite = validate.linear_id_check

    def marked(folder):
        classpath = rewrite(folder)
        sch = folder / validate.SCHEMAS / "epub-xhtml-30.sch"
        text = sch.read_text(encoding="utf-8")
        assert text.count(' = 1">Duplicate ID "') == 1
        sch.write_text(text.replace(' = 1">Duplicate ID "', ' = 1">Duplicate ID (key) "'),
                       encoding="utf-8")
        return classpath

    monkeypatch.setattr(validate, "linear_id_check", marked)
    source = tmp_path / "small.epub"
    validate.write_warm_up_epub(source)
    twice = tmp_path / "twice.epub"
    with_chapter_body(source, twice, '<p id="twice">A.</p>\n<p>B.</p><p id="twice">C.</p>')
    many = tmp_path / "many.epub"
    with_chapter_body(source, many, "".join(f'<p id="s{k}">S.</p>\n' for k in range(300)))
    real = getattr(validate.EpubCheck, "make", validate.EpubCheck)  # not the session's
    found = {}
    for stock in (True, False):
        checker = real(warm=False, stock=stock)
        try:
            for epub in (twice, many):
                checker.check(epub, [])
                found[stock, epub.name] = [(p.code, p.line, p.column, p.message)
                                           for p in checker.result(epub)[0]]
        finally:
            checker.cancel()
    assert [f[0] for f in found[True, "twice.epub"]] == ["RSC-005", "RSC-005"]
    assert all('Duplicate ID "twice"' in f[3] for f in found[True, "twice.epub"])
    assert all('Duplicate ID (key) "twice"' in f[3] for f in found[False, "twice.epub"])
    assert found[True, "twice.epub"] == [(*f[:3], f[3].replace("(key) ", ""))
                                         for f in found[False, "twice.epub"]]
    assert found[True, "many.epub"] == found[False, "many.epub"] == []


def test_the_server_is_kept_compiled_with_epubchecks_signed_jars_unsigned(tmp_path,
                                                                         monkeypatch):
    """The EPUBCheck server is compiled once and kept in the user's cache, beside copies of
    EPUBCheck's signed jars (Saxon's) without their signatures: the same entries, byte for
    byte, but the signature files and the manifest's digests; the kept folder is found again
    by the next build, made again if damaged, and those of other servers or releases are let
    go but the two last used; a check through it reports as before. Where nothing can be
    kept (the cache a file, not a folder), the server runs from its source."""
    monkeypatch.setenv("TOOLCHAIN_CACHE", str(tmp_path / "cache"))
    classpath, main = validate.launcher(tmp_path / "scratch", stock=False)
    kept = Path(classpath[0]).parent
    assert main == "EpubCheckServer" and (kept / "classes" / "EpubCheckServer.class").is_file()
    assert classpath[-1] == validate.epubcheck_jar() and str(kept / "schemas") in classpath
    lib = Path(validate.epubcheck_jar()).parent / "lib"
    signed = [p for p in sorted(lib.glob("*.jar"))
              if any(validate.SIGNATURE.match(n) for n in zipfile.ZipFile(p).namelist())]
    assert signed and sorted(p.name for p in kept.glob("*.jar")) == [p.name for p in signed]
    for original in signed:
        with zipfile.ZipFile(original) as a, zipfile.ZipFile(kept / original.name) as b:
            names = [n for n in a.namelist() if not validate.SIGNATURE.match(n)]
            assert b.namelist() == names
            for name in names:
                if name != "META-INF/MANIFEST.MF":
                    assert b.read(name) == a.read(name), name
            manifest = b.read("META-INF/MANIFEST.MF")
            assert b"Manifest-Version" in manifest and b"SHA-256-Digest" not in manifest
    stamp = (kept / "classes" / "EpubCheckServer.class").stat().st_mtime_ns
    assert validate.launcher(tmp_path / "scratch", stock=True) == (
        [str(kept / "classes"), *(str(kept / p.name) for p in signed),
         validate.epubcheck_jar()], "EpubCheckServer")
    assert (kept / "classes" / "EpubCheckServer.class").stat().st_mtime_ns == stamp
    (kept / "classes" / "EpubCheckServer.class").unlink()  # a folder damaged: made again
    assert validate.launcher(tmp_path / "scratch", stock=True)[1] == "EpubCheckServer"
    assert (kept / "classes" / "EpubCheckServer.class").is_file()
    for age, name in enumerate(["newer", "older", "oldest", ".making-stopped"]):
        (kept.parent / name).mkdir()
        os.utime(kept.parent / name, (0, time.time() - 7200 * (age + 1)))
    (kept.parent / ".making-now").mkdir()  # another build making its own
    validate.let_go_of_others(kept)  # as a new server or EPUBCheck is kept
    assert sorted(p.name for p in kept.parent.iterdir()) == sorted(
        [kept.name, "newer", "older", ".making-now"])
    source = tmp_path / "small.epub"
    validate.write_warm_up_epub(source)
    twice = tmp_path / "twice.epub"
    with_chapter_body(source, twice, '<p id="twice">A.</p>\n<p>B.</p><p id="twice">C.</p>')
    real = getattr(validate.EpubCheck, "make", validate.EpubCheck)  # not the session's
    found = {}
    for cache in ("cache", "a-file"):
        (tmp_path / "a-file").write_text("not a folder")
        monkeypatch.setenv("TOOLCHAIN_CACHE", str(tmp_path / cache))
        checker = real(warm=False)
        try:
            assert checker.proc.args[-1] == ("EpubCheckServer" if cache == "cache"
                                             else str(validate.SERVER))
            checker.check(twice, [])
            found[cache] = [(p.code, p.line, p.column) for p in checker.result(twice)[0]]
        finally:
            checker.cancel()
    assert found["cache"] == found["a-file"] and [f[0] for f in found["cache"]] == [
        "RSC-005", "RSC-005"]


def test_two_files_checked_at_once_each_get_their_own_report(tmp_path):
    """The JVM checks two files at once (EpubCheckServer.java, the EPUB and the Kobo
    edition): files sent together and asked for in either order each get the messages they
    get checked alone. The warm-up's own error is loaded first, and its report is not read."""
    source = tmp_path / "small.epub"
    validate.write_warm_up_epub(source)
    files = {"twice": '<p id="twice">A.</p>\n<p>B.</p><p id="twice">C.</p>', "good": "<p>G.</p>",
             "many": "".join(f'<p id="s{k}">S.</p>\n' for k in range(300)),
             "refused": "<p><q>Q.<warmup/></q></p>"}
    for name, body in files.items():
        with_chapter_body(source, tmp_path / f"{name}.epub", body)
    epubs = [tmp_path / f"{name}.epub" for name in files]
    real = getattr(validate.EpubCheck, "make", validate.EpubCheck)  # not the session's
    checker = real(warm=True)

    def found(epub):
        return [(p.code, p.line, p.message) for p in checker.result(epub)[0]]

    try:
        alone = {}
        for epub in epubs:
            checker.check(epub, [])
            alone[epub.name] = found(epub)
        for order in (epubs, epubs[::-1]):
            for epub in order:
                checker.check(epub, [])
            for epub in reversed(order):
                assert found(epub) == alone[epub.name], epub.name
    finally:
        checker.cancel()
    assert [f[0] for f in alone["twice.epub"]] == ["RSC-005", "RSC-005"]
    assert [f[0] for f in alone["refused.epub"]] == ["RSC-005"]
    assert alone["good.epub"] == alone["many.epub"] == []
