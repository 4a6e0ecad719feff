"""From a fee note to its QR payload: the canonical document (what eDocuments keeps and the hash covers), the
shares at the statutory rate, and the keyed patient pseudonym."""

from __future__ import annotations

import json
from datetime import datetime

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


def canonical_document(note: FeeNote) -> bytes:
    """The fee note as JSON with sorted keys and no spaces (amounts as decimal text): the same bytes everywhere."""
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
