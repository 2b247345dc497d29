"""The printer's files, made from the screen edition's pages (pikepdf), not from a second
layout: the same pages, with the printer's bleed, a trim box and crop marks outside the
bleed; black text and rules in black ink only; blank pages added to the binding's multiple;
without the links and outline that belong to the screen. Printer profiles say what each
printer asks for (README: printer profiles, with their sources)."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from .pdf.join import copy_over

MM = 72 / 25.4
INCH_MM = 25.4
SLUG_MM = 10  # beyond the bleed, where the crop marks are drawn
MARK_GAP_MM = 0.5  # between the bleed and a mark, so that no mark reaches into the bleed


@dataclass(frozen=True)
class Profile:
    name: str
    paper_mm: float  # thickness per page (half a leaf): the spine is pages × this
    bleed_mm: float
    page_multiple: int  # the page count is made a multiple of this with blank pages
    spine_text_pages: int  # fewer pages and the spine stays blank (too narrow to print on)
    cmyk: bool  # the printer converts colour itself, or asks for CMYK: RGB is then a warning
    condition: str = "FOGRA29"  # the printing condition (output intent): coated or uncoated
    standard: str = "PDF/X-4"  # or "PDF/X-1a:2001": everything CMYK, nothing transparent
    ink_limit: int = 300  # total area coverage, per cent, when colour is made CMYK (X-1a)


PROFILES = {
    "kdp-white": Profile("Amazon KDP paperback, black ink on white paper",
                         0.002252 * INCH_MM, 0.125 * INCH_MM, 2, 79, False),
    "kdp-cream": Profile("Amazon KDP paperback, black ink on cream paper",
                         0.0025 * INCH_MM, 0.125 * INCH_MM, 2, 79, False),
    "ingramspark-creme": Profile("IngramSpark paperback, black ink on 50 lb creme paper",
                                 0.0025 * INCH_MM, 0.125 * INCH_MM, 2, 48, True,
                                 standard="PDF/X-1a:2001", ink_limit=240),
    "offset": Profile("a general offset printer: 80 g/m² bookwove, 16-page sections",
                      0.055, 3.0, 16, 48, True, "FOGRA39", ink_limit=330),
}
STANDARDS = ("PDF/X-4", "PDF/X-1a:2001")


def profile_for(name: str, meta: dict) -> Profile:
    """The named profile, with the PDF/X standard and ink limit book.toml's [print] asks for
    (an offset printer that wants X-1a), if it asks."""
    from dataclasses import replace

    asked = meta.get("print", {})
    profile = PROFILES[name]
    return replace(profile, standard=asked.get("standard", profile.standard),
                   ink_limit=asked.get("ink_limit", profile.ink_limit))
DEFAULT_PROFILE = "offset"


CONDITIONS = {  # the ICC registry's names for the printing conditions, and our profiles
    "FOGRA39": ("Offset printing on coated paper, ISO 12647-2:2004/Amd 1 (FOGRA39)",
                "FOGRA39L.icc"),
    "FOGRA29": ("Offset printing on uncoated paper, ISO 12647-2:2004/Amd 1 (FOGRA29)",
                "FOGRA29L.icc"),
}
XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
<dc:format>application/pdf</dc:format>
<xmp:CreateDate>{date}</xmp:CreateDate><xmp:ModifyDate>{date}</xmp:ModifyDate>
<xmp:MetadataDate>{date}</xmp:MetadataDate><xmp:CreatorTool>toolchain</xmp:CreatorTool>
<pdf:Producer>{producer}</pdf:Producer><pdf:Trapped>False</pdf:Trapped>
<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>
<xmpMM:DocumentID>uuid:{document}</xmpMM:DocumentID>
<xmpMM:InstanceID>uuid:{document}</xmpMM:InstanceID>
<xmpMM:VersionID>1</xmpMM:VersionID><xmpMM:RenditionClass>default</xmpMM:RenditionClass>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"""


