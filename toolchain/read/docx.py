"""`import`: a Word manuscript (.docx) into a manuscript folder in the format — book.toml and
one Markdown file a chapter — that builds as it is.

mammoth reads the .docx (its style maps turn Word's styles into meaning, and it carries
footnotes and endnotes with their text); this module writes our own Markdown from mammoth's
HTML. Tracked changes are refused unless accepted or rejected; comments are reported, not
imported; styles mammoth does not know are reported with what was done with their text."""

from __future__ import annotations

import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import BuildError, Problem

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STYLE_MAP = """
p[style-name='Quote'] => blockquote > p:fresh
p[style-name='Quotations'] => blockquote > p:fresh
p[style-name='Block Text'] => blockquote > p:fresh
p[style-name='Intense Quote'] => blockquote > p:fresh
p[style-name='Title'] => h1:fresh
p[style-name='Horizontal Line'] => hr:fresh
p.ToolchainQuote => blockquote > p:fresh
r[style-name='Emphasis'] => em
r[style-name='Quotation'] => em
r[style-name='Book Title'] => em
r[style-name='Strong'] => strong
small-caps => span.smallcaps
"""
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


@dataclass
class Imported:
    chapters: list = field(default_factory=list)  # (title, markdown)
    report: list = field(default_factory=list)  # lines for the import report
    images: dict = field(default_factory=dict)  # file name -> bytes


def tracked_changes(archive: zipfile.ZipFile) -> list[str]:
    """Each insertion and deletion still in the document: kind, author, a few words."""
    root = etree.fromstring(archive.read("word/document.xml"))
    found = []
    for node in root.iter(f"{{{W}}}ins", f"{{{W}}}del"):
        kind = "insertion" if node.tag.endswith("ins") else "deletion"
        text = "".join(node.itertext()).strip()
        found.append(f"{kind} by {node.get(f'{{{W}}}author', 'unknown')}: “{text[:40]}”")
    return found


def comments(archive: zipfile.ZipFile) -> list[str]:
    if "word/comments.xml" not in archive.namelist():
        return []
    root = etree.fromstring(archive.read("word/comments.xml"))
    return [f"comment by {c.get(f'{{{W}}}author', 'unknown')}: “{' '.join(c.itertext()).strip()}”"
            for c in root.iter(f"{{{W}}}comment")]


def rejecting(data: bytes) -> bytes:
    """The document with its tracked changes rejected: insertions out, deletions back in."""
    root = etree.fromstring(data)
    for node in list(root.iter(f"{{{W}}}ins")):
        node.getparent().remove(node)
    for node in list(root.iter(f"{{{W}}}del")):
        for text in node.iter(f"{{{W}}}delText"):
            text.tag = f"{{{W}}}t"
        parent = node.getparent()
        index = parent.index(node)
        for child in list(node):
            parent.insert(index, child)
            index += 1
        parent.remove(node)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def layout(data: bytes) -> tuple[bytes, dict]:
    """What authors make by layout rather than by style: a paragraph indented on both sides is
    a quotation; a page break between two paragraphs of text is a scene break (one before a
    heading only starts the chapter). Marked here, in the document's XML, for mammoth."""
    root = etree.fromstring(data)
    found = {"paragraphs indented on both sides imported as quotations": 0,
             "page breaks between paragraphs imported as scene breaks (* * *)": 0}
    paragraphs = list(root.iter(f"{{{W}}}p"))

    def style(p):
        node = p.find(f"{{{W}}}pPr/{{{W}}}pStyle")
        return node.get(f"{{{W}}}val", "") if node is not None else ""

    def heading(p):
        return p is None or re.match(r"(Heading|Title)", style(p)) is not None

    def scene_break(before):
        para = etree.Element(f"{{{W}}}p")
        etree.SubElement(etree.SubElement(para, f"{{{W}}}r"), f"{{{W}}}t").text = "* * *"
        before.addprevious(para)
        found["page breaks between paragraphs imported as scene breaks (* * *)"] += 1

    for k, p in enumerate(paragraphs):
        following = paragraphs[k + 1] if k + 1 < len(paragraphs) else None
        indent = p.find(f"{{{W}}}pPr/{{{W}}}ind")
        if indent is not None and not heading(p) and p.find(f"{{{W}}}pPr/{{{W}}}numPr") is None:
            sides = [int(indent.get(f"{{{W}}}{a}", "0") or 0) for a in ("left", "right")]
            sides = [max(sides[0], int(indent.get(f"{{{W}}}start", "0") or 0)),
                     max(sides[1], int(indent.get(f"{{{W}}}end", "0") or 0))]
            if min(sides) > 0 and style(p) in ("", "Normal", "BodyText", "TextBody"):
                pr = p.find(f"{{{W}}}pPr")
                node = pr.find(f"{{{W}}}pStyle")
                if node is None:
                    node = etree.Element(f"{{{W}}}pStyle")
                    pr.insert(0, node)
                node.set(f"{{{W}}}val", "ToolchainQuote")
                found["paragraphs indented on both sides imported as quotations"] += 1
        for br in p.iter(f"{{{W}}}br"):
            if br.get(f"{{{W}}}type") == "page":
                br.getparent().remove(br)
                if following is not None and not heading(following) and not heading(p):
                    scene_break(following)
        before = p.find(f"{{{W}}}pPr/{{{W}}}pageBreakBefore")
        if before is not None and not heading(p) and k > 0:
            scene_break(p)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), found


