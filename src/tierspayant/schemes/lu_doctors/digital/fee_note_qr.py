"""From a fee note to its QR payload: the canonical document (what eDocuments keeps and the hash covers), the
shares at the statutory rate, and the keyed patient pseudonym."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache

from pydantic import BaseModel
from pydantic_core import to_json

from tierspayant.core.signing import SigningKey
from tierspayant.schemes.lu_doctors.digital.qr_payload import (
    FeeNoteQr,
    document_hash,
    patient_pseudonym,
    sign_fee_note_qr,
)
from tierspayant.schemes.lu_doctors.formats.fee_note import FeeNote
from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference, Shares

_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))  # json.dumps builds one per call


@cache
def _sorted_fields(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(sorted(model.model_fields))


def canonical_document(note: FeeNote) -> bytes:
    """The fee note as JSON with sorted keys and no spaces (amounts as decimal text): the same bytes everywhere.

    The definition is ``json.dumps(note.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))``. Its
    bytes are made here by pydantic-core's JSON writer from the fields in sorted order, which writes the same values
    the same way (dates, decimal text, enum values, null) but leaves non-ASCII characters and DEL as they are where
    ``json.dumps`` escapes them: such a note (an accented name) takes the definition itself. Compared with the
    definition in tests/lu_doctors_digital/test_pdf_qr.py; half the cost, once per signed note."""
    fields = note.__dict__
    document = {name: fields[name] for name in _sorted_fields(type(note))}
    document["acts"] = [{name: act.__dict__[name] for name in _sorted_fields(type(act))} for act in note.acts]
    written = to_json(document)
    if written.isascii() and b"\x7f" not in written:
        return written
    return _CANONICAL_JSON.encode(note.model_dump(mode="json")).encode()


def shares_of(note: FeeNote, reference: DigitalReference) -> Shares:
    return reference.shares(note.total, note.patient_matricule, note.issued_on)


def qr_of(note: FeeNote, shares: Shares, pseudonymisation_key: bytes) -> FeeNoteQr:
    return FeeNoteQr(
        number=note.fee_note_id,
        doctor_code=note.doctor_code,
        issued_on=note.issued_on,
        total=note.total,
        patient_share=shares.patient,
        fund_share=shares.fund,
        fund=note.fund,
        document_hash=document_hash(canonical_document(note)),
        patient_pseudonym=patient_pseudonym(pseudonymisation_key, note.patient_matricule, note.fee_note_id),
    )


def signed_qr_text(
    note: FeeNote, shares: Shares, pseudonymisation_key: bytes, key: SigningKey, signed_at: datetime
) -> str:
    return sign_fee_note_qr(qr_of(note, shares, pseudonymisation_key), key, signed_at)