def pdf_x4(pdf, profile: Profile, styles: Path, identity: str, title: str = "",
           date: str = "") -> None:
    """Mark a press file PDF/X-4: the printing condition it was made for, with its ICC
    profile (the output intent); XMP and Info identification; RGB tagged as sRGB
    (DefaultRGB) for the RIP to convert. Everything is derived from the file itself and
    `identity`, so the same sources give the same bytes; `title` and `date` (a PDF date)
    stand in where the file has none (the cover)."""
    import uuid
    from html import escape

    name, icc = profile.condition, styles / "icc" / CONDITIONS[profile.condition][1]
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX,
        OutputConditionIdentifier=name, RegistryName="http://www.color.org",
        OutputCondition=CONDITIONS[name][0], Info=CONDITIONS[name][0],
        DestOutputProfile=pdf.make_stream(icc.read_bytes(), N=4))
    pdf.Root.OutputIntents = pikepdf.Array([intent])
    srgb = pikepdf.Array([pikepdf.Name.ICCBased, pdf.make_stream(
        (styles / "icc" / "sRGB2014.icc").read_bytes(), N=3, Alternate=pikepdf.Name.DeviceRGB)])
    for page in pdf.pages:
        if "/Resources" not in page.obj:
            page.obj.Resources = pikepdf.Dictionary()
        resources = page.obj.Resources
        for holder in [resources, *(x.get("/Resources") for x in
                                    resources.get("/XObject", {}).values()
                                    if x.get("/Subtype") == "/Form")]:
            if holder is not None:
                if "/ColorSpace" not in holder:
                    holder.ColorSpace = pikepdf.Dictionary()
                holder.ColorSpace.DefaultRGB = srgb
    info = pdf.trailer.get("/Info") or pdf.make_indirect(pikepdf.Dictionary())
    pdf.trailer.Info = info
    info.GTS_PDFXVersion = "PDF/X-4"
    info.Trapped = pikepdf.Name("/False")
    stamp = str(info.get("/ModDate") or info.get("/CreationDate") or date or
                "D:20000101000000Z")
    date = pdf_date_iso(stamp)
    for key in ("/CreationDate", "/ModDate"):
        info[key] = info.get(key) or stamp
    title = str(info.get("/Title") or title or "Untitled")
    info.Title = title
    xmp = XMP.format(title=escape(title), date=date, document=uuid.uuid5(uuid.NAMESPACE_URL,
                                                                         identity),
                     producer=escape(str(info.get("/Producer", ""))))
    pdf.Root.Metadata = pdf.make_stream(xmp.encode("utf-8"), Type=pikepdf.Name.Metadata,
                                        Subtype=pikepdf.Name.XML)


def pdf_date_iso(stamp: str) -> str:
    """A PDF date (D:YYYYMMDDHHmmSS, with Z or +HH'mm') as XMP wants it, ISO 8601."""
    found = re.match(r"D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(Z|[+-]\d\d'?\d\d'?)?",
                     stamp)
    if not found:
        return "2000-01-01T00:00:00Z"
    y, mo, d, h, mi, s, zone = found.groups()
    zone = "Z" if not zone or zone == "Z" else f"{zone[:3]}:{zone.replace(chr(39), '')[3:5]}"
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}{zone}"


def pdf_x1a(pdf, profile: Profile, styles: Path, where: Path, title: str = "",
            date: str = "", on_white: bool = True) -> dict:
    """Make a press file PDF/X-1a:2001 (write/pdfx1a converts it): the output intent with its
    ICC profile, and the identification X-1a:2001 keeps in the Info dictionary (PDF 1.3 has
    no XMP). Saved by the caller as PDF 1.3 without object streams."""
    from . import pdfx1a

    icc = styles / "icc" / CONDITIONS[profile.condition][1]
    done = pdfx1a.make_x1a(pdf, pdfx1a.Converter(icc, profile.ink_limit), where, on_white)
    name = profile.condition
    pdf.Root.OutputIntents = pikepdf.Array([pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX,
        OutputConditionIdentifier=name, RegistryName="http://www.color.org",
        OutputCondition=CONDITIONS[name][0], Info=CONDITIONS[name][0],
        DestOutputProfile=pdf.make_stream(icc.read_bytes(), N=4))])
    info = pdf.trailer.get("/Info") or pdf.make_indirect(pikepdf.Dictionary())
    pdf.trailer.Info = info
    info.GTS_PDFXVersion = "PDF/X-1:2001"
    info.GTS_PDFXConformance = "PDF/X-1a:2001"
    info.Trapped = pikepdf.Name("/False")
    stamp = str(info.get("/ModDate") or info.get("/CreationDate") or date or
                "D:20000101000000Z")
    for key in ("/CreationDate", "/ModDate"):
        info[key] = info.get(key) or stamp
    info.Title = str(info.get("/Title") or title or "Untitled")
    return done


