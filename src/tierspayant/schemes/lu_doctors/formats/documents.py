"""The documents a device declaration needs (both ends apply the same list: the doctor's software warns before
sending, the register refuses), and the PDF-only check.

Seed: purchase → paid invoice; leasing → signed leasing contract; rental → signed rental agreement; plus the signed
delivery note with the device's full serial number; second-hand → the form and the paid invoice; taken out of service
→ the form. PDF only: a JPEG or an HTML page is refused with a message saying so.
"""

from __future__ import annotations

from tierspayant.core.pdf_scan import inspect_scan
from tierspayant.schemes.lu_doctors.formats.messages import Anomaly, Declaration

NEEDED: dict[str, tuple[str, ...]] = {
    "achat": ("facture_acquittee", "bon_livraison"),
    "leasing": ("contrat_leasing", "bon_livraison"),
    "location": ("contrat_location", "bon_livraison"),
    "occasion": ("formulaire_occasion", "facture_acquittee"),
    "hors_service": ("formulaire_hors_service",),
}
PDF_REFUSALS = ("PDF-NOT-PDF", "PDF-ENCRYPTED", "PDF-UNREADABLE")
_MAGIC = ((b"\xff\xd8\xff", "a JPEG image"), (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"),
          (b"PK\x03\x04", "an office document or archive"))  # fmt: skip


def case_of(declaration: Declaration) -> str:
    """Which list of documents applies: the acquisition mode, ``occasion`` or ``hors_service``."""
    if declaration.device is None:
        return "hors_service"
    return "occasion" if declaration.device.nature == "occasion" else declaration.device.acquisition


def kind_of(data: bytes) -> str:
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "an HTML page"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return "not a PDF"


def document_reasons(declaration: Declaration, attachments: dict[str, bytes]) -> list[Anomaly]:
    """Missing documents (R001), documents named but absent (R001), documents that are not readable PDFs (R002)."""
    case = case_of(declaration)
    reasons: list[Anomaly] = []
    given = {d.nature for d in declaration.documents}
    for nature in NEEDED[case]:
        if nature not in given:
            reasons.append(Anomaly("R001", f"document missing: {nature.replace('_', ' ')} (required for {case})"))
    for document in declaration.documents:
        data = attachments.get(document.file_name)
        if data is None:
            message = f"{document.file_name} is named in the declaration but is not in the archive"
            reasons.append(Anomaly("R001", message))
            continue
        if not document.file_name.lower().endswith(".pdf") or b"%PDF-" not in data[:1024]:
            message = f"{document.file_name} is {kind_of(data)}: documents are accepted in PDF only (no JPEG, no HTML)"
            reasons.append(Anomaly("R002", message))
            continue
        for finding in inspect_scan(data, document.file_name).findings:
            if finding.code in PDF_REFUSALS:
                reasons.append(Anomaly("R002", f"{document.file_name}: {finding.message}"))
    return reasons
