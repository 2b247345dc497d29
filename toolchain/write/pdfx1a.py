"""A press file as PDF/X-1a:2001, for printers whose automated check refuses anything else
(IngramSpark's File Creation Guide: no RGB, no ICC-tagged colour, no transparency, total ink
within 240 %): every colour converted into the output intent's CMYK through its ICC profile
(LittleCMS, by Pillow's ImageCms), black and grey left in black ink alone, images flattened
on the white page, the ink limited, and nothing PDF 1.3 does not have.

What cannot be converted without a second renderer — a gradient, a transparency that is not
fully opaque over something other than the page — is an error naming the page and what
carries it, never a file the printer's check refuses later."""

from __future__ import annotations

import io
import re
import zlib
from functools import cache
from pathlib import Path

import pikepdf
from PIL import Image, ImageCms, ImageMath

from ..errors import BuildError, Problem

RGB_OP = re.compile(rb"(?<![\w.])(\d*\.?\d+) (\d*\.?\d+) (\d*\.?\d+) (rg|RG)(?![\w])")
COLOUR_SPACE_OP = re.compile(rb"/([^\s/\[\]<>()]+)\s+(cs|CS)(?![\w])")
ONLY_PDF_14 = ("/Metadata", "/StructTreeRoot", "/MarkInfo", "/Lang", "/ViewerPreferences",
               "/OpenAction", "/Outlines", "/PageMode")


class Converter:
    """sRGB (and any ICC-tagged RGB) into the output intent's CMYK, ink limited."""

    def __init__(self, icc: Path, ink_limit: int):
        self.icc = icc.read_bytes()
        self.limit = ink_limit * 255 / 100
        self.colours: dict[tuple, tuple] = {}

    def image(self, rgb: Image.Image, source: bytes | None = None) -> Image.Image:
        """`source`: the image's own ICC profile, if it has one (else sRGB)."""
        converted = ImageCms.applyTransform(rgb, rgb_to_cmyk(self.icc, source))
        return limit_ink(converted, self.limit)

    def colour(self, r: float, g: float, b: float) -> tuple[float, ...]:
        key = (r, g, b)
        if key not in self.colours:
            pixel = Image.new("RGB", (1, 1), tuple(round(v * 255) for v in key))
            self.colours[key] = tuple(v / 255 for v in self.image(pixel).getpixel((0, 0)))
        return self.colours[key]


@cache
def rgb_to_cmyk(cmyk_bytes: bytes, source: bytes | None):
    """The colour transform, built once per pair of profiles."""
    srgb = ImageCms.ImageCmsProfile(io.BytesIO(source)) if source else \
        ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return ImageCms.buildTransform(srgb, ImageCms.ImageCmsProfile(io.BytesIO(cmyk_bytes)),
                                   "RGB", "CMYK",
                                   renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                   flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)


def limit_ink(image: Image.Image, limit: float) -> Image.Image:
    """CMYK with C+M+Y+K at most `limit` (255 = 100 %) per pixel: where a pixel is over, its
    C, M and Y are scaled down together (K, which carries the detail, is kept)."""
    c, m, y, k = (channel.convert("F") for channel in image.split())

    def scale(a):
        room = a["max"](a["k"] * -1 + limit, 0.0)
        return a["min"](room / a["max"](a["c"] + a["m"] + a["y"], 1.0), 1.0)

    factor = ImageMath.lambda_eval(scale, c=c, m=m, y=y, k=k)
    scaled = [ImageMath.lambda_eval(lambda a: a["x"] * a["s"], x=channel, s=factor).convert("L")
              for channel in (c, m, y)]
    return Image.merge("CMYK", [*scaled, k.convert("L")])


def forms_and_images(resources, seen: set):
    """Every XObject reachable from a resource dictionary, forms' own resources included."""
    for xobject in resources.get("/XObject", {}).values():
        if xobject.objgen in seen:
            continue
        seen.add(xobject.objgen)
        yield xobject
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
            yield from forms_and_images(xobject.Resources, seen)