def save_press(pdf, target: Path, profile: Profile) -> None:
    if profile.standard == "PDF/X-1a:2001":  # PDF 1.3: no object or cross-reference streams
        pdf.save(target, deterministic_id=True, force_version="1.3",
                 object_stream_mode=pikepdf.ObjectStreamMode.disable, fix_metadata_version=False)
    else:
        pdf.save(target, deterministic_id=True, force_version="1.6")  # PDF/X-4 is PDF 1.6


def press_edition(screen: Path, target: Path, profile: Profile, styles: Path,
                  identity: str) -> dict:
    """The interior for the press from the screen PDF; returns what was done, for the report.

    Each page keeps its content and its coordinates: TrimBox is the page, BleedBox the
    profile's bleed beyond it, MediaBox a slug beyond that, where the crop marks are drawn in
    black only (DeviceGray 0, 0.25 pt). Whatever a page draws past its edge (a bleeding
    image) is inside the larger boxes and prints."""
    with pikepdf.open(screen) as source, pikepdf.new() as pdf:
        pages_alone(source, pdf)
        pages = len(pdf.pages)
        blanks = -pages % profile.page_multiple
        width, height = (float(v) for v in pdf.pages[-1].obj.MediaBox[2:])
        for _ in range(blanks):
            pdf.add_blank_page(page_size=(width, height))
        colours, seen = set(), set()
        for page in pdf.pages:
            colours |= black_as_k(pdf, page, seen)
            box = [float(v) for v in page.obj.MediaBox]
            frame(pdf, page, box, profile.bleed_mm)
        converted = {}
        if profile.standard == "PDF/X-1a:2001":
            converted = pdf_x1a(pdf, profile, styles, target)
            colours = set()  # made CMYK, within the ink limit
        else:
            pdf_x4(pdf, profile, styles, identity)
        save_press(pdf, target, profile)
    return {"pages": pages + blanks, "blank_pages_added": blanks,
            "colours_left": sorted(colours), "pdf_x": profile.standard, "output_intent":
            profile.condition, **({"converted": converted} if converted else {})}


def pages_alone(source, pdf) -> None:
    """The screen PDF's pages copied into `pdf` without what belongs to the screen: the
    links, the outline, the named destinations, the tags (PDF/UA's structure tree, which a
    RIP does not read); with the document's information, language and page labels. Copied,
    not deleted: the tags are most of a long book's objects (165,000 of 229,000 at 2,000
    pages), and qpdf reads every object of a file it saves, reachable or not: the screen
    PDF of 2,000 pages saved without its tags peaked at 375 MiB, its pages copied at 113."""
    for page in source.pages:
        if "/Annots" in page.obj:
            del page.obj["/Annots"]
    with warnings.catch_warnings():  # (the links' destinations are not wanted)
        warnings.filterwarnings("ignore", "Copying pages from another Pdf")
        pdf.pages.extend(source.pages)
    for page in pdf.pages:
        if "/StructParents" in page.obj:
            del page.obj["/StructParents"]
    if "/Info" in source.trailer:
        pdf.trailer.Info = copy_over(pdf, source, source.trailer.Info)
    for key in ("/Lang", "/PageLabels"):
        if key in source.Root:
            value = source.Root[key]
            pdf.Root[key] = copy_over(pdf, source, value) \
                if isinstance(value, pikepdf.Dictionary) else value


def cover_sheet(data: bytes, target: Path, profile: Profile, trim_width_mm: float,
                spine_mm: float, styles: Path, identity: str, title: str,
                date: str) -> tuple[float, float]:
    """The cover wrap as laid out (the sheet with its bleed) made a press file: trim and bleed
    boxes, crop marks, and fold marks at the spine's edges. Returns the sheet's size in mm."""
    import io

    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        width, height = (float(v) for v in page.obj.MediaBox[2:])
        bleed = profile.bleed_mm * MM
        side = (trim_width_mm + profile.bleed_mm) * MM
        frame(pdf, page, [bleed, bleed, width - bleed, height - bleed], profile.bleed_mm,
              folds=(side, side + spine_mm * MM))
        if profile.standard == "PDF/X-1a:2001":
            black_as_k(pdf, page, set())
            for key in ("/Annots", "/Metadata"):
                for holder in (page.obj, pdf.Root):
                    if key in holder:
                        del holder[key]
            pdf_x1a(pdf, profile, styles, target, title, date, on_white=False)
        else:
            pdf_x4(pdf, profile, styles, identity, title, date)
        save_press(pdf, target, profile)
    return width / MM, height / MM


