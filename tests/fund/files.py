"""Real files for the fund's tests: KIN file names, PDF/A prescription scans, DEMAUT packages, FACs on titres."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from pathlib import Path

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.xmp import XmpInformation
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from tierspayant.schemes.lu_kin.examples import example_model
from tierspayant.schemes.lu_kin.formats.models import Demaut, Fac, PrescriptionDocument
from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.formats.package import build_package
from tierspayant.schemes.lu_kin.formats.writer import to_bytes


def kin_name(file_type: str, reference: str, send_date: date, extension: str = "xml", month: int = 3) -> str:
    return KinFileName(
        provider_code="70012345",
        year=2024,
        month=month,
        file_type=file_type,
        send_date=send_date,
        reference=reference,
        extension=extension,
    ).build()


def scan_pdf(dpi: int = 250, pdfa: bool = True) -> bytes:
    """An A4 page with a grey image drawn at ``dpi``, identified as PDF/A-2B when ``pdfa``."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    pixels = (500, 700)
    page.drawImage(
        ImageReader(Image.new("L", pixels, 200)), 40, 40, width=pixels[0] / dpi * 72, height=pixels[1] / dpi * 72
    )
    page.showPage()
    page.save()
    if not pdfa:
        return buffer.getvalue()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    xmp = XmpInformation.create()
    xmp.pdfaid_part = "2"
    xmp.pdfaid_conformance = "B"
    writer.xmp_metadata = xmp
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def demaut_package(
    folder: Path, reference: str = "DA202403A", bad_scan_for: str | None = None, scans: dict[str, bytes] | None = None
) -> Path:
    """The example DEMAUT as a ZIP package with a real PDF/A scan per request (one not PDF/A when asked; ``scans``:
    request id → the PDF to send instead, declared with its own SHA-256)."""
    demaut = example_model("DEMAUT")
    assert isinstance(demaut, Demaut)
    documents: dict[str, bytes] = {}
    requests = []
    for request in demaut.requests:
        pdf = (scans or {}).get(request.request_id) or scan_pdf(pdfa=request.request_id != bad_scan_for)
        name = request.prescription.file_name
        documents[name] = pdf
        digest = hashlib.sha256(pdf).hexdigest()
        requests.append(
            request.model_copy(update={"prescription": PrescriptionDocument(file_name=name, sha256=digest)})
        )
    header = demaut.header.model_copy(update={"reference": reference})
    xml = to_bytes(Demaut.model_validate({"header": header, "requests": requests}))
    xml_name = kin_name("DEMAUT", reference, date(2024, 3, 7))
    path = folder / kin_name("DEMAUT", reference, date(2024, 3, 7), extension="zip")
    path.write_bytes(
        build_package(xml_name, xml, documents)
        if bad_scan_for is None and not scans
        else _zip(xml_name, xml, documents)
    )
    return path


def _zip(xml_name: str, xml: bytes, documents: dict[str, bytes]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(xml_name, xml)
        for name, data in sorted(documents.items()):
            archive.writestr(name, data)
    return buffer.getvalue()


def fac_on_titres(folder: Path, titres: dict[str, str], reference: str = "FA202403", month: int = 3) -> Path:
    """The example FAC with each patient's lines on the titre the fund granted (``titres``: matricule → titre)."""
    fac = example_model("FAC")
    assert isinstance(fac, Fac)
    invoices = []
    for invoice in fac.invoices:
        titre = titres[invoice.matricule]
        lines = [line.model_copy(update={"titre_id": titre}) for line in invoice.lines]
        invoices.append(invoice.model_copy(update={"lines": lines}))
    header = fac.header.model_copy(update={"reference": reference})
    model = Fac.model_validate({"header": header, "invoices": invoices})
    path = folder / kin_name("FAC", reference, date(2024, 4, 2), month=month)
    path.write_bytes(to_bytes(model))
    return path
