"""A sample prescription scan that passes the KIN scan checks (PDF/A-2B, A4, an image at 250 DPI): the demo offers
it for upload, so a newcomer can walk through a request without a scanner."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.xmp import XmpInformation
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

DPI = 250


def sample_prescription_scan(text: str = "Ordonnance — SAMPLE") -> bytes:
    """One A4 page carrying a grey "scanned" image of ``text`` at 250 DPI, identified as PDF/A-2B."""
    width_px, height_px = 900, 500  # a small image keeps the file small; its resolution is what is checked
    image = Image.new("L", (width_px, height_px), 235)
    ImageDraw.Draw(image).text((40, 40), text, fill=40)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    width_pt, height_pt = width_px / DPI * 72, height_px / DPI * 72
    page.drawImage(ImageReader(image), 60, A4[1] - 60 - height_pt, width=width_pt, height=height_pt)
    page.showPage()
    page.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    xmp = XmpInformation.create()
    xmp.pdfaid_part = "2"
    xmp.pdfaid_conformance = "B"
    writer.xmp_metadata = xmp
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
