"""The print buyer's preflight: the interior and the cover wrap measured against the printer
profile they were made for — sizes, boxes, page count, fonts, black ink, image resolution,
spine width, the barcode read back. Each row is (what, found, verdict); a verdict of "fail"
is also returned as a Problem."""

from __future__ import annotations

from pathlib import Path

import pikepdf

from ..errors import Problem
from ..write import press
from ..write.barcode import isbn13
from . import pdfcheck

MM = press.MM
COLOUR_OPS = {"rg", "RG", "k", "K", "sc", "SC", "scn", "SCN"}


def preflight(out: Path, report: dict) -> tuple[list[Problem], list]:
    slug, info = report["slug"], report.get("press", {})
    profile = press.PROFILES.get(info.get("profile", ""))
    if profile is not None and info.get("pdf_x") in press.STANDARDS:
        from dataclasses import replace

        profile = replace(profile, standard=info["pdf_x"])
    interior, cover = out / f"{slug}-print.pdf", out / f"{slug}-cover.pdf"
    rows: list[tuple[str, str, str]] = []
    if profile is None:
        return [Problem(report.get("slug", "?"), 0, 0, "P050", "the build report names no "
                        "printer profile", "rebuild")], rows
    rows.append(("printer profile", f"{info['profile']}: {profile.name}", "ok"))
    with pikepdf.open(interior) as pdf:
        trims = {tuple(round(float(v) / MM, 1) for v in page.obj.TrimBox)
                 for page in pdf.pages if "/TrimBox" in page.obj}
        boxed = sum(1 for page in pdf.pages if {"/TrimBox", "/BleedBox"} <= set(page.obj.keys()))
        bleeds = {round((float(page.obj.TrimBox[0]) - float(page.obj.BleedBox[0])) / MM, 2)
                  for page in pdf.pages if "/BleedBox" in page.obj}
        pages = len(pdf.pages)
        colours = sum(1 for page in pdf.pages for operands, op in pikepdf.parse_content_stream(page)
                      if str(op) in COLOUR_OPS)
        links = sum(len(page.obj.get("/Annots", [])) for page in pdf.pages)
        outline = "/Outlines" in pdf.Root
    trim = next(iter(trims)) if len(trims) == 1 else None
    size = f"{trim[2] - trim[0]:.1f} × {trim[3] - trim[1]:.1f} mm" if trim else f"{len(trims)} sizes"
    rows.append(("interior trim size", size, "ok" if trim else "fail"))
    rows.append(("interior bleed", " / ".join(f"{b:g} mm" for b in sorted(bleeds)),
                 "ok" if bleeds == {round(profile.bleed_mm, 2)} else "fail"))
    rows.append(("trim and bleed boxes", f"{boxed} of {pages} pages",
                 "ok" if boxed == pages else "fail"))
    rows.append(("page count", f"{pages} ({info.get('blank_pages_added', 0)} blank added; "
                 f"multiple of {profile.page_multiple})",
                 "ok" if pages % profile.page_multiple == 0 else "fail"))
    fonts = pdfcheck.fonts(interior)
    rows.append(("fonts embedded", f"{sum(fonts.values())} of {len(fonts)}",
                 "ok" if all(fonts.values()) else "fail"))
    rows.append(("text and rules in black ink only", "yes" if not colours else
                 f"{colours} colour operators", "ok" if not colours else "warning"))
    placed = pdfcheck.placed_images(interior)
    dpi = min((px[0] / (width / 72) for _, px, width, _ in placed if width > 0), default=None)
    rows.append(("image resolution at printed size", "no images" if dpi is None else
                 f"lowest {dpi:.0f} dpi", "ok" if dpi is None or dpi >= pdfcheck.PRINT_DPI
                 else "warning"))
    rows.append(("links and outline", f"{links} links, {'an' if outline else 'no'} outline",
                 "ok" if not links and not outline else "fail"))
    rows += standard_rows(interior, profile, "")
    rows += cover_rows(cover, trim, pages, profile, info.get("cover", {}))
    problems = [Problem(interior if "cover" not in what else cover, 0, 0, "P051",
                        f"preflight: {what}: {found}") for what, found, verdict in rows
                if verdict == "fail"]
    return problems, rows


