"""Each lint rule, on a small broken manuscript made here; each fails with its own message."""

from __future__ import annotations

import pytest
from conftest import CHAPTER, ROOT, make_book

from toolchain.check.lint import RULES, lint_manuscript
from toolchain.cli import main

CASES = {
    "M001": ("# One\n\nText.[^1] More.[^2]\n\n[^1]: Note.\n",
             "3:16", "note call [^2] has no note"),
    "M002": ("# One\n\nText.[^1]\n\n[^1]: Note.\n\n[^2]: Orphan.\n",
             "7:1", "note [^2] is never called"),
    "M003": ("# One\n\nText.[^1] More.[^2]\n\n[^1]: Note.\n\n[^2]: Two.\n\n[^2]: Again.\n",
             "9:1", "note [^2] is defined twice (first on line 7)"),
    "M004": ("# One\n\nText.[^1] More.[^3] Last.[^2]\n\n[^1]: a\n\n[^2]: b\n\n[^3]: c\n",
             "3:16", "note [^3] is out of sequence: expected [^2]"),
    "M005": ('# One\n\nIt\'s a "test".\n', "3:3", "straight quote '"),
    "M006": ("# One\n\nTwo  spaces.\n\n> - quoted\n>   - nested in a quotation, not doubled\n",
             "3:4", "doubled space"),
    "M007": ("# One\n\nTable: T\n\n| A | B |\n|---|--:|\n| x | 1 |\n| y | 2 | 3 |\n",
             "8:1", "table row has 3 cells, the header (line 5) has 2"),
    "M008": ("# One\n\nTable: T\n\n| A | B |\n|---|--:|\n| x | 1.5 |\n| z | 2 |\n| y | about 2 |\n",
             "9:7", "'about 2' is not a figure, in a column of figures"),
    "M009": ("# One\n\nA *word*{.bold} here.\n", "3:9", "unknown attribute '.bold'"),
    "W001": ("# One\n\nText.[^1]\n\n[^1]: Somebody. {.incomplete}\n",
             "5:1", "endnote [^1]: the original reference is not preserved"),
    "M010": ("# One\n\nA bell\x07 rang.\n", "3:7", "control character U+0007 (a control character)"),
    "M011": ("# One\n\nThe sign \u6f22 here.\n", "3:10",
             "no font of the book has U+6F22 CJK UNIFIED IDEOGRAPH-6F22"),
    "M012": ("# One\n\nAs shown.[12] More.\n", "3:10", "[12] looks like a note marker"),
    "M013": ("# One\n\nThe years 1917-1923, not 1923-10-23.\n", "3:11",
             "a range of numbers takes an en dash: 1917\u20131923"),
    "M014": ("# One\n\nThe Social Democratic-Communist majority, Ralph Vaughan-Williams.\n",
             "3:5", "an open compound joined to another word takes an en dash: "
             "Social Democratic\u2013Communist"),
    "M015": ("# One\n\nIn\n1923. Then:\n\n- the first\n  99) nested\n\n::: poem\nA line\n"
             "2. a line\n:::\n",
             "4:1", "“1923.” begins a line inside a paragraph: Markdown reads it as the "
             "paragraph's text, not as a numbered list"),
    "M119": ("# One\n\nText.\n\n![](plate.jpg)\n", "5:1", "a figure with no text description"),
    "W002": ("# One\n\nAn \u202eoverride.\n", "3:4",
             "invisible character U+202E RIGHT-TO-LEFT OVERRIDE"),
}


def test_every_rule_has_a_case():
    assert {code for code, _ in RULES} == set(CASES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_reports_its_own_message(tmp_path, code):
    text, where, message = CASES[code]
    make_book(tmp_path, {"one.md": text})
    found = lint_manuscript(tmp_path, ROOT / "styles")
    assert found and {p.code for p in found} == {code}, [str(p) for p in found]
    problem = found[0]
    assert f"{problem.line}:{problem.column}" == where
    assert problem.message == message
    assert str(problem).startswith(f"{tmp_path / 'chapters' / 'one.md'}:{where}:")


def test_fix_makes_the_en_dashes_and_nothing_else(tmp_path, capsys):
    text = ("# One\n\nOn 27-30 August 1917, pp. 12-15; ISBN 978-0-00-000000-0, 1923-10-23.\n\n"
            "The Social Democratic-Communist majority; Anglo-Soviet talks; Lloyd George-"
            "Curzon; Ralph Vaughan-Williams; a Left Socialist-Revolutionary.\n")
    make_book(tmp_path, {"one.md": text})
    assert main(["lint", "--manuscript", str(tmp_path), "--fix"]) == 0
    fixed = (tmp_path / "chapters" / "one.md").read_text(encoding="utf-8")
    assert fixed == text.replace("27-30", "27\u201330").replace("12-15", "12\u201315").replace(
        "Democratic-", "Democratic\u2013").replace("Left Socialist-", "Left Socialist\u2013")
    said = capsys.readouterr()
    assert "lint: 2 line(s) changed in 1 file(s)" in said.err
    path = tmp_path / "chapters" / "one.md"
    assert f"{path}:3: On 27-30 August 1917, pp. 12-15; ISBN 978-0-00-000000… → On 27–30 " \
        "August 1917, pp. 12–15; ISBN 978-0-00-000000…" in said.out
    assert lint_manuscript(tmp_path) == []


def test_fix_lists_every_change_dry_run_writes_nothing_and_undo_puts_back(tmp_path, capsys):
    text = "# One\n\n\"It's the keepers' night,\" he said -- and left...\n"
    make_book(tmp_path, {"one.md": text})
    path = tmp_path / "chapters" / "one.md"
    assert main(["lint", "--manuscript", str(tmp_path), "--dry-run"]) == 1  # M005 stays
    said = capsys.readouterr()
    assert path.read_text(encoding="utf-8") == text
    assert "would change" in said.err and f"{path}:3: " in said.out
    assert main(["lint", "--manuscript", str(tmp_path), "--fix"]) == 0
    assert path.read_text(encoding="utf-8") == \
        "# One\n\n‘It’s the keepers’ night,’ he said – and left…\n"
    assert "`toolchain lint --undo` puts them back" in capsys.readouterr().err
    assert main(["lint", "--manuscript", str(tmp_path), "--undo"]) == 0
    assert path.read_text(encoding="utf-8") == text
    assert "put back as it was" in capsys.readouterr().out


def test_clean_manuscript_has_no_findings(tmp_path):
    make_book(tmp_path, {"one.md": CHAPTER})
    assert lint_manuscript(tmp_path) == []


def test_comments_are_not_linted(tmp_path):
    make_book(tmp_path, {"one.md": "# One\n\n<!-- it's a \"draft\"  note -->\n\nText.\n"})
    assert lint_manuscript(tmp_path) == []


def test_cli_exit_codes(tmp_path, capsys):
    make_book(tmp_path, {"one.md": "# One\n\nText.[^1]\n\n[^1]: Who. {.incomplete}\n"})
    assert main(["lint", "--manuscript", str(tmp_path)]) == 0  # warnings only
    assert "W001" in capsys.readouterr().out
    make_book(tmp_path, {"one.md": "# One\n\nIt's.\n"})
    assert main(["lint", "--manuscript", str(tmp_path)]) == 1
    assert "M005" in capsys.readouterr().out


def test_the_title_lints_clean_but_for_incomplete_notes():
    from conftest import ROOT

    found = lint_manuscript(ROOT / "manuscript")
    assert {p.code for p in found} == {"W001"}
    assert len(found) == 24  # every endnote but note 3, the editors' own
