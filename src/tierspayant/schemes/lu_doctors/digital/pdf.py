"""The fee note as a PDF (reportlab), with its signed QR code when the patient opted for digital healthcare
administration, and without one otherwise."""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFObject, xObjectName
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from tierspayant.schemes.lu_doctors.digital.qr_encoder import QrBitmap, encode
from tierspayant.schemes.lu_doctors.formats.fee_note import FeeNote
from tierspayant.schemes.lu_doctors.reference.digital import Shares

QR_MODULE = 0.8 * mm  # ≥ 0.5 mm per module: phones and the fund's scanners read it from paper
QR_QUIET_ZONE = 4  # modules of white around the code, left free on the page
QR_CAPTION = "Remboursement digitalisé — code signé LUFN1"
QR_CAPTION_FONT = ("Helvetica", 7)
QR_XOBJECT = "LUFN1QR"  # the image's name in the page's resources (one code per page)


def qr_bitmap(text: str) -> QrBitmap:
    return encode(text, quiet_zone=0)


class _QrImage(PDFObject):  # type: ignore[misc]  # reportlab has no type hints
    """The code as an image XObject (ISO 32000-1 §8.9.5): one bit per module, dark = 1 (``/Decode [1 0]``), not
    interpolated, the rows as they are (57 × 8 bytes at version 10), no filter. Written as bytes here: reportlab's
    own streams would deflate and ASCII85-encode these few hundred random bytes (incompressible), and an inline
    image in the page's content stream goes through the same deflate + ASCII85 as the page's text — either costs
    more than the whole code."""

    __RefOnly__ = 1  # an indirect object of its own, as every stream

    def __init__(self, bitmap: QrBitmap) -> None:
        self.bitmap = bitmap

    def format(self, document: Any) -> bytes:
        bitmap = self.bitmap
        return (
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 1 /ColorSpace /DeviceGray"
            b" /Decode [1 0] /Interpolate false /Length %d >>\nstream\n%b\nendstream\n"
            % (bitmap.row_bytes * 8, bitmap.side, len(bitmap.data), bitmap.data)
        )


def _draw_qr(canvas: Canvas, text: str, right: float, bottom: float) -> float:
    """Draw the QR code, quiet zone included, with its bottom-right corner at (right, bottom); returns its side.
    The image is one sample per module; its rows are padded to whole bytes (white columns on the right)."""
    bitmap = qr_bitmap(text)
    side: float = (bitmap.side + 2 * QR_QUIET_ZONE) * QR_MODULE
    quiet = QR_QUIET_ZONE * QR_MODULE
    # registered as reportlab registers its images: a named object, and its name in the page's /XObject resources
    canvas._doc.Reference(_QrImage(bitmap), xObjectName(QR_XOBJECT))
    canvas._formsinuse.append(QR_XOBJECT)
    canvas.addLiteral(
        f"q {bitmap.row_bytes * 8 * QR_MODULE:.4f} 0 0 {bitmap.side * QR_MODULE:.4f} {right - side + quiet:.4f} "
        f"{bottom + quiet:.4f} cm /{xObjectName(QR_XOBJECT)} Do Q"
    )
    return side


@cache
def _caption(internal_font: str, right: float, baseline: float) -> str:
    """The caption under the code as one text operator, computed once per position: it never changes, and
    reportlab's setFont + drawRightString cost more than the code's image. The standard fonts are WinAnsi-encoded
    (cp1252); bytes past ASCII are written as octal escapes so that the stream stays ASCII."""
    name, size = QR_CAPTION_FONT
    x = right - stringWidth(QR_CAPTION, name, size)
    text = "".join(
        f"\\{byte:03o}" if byte > 126 or chr(byte) in "()\\" else chr(byte) for byte in QR_CAPTION.encode("cp1252")
    )
    return f"BT {internal_font} {size} Tf 1 0 0 1 {x:.4f} {baseline:.4f} Tm ({text}) Tj ET"


def render_fee_note(note: FeeNote, shares: Shares, qr_text: str | None = None, doctor_name: str = "") -> bytes:
    """One A4 page: doctor, patient (with the matricule in clear, as the fund requires on paper), acts, total,
    shares, payment, and the QR code when given."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(f"Mémoire d'honoraires {note.fee_note_id}")
    width, height = A4
    y = height - 25 * mm
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(20 * mm, y, "Mémoire d'honoraires")
    canvas.setFont("Helvetica", 10)
    canvas.drawRightString(width - 20 * mm, y, f"N° {note.fee_note_id} du {note.issued_on:%d/%m/%Y}")
    y -= 10 * mm
    for label, value in (
        ("Médecin", f"{doctor_name} — code {note.doctor_code}".strip(" —")),
        ("Facturé sous le code", note.billing_code),
        ("Patient", note.patient_name),
        ("Matricule", note.patient_matricule),
        ("Caisse", note.fund),
    ):
        canvas.drawString(20 * mm, y, f"{label} : {value}")
        y -= 5.5 * mm
    y -= 4 * mm
    canvas.setFont("Helvetica-Bold", 9)
    for x, title in ((20, "Date"), (45, "Acte"), (70, "Qté"), (85, "Tarif"), (110, "Montant")):
        canvas.drawString(x * mm, y, title)
    canvas.setFont("Helvetica", 9)
    for act in note.acts:
        y -= 5 * mm
        if y < 90 * mm:
            canvas.showPage()
            canvas.setFont("Helvetica", 9)
            y = height - 25 * mm
        canvas.drawString(20 * mm, y, f"{act.service_date:%d/%m/%Y}")
        canvas.drawString(45 * mm, y, act.act_code)
        canvas.drawString(70 * mm, y, str(act.quantity))
        canvas.drawRightString(100 * mm, y, f"{act.unit_amount:.2f}")
        canvas.drawRightString(128 * mm, y, f"{act.amount:.2f}")
    y -= 9 * mm
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(20 * mm, y, f"Total : {note.total:.2f} EUR")
    canvas.setFont("Helvetica", 10)
    canvas.drawString(20 * mm, y - 6 * mm, f"Part de la caisse ({shares.fund_percent} %) : {shares.fund:.2f} EUR")
    canvas.drawString(20 * mm, y - 12 * mm, f"Part personnelle : {shares.patient:.2f} EUR")
    paid = f"Payé le {note.paid_on:%d/%m/%Y}" if note.paid_on else "Non payé"
    canvas.drawString(20 * mm, y - 18 * mm, paid)
    if qr_text is not None:
        side = _draw_qr(canvas, qr_text, width - 15 * mm, 15 * mm)
        internal_font = canvas._doc.getInternalFontName(QR_CAPTION_FONT[0])
        canvas.addLiteral(_caption(internal_font, width - 15 * mm, 15 * mm + side + 2 * mm))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
