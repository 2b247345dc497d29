"""The book-trade barcode: the print ISBN as EAN-13, with the five-digit price add-on (EAN-5)
where one is given, drawn as SVG rectangles (vectors: sharp at any press resolution).

Drawn here from the GS1 tables because python-barcode, the library for this, has no add-on.
The encoding is proven by decoding the printed cover back with zxing-cpp (tests)."""

from __future__ import annotations

L_CODES = ("0001101", "0011001", "0010011", "0111101", "0100011",
           "0110001", "0101111", "0111011", "0110111", "0001011")
G_CODES = tuple(code.translate(str.maketrans("01", "10"))[::-1] for code in L_CODES)
R_CODES = tuple(code.translate(str.maketrans("01", "10")) for code in L_CODES)
EAN13_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
                "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")
EAN5_PARITY = ("GGLLL", "GLGLL", "GLLGL", "GLLLG", "LGGLL",
               "LLGGL", "LLLGG", "LGLGL", "LGLLG", "LLGLG")
MODULE_MM = 0.33  # 100 % magnification
BAR_MM = 22.85  # the height of an EAN-13's bars at 100 %
QUIET_LEFT, QUIET_RIGHT = 11, 7  # modules
ADDON_GAP = 9  # modules between the EAN-13 and its add-on


def isbn13(isbn: str) -> str:
    """The 13 digits of an ISBN, an ISBN-10 converted (978 prefix, new check digit)."""
    from stdnum import isbn as stdnum_isbn

    return stdnum_isbn.to_isbn13(stdnum_isbn.compact(isbn))


def ean13_modules(digits: str) -> str:
    """95 modules, 1 a bar: start guard, six left digits by the first digit's parity pattern,
    centre guard, six right digits, end guard."""
    parity = EAN13_PARITY[int(digits[0])]
    left = "".join((L_CODES if p == "L" else G_CODES)[int(d)]
                   for p, d in zip(parity, digits[1:7], strict=True))
    right = "".join(R_CODES[int(d)] for d in digits[7:])
    return "101" + left + "01010" + right + "101"


def ean5_modules(price: str) -> str:
    """The price add-on: start 1011, five digits by the checksum's parity, 01 between them."""
    check = (3 * sum(int(d) for d in price[0::2]) + 9 * sum(int(d) for d in price[1::2])) % 10
    codes = [(L_CODES if p == "L" else G_CODES)[int(d)]
             for p, d in zip(EAN5_PARITY[check], price, strict=True)]
    return "1011" + "01".join(codes)


def bars(modules: str, x0: float, y: float, height: float, guards=()) -> list[str]:
    """One SVG rectangle per run of bars; modules listed in `guards` run 1.65 mm longer."""
    out, k = [], 0
    while k < len(modules):
        if modules[k] == "1":
            end = k
            while end < len(modules) and modules[end] == "1":
                end += 1
            long = any(k >= a and end <= b for a, b in guards)
            out.append(f'<rect x="{x0 + k * MODULE_MM:.3f}" y="{y:.3f}" '
                       f'width="{(end - k) * MODULE_MM:.3f}" '
                       f'height="{height + (1.65 if long else 0):.3f}"/>')
            k = end
        else:
            k += 1
    return out


def barcode_svg(isbn: str, price: str | None = None, font: str = "Book Serif") -> str:
    """The barcode as an SVG element sized in millimetres: the ISBN written above it, the digits
    under the bars, the add-on's digits above its bars; on white, with its quiet zones."""
    from stdnum import isbn as stdnum_isbn

    digits = isbn13(isbn)
    main = ean13_modules(digits)
    addon = ean5_modules(price) if price else ""
    width_modules = QUIET_LEFT + len(main) + (ADDON_GAP + len(addon) if addon else 0) \
        + QUIET_RIGHT
    width, top = width_modules * MODULE_MM, 5.0
    height = top + BAR_MM + 1.65 + 3.2
    x0 = QUIET_LEFT * MODULE_MM
    guards = ((0, 3), (45, 50), (92, 95))
    shapes = bars(main, x0, top, BAR_MM, guards)
    text = [f'<text x="{x0 + len(main) * MODULE_MM / 2:.3f}" y="3.6" font-size="3.2" '
            f'text-anchor="middle">ISBN {stdnum_isbn.format(digits)}</text>',
            f'<text x="{x0 - 1.2:.3f}" y="{top + BAR_MM + 3.0:.3f}" font-size="3.4" '
            f'text-anchor="end">{digits[0]}</text>',
            f'<text x="{x0 + 24 * MODULE_MM:.3f}" y="{top + BAR_MM + 3.0:.3f}" font-size="3.4" '
            f'text-anchor="middle" letter-spacing="0.9">{digits[1:7]}</text>',
            f'<text x="{x0 + 71 * MODULE_MM:.3f}" y="{top + BAR_MM + 3.0:.3f}" font-size="3.4" '
            f'text-anchor="middle" letter-spacing="0.9">{digits[7:]}</text>']
    if addon:
        ax = x0 + (len(main) + ADDON_GAP) * MODULE_MM
        shapes += bars(addon, ax, top + 3.2, BAR_MM - 3.2 + 1.65)
        text.append(f'<text x="{ax + len(addon) * MODULE_MM / 2:.3f}" y="{top + 2.6:.3f}" '
                    f'font-size="3.2" text-anchor="middle" letter-spacing="0.9">{price}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" width="{width:.2f}mm" '
            f'height="{height:.2f}mm" viewBox="0 0 {width:.3f} {height:.3f}" role="img" '
            f'aria-label="ISBN {digits}">'
            f'<rect width="{width:.3f}" height="{height:.3f}" fill="white"/>'
            f'<g fill="black">{"".join(shapes)}</g>'
            f'<g fill="black" font-family="{font}">{"".join(text)}</g></svg>')