def make_x1a(pdf, converter: Converter, where: Path, on_white: bool = True) -> dict:
    """Convert `pdf` in place; returns what was done. `on_white`: images lie on the white
    page (the interior), so an image's transparency can be flattened against white."""
    problems: list[Problem] = []
    done = {"images": 0, "colours": 0, "fonts": 0}
    seen: set = set()
    for number, page in enumerate(pdf.pages, 1):
        for key in ("/Group", "/StructParents", "/Tabs"):
            if key in page.obj:
                del page.obj[key]
        resources = page.obj.get("/Resources", pikepdf.Dictionary())
        holders = [(page.obj, resources)]
        for xobject in forms_and_images(resources, seen):
            if xobject.get("/Subtype") == "/Image":
                problem = convert_image(xobject, converter, on_white, where, number)
                problems += [problem] if problem else []
                done["images"] += problem is None
            else:
                holders.append((xobject, xobject.get("/Resources", pikepdf.Dictionary())))
                if "/Group" in xobject:
                    del xobject["/Group"]
        for owner, held in holders:
            problems += resource_problems(held, where, number)
            streams = [owner] if isinstance(owner, pikepdf.Stream) else (
                list(owner.Contents) if isinstance(owner.get("/Contents"), pikepdf.Array)
                else [owner.Contents])
            for stream in streams:
                if stream.objgen in seen:
                    continue
                seen.add(stream.objgen)
                data = stream.read_bytes()
                converted = convert_colours(data, converter)
                done["colours"] += converted != data
                if converted != data:
                    stream.write(converted)
                for name, _ in COLOUR_SPACE_OP.findall(converted):
                    if name.decode() not in ("DeviceGray", "DeviceCMYK", "Pattern"):
                        problems.append(Problem(where, 0, 0, "P053", f"page {number} paints in "
                                                f"the colour space {name.decode()}, which "
                                                "PDF/X-1a cannot carry"))
    done["fonts"] = bare_cff_fonts(pdf)
    for key in ONLY_PDF_14:
        if key in pdf.Root:
            del pdf.Root[key]
    if problems:
        raise BuildError(problems)
    return done


def resource_problems(resources, where: Path, number: int) -> list[Problem]:
    """Transparency and gradients: what X-1a forbids and this toolchain cannot flatten."""
    found = []
    for name, state in resources.get("/ExtGState", {}).items():
        for key in ("/ca", "/CA"):
            if key in state and float(state[key]) != 1:
                found.append(Problem(where, 0, 0, "P053", f"page {number} draws something "
                                     f"{float(state[key]):.0%} opaque ({name}); PDF/X-1a has no "
                                     "transparency", "make it opaque (opacity: 1) or use a "
                                     "PDF/X-4 printer profile"))
        if state.get("/SMask", pikepdf.Name.None_) != pikepdf.Name.None_:
            found.append(Problem(where, 0, 0, "P053", f"page {number} has a soft mask ({name})"
                                 "; PDF/X-1a has no transparency", "flatten it in the source"))
        if str(state.get("/BM", "/Normal")) not in ("/Normal", "/Compatible"):
            found.append(Problem(where, 0, 0, "P053", f"page {number} blends colours "
                                 f"({state.BM}); PDF/X-1a has no blend modes",
                                 "remove the blend mode (mix-blend-mode) from the style"))
    for kind in ("/Shading", "/Pattern"):
        if len(resources.get(kind, {})):
            found.append(Problem(where, 0, 0, "P053", f"page {number} has a gradient or "
                                 f"pattern ({kind[1:]}), which this toolchain cannot convert "
                                 "to CMYK", "use a solid colour, or a PDF/X-4 printer profile"))
    colour_spaces = resources.get("/ColorSpace", {})
    for name in list(colour_spaces.keys()):
        del colour_spaces[name]  # DefaultRGB, Lab: nothing is painted in them once converted
    return found


