"""The one way the toolchain parses XML: no entity expansion, no DTD, no network, no XInclude.

Everything it reads back — its own XHTML, the OPF, SVG images, a built EPUB — goes through
`parse`, so that a billion-laughs document or `<!ENTITY x SYSTEM "file:///etc/passwd">`
is refused instead of expanded.
"""

from __future__ import annotations

from lxml import etree

XINCLUDE = "http://www.w3.org/2001/XInclude"


class UnsafeXml(ValueError):
    """A document declares entities or refers to outside content."""


def parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=False)


def parse(data: bytes):
    """The root element of `data`; raises etree.XMLSyntaxError or UnsafeXml."""
    root = etree.fromstring(data, parser())
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and (list(dtd.entities()) or list(dtd.elements())):
        raise UnsafeXml("the document declares a DTD with entities or elements")
    for node in root.iter(etree.Entity):
        raise UnsafeXml(f"the document refers to the entity {node.text}")
    if next(root.iter(f"{{{XINCLUDE}}}*"), None) is not None:
        raise UnsafeXml("the document asks to include another (XInclude)")
    return root
