"""Checks of a scanned document (a prescription) before it is sent or accepted: what can be proven from the file.

Annex 02 of the KIN cahier des charges: "PDF/A, résolution minimum 200 DPI, maximum 300 DPI, format A4".

- **PDF/A**: the catalogue's XMP metadata must carry ``pdfaid:part`` (and ``pdfaid:conformance``); the part and
  conformance found are named. Full PDF/A conformance (fonts, colour profiles…) needs a validator such as veraPDF;
  the identification is what is checked here. The XMP is parsed by ``core.xmlsafe`` (no DTD, no entities).
- **A4**: every page's MediaBox is 595 × 842 pt ± 2 pt, portrait or landscape (``/UserUnit`` honoured).
- **Resolution**: every image drawn on a page is 200–300 DPI (± 1 DPI for rounding of sizes in points). The DPI is
  the image's pixel size divided by its drawn size: the page's content stream is followed (``q``/``Q``/``cm``, form
  XObjects with their ``/Matrix``, inline images) and the current transformation matrix at ``Do`` gives the drawn
  width = |(a, b)| and height = |(c, d)| in points (÷ 72 for inches). When the content stream cannot be read, each
  image of the page's resources is assumed to fill the page (pixel size ÷ page size) and the finding says so.
- **Not encrypted**, and **parseable**.
- **No active content**: a scan is a picture; a PDF that can run or carry something else is refused, naming what was
  found — JavaScript (``/JS``, a ``/JavaScript`` name tree or action), actions run on opening or on events
  (``/OpenAction``, ``/AA``), ``/Launch``, ``/SubmitForm``, ``/ImportData``, ``/GoToR``/``/GoToE`` actions, embedded or
  attached files (``/EmbeddedFiles``, ``/EmbeddedFile``, ``/FileAttachment``), XFA forms and rich media. Every object
  reachable from the trailer is visited once (a budget bounds hostile files).

A page without any image gives an INFORM finding (a scan is an image; a born-digital page cannot be checked for
resolution). ``scan_accepted(findings)`` is True when no finding other than INFORM is present.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ContentStream, IndirectObject

from tierspayant.core.findings import Effect, Finding, FindingsError
from tierspayant.core.xmlsafe import XmlLimits, parse_document

A4_POINTS = (595.0, 842.0)
A4_TOLERANCE_POINTS = 2.0
DPI_MIN, DPI_MAX = 200.0, 300.0
DPI_TOLERANCE = 1.0
MAX_PAGES = 200
MAX_FORM_DEPTH = 8
PDFA_PARTS = {"1": ("A", "B"), "2": ("A", "B", "U"), "3": ("A", "B", "U"), "4": ("", "E", "F")}
PDFAID_NS = "http://www.aiim.org/pdfa/ns/id/"
XMP_LIMITS = XmlLimits(max_bytes=4 * 1024**2)  # an XMP packet is a few kB

RULE_PDF = "scanned document: readable PDF"
RULE_PDFA = "scanned document: PDF/A (annex 02)"
RULE_A4 = "scanned document: A4 (annex 02)"
RULE_DPI = "scanned document: 200–300 DPI (annex 02)"
RULE_ACTIVE = "scanned document: no active content (JavaScript, actions, embedded files)"

# Dictionary keys, and values of /S (actions), /Type or /Subtype, that make a PDF more than a picture.
ACTIVE_KEYS = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/OpenAction": "an action run on opening (/OpenAction)",
    "/AA": "actions run on events (/AA)",
    "/EmbeddedFiles": "embedded files",
    "/XFA": "an XFA form",
    "/RichMedia": "rich media",
}
ACTIVE_VALUES = {
    "/JavaScript": "JavaScript",
    "/Launch": "a /Launch action (starts a program)",
    "/SubmitForm": "a /SubmitForm action",
    "/ImportData": "an /ImportData action",
    "/GoToR": "a /GoToR action (opens another file)",
    "/GoToE": "a /GoToE action (opens an embedded file)",
    "/EmbeddedFile": "an embedded file",
    "/FileAttachment": "a file attachment",
    "/RichMedia": "rich media",
}
ACTIVE_TYPE_KEYS = ("/S", "/Type", "/Subtype")
MAX_OBJECTS_VISITED = 200_000

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True)
class ImageUse:
    """One image drawn on one page, with its resolution."""

    page: int
    name: str
    width_px: int
    height_px: int
    dpi_x: float
    dpi_y: float
    method: str  # "content stream" or "fills the page (assumed)"


@dataclass
class ScanReport:
    """What was found in the file; ``findings`` is what ``check_scan`` returns."""

    name: str
    pdfa: str | None = None  # e.g. "PDF/A-2B"
    pages: list[tuple[float, float]] = field(default_factory=list)
    images: list[ImageUse] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m × n in the PDF row-vector convention (m applied first)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _matrix(operands: list[Any]) -> Matrix:
    values = [float(value) for value in operands[:6]]
    if len(values) != 6:
        raise ValueError("a matrix has 6 numbers")
    return (values[0], values[1], values[2], values[3], values[4], values[5])


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _dpi(pixels: int, points: float) -> float:
    return math.inf if points <= 0 else pixels / (points / 72.0)


def _drawn_images(
    content: ContentStream, resources: Any, ctm: Matrix, pdf: PdfReader, depth: int, seen: frozenset[int]
) -> Iterator[tuple[str, int, int, Matrix]]:
    """(name, width px, height px, CTM at drawing) for every image drawn, following form XObjects."""
    stack: list[Matrix] = []
    xobjects: Any = _resolve(resources.get("/XObject")) if resources is not None else None
    for operands, operator in content.operations:
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q":
            ctm = stack.pop() if stack else ctm
        elif operator == b"cm":
            ctm = _multiply(_matrix(operands), ctm)
        elif operator == b"INLINE IMAGE":
            settings = operands["settings"]
            width = int(settings.get("/W", settings.get("/Width", 0)))
            height = int(settings.get("/H", settings.get("/Height", 0)))
            yield "inline image", width, height, ctm
        elif operator == b"Do" and operands and xobjects is not None and operands[0] in xobjects:
            name = str(operands[0])
            reference = xobjects.raw_get(name)
            xobject: Any = _resolve(reference)
            subtype = xobject.get("/Subtype")
            if subtype == "/Image":
                yield name, int(xobject.get("/Width", 0)), int(xobject.get("/Height", 0)), ctm
            elif subtype == "/Form" and depth < MAX_FORM_DEPTH:
                key = reference.idnum if isinstance(reference, IndirectObject) else id(xobject)
                if key in seen:  # a form drawing itself: stop, do not loop
                    continue
                form_ctm = _multiply(_matrix(list(xobject.get("/Matrix", IDENTITY))), ctm)
                form_resources = _resolve(xobject.get("/Resources")) or resources
                form_content = ContentStream(xobject, pdf)
                yield from _drawn_images(form_content, form_resources, form_ctm, pdf, depth + 1, seen | {key})


def _resource_images(resources: Any) -> Iterator[tuple[str, int, int]]:
    xobjects: Any = _resolve(resources.get("/XObject")) if resources is not None else None
    for name in xobjects or {}:
        xobject = _resolve(xobjects[name])
        if xobject.get("/Subtype") == "/Image":
            yield str(name), int(xobject.get("/Width", 0)), int(xobject.get("/Height", 0))


def _pdfa_identification(reader: PdfReader, name: str) -> tuple[str | None, list[Finding]]:
    catalog: Any = _resolve(reader.trailer["/Root"])
    metadata: Any = _resolve(catalog.get("/Metadata"))
    no_pdfa = "it is not identified as PDF/A"
    if metadata is None:
        message = f"no XMP metadata: {no_pdfa} (pdfaid:part is missing); save the scan as PDF/A"
        return None, [Finding("PDF-NOT-PDFA", message, file=name, rule=RULE_PDFA)]
    try:  # the project's one XML hardening path: no DTD, no entities, no XInclude, nothing resolved
        root = parse_document(metadata.get_data(), f"{name} (XMP metadata)", XMP_LIMITS)
    except FindingsError as error:
        why = "; ".join(f"{finding.code}: {finding.message}" for finding in error.findings)
        message = f"the XMP metadata cannot be read safely ({why}): {no_pdfa}"
        return None, [Finding("PDF-NOT-PDFA", message, file=name, rule=RULE_PDFA)]
    part = conformance = None
    for element in root.iter():
        part = part or element.get(f"{{{PDFAID_NS}}}part")
        conformance = conformance or element.get(f"{{{PDFAID_NS}}}conformance")
        if element.tag == f"{{{PDFAID_NS}}}part":
            part = part or (element.text or "").strip()
        if element.tag == f"{{{PDFAID_NS}}}conformance":
            conformance = conformance or (element.text or "").strip()
    if not part:
        message = f"the XMP metadata has no pdfaid:part: {no_pdfa}; save the scan as PDF/A"
        return None, [Finding("PDF-NOT-PDFA", message, file=name, rule=RULE_PDFA)]
    conformance = (conformance or "").upper()
    found = f"PDF/A-{part}{conformance}"
    if part not in PDFA_PARTS:
        message = f"pdfaid:part {part!r} found: not a PDF/A part (1–4)"
        return found, [Finding("PDF-NOT-PDFA", message, file=name, rule=RULE_PDFA)]
    if conformance not in PDFA_PARTS[part]:
        allowed = ", ".join(level or "(none)" for level in PDFA_PARTS[part])
        message = f"{found} found: conformance {conformance or '(none)'!s} is not one of PDF/A-{part}'s ({allowed})"
        return found, [Finding("PDF-NOT-PDFA", message, file=name, rule=RULE_PDFA)]
    return found, []


def _active_content(reader: PdfReader) -> list[str]:
    """What in the file can act (sorted, each named once): every object reachable from the trailer, visited once."""
    found: set[str] = set()
    seen: set[int] = set()
    pending: list[Any] = [reader.trailer]
    visited = 0
    while pending and visited < MAX_OBJECTS_VISITED:
        item = pending.pop()
        visited += 1
        if isinstance(item, IndirectObject):
            if item.idnum in seen:
                continue
            seen.add(item.idnum)
            try:
                item = item.get_object()
            except Exception:
                continue  # a dangling reference: nothing there to run
        if isinstance(item, dict):
            for key, value in item.items():
                if key in ACTIVE_KEYS:
                    found.add(ACTIVE_KEYS[key])
                if key in ACTIVE_TYPE_KEYS and str(value) in ACTIVE_VALUES:
                    found.add(ACTIVE_VALUES[str(value)])
                if key not in ("/Parent", "/P"):  # back-references lead to objects visited anyway
                    pending.append(value)
        elif isinstance(item, list):
            pending.extend(item)
    if pending:
        found.add(f"more than {MAX_OBJECTS_VISITED} objects (not all could be checked)")
    return sorted(found)


def _is_a4(width: float, height: float) -> bool:
    short, long = sorted((width, height))
    return abs(short - A4_POINTS[0]) <= A4_TOLERANCE_POINTS and abs(long - A4_POINTS[1]) <= A4_TOLERANCE_POINTS


def _page_images(
    page: Any, pdf: PdfReader, number: int, width: float, height: float, user_unit: float
) -> list[ImageUse]:
    resources = _resolve(page.get("/Resources"))
    try:
        content = page.get_contents()
        if content is None:
            return []
        uses = []
        for image, width_px, height_px, ctm in _drawn_images(content, resources, IDENTITY, pdf, 0, frozenset()):
            drawn_w = math.hypot(ctm[0], ctm[1]) * user_unit
            drawn_h = math.hypot(ctm[2], ctm[3]) * user_unit
            uses.append(
                ImageUse(number, image, width_px, height_px, _dpi(width_px, drawn_w), _dpi(height_px, drawn_h),
                         "content stream")
            )  # fmt: skip
        return uses
    except Exception:  # an unreadable content stream: fall back on the page size
        return [
            ImageUse(number, image, w, h, _dpi(w, width * user_unit), _dpi(h, height * user_unit),
                     "fills the page (assumed: the content stream could not be read)")
            for image, w, h in _resource_images(resources)
        ]  # fmt: skip


def _dpi_findings(use: ImageUse, name: str) -> list[Finding]:
    low, high = DPI_MIN - DPI_TOLERANCE, DPI_MAX + DPI_TOLERANCE
    if low <= use.dpi_x <= high and low <= use.dpi_y <= high:
        return []
    shown = f"{use.dpi_x:.0f} × {use.dpi_y:.0f}" if round(use.dpi_x) != round(use.dpi_y) else f"{use.dpi_x:.0f}"
    where = "under 200" if min(use.dpi_x, use.dpi_y) < low else "over 300"
    message = (
        f"image {use.name} ({use.width_px} × {use.height_px} px) is {shown} DPI ({where}; method: {use.method}); "
        f"scan at 200–300 DPI"
    )
    return [Finding("PDF-RESOLUTION", message, file=name, location=f"page {use.page}, image {use.name}", rule=RULE_DPI)]


def inspect_scan(data: bytes, name: str) -> ScanReport:
    """Everything ``check_scan`` looks at, with what it found (PDF/A part, page sizes, image resolutions)."""
    report = ScanReport(name)
    if b"%PDF-" not in data[:1024]:
        report.findings.append(Finding("PDF-NOT-PDF", "the file is not a PDF (no %PDF- header)", file=name,
                                       rule=RULE_PDF))  # fmt: skip
        return report
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            message = "the PDF is encrypted; send it without password or restrictions"
            report.findings.append(Finding("PDF-ENCRYPTED", message, file=name, rule=RULE_PDF))
            return report
        page_count = len(reader.pages)
    except Exception as error:
        message = f"the PDF cannot be read ({type(error).__name__}: {error})"
        report.findings.append(Finding("PDF-UNREADABLE", message, file=name, rule=RULE_PDF))
        return report
    if page_count == 0:
        report.findings.append(Finding("PDF-UNREADABLE", "the PDF has no page", file=name, rule=RULE_PDF))
        return report
    if page_count > MAX_PAGES:
        message = f"the PDF has {page_count} pages, over the limit of {MAX_PAGES} for a scanned document"
        report.findings.append(Finding("PDF-UNREADABLE", message, file=name, rule=RULE_PDF))
        return report
    try:
        active = _active_content(reader)
    except Exception as error:
        active = [f"objects that cannot be read ({type(error).__name__})"]
    if active:
        message = (
            f"the PDF carries active content ({', '.join(active)}): a scanned prescription is an image only; "
            "scan it again or print it to PDF/A without scripts, actions or attachments"
        )
        report.findings.append(Finding("PDF-ACTIVE-CONTENT", message, file=name, rule=RULE_ACTIVE))
    try:
        report.pdfa, pdfa_findings = _pdfa_identification(reader, name)
    except Exception as error:
        report.pdfa, pdfa_findings = (
            None,
            [Finding("PDF-NOT-PDFA", f"the catalogue cannot be read ({error})", file=name, rule=RULE_PDFA)],
        )
    report.findings += pdfa_findings
    for number, page in enumerate(reader.pages, start=1):
        location = f"page {number}"
        try:
            user_unit = float(page.get("/UserUnit", 1))
            width, height = float(page.mediabox.width), float(page.mediabox.height)
        except Exception as error:
            message = f"the page cannot be read ({type(error).__name__}: {error})"
            report.findings.append(Finding("PDF-UNREADABLE", message, file=name, location=location, rule=RULE_PDF))
            continue
        report.pages.append((width * user_unit, height * user_unit))
        if not _is_a4(width * user_unit, height * user_unit):
            message = (
                f"the page is {width * user_unit:.0f} × {height * user_unit:.0f} pt "
                f"({width * user_unit / 72 * 25.4:.0f} × {height * user_unit / 72 * 25.4:.0f} mm), not A4 "
                "(595 × 842 pt, 210 × 297 mm, either orientation)"
            )
            report.findings.append(Finding("PDF-PAGE-SIZE", message, file=name, location=location, rule=RULE_A4))
        try:
            uses = _page_images(page, reader, number, width, height, user_unit)
        except Exception as error:  # even the fallback failed (a self-referencing object…): found by fuzzing
            message = f"the page's images cannot be read ({type(error).__name__}: {error})"
            report.findings.append(Finding("PDF-UNREADABLE", message, file=name, location=location, rule=RULE_PDF))
            continue
        if not uses:
            message = "the page has no image: a scan is an image, its resolution cannot be checked here"
            report.findings.append(
                Finding("PDF-NO-IMAGE", message, file=name, location=location, rule=RULE_DPI, effect=Effect.INFORM)
            )
        for use in uses:
            report.images.append(use)
            report.findings += _dpi_findings(use, name)
    return report


def check_scan(data: bytes, name: str) -> list[Finding]:
    """The findings against a scanned document: PDF/A identification, A4 pages, 200–300 DPI images, no encryption,
    no active content."""
    return inspect_scan(data, name).findings


def scan_accepted(findings: list[Finding]) -> bool:
    """True when no finding refuses the document (INFORM findings do not)."""
    return all(finding.effect == Effect.INFORM for finding in findings)
