"""Reading a fee note's QR code back from its PDF: the page rendered to an image (pypdfium2) and decoded by a real
QR decoder (zxing-cpp), as a scanner or a phone would."""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2
import zxingcpp

from tierspayant.core.findings import Finding
from tierspayant.core.signing import KeySet, SealError
from tierspayant.schemes.lu_doctors.digital.qr_payload import VerifiedFeeNoteQr, verify_fee_note_qr

RENDER_DPI = 150


def qr_texts_from_pdf(pdf: bytes, dpi: int = RENDER_DPI) -> list[str]:
    """Every QR code's text on every page, in page order."""
    texts: list[str] = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            image = bitmap.to_pil()
            texts += [
                barcode.text
                for barcode in zxingcpp.read_barcodes(image)
                if barcode.format == zxingcpp.BarcodeFormat.QRCode
            ]
    finally:
        document.close()
    return texts


@dataclass(frozen=True)
class PdfVerification:
    """The outcome of checking a fee note PDF's QR code: the verified payload, or the finding that refuses it."""

    verified: VerifiedFeeNoteQr | None
    finding: Finding | None
    text: str | None


def verify_pdf(pdf: bytes, keys: KeySet, name: str | None = None) -> PdfVerification:
    texts = qr_texts_from_pdf(pdf)
    if len(texts) != 1:
        message = "no QR code found on the fee note" if not texts else f"{len(texts)} QR codes on the fee note"
        return PdfVerification(None, Finding("QR-NOT-FOUND", message, file=name, rule="signed QR code"), None)
    try:
        return PdfVerification(verify_fee_note_qr(texts[0], keys), None, texts[0])
    except SealError as error:
        return PdfVerification(None, error.finding(name), texts[0])