def frame(pdf, page, trim: list[float], bleed_mm: float, folds: tuple[float, ...] = ()) -> None:
    """Boxes around the trim and crop marks in the slug; `folds` are x positions (the spine's
    edges on a cover) marked above and below the sheet."""
    x0, y0, x1, y1 = trim
    bleed, slug = bleed_mm * MM, (bleed_mm + SLUG_MM) * MM
    page.obj.TrimBox = pikepdf.Array([x0, y0, x1, y1])
    page.obj.BleedBox = pikepdf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
    page.obj.MediaBox = pikepdf.Array([x0 - slug, y0 - slug, x1 + slug, y1 + slug])
    if "/CropBox" in page.obj:
        del page.obj["/CropBox"]
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, b"Q\n" + crop_marks(trim, bleed_mm, folds)))


def crop_marks(trim: list[float], bleed_mm: float, folds: tuple[float, ...] = ()) -> bytes:
    """Eight lines on the trim's edges, from just outside the bleed to the slug's edge, and a
    short line above and below for each fold."""
    x0, y0, x1, y1 = trim
    start, end = (bleed_mm + MARK_GAP_MM) * MM, (bleed_mm + SLUG_MM - 1) * MM
    ops = ["q", "0 G", "0.25 w"]
    for x, y, sx, sy in ((x0, y0, -1, -1), (x1, y0, 1, -1), (x0, y1, -1, 1), (x1, y1, 1, 1)):
        ops.append(f"{x + sx * start:.2f} {y:.2f} m {x + sx * end:.2f} {y:.2f} l S")
        ops.append(f"{x:.2f} {y + sy * start:.2f} m {x:.2f} {y + sy * end:.2f} l S")
    for x in folds:
        ops.append(f"{x:.2f} {y0 - start:.2f} m {x:.2f} {y0 - end:.2f} l S")
        ops.append(f"{x:.2f} {y1 + start:.2f} m {x:.2f} {y1 + end:.2f} l S")
    ops.append("Q")
    return ("\n".join(ops) + "\n").encode()


GREY = re.compile(rb"(?<![\w.])(\d*\.?\d+) \1 \1\Z")  # before an `rg`/`RG` found
RGB = re.compile(rb"(?<![\w.])([\d.]+) ([\d.]+) ([\d.]+)\Z")
OPERATOR = re.compile(rb" (?:rg|RG)(?![\w])")  # a literal first: searched at C's speed


def grey_as_gray(data: bytes) -> tuple[bytes, set[str]]:
    """`0 0 0 rg` (and `RG`, any grey) as `0 g` (`G`); the other RGB colours, as found.

    Each operator is found first and its three operands read in the bytes before it: a
    pattern tried at each byte of a 400-page book's 20 MB of streams took 1.5 s, this 0.04."""
    out, left, last = [], set(), 0
    for found in OPERATOR.finditer(data):
        start = window = found.start()
        for _ in range(3):  # back to a space before the first operand, or the beginning
            window = max(0, data.rfind(b" ", 0, window))
        grey = GREY.search(data, window, start)
        if grey is not None:
            out += [data[last:grey.start()], grey[1],
                    b" g" if data[start + 1] == ord("r") else b" G"]
            last = found.end()
            continue
        rgb = RGB.search(data, window, start)
        if rgb is not None:
            left.add("rgb(" + ", ".join(v.decode() for v in rgb.groups()) + ")")
    if not out:
        return data, left
    out.append(data[last:])
    return b"".join(out), left


def black_as_k(pdf, page, seen: set) -> set[str]:
    """Grey and black set as RGB become DeviceGray, which prints in black ink only (on a
    four-colour press, RGB black would be printed in all four inks, and blur). Returns the
    colours that are not grey, left as they are for the preflight to name.

    The operators are rewritten in the stream's bytes: WeasyPrint writes text as hex strings,
    so no text can hold `0 0 0 rg`; parsing every stream into objects took 1.5 s a 400 pages.
    `seen`: the streams done already (WeasyPrint gives every page the same resources, and
    with them every form of the book)."""
    left: set[str] = set()
    streams = list(page.obj.get("/Contents", [])) if isinstance(
        page.obj.get("/Contents"), pikepdf.Array) else [page.obj.Contents]
    resources = page.obj.get("/Resources", {})
    streams += [x for x in resources.get("/XObject", {}).values()
                if x.get("/Subtype") == "/Form"]
    for stream in streams:
        if stream.objgen in seen:
            continue
        seen.add(stream.objgen)
        data = stream.read_bytes()
        grey, colours = grey_as_gray(data)
        left |= colours
        if grey != data:
            stream.write(grey)
    return left