def read_docx(path: Path, changes: str | None = None) -> tuple[Imported, dict]:
    """The document as chapters of Markdown, and its properties (title, author, language)."""
    import io

    import mammoth

    try:
        archive = zipfile.ZipFile(path)
        document = archive.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise BuildError(Problem(path, 0, 0, "W100", f"not a Word document ({exc})",
                                 "save it from Word as .docx (Word 2007 or later)")) from None
    imported = Imported()
    changed = tracked_changes(archive)
    if changed and changes is None:
        raise BuildError([Problem(path, 0, 0, "W101", f"tracked change still in the document: "
                                  f"{c}", "accept or reject them in Word, or import with "
                                  "--accept-changes or --reject-changes") for c in changed])
    if changed:
        imported.report.append(f"{len(changed)} tracked changes {changes}ed")
    source = io.BytesIO()
    if changes == "reject":
        document = rejecting(document)
    document, found = layout(document)
    imported.report += [f"{count} {what}" for what, count in found.items() if count]
    with zipfile.ZipFile(source, "w") as copy:
        for item in archive.infolist():
            data = archive.read(item)
            if item.filename == "word/document.xml":
                data = document
            copy.writestr(item.filename, data, zipfile.ZIP_DEFLATED)  # (not `item`: writestr
            # moves the info's offset, and `archive` would then misread that member)
    imported.report += comments(archive)

    def image(picture):
        with picture.open() as stream:
            data = stream.read()
        name = f"image-{len(imported.images) + 1}.{picture.content_type.split('/')[-1]}"
        name = name.replace("jpeg", "jpg")
        imported.images[name] = data
        return {"src": f"../images/{name}", "alt": picture.alt_text or ""}

    source.seek(0)
    result = mammoth.convert_to_html(source, style_map=STYLE_MAP,
                                     convert_image=mammoth.images.img_element(image))
    for message in sorted({m.message for m in result.messages}):
        if not re.search(r"style: (Body Text|Normal|Table (Heading|Contents)|Footnote|Endnote)"
                         r"|ToolchainQuote", message):
            imported.report.append(f"{message}: its text is kept as ordinary paragraphs")
    html = etree.fromstring(f"<body>{result.value}</body>", etree.HTMLParser()).find(".//body")
    props = properties(archive)
    imported.chapters = Writer(imported, props.get("title", path.stem)).chapters(html)
    return imported, props