def cover_rows(cover: Path, trim, pages: int, profile, made: dict) -> list:
    if not cover.is_file():
        return [("cover wrap", "missing", "fail")]
    with pikepdf.open(cover) as pdf:
        page = pdf.pages[0]
        box = [float(v) / MM for v in page.obj.TrimBox]
        bleed = (float(page.obj.TrimBox[0]) - float(page.obj.BleedBox[0])) / MM
    sheet_w, sheet_h = box[2] - box[0], box[3] - box[1]
    rows = [("cover sheet (trim)", f"{sheet_w:.1f} × {sheet_h:.1f} mm, bleed {bleed:.2f} mm",
             "ok" if abs(bleed - profile.bleed_mm) < 0.05 else "fail")]
    if trim:
        spine = sheet_w - 2 * (trim[2] - trim[0])
        expected = pages * profile.paper_mm
        rows.append(("cover spine width", f"{spine:.2f} mm for {pages} pages (expected "
                     f"{expected:.2f})", "ok" if abs(spine - expected) < 0.1 else "fail"))
    isbn = made.get("isbn")
    read = read_barcode(cover)
    if isbn:
        want = isbn13(isbn) + (made.get("price") or "")
        rows.append(("cover barcode", f"reads {read or 'nothing'}",
                     "ok" if read == want else "fail"))
    else:
        rows.append(("cover barcode", "none: no print ISBN in book.toml", "warning"))
    if profile.standard == "PDF/X-4":
        rows.append(("cover colour", "RGB, tagged sRGB", "warning" if profile.cmyk else "ok"))
    return rows + standard_rows(cover, profile, "cover ")


def standard_rows(path: Path, profile, prefix: str) -> list:
    """The rows of the profile's PDF/X standard: X-4's identification and output intent, or
    each property X-1a:2001 asks, measured on the file."""
    if profile.standard == "PDF/X-4":
        found = pdf_x(path, profile)
        return [(f"{prefix}PDF/X-4 and output intent", found,
                 "ok" if found.startswith("PDF/X-4") else "fail")]
    found = x1a_facts(path)
    ink_ok = found["ink"] <= profile.ink_limit + 0.5
    return [
        (f"{prefix}PDF/X-1a:2001 identification", found["identification"] or
         f"PDF/X-1a:2001, {found['condition']} (CMYK ICC embedded), Trapped set",
         "fail" if found["identification"] else "ok"),
        (f"{prefix}PDF 1.3 structure", found["structure"] or "PDF 1.3, no object streams, "
         "fonts as bare CFF or TrueType", "fail" if found["structure"] else "ok"),
        (f"{prefix}colour: CMYK and grey only", found["colour"] or "yes",
         "fail" if found["colour"] else "ok"),
        (f"{prefix}no transparency", found["transparency"] or "none",
         "fail" if found["transparency"] else "ok"),
        (f"{prefix}total ink", f"at most {found['ink']:.0f} % (limit {profile.ink_limit} %)",
         "ok" if ink_ok else "fail"),
    ]