def convert_colours(data: bytes, converter: Converter) -> bytes:
    def cmyk(found):
        values = converter.colour(*(float(v) for v in found.groups()[:3]))
        op = b" k" if found[4] == b"rg" else b" K"
        return b" ".join(f"{v:.4f}".rstrip("0").rstrip(".").encode() or b"0"
                         for v in values) + op
    return RGB_OP.sub(cmyk, data)


def convert_image(image, converter: Converter, on_white: bool, where: Path,
                  number: int) -> Problem | None:
    """One image XObject in DeviceCMYK (colour) or DeviceGray (grey), opaque, 8 bits a
    component, Flate-compressed: alpha flattened on white, ICC-tagged colour converted
    through its own profile."""
    pdf_image = pikepdf.PdfImage(image)
    source = None
    space = image.get("/ColorSpace")
    if isinstance(space, pikepdf.Array) and space[0] == "/ICCBased":
        source = space[1].read_bytes()
    picture = pdf_image.as_pil_image()
    alpha = None
    if "/SMask" in image:
        alpha = pikepdf.PdfImage(image.SMask).as_pil_image().convert("L")
        if alpha.getextrema()[0] == 255:
            alpha = None
        elif not on_white:
            return Problem(where, 0, 0, "P053", f"page {number} has an image with transparent "
                           "pixels over a coloured ground; PDF/X-1a has no transparency",
                           "save the image without an alpha channel (flattened on its "
                           "background)")
    if picture.mode in ("1", "L", "LA") and (source is None or len(source) == 0):
        if space == pikepdf.Name.DeviceGray and "/SMask" not in image and \
                image.get("/BitsPerComponent") == 8:
            return None  # already as X-1a wants it
        out, mode = picture.convert("L"), "/DeviceGray"  # grey stays in black ink alone
        mask = alpha if alpha is not None else (picture.getchannel("A")
                                                if picture.mode == "LA" else None)
        if mask is not None:
            white = Image.new("L", out.size, 255)
            white.paste(out, mask=mask.resize(out.size))
            out = white
    elif picture.mode == "CMYK" and alpha is None and source is None:
        out, mode = picture, "/DeviceCMYK"
        if space == pikepdf.Name.DeviceCMYK:
            return None
    else:
        rgb = picture.convert("RGBA" if picture.mode in ("RGBA", "LA", "PA") else "RGB")
        if alpha is not None or rgb.mode == "RGBA":
            mask = alpha if alpha is not None else rgb.getchannel("A")
            white = Image.new("RGB", rgb.size, "white")
            white.paste(rgb.convert("RGB"), mask=mask.resize(rgb.size))
            rgb = white
        out, mode = converter.image(rgb.convert("RGB"), source), "/DeviceCMYK"
    image.write(zlib.compress(out.tobytes(), 6), filter=pikepdf.Name.FlateDecode)
    image.ColorSpace = pikepdf.Name(mode)
    image.BitsPerComponent = 8
    image.Width, image.Height = out.size
    for key in ("/SMask", "/Mask", "/Decode", "/DecodeParms", "/Intent", "/Alternates",
                "/SMaskInData", "/Interpolate"):
        if key in image:
            del image[key]
    return None


def bare_cff_fonts(pdf) -> int:
    """PDF 1.3 embeds a CFF font as bare CFF (FontFile3 /CIDFontType0C); WeasyPrint embeds
    the whole OpenType file (FontFile3 /OpenType, PDF 1.6). The CFF table is taken out of it
    unchanged: its glyphs, and so the CIDs the text uses, stay as they were."""
    from fontTools.ttLib import TTFont

    done = 0
    for descriptor in [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary)
                       and o.get("/Type") == "/FontDescriptor"]:
        program = descriptor.get("/FontFile3")
        if program is None or program.get("/Subtype") != "/OpenType":
            continue
        font = TTFont(io.BytesIO(program.read_bytes()))
        cff = font.reader["CFF "]
        program.write(zlib.compress(cff, 9), filter=pikepdf.Name.FlateDecode)
        program.Subtype = pikepdf.Name.CIDFontType0C
        done += 1
    return done
