"""The house's rules, as tests: every construct of the model has its method in the writer,
and the model's one walk reaches every node a construct holds, in reading order."""

from __future__ import annotations

import io
import re
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest

from toolchain import model as m
from toolchain.write.markdown import MarkdownWriter
from toolchain.write.xhtml import Writer as XhtmlWriter

RESOLVED_BEFORE_WRITING = {m.Cite}  # write/citations.py turns each into text and a note


def test_every_model_class_is_a_node_or_a_holder_of_nodes():
    classes = {c for c in vars(m).values() if isinstance(c, type) and is_dataclass(c)
               and c.__module__ == m.__name__}
    holders = {m.Note, m.Chapter, m.Book}
    assert classes == set(m.NODES) | holders, classes ^ (set(m.NODES) | holders)


def test_every_block_and_inline_has_its_xhtml_writer_method():
    missing = [f"block_{c.__name__}" for c in m.BLOCKS
               if not hasattr(XhtmlWriter, f"block_{c.__name__}")]
    missing += [f"inline_{c.__name__}" for c in m.INLINES
                if c not in RESOLVED_BEFORE_WRITING and not hasattr(XhtmlWriter,
                                                                     f"inline_{c.__name__}")]
    assert missing == []


def test_every_block_and_inline_has_its_markdown_writer_method():
    """The Markdown writer writes every construct, a citation as its source among them."""
    missing = [c.__name__ for c in m.BLOCKS if not hasattr(MarkdownWriter, f"block_{c.__name__}")]
    missing += [c.__name__ for c in m.INLINES
                if not hasattr(MarkdownWriter, f"inline_{c.__name__}")]
    assert missing == []


def test_no_reader_writes_a_file():
    """A reader gives the model; the files are written by write/ (import: write/markdown)."""
    package = Path(__file__).resolve().parents[1] / "toolchain" / "read"
    writing = [f"{path.name}:{n}: {line.strip()}" for path in sorted(package.glob("*.py"))
               for n, line in enumerate(path.read_text().splitlines(), 1)
               if re.search(r"\.(write_text|write_bytes|mkdir|touch|unlink|rmdir)\(|"
                            r"open\([^)]*['\"][wax]b?['\"]|shutil\.|os\.(remove|makedirs)",
                            line.split("#")[0])]
    assert writing == []


def texts(node) -> list[str]:
    return [n.text for n in m.walk(node) if isinstance(n, m.Text)]


def test_the_walk_reaches_every_field_that_holds_nodes_in_reading_order():
    table = m.Table(caption=[m.Text("caption")], header=[[m.Text("head")]],
                    rows=[[[m.Styled("em", [m.Text("cell")])], [m.Text("figure")]]],
                    numeric=[False, True], line=1)
    assert texts(table) == ["caption", "head", "cell", "figure"]
    figure = m.Figure(path=Path("x.png"), alt="not a node", caption=[m.Text("caption")],
                      credit=[m.Text("credit")], line=1)
    assert texts(figure) == ["caption", "credit"]
    verse = m.Verse(kind="poem", stanzas=[[m.VerseLine([m.Text("one")], 0, 1)],
                                          [m.VerseLine([m.Text("two")], 1, 2)]], line=1)
    assert texts(verse) == ["one", "two"]
    works = m.References(entries=[("key", [[m.Text("Broué,"), m.Text(" 1971")]])])
    assert texts(works) == ["Broué,", " 1971"]
    listed = m.ListBlock(ordered=True, items=[[m.Para([m.Text("a")], 1)],
                                              [m.Quote([m.Para([m.Text("b")], 2)], 2)]], line=1)
    assert texts(listed) == ["a", "b"]
    for cls in m.NODES:  # and no node holds a field the walk cannot see into
        for spec in fields(cls):
            assert spec.type not in ("dict", "set"), (cls.__name__, spec.name)


def test_weasyprint_is_the_release_its_wall_was_written_against():
    from toolchain.typeset import weasy

    assert weasy.version_problem() is None, weasy.version_problem()


INSIDES = re.compile(r"\._[a-z]\w*|from weasyprint\.(formatting_structure|layout|document|"
                     r"text\.line_break|pdf)\b|(weasyprint|pydyf)(\.\w+)+\s*=[^=]")


def test_only_the_wall_touches_weasyprints_insides():
    """Every private name of WeasyPrint and pydyf (underscored attributes, the layout's
    modules, patches) in typeset/weasy.py alone, listed in its docstring."""
    package = Path(__file__).resolve().parents[1] / "toolchain"
    found = [f"{path.relative_to(package)}:{n}: {line.strip()}"
             for path in sorted(package.rglob("*.py")) if path.name != "weasy.py"
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if INSIDES.search(line.split("#")[0]) and not re.search(r"self\._|\b_\w+\s*=",
                                                                      line)]
    assert found == []
    wall = (package / "typeset" / "weasy.py").read_text()
    for name in ("_page_box", "_update_footnote_area", "text_align", "page_references",
                 "line_break", "formatting_structure"):
        assert name in wall.split('"""')[1], name  # named in the docstring's list


def test_only_the_command_line_speaks():
    """The stages report through a reporter (toolchain/reporting.py); only cli.py decides
    that the terminal hears them. Checks return their problems."""
    package = Path(__file__).resolve().parents[1] / "toolchain"
    speaking = [f"{path.relative_to(package)}:{n}" for path in sorted(package.rglob("*.py"))
                if path.name not in ("cli.py", "reporting.py")
                for n, line in enumerate(path.read_text().splitlines(), 1)
                if re.search(r"(?<![\w.])print\(", line.split("#")[0])]
    assert speaking == []


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_a_bar_and_the_time_left_on_a_terminal_and_plain_lines_elsewhere():
    from toolchain.reporting import Steps, StreamReporter, progress_line

    line = progress_line("[5/14] layout            ", 2.0, 3.0, 3.0)
    assert line.startswith("[5/14] layout") and "about 3 s left" in line
    assert line.count("█") == 10 and line.count("░") == 10  # half the build's time gone
    assert progress_line("[1/3] lint  ", 0.4, 0.4, None).endswith("0.4 s")  # no last build
    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        reporter = StreamReporter(stream)
        reporter.plan({"lint": 0.2, "layout": 5.0})
        assert reporter.time_left("lint", 0.1) == pytest.approx(5.1)
        Steps(2, reporter).run("lint", lambda: None)
        assert reporter.time_left("layout", 1.0) == pytest.approx(4.0)
    assert "about 5 s left" in terminal.getvalue() and "░" * 20 in terminal.getvalue()
    assert log.getvalue() == "[1/2] lint              done   0.00 s\n"  # a log: plain lines