def x1a_facts(path: Path) -> dict:
    """What a PDF/X-1a:2001 check looks at, each the first thing wrong found (or "")."""
    from PIL import ImageMath

    data = path.read_bytes()
    facts = {"identification": "", "structure": "", "colour": "", "transparency": "",
             "ink": 0.0, "condition": ""}
    with pikepdf.open(path) as pdf:
        info = pdf.trailer.get("/Info", {})
        intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFX"]
        icc = intents[0].get("/DestOutputProfile") if len(intents) == 1 else None
        facts["condition"] = str(intents[0].get("/OutputConditionIdentifier")) if intents else ""
        for wrong, what in (
                (str(info.get("/GTS_PDFXVersion", "")) != "PDF/X-1:2001", "no GTS_PDFXVersion "
                 "PDF/X-1:2001"),
                (str(info.get("/GTS_PDFXConformance", "")) != "PDF/X-1a:2001",
                 "no GTS_PDFXConformance PDF/X-1a:2001"),
                (icc is None or icc.read_bytes()[12:20] != b"prtrCMYK", "no CMYK output intent"),
                (str(info.get("/Trapped", "")) not in ("/True", "/False"), "Trapped not set"),
                (not all(info.get(k) for k in ("/Title", "/CreationDate", "/ModDate")),
                 "Title, CreationDate or ModDate missing")):
            if wrong:
                facts["identification"] = what
                break
        fonts = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary)
                 and o.get("/Type") == "/FontDescriptor"]
        for wrong, what in ((not data.startswith(b"%PDF-1.3"), f"header {data[:8].decode()}"),
                            (b"/ObjStm" in data or b"/XRef" in data, "object or xref streams"),
                            (any(f.get("/FontFile3", {}).get("/Subtype") == "/OpenType"
                                 for f in fonts), "a font embedded as OpenType (PDF 1.6)"),
                            ("/Metadata" in pdf.Root or "/StructTreeRoot" in pdf.Root,
                             "XMP or a structure tree (PDF 1.4)")):
            if wrong:
                facts["structure"] = what
                break
        for number, page in enumerate(pdf.pages, 1):
            if "/Group" in page.obj:
                facts["transparency"] = facts["transparency"] or f"page {number}: a group"
            for operands, op in pikepdf.parse_content_stream(page):
                name = str(op)
                if name in ("rg", "RG", "sc", "SC", "scn", "SCN", "cs", "CS", "sh"):
                    facts["colour"] = facts["colour"] or f"page {number}: {name} operator"
                elif name in ("k", "K"):
                    facts["ink"] = max(facts["ink"], sum(float(v) for v in operands) * 100)
            resources = page.obj.get("/Resources", {})
            for state in resources.get("/ExtGState", {}).values():
                if any(float(state.get(k, 1)) != 1 for k in ("/ca", "/CA")) or \
                        state.get("/SMask", pikepdf.Name.None_) != pikepdf.Name.None_:
                    facts["transparency"] = facts["transparency"] or f"page {number}: opacity"
            for xobject in resources.get("/XObject", {}).values():
                images = [xobject] if xobject.get("/Subtype") == "/Image" else [
                    x for x in xobject.get("/Resources", {}).get("/XObject", {}).values()
                    if x.get("/Subtype") == "/Image"]
                for image in images:
                    space = str(image.get("/ColorSpace", ""))
                    if space not in ("/DeviceCMYK", "/DeviceGray"):
                        facts["colour"] = facts["colour"] or f"page {number}: an image in {space}"
                    if "/SMask" in image or "/Mask" in image:
                        facts["transparency"] = (facts["transparency"] or
                                                 f"page {number}: an image's mask")
                    if space == "/DeviceCMYK":
                        c, m, y, k = (ch.convert("F") for ch in
                                      pikepdf.PdfImage(image).as_pil_image().split())
                        total = ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"] + a["k"],
                                                      c=c, m=m, y=y, k=k)
                        facts["ink"] = max(facts["ink"], total.getextrema()[1] * 100 / 255)
    return facts


def pdf_x(path: Path, profile) -> str:
    """What a press file says it is and prints for: its PDF/X identification (XMP), its output
    intent (the profile's printing condition, with a CMYK output ICC profile embedded), the
    Trapped key, and RGB tagged as sRGB on every page; the first thing missing, if any."""
    with pikepdf.open(path) as pdf:
        with pdf.open_metadata() as meta:
            version = meta.get("pdfxid:GTS_PDFXVersion")
        intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFX"]
        icc = intents[0].get("/DestOutputProfile") if len(intents) == 1 else None
        header = icc.read_bytes()[:20] if icc is not None else b""
        tagged = all("/DefaultRGB" in page.obj.get("/Resources", {}).get("/ColorSpace", {})
                     for page in pdf.pages)
        trapped = str(pdf.trailer.get("/Info", {}).get("/Trapped", ""))
        condition = str(intents[0].get("/OutputConditionIdentifier")) if intents else ""
    for missing, what in ((version != "PDF/X-4", "no PDF/X-4 identification in XMP"),
                          (len(intents) != 1, "not one PDF/X output intent"),
                          (header[12:20] != b"prtrCMYK", "no CMYK output ICC profile"),
                          (condition != profile.condition, f"output intent {condition}, "
                           f"profile asks {profile.condition}"),
                          (trapped not in ("/True", "/False"), "Trapped not set"),
                          (not tagged, "RGB not tagged sRGB on every page")):
        if missing:
            return what
    return f"PDF/X-4, {condition} (CMYK ICC embedded), RGB tagged sRGB"


def read_barcode(cover: Path) -> str | None:
    """The cover's barcode as a scanner reads it (zxing-cpp), add-on included, at 300 dpi."""
    import pypdfium2
    import zxingcpp

    doc = pypdfium2.PdfDocument(cover)
    try:
        image = doc[0].render(scale=300 / 72).to_pil().convert("L")
    finally:
        doc.close()
    for mode in (zxingcpp.EanAddOnSymbol.Require, zxingcpp.EanAddOnSymbol.Ignore):
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.EAN13,
                                       ean_add_on_symbol=mode)
        if found:
            return found[0].text
    return None


def table(rows: list) -> str:
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"  {what:<{width}}  {verdict:<7}  {found}" for what, found, verdict in rows)
