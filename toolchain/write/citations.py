"""Citations rendered by pandoc's citeproc, the reference CSL processor, into the model.

pandoc is given the book's citations in reading order — each citation of the text as a
paragraph, each of the author's notes as a footnote holding its citations — with the
bibliography file, the CSL style and the book's language, and returns them rendered (JSON).
So every rendering decision (first note full, later ones short, ibid, a citation in a note
set in brackets, the bibliography's order) is citeproc's, and the book reads as pandoc would
set the same chapter. Here they are put back: with a note style each citation of the text
becomes a note of its division (numbered with the author's own, in reading order) and the
punctuation after it moves before its call, as pandoc does; a citation inside a note, or any
with an author-date style, is set in place. The works cited are listed in a bibliography
division after the Notes (Chicago 1.4), or in the book's own `{.bibliography}` division.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass

from .. import model as m
from .. import words
from ..errors import BuildError, Problem
from ..places import pandoc

PUNCTUATION = ".,;:!?"  # moved before a note's call (pandoc's notes-after-punctuation)
CITE_LABEL = "@{}"  # the label of a note made from a citation: no manuscript label has an @


@dataclass
class Context:
    """A citation where it stands: in the text of a division, or in one of its notes."""

    chapter: m.Chapter
    inlines: list  # the list that holds it
    cite: m.Cite
    in_note: bool


def resolve(book: m.Book) -> m.Book:
    """The book with every citation rendered and the bibliography made (in place)."""
    if book.bibliography is None:
        return book
    contexts, source = pandoc_input(book)
    rendered, entries, note_style = run_citeproc(book, source)
    if len(rendered) != len(contexts):
        raise RuntimeError(f"citeproc returned {len(rendered)} citations for {len(contexts)}")
    for context, inlines in reversed(list(zip(contexts, rendered, strict=True))):
        put_back(context, inlines, note_style)
    for ch in book.chapters:
        m.number_notes(ch)
    add_bibliography(book, entries, note_style)
    return book


def pandoc_input(book: m.Book) -> tuple[list[Context], str]:
    """The citations in reading order, and a pandoc Markdown document holding them so."""
    contexts, paragraphs, notes = [], [], []
    for ch in book.chapters:
        for root in [m.Para(ch.title, 0), *ch.blocks]:
            for inlines, node in m.inline_places(root):
                if isinstance(node, m.Cite):
                    contexts.append(Context(ch, inlines, node, False))
                    paragraphs.append(f"x {node.source}{punctuation_after(inlines, node)}")
                elif isinstance(node, m.NoteRef) and node.label in ch.notes:
                    cited = []
                    for block in ch.notes[node.label].blocks:
                        for held, inner in m.inline_places(block):
                            if isinstance(inner, m.Cite):
                                contexts.append(Context(ch, held, inner, True))
                                cited.append(inner.source + punctuation_after(held, inner))
                    label = f"n{len(notes) + 1}"
                    paragraphs.append(f"x[^{label}]")
                    notes.append(f"[^{label}]: x " + " x ".join(cited))
    nocite = " ".join("@" + key for key in book.meta.get("nocite", []))
    head = f"---\nnocite: |\n  {nocite}\n---\n\n" if nocite else ""
    return contexts, head + "\n\n".join(paragraphs + notes) + "\n"


def punctuation_after(inlines: list, cite: m.Cite) -> str:
    """The punctuation mark that follows a citation, which citeproc must see: a citation
    ending a sentence of a note leaves its full stop to the sentence's."""
    at = next(k for k, node in enumerate(inlines) if node is cite)
    after = inlines[at + 1] if at + 1 < len(inlines) else None
    return after.text[0] if isinstance(after, m.Text) and after.text[:1] in PUNCTUATION else ""


def run_citeproc(book: m.Book, source: str) -> tuple[list[list], list, bool]:
    lang = book.meta.get("language", "en")
    run = subprocess.run(
        [str(pandoc()), "-f", "markdown", "-t", "json", "--citeproc",
         "--bibliography", str(book.bibliography.path), "--csl", str(book.citation_style),
         "-M", f"lang={lang}", "-M", "link-citations=true", "-M", "suppress-bibliography=false"],
        input=source, capture_output=True, text=True, check=False)
    if run.returncode:
        raise BuildError(Problem(book.citation_style, 1, 1, "M129", "the CSL processor "
                                 f"(pandoc's citeproc) refused the style or the bibliography: "
                                 f"{' '.join(run.stderr.split())}", "check the style file"))
    doc = json.loads(run.stdout)
    cites: list = []
    collect(doc["blocks"], cites)
    entries = next((block["c"][1] for block in doc["blocks"] if block["t"] == "Div"
                    and block["c"][0][0] == "refs"), [])
    note_style = any(node["t"] == "Note" for cite in cites for node in cite)
    if not cites:  # a style's class, from the file, when nothing is cited
        note_style = 'class="note"' in book.citation_style.read_text("utf-8")[:2000]
    return cites, entries, note_style


