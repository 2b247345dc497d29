"""Turn Standard Ebooks XHTML chapters into manuscript Markdown, as the sample titles were made.

Run once per book; the Markdown it writes is then the manuscript, kept and edited by hand like
any other. What it maps (Standard Ebooks' semantics -> the manuscript format):
  z3998:poem, z3998:verse (a <span> a line, class i1… an indent) -> ::: poem / ::: verse
  z3998:letter with salutation, valediction, signature -> ::: letter and paragraph roles
  <q> -> curly quotation marks, as a browser shows it; <i xml:lang> -> *x*{lang=…}
  se:name.publication.* -> *x*{.title}; <b> -> **x**; <hr/> -> * * *
  U+2060 WORD JOINER before a dash is dropped: the XHTML writer puts it back before every em dash.
An element it does not know stops it, so that nothing is dropped.

    python examples/from_standard_ebooks.py SOURCE.xhtml OUT.md [--kind epigraph]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from lxml import etree

NS = {"h": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
H = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ROLES = {"z3998:salutation": "salutation", "z3998:valediction": "valediction",
         "z3998:signature": "signature", "z3998:dateline": "dateline"}


def escape(text: str) -> str:
    text = text.replace("\u2060", "")
    return re.sub(r"([\\*_\[\]<>`{}|])", r"\\\1", text)


def inline(node, depth: int = 0) -> str:
    """The Markdown of an element's content."""
    out = escape(node.text or "")
    for child in node:
        tag = etree.QName(child).localname
        types = (child.get(EPUB_TYPE) or "").split()
        inner = inline(child, depth + (tag == "q"))
        if tag == "q":
            inner = ("“" + inner + "”") if depth % 2 == 0 else ("‘" + inner + "’")
        elif tag == "em":
            inner = f"*{inner}*"
        elif tag == "b" or tag == "strong":
            inner = f"**{inner}**"
        elif tag == "i":
            if child.get(LANG):
                inner = f"*{inner}*{{lang={child.get(LANG)}}}"
            elif any(t.startswith("se:name.") for t in types):
                inner = f"*{inner}*{{.title}}"
            else:
                inner = f"*{inner}*"
        elif tag == "span" and any(t in ROLES for t in types):
            inner = f"[{inner}]{{.{ROLES[next(t for t in types if t in ROLES)]}}}"
        elif tag == "img":
            inner = escape(child.get("alt", ""))
        elif tag not in ("abbr", "time", "span"):
            raise SystemExit(f"{child.sourceline}: unknown element <{tag}>")
        out += inner + escape(child.tail or "")
    return out


def para(p) -> str:
    text = " ".join(inline(p).split())
    return re.sub(r"^(\d+)\. ", r"\1\\. ", text)  # not an ordered list


def is_verse(p) -> bool:
    """A paragraph of verse: its lines are <span>s separated by <br/>."""
    return etree.QName(p).localname == "p" and p.find(f"{H}br") is not None


def verse(paragraphs: list, kind: str) -> list[str]:
    lines = [f"::: {kind}"]
    for p in paragraphs:
        if lines[-1] != f"::: {kind}":
            lines.append("")
        for span in p.findall(f"{H}span"):
            level = int((span.get("class") or "i0")[1:] or 0)
            lines.append("  " * level + " ".join(inline(span).split()))
    return lines + [":::"]


def blocks(parent, level: int) -> list[str]:
    out: list[str] = []
    children = list(parent)
    k = 0
    while k < len(children):
        node = children[k]
        tag = etree.QName(node).localname
        types = (node.get(EPUB_TYPE) or "").split()
        k += 1
        if is_verse(node):
            run = [node]
            while k < len(children) and is_verse(children[k]):
                run.append(children[k])
                k += 1
            out += verse(run, "poem") + [""]
        elif tag in ("h2", "h3", "h4"):
            out += [f"{'#' * level} {inline(node)}", ""]
        elif tag in ("section", "article"):
            titled = node.find(f"{H}h2") is not None or node.find(f"{H}h3") is not None
            out += blocks(node, level + (1 if titled else 0))
        elif tag == "p" and node.find(f"{H}span/{H}img") is not None:
            out += [f"[{para(node)}]{{.signature}}", ""]  # a signature drawn as an image
        elif tag == "p":
            out += [para(node), ""]
        elif tag == "blockquote" and "z3998:letter" in types:
            out += ["::: letter"]
            for p in node.iter(f"{H}p"):
                role = [ROLES[t] for t in (p.get(EPUB_TYPE) or "").split() if t in ROLES]
                out += [f"[{para(p)}]{{.{role[0]}}}" if role else para(p), ""]
            out[-1:] = [":::", ""]
        elif tag == "blockquote" and "z3998:poem" in types:
            out += blocks(node, level)
        elif tag == "blockquote":
            for n, p in enumerate(node.findall(f"{H}p")):
                out += ([">"] if n else []) + [f"> {para(p)}"]
            out += [""]
        elif tag == "hr":
            out += ["* * *", ""]
        else:
            raise SystemExit(f"{node.sourceline}: unknown block <{tag}>")
    return out


def convert(source: Path, kind: str | None) -> str:
    root = etree.parse(str(source)).getroot()
    body = root.find(f"{H}body")
    lines = blocks(body, 0)
    if kind:  # a division without a printed title: the kind names it
        lines = [f"# {kind.capitalize()} {{.{kind}}}", ""] + lines
    else:
        lines[0] = lines[0].lstrip("#").join(["#", ""]) if lines[0].startswith("#") else lines[0]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text


if __name__ == "__main__":
    args = sys.argv[1:]
    kind = args[args.index("--kind") + 1] if "--kind" in args else None
    Path(args[1]).write_text(convert(Path(args[0]), kind), encoding="utf-8")