def properties(archive: zipfile.ZipFile) -> dict:
    if "docProps/core.xml" not in archive.namelist():
        return {}
    root = etree.fromstring(archive.read("docProps/core.xml"))
    found = {}
    for key, tag in (("title", "{http://purl.org/dc/elements/1.1/}title"),
                     ("author", "{http://purl.org/dc/elements/1.1/}creator"),
                     ("language", "{http://purl.org/dc/elements/1.1/}language")):
        node = root.find(tag)
        if node is not None and (node.text or "").strip():
            found[key] = node.text.strip()
    return found


class Writer:
    """mammoth's HTML to our Markdown: one method per element, as the XHTML writer has."""

    def __init__(self, imported: Imported, document_title: str):
        self.imported = imported
        self.document_title = document_title
        self.notes: dict[str, str] = {}  # mammoth's note id -> its Markdown text

    def chapters(self, body) -> list:
        for item in body.xpath("./ol/li[starts-with(@id, 'footnote-') or "
                               "starts-with(@id, 'endnote-')]"):
            for back in item.xpath(".//a[starts-with(@href, '#footnote-ref') or "
                                   "starts-with(@href, '#endnote-ref')]"):
                back.getparent().remove(back)
            self.notes[item.get("id")] = "\n\n    ".join(self.block(p).strip() for p in item)
            item.getparent().remove(item)
        out, title, lines, calls, stanzas = [], None, [], [], []
        for node in body:
            if node.tag == "ol" and not len(node):
                continue
            self.calls = calls
            if node.tag == "p" and node.find(".//br") is not None:  # lines broken by hand: verse
                stanzas.append(self.inline(node))
                continue
            if stanzas:
                lines.append(poem(stanzas))
                stanzas = []
            if node.tag == "h1":
                if title is not None or any(line.strip() for line in lines):
                    out.append(self.chapter(title, lines, calls))
                title, lines, calls = self.inline(node).strip(), [], []
                continue
            lines.append(self.block(node))
        if stanzas:
            lines.append(poem(stanzas))
        out.append(self.chapter(title, lines, calls))
        return out

    def chapter(self, title, lines, calls) -> tuple[str, str]:
        if title is None:  # text before the first Heading 1: titled by the document itself
            title = self.document_title
            self.imported.report.append(f"text before the first Heading 1 is a chapter titled "
                                        f"“{title}”, the document's title: retitle it")
        text = f"# {title}\n\n" + "\n\n".join(line for line in lines if line.strip()) + "\n"
        for number, note in enumerate(calls, 1):  # notes numbered afresh in each chapter
            text = text.replace(f"[^{note}]", f"[^{number}]")
            text += f"\n[^{number}]: {self.notes.get(note, '')}\n"
        return title, text

    def block(self, node, depth: int = 0) -> str:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("h2", "h3", "h4", "h5", "h6"):
            return "#" * min(int(tag[1]), 3) + " " + self.inline(node).strip()
        if tag == "blockquote":
            inner = "\n\n".join(self.block(child) for child in node)
            return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
        if tag in ("ul", "ol"):
            return self.list_block(node, depth)
        if tag == "hr":
            return "* * *"
        if tag == "table":
            return self.table(node)
        text = self.inline(node).strip()
        if re.fullmatch(r"(\*\s*){3}|#", re.sub(r"\\", "", text)):
            return "* * *"  # a scene break as the author typed it
        return text

    def list_block(self, node, depth: int) -> str:
        out = []
        for k, item in enumerate(node.findall("li"), 1):
            mark = f"{k}." if node.tag == "ol" else "-"
            nested = [child for child in item if child.tag in ("ul", "ol")]
            for child in nested:
                item.remove(child)
            out.append("  " * depth + f"{mark} {self.inline(item).strip()}")
            out += [self.list_block(child, depth + 1) for child in nested]
        return "\n".join(out)

    def table(self, node) -> str:
        rows = []
        for tr in node.iter("tr"):
            cells = []
            for cell in tr:
                if cell.get("colspan") or cell.get("rowspan"):
                    self.imported.report.append("a table cell spanning several: its text is "
                                                "kept in its first cell")
                cells.append(" ".join(self.inline(p).strip() for p in cell)
                             or self.inline(cell).strip())
            rows.append(cells)
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows[1:]])

    def inline(self, node) -> str:
        out = [escape(node.text or "")]
        for child in node:
            out.append(self.element(child))
            out.append(escape(child.tail or ""))
        return "".join(out)

    def element(self, node) -> str:
        tag = node.tag if isinstance(node.tag, str) else ""
        inner = self.inline(node)
        if tag == "sup":
            link = node.find("a")
            if link is not None and re.match(r"#(foot|end)note-\d", link.get("href", "")):
                note = link.get("href")[1:]
                self.calls.append(note)
                return f"[^{note}]"
            return f"[{inner}]{{.sup}}" if inner.strip() else inner  # 1er, Mme, 2nd
        if tag == "em":
            return f"*{inner}*" if inner.strip() else inner
        if tag == "strong":
            return f"**{inner}**" if inner.strip() else inner
        if tag == "span" and "smallcaps" in (node.get("class") or ""):
            return f"[{inner}]{{.smallcaps}}"
        if tag == "br":
            return LINE_BREAK
        if tag == "img":
            return f"\n\n![{node.get('alt') or ''}]({node.get('src')})\n\n"
        if tag == "a" and node.get("href", "").startswith(("http://", "https://", "mailto:")):
            return f"[{inner}]({node.get('href')})"
        return inner


