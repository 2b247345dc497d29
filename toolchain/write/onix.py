"""The book's metadata for the trade as ONIX 3.0 (EDItEUR, reference tags): one product record
per edition with an ISBN — the EPUB and the printed paperback — from book.toml and what the
build measured (the print edition's pages, trim and spine; the EPUB's accessibility).
Distributors and retailers (Gardners, Ingram, Kobo, Apple, library suppliers) load it instead
of having a small press type the same facts into each portal.

Elements are written in the order EDItEUR's schema fixes (the build validates the file
against it, with onixcheck). Code lists used: 5 (product identifier), 15 (title type),
17 (contributor role), 21/64 (publishing status), 81/150/175 (product form), 196
(accessibility), 27 (subject scheme), 48/50 (measures), 23/24 (extent), 58 (price type)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lxml import etree

from .. import model as m
from .. import words

NS = "http://ns.editeur.org/onix/3.0/reference"
ROLES = {"aut": "A01", "edt": "B01", "trl": "B06", "ill": "A12", "art": "A07", "aft": "A19",
         "aui": "A24", "win": "A24", "wfw": "A23", "wpr": "A15", "ann": "A20", "pht": "A13",
         "cov": "A36", "com": "C01", "adp": "B05", "abr": "B04", "nrt": "E07", "ctb": "A32"}
ACCESSIBILITY = {  # schema.org accessibilityFeature (the EPUB's) -> code list 196
    "tableOfContents": "11", "index": "12", "readingOrder": "13", "alternativeText": "14",
    "pageBreakMarkers": "19", "structuralNavigation": "29", "displayTransformability": "36",
    "pageNavigation": "41"}
CONFORMANCE = {"EPUB Accessibility 1.1 - WCAG 2.1 Level AA": ("04", "81", "85"),
               "EPUB Accessibility 1.1 - WCAG 2.1 Level A": ("04", "81", "84")}
PROTECTION = {"none": "00", "drm": "01", "watermark": "02"}


def add(parent, tag: str, text: str | None = None, **attrs):
    node = etree.SubElement(parent, f"{{{NS}}}{tag}", attrs)
    if text is not None:
        node.text = str(text)
    return node


def day(value) -> str:
    return (value if isinstance(value, date) else date.fromisoformat(str(value))).strftime(
        "%Y%m%d")


def onix(meta: dict, built: datetime, print_facts: dict | None,
         accessibility: list[tuple[str, str]]) -> bytes:
    """The ONIX message. `print_facts`: the press edition's pages, trim (w, h mm) and spine
    (mm), if it was made; `accessibility`: the EPUB's (property, value) metadata."""
    trade = meta["trade"]
    root = etree.Element(f"{{{NS}}}ONIXMessage", {"release": "3.0"}, nsmap={None: NS})
    header = add(root, "Header")
    sender = add(header, "Sender")
    add(sender, "SenderName", trade.get("sender", meta["publisher"]))
    if trade.get("email"):
        add(sender, "EmailAddress", trade["email"])
    add(header, "SentDateTime", built.astimezone(UTC).strftime("%Y%m%dT%H%MZ"))
    for edition in ("ebook", "print"):
        isbn = meta.get("isbn", {}).get(edition)
        if isbn and (edition == "ebook" or print_facts):
            product(root, meta, edition, isbn, print_facts, accessibility, built)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def product(root, meta: dict, edition: str, isbn: str, print_facts: dict | None,
            accessibility: list[tuple[str, str]], built: datetime) -> None:
    trade = meta["trade"]
    digits = isbn.replace("-", "")
    record = add(root, "Product")
    add(record, "RecordReference", f"{meta['identifier']}#{edition}")
    add(record, "NotificationType", "03" if published(trade, built) else "02")
    ident = add(record, "ProductIdentifier")
    add(ident, "ProductIDType", "15")
    add(ident, "IDValue", digits)
    detail = add(record, "DescriptiveDetail")
    add(detail, "ProductComposition", "00")
    if edition == "ebook":
        add(detail, "ProductForm", "ED")
        add(detail, "ProductFormDetail", "E101")  # EPUB
        features(detail, accessibility, trade.get("protection", "none"))
        add(detail, "EpubTechnicalProtection", PROTECTION[trade.get("protection", "none")])
    else:
        add(detail, "ProductForm", "BC")  # paperback
        width, height = print_facts["trim_mm"]
        for kind, value in (("01", height), ("02", width), ("03", print_facts["spine_mm"])):
            measure = add(detail, "Measure")
            add(measure, "MeasureType", kind)
            add(measure, "Measurement", f"{value:.0f}" if kind != "03" else f"{value:.1f}")
            add(measure, "MeasureUnitCode", "mm")
    collection = meta.get("collection", {})
    if collection.get("title"):
        series = add(detail, "Collection")
        add(series, "CollectionType", "10")  # the publisher's collection
        title = add(series, "TitleDetail")
        add(title, "TitleType", "01")
        element = add(title, "TitleElement")
        add(element, "TitleElementLevel", "02")
        if collection.get("position"):
            add(element, "PartNumber", collection["position"])
        add(element, "TitleText", collection["title"])
    title = add(detail, "TitleDetail")
    add(title, "TitleType", "01")
    element = add(title, "TitleElement")
    add(element, "TitleElementLevel", "01")
    add(element, "TitleText", meta["title"])
    for k, person in enumerate(m.contributors(meta), 1):
        contributor = add(detail, "Contributor")
        add(contributor, "SequenceNumber", k)
        add(contributor, "ContributorRole", ROLES.get(person["role"], "Z99"))
        add(contributor, "PersonName", person["name"])
        sort = person.get("sort")
        if sort and "," in sort:
            add(contributor, "PersonNameInverted", sort)
            key, before = (part.strip() for part in sort.split(",", 1))
            add(contributor, "NamesBeforeKey", before)
            add(contributor, "KeyNames", key)
    language = add(detail, "Language")
    add(language, "LanguageRole", "01")
    add(language, "LanguageCode", words.bibliographic_code(meta["language"]))
    if print_facts:
        extent = add(detail, "Extent")
        add(extent, "ExtentType", "00" if edition == "print" else "08")  # 08: the print's
        add(extent, "ExtentValue", print_facts["pages"])
        add(extent, "ExtentUnit", "03")
    for scheme, codes in (("10", trade.get("bisac", [])), ("93", trade.get("thema", []))):
        for n, code in enumerate(codes):
            subject = add(detail, "Subject")
            if n == 0:
                add(subject, "MainSubject")
            add(subject, "SubjectSchemeIdentifier", scheme)
            add(subject, "SubjectCode", code)
    if meta.get("subjects"):
        subject = add(detail, "Subject")
        add(subject, "SubjectSchemeIdentifier", "20")  # keywords
        add(subject, "SubjectHeadingText", "; ".join(meta["subjects"]))
    collateral = add(record, "CollateralDetail")
    text = add(collateral, "TextContent")
    add(text, "TextType", "03")  # description
    add(text, "ContentAudience", "00")
    add(text, "Text", meta["description"])
    publishing = add(record, "PublishingDetail")
    imprint = add(publishing, "Imprint")
    add(imprint, "ImprintName", trade.get("imprint", meta["publisher"]))
    publisher = add(publishing, "Publisher")
    add(publisher, "PublishingRole", "01")
    add(publisher, "PublisherName", meta["publisher"])
    if trade.get("country"):
        add(publishing, "CountryOfPublication", trade["country"])
    add(publishing, "PublishingStatus", "04" if published(trade, built) else "02")
    when = add(publishing, "PublishingDate")
    add(when, "PublishingDateRole", "01")
    add(when, "Date", day(trade["publication_date"]))
    price = trade.get("price", {}).get(edition)
    if price:
        supply(record, meta, trade, price, built)


