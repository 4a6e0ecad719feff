"""Scanned prescriptions: real PDFs generated here, accepted or refused with the right finding."""

from __future__ import annotations

import io

import pytest
from kin_envelope_pdfs import encrypted, scan_pdf, with_content, with_pdfa, with_raw_xmp
from PIL import Image
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from tierspayant.core.findings import Effect
from tierspayant.core.pdf_scan import check_scan, inspect_scan, scan_accepted


def codes(data: bytes) -> list[tuple[str, str | None]]:
    return [(finding.code, finding.location) for finding in check_scan(data, "scan.pdf")]


@pytest.mark.parametrize("dpi", [200, 250, 300])
def test_accepted_resolutions(dpi: int) -> None:
    data = scan_pdf([dpi])
    assert check_scan(data, "scan.pdf") == []
    report = inspect_scan(data, "scan.pdf")
    assert report.pdfa == "PDF/A-2B"
    [image] = report.images
    assert (round(image.dpi_x), round(image.dpi_y)) == (dpi, dpi)
    assert image.method == "content stream"


@pytest.mark.parametrize(("dpi", "fragment"), [(150, "150 DPI (under 200"), (600, "600 DPI (over 300")])
def test_refused_resolutions(dpi: int, fragment: str) -> None:
    [finding] = check_scan(scan_pdf([dpi]), "scan.pdf")
    assert finding.code == "PDF-RESOLUTION"
    assert finding.file == "scan.pdf"
    assert finding.location is not None
    assert finding.location.startswith("page 1, image ")
    assert fragment in finding.message
    assert "200–300 DPI" in (finding.rule or "")


def test_inline_image() -> None:
    assert check_scan(scan_pdf([250], inline=True), "scan.pdf") == []
    assert codes(scan_pdf([150], inline=True)) == [("PDF-RESOLUTION", "page 1, image inline image")]


def test_image_inside_a_form_xobject_follows_both_transforms() -> None:
    # drawn at half size inside the form, scaled ×2 by the page: the real size is the requested one
    assert check_scan(scan_pdf([250], in_form=True), "scan.pdf") == []
    [finding] = check_scan(scan_pdf([600], in_form=True), "scan.pdf")
    assert "600 DPI" in finding.message


@pytest.mark.parametrize("angle", [90, 33])
def test_rotated_image(angle: float) -> None:
    report = inspect_scan(scan_pdf([250], rotate=angle), "scan.pdf")
    [image] = report.images
    assert (round(image.dpi_x), round(image.dpi_y)) == (250, 250)
    assert report.findings == []


def test_non_square_pixels_reported_per_axis() -> None:
    # 300 × 400 px drawn into a 72 × 72 pt square: 300 DPI across, 400 DPI down
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.drawImage(ImageReader(Image.new("L", (300, 400))), 60, 60, width=72, height=72)
    page.save()
    [finding] = check_scan(with_pdfa(buffer.getvalue(), ("2", "B")), "scan.pdf")
    assert "300 × 400 DPI (over 300" in finding.message


def test_each_page_checked() -> None:
    findings = check_scan(scan_pdf([250, 120, 300]), "scan.pdf")
    assert [(f.code, (f.location or "")[:6]) for f in findings] == [("PDF-RESOLUTION", "page 2")]


def test_landscape_a4_accepted_letter_refused() -> None:
    assert check_scan(scan_pdf([250], pagesize=landscape(A4)), "scan.pdf") == []
    [finding] = check_scan(scan_pdf([250], pagesize=LETTER), "scan.pdf")
    assert (finding.code, finding.location) == ("PDF-PAGE-SIZE", "page 1")
    assert "612 × 792 pt" in finding.message
    assert "not A4" in finding.message


def test_not_pdfa() -> None:
    [finding] = check_scan(scan_pdf([250], pdfa=None), "scan.pdf")
    assert finding.code == "PDF-NOT-PDFA"
    assert "pdfaid:part is missing" in finding.message


@pytest.mark.parametrize(
    ("part", "conformance", "found"), [("1", "B", "PDF/A-1B"), ("3", "U", "PDF/A-3U"), ("4", "", "PDF/A-4")]
)
def test_pdfa_parts_named(part: str, conformance: str, found: str) -> None:
    data = with_pdfa(scan_pdf([250], pdfa=None), (part, conformance))
    assert inspect_scan(data, "scan.pdf").pdfa == found
    assert check_scan(data, "scan.pdf") == []


@pytest.mark.parametrize(
    ("part", "conformance", "fragment"),
    [("5", "B", "pdfaid:part '5' found: not a PDF/A part"), ("1", "U", "PDF/A-1U found: conformance U")],
)
def test_pdfa_wrong_identification(part: str, conformance: str, fragment: str) -> None:
    [finding] = check_scan(with_pdfa(scan_pdf([250], pdfa=None), (part, conformance)), "scan.pdf")
    assert finding.code == "PDF-NOT-PDFA"
    assert fragment in finding.message


def test_pdfa_as_attribute_form() -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="2" '
        b'pdfaid:conformance="U"/></rdf:RDF></x:xmpmeta>'
    )
    data = with_raw_xmp(scan_pdf([250], pdfa=None), xmp)
    assert inspect_scan(data, "scan.pdf").pdfa == "PDF/A-2U"


def test_hostile_xmp_is_not_resolved() -> None:
    xmp = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&e;</x:xmpmeta>'
    )
    [finding] = check_scan(with_raw_xmp(scan_pdf([250], pdfa=None), xmp), "scan.pdf")
    assert finding.code == "PDF-NOT-PDFA"
    assert "cannot be read safely (XML-DTD" in finding.message
    assert "root:" not in finding.message


def test_encrypted() -> None:
    assert codes(encrypted(scan_pdf([250]))) == [("PDF-ENCRYPTED", None)]


def test_not_a_pdf() -> None:
    assert codes(b"PK\x03\x04 a zip, not a pdf") == [("PDF-NOT-PDF", None)]


def test_truncated_pdf() -> None:
    data = scan_pdf([250])
    findings = check_scan(data[: len(data) // 3], "scan.pdf")
    assert [f.code for f in findings] == ["PDF-UNREADABLE"]
    assert not scan_accepted(findings)


def test_garbage_after_header() -> None:
    assert codes(b"%PDF-1.7\n" + b"\x00garbage" * 50) == [("PDF-UNREADABLE", None)]


def test_page_without_image_is_information_only() -> None:
    findings = check_scan(scan_pdf([None]), "scan.pdf")
    assert [(f.code, f.effect) for f in findings] == [("PDF-NO-IMAGE", Effect.INFORM)]
    assert scan_accepted(findings)


def test_unreadable_content_stream_falls_back_on_page_size() -> None:
    # an image of 2067 × 2924 px filling an A4 page is 250 DPI; "1 2 cm" has too few operands
    data = scan_pdf([250], pixels=(2067, 2924))
    report = inspect_scan(with_content(data, b"q 1 2 cm Q"), "scan.pdf")
    [image] = report.images
    assert image.method.startswith("fills the page")
    assert round(image.dpi_x) == 250
    assert report.findings == []
