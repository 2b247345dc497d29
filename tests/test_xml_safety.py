"""Every XML the toolchain parses refuses entity expansion, external entities, DTDs and XInclude."""

from __future__ import annotations

import shutil
import zipfile

import pytest
from conftest import SLUG
from lxml import etree

from toolchain import safexml
from toolchain.check.outputs import epub_xml
from toolchain.check.validate import check_documents

ATTACKS = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                      b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                      b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                      b'<html xmlns="http://www.w3.org/1999/xhtml"><body>&lol3;</body></html>',
    "external entity": b'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY x SYSTEM '
                       b'"file:///etc/passwd">]><html xmlns="http://www.w3.org/1999/xhtml">'
                       b'<body>&x;</body></html>',
    "external DTD": b'<?xml version="1.0"?><!DOCTYPE html SYSTEM "http://127.0.0.1:9/x.dtd">'
                    b'<html xmlns="http://www.w3.org/1999/xhtml"><body>&ent;</body></html>',
    "XInclude": b'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:xi="http://www.w3.org/2001/'
                b'XInclude"><body><xi:include href="/etc/passwd" parse="text"/></body></html>',
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_safexml_refuses(attack):
    with pytest.raises((safexml.UnsafeXml, etree.XMLSyntaxError)):
        safexml.parse(ATTACKS[attack])


def test_safexml_reads_what_the_toolchain_writes():
    root = safexml.parse(b'<?xml version="1.0"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org'
                         b'/1999/xhtml"><body><p>a &amp; b &#8212; c</p></body></html>')
    assert "".join(root.itertext()) == "a & b \u2014 c"


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_validation_refuses_and_never_expands(attack):
    problems = check_documents({"ch.xhtml": ATTACKS[attack]})
    assert [p.code for p in problems] in (["X007"], ["X001"])
    assert "root:" not in " ".join(p.message for p in problems)  # /etc/passwd never read


def test_check_refuses_a_tampered_epub(built, tmp_path):
    epub = tmp_path / "book.epub"
    shutil.copy(built / f"{SLUG}.epub", epub)
    assert epub_xml(epub)[0] == []
    with zipfile.ZipFile(epub, "a") as archive:
        archive.writestr("EPUB/evil.xhtml", ATTACKS["external entity"])
    problems, summary = epub_xml(epub)
    assert [p.code for p in problems] == ["X007"] and "evil.xhtml" in str(problems[0])