def features(detail, accessibility: list[tuple[str, str]], protection: str) -> None:
    """The EPUB's accessibility as ONIX has it (code list 196): the summary, the conformance
    claim as its three codes, and each feature the EPUB declares."""
    said = dict(accessibility)
    codes = ["00", *CONFORMANCE.get(said.get("dcterms:conformsTo", ""), ()), "22"]
    if protection != "drm":
        codes.append("10")  # no reading system's accessibility option disabled
    codes += [ACCESSIBILITY[value] for prop, value in accessibility
              if prop == "schema:accessibilityFeature" and value in ACCESSIBILITY]
    for code in dict.fromkeys(codes):
        feature = add(detail, "ProductFormFeature")
        add(feature, "ProductFormFeatureType", "09")
        add(feature, "ProductFormFeatureValue", code)
        if code == "00":
            add(feature, "ProductFormFeatureDescription", said["schema:accessibilitySummary"])


def supply(record, meta: dict, trade: dict, price: dict, built: datetime) -> None:
    detail = add(add(record, "ProductSupply"), "SupplyDetail")
    supplier = add(detail, "Supplier")
    add(supplier, "SupplierRole", "01")  # the publisher, to retailers
    add(supplier, "SupplierName", trade.get("supplier", meta["publisher"]))
    add(detail, "ProductAvailability", "20" if published(trade, built) else "10")
    amount = add(detail, "Price")
    add(amount, "PriceType", "01" if price.get("tax") == "excluded" else "02")
    add(amount, "PriceAmount", price["amount"])
    add(amount, "CurrencyCode", price["currency"])
    territory = add(amount, "Territory")
    places = price.get("territory", "WORLD")
    if places == "WORLD":
        add(territory, "RegionsIncluded", "WORLD")
    else:
        add(territory, "CountriesIncluded", " ".join(places.split()))


def published(trade: dict, built: datetime) -> bool:
    """Published on or before the build's day: active, else forthcoming."""
    return day(trade["publication_date"]) <= built.astimezone(UTC).strftime("%Y%m%d")