def collect(node, out: list) -> None:
    """Each Cite's rendered content, in document order (a note's citations where its call is)."""
    if isinstance(node, list):
        for item in node:
            collect(item, out)
    elif isinstance(node, dict):
        if node.get("t") == "Cite":
            out.append(node["c"][1])
        elif "c" in node:
            collect(node["c"], out)


def put_back(context: Context, rendered: list, note_style: bool) -> None:
    inlines, ch = context.inlines, context.chapter
    at = next(k for k, node in enumerate(inlines) if node is context.cite)
    note = next((node for node in rendered if node["t"] == "Note"), None)
    if note is None or context.in_note:
        inlines[at:at + 1] = converted(rendered)
        return
    paragraphs = [converted(block["c"]) for block in note["c"]]
    if not m.plain_text([n for para in paragraphs for n in para]).strip():
        inlines[at:at + 1] = converted([node for node in rendered if node["t"] != "Note"])
        return  # the style says all in the sentence (MLA's notes, `@key` alone): no empty note
    label = CITE_LABEL.format(len([n for n in ch.notes.values() if n.citation]) + 1)
    ch.notes[label] = m.Note(label, [m.Para(para, context.cite.line) for para in paragraphs],
                             context.cite.line,
                             at_foot=ch.notes_at == "footnotes", citation=True)
    before = converted([node for node in rendered if node["t"] != "Note"])
    call: list = [m.NoteRef(label)]
    after = inlines[at + 1] if at + 1 < len(inlines) else None
    if isinstance(after, m.Text) and after.text[:1] in PUNCTUATION:
        moved = after.text[:len(after.text) - len(after.text.lstrip(PUNCTUATION))]
        inlines[at + 1] = m.Text(after.text[len(moved):])
        call = [m.Text(moved), *call]
        if not inlines[at + 1].text:
            del inlines[at + 1]
    if not before and at and isinstance(inlines[at - 1], m.Text):
        inlines[at - 1] = m.Text(inlines[at - 1].text.rstrip())
    inlines[at:at + 1] = before + call


def converted(nodes: list) -> list:
    """pandoc's inlines as the model's."""
    out: list = []
    for node in nodes:
        kind, content = node["t"], node.get("c")
        if kind == "Str":
            text(out, content)
        elif kind in ("Space", "SoftBreak"):
            text(out, " ")
        elif kind == "LineBreak":
            out.append(m.LineBreak())
        elif kind in ("Emph", "Strong", "SmallCaps", "Superscript"):
            style = {"Emph": "em", "Strong": "strong", "SmallCaps": "smallcaps",
                     "Superscript": "sup"}[kind]
            out.append(m.Styled(style, converted(content)))
        elif kind == "Quoted":
            marks = "“”" if content[0]["t"] == "DoubleQuote" else "‘’"
            text(out, marks[0])
            out.extend(converted(content[1]))
            text(out, marks[1])
        elif kind == "Span":
            out.extend(converted(content[1]))
        elif kind == "Link":
            out.append(m.Link(content[2][0], converted(content[1])))  # #ref-ID, or a URL
        elif kind == "Code":
            text(out, content[1])
        elif kind == "Subscript":
            out.extend(converted(content))
        else:
            raise RuntimeError(f"citeproc returned a {kind} the toolchain does not set")
    return out


def text(out: list, words: str) -> None:
    if out and isinstance(out[-1], m.Text):
        out[-1] = m.Text(out[-1].text + words)
    else:
        out.append(m.Text(words))


def add_bibliography(book: m.Book, entries: list, note_style: bool) -> None:
    """The works cited, as citeproc listed them, in the book's `{.bibliography}` division, or
    in one of their own at the end of the back matter."""
    works = m.References([(div["c"][0][0].removeprefix("ref-"),
                           [converted(block["c"]) for block in div["c"][1]
                            if block["t"] in ("Para", "Plain")]) for div in entries])
    if not works.entries:
        return
    own = next((ch for ch in book.chapters if ch.kind == "bibliography"), None)
    if own is not None:
        own.blocks.append(works)
        return
    title = words.for_book(book.meta)["bibliography" if note_style else "references"]
    book.chapters.append(m.Chapter(slug="bibliography", path=book.bibliography.path,
                                   title=[m.Text(title)], blocks=[works], kind="bibliography",
                                   matter="back", after_notes=True))