LINE_BREAK = "\x00"


def poem(stanzas: list[str]) -> str:
    """Paragraphs of lines broken by hand (Shift+Enter in Word), as one poem of stanzas."""
    body = "\n\n".join("\n".join(line.strip() for line in stanza.split(LINE_BREAK)
                                  if line.strip()) for stanza in stanzas)
    return f"::: poem\n{body}\n:::"


def escape(text: str) -> str:
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def slug_of(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "book"


def write_manuscript(path: Path, target: Path, changes: str | None = None) -> list[str]:
    """Import `path` into the new folder `target`; returns the report's lines."""
    path, target = Path(path), Path(target)
    if target.exists() and any(target.iterdir()):
        raise BuildError(Problem(target, 0, 0, "W102", "the target folder is not empty",
                                 "import into a new folder"))
    imported, props = read_docx(path, changes)
    title = props.get("title") or (imported.chapters[0][0] if imported.chapters else path.stem)
    slug = slug_of(title)
    (target / "chapters").mkdir(parents=True)
    names = []
    for k, (chapter_title, text) in enumerate(imported.chapters, 1):
        name = f"chapters/{k:02d}-{slug_of(chapter_title)}.md"
        (target / name).write_text(text, encoding="utf-8")
        names.append(name)
    if imported.images:
        (target / "images").mkdir()
    for name, data in imported.images.items():
        (target / "images" / name).write_bytes(data)
    language = props.get("language") or "en"
    if "language" not in props:
        imported.report.append("the document names no language: book.toml says en; correct it")
    author = props.get("author") or "Unknown"
    toml = (f"# Imported from {path.name} by `python -m toolchain import`.\n\n"
            f"title = {quote(title)}\nauthor = {quote(author)}\nlanguage = {quote(language)}\n"
            f"identifier = \"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, slug)}\"\n"
            f"slug = {quote(slug)}\nchapters = [{', '.join(quote(n) for n in names)}]\n")
    (target / "book.toml").write_text(toml, encoding="utf-8")
    report = [f"imported {path.name}: {len(names)} chapter{'s' * (len(names) != 1)}, "
              f"{sum(t.count('[^') for _, t in imported.chapters) // 2} notes, "
              f"{len(imported.images)} images", *sorted(set(imported.report))]
    (target / "import-report.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    return report


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
