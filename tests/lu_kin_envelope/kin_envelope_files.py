"""KIN files for the package and command tests: the example DEMAUT with real prescription PDFs."""

from __future__ import annotations

import hashlib

from kin_envelope_pdfs import scan_pdf

from tierspayant.schemes.lu_kin.examples import example_model
from tierspayant.schemes.lu_kin.formats.models import Demaut, FileHeader, PrescriptionDocument
from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.formats.writer import to_bytes


def kin_name(header: FileHeader, extension: str | None = "xml") -> str:
    return KinFileName(
        provider_code=header.billing_provider,
        year=header.send_date.year,
        month=header.send_date.month,
        file_type=header.file_type,
        send_date=header.send_date,
        reference=header.reference,
        extension=extension,
    ).build()


def demaut_with_scans(dpis: dict[int, float] | None = None) -> tuple[str, bytes, dict[str, bytes]]:
    """(XML name, XML, PDFs by name): each request of the example DEMAUT with a real scan (250 DPI unless
    ``dpis`` says otherwise for a request's index) and the SHA-256 of that scan."""
    model = example_model("DEMAUT")
    assert isinstance(model, Demaut)
    documents: dict[str, bytes] = {}
    requests = []
    for index, request in enumerate(model.requests):
        pdf = scan_pdf([(dpis or {}).get(index, 250)], pixels=(120 + index, 160))
        file_name = request.prescription.file_name
        documents[file_name] = pdf
        prescription = PrescriptionDocument(file_name=file_name, sha256=hashlib.sha256(pdf).hexdigest())
        requests.append(request.model_copy(update={"prescription": prescription}))
    demaut = Demaut(header=model.header, requests=requests)
    return kin_name(model.header), to_bytes(demaut), documents
