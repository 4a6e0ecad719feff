"""Real PDFs for the tests: reportlab pages with images drawn at a chosen resolution, PDF/A XMP added with pypdf."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject
from pypdf.xmp import XmpInformation
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas


def scan_pdf(
    dpis: Sequence[float | None] = (250,),
    *,
    pixels: tuple[int, int] = (300, 400),
    pagesize: tuple[float, float] = A4,
    pdfa: tuple[str, str] | None = ("2", "B"),
    inline: bool = False,
    in_form: bool = False,
    rotate: float = 0,
) -> bytes:
    """One page per entry of ``dpis``: an image of ``pixels`` drawn at that DPI (None: a page without image)."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=pagesize)
    image = Image.new("L", pixels, 200)
    for dpi in dpis:
        page.drawString(40, 40, "Ordonnance")
        if dpi is not None:
            width, height = pixels[0] / dpi * 72, pixels[1] / dpi * 72
            if inline:
                page.drawInlineImage(image, 60, 60, width=width, height=height)
            elif in_form:
                page.beginForm("scan")
                page.drawImage(ImageReader(image), 0, 0, width=width / 2, height=height / 2)
                page.endForm()
                page.saveState()
                page.scale(2, 2)  # the form draws at half size: the page's transform doubles it
                page.doForm("scan")
                page.restoreState()
            else:
                page.saveState()
                page.translate(300, 300)
                page.rotate(rotate)  # a rotated image keeps its resolution: the transform's column lengths
                page.drawImage(ImageReader(image), 0, 0, width=width, height=height)
                page.restoreState()
        page.showPage()
    page.save()
    data = buffer.getvalue()
    return with_pdfa(data, pdfa) if pdfa else data


def with_pdfa(data: bytes, pdfa: tuple[str, str]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    xmp = XmpInformation.create()
    xmp.pdfaid_part = pdfa[0]
    if pdfa[1]:
        xmp.pdfaid_conformance = pdfa[1]
    writer.xmp_metadata = xmp
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_raw_xmp(data: bytes, xmp: bytes) -> bytes:
    """Put ``xmp`` as the catalogue's metadata stream as is (pypdf's own XMP class would refuse hostile XML)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    stream = StreamObject()
    stream.set_data(xmp)
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted(data: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_content(data: bytes, content: bytes) -> bytes:
    """Replace page 1's content stream (to make it unreadable, for instance)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    page = writer.pages[0]
    stream = page.get_contents()
    assert stream is not None
    stream.set_data(content)
    page.replace_contents(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
