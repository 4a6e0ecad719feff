"""The fee note's QR payload, version 1 (``LUFN1:``) — the project's own format, documented in docs/lu-doctors-qr.md.

The official payload is not public. This one says which fee note, who issued it, its date and amounts, carries a
hash binding the paper to the digital copy deposited in eDocuments, and NO clear matricule: only a keyed pseudonym
(HMAC) that the fund, which holds the pseudonymisation key, recomputes from the claimant's matricule. The body is a
CBOR map with small integer keys so the code stays at QR version ≤ 13 (ECC level M). The issuer (the doctor's
provider code) is the signed ``iss`` claim, checked against the published key's owner.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tierspayant.core.money import from_cents, to_cents
from tierspayant.core.signing import Envelope, KeySet, Opened, Refusal, SealError, SigningKey, open_sealed, seal_encoded
from tierspayant.core.signing.cbor_items import byte_string, integer, text
from tierspayant.core.signing.hmac_sha256 import hmac_sha256

ENVELOPE = Envelope("LUFN", 1)
HASH_BYTES = 16  # SHA-256 truncated: 128 bits tell a changed fee note apart
PSEUDONYM_BYTES = 12
FUNDS = ("CNS", "CMFEP", "CMFEC", "EMCFL")

# body keys of version 1 (never renumber: a new meaning is a new version)
K_NUMBER, K_DATE, K_TOTAL, K_PATIENT, K_FUND_SHARE, K_FUND, K_HASH, K_PSEUDONYM = range(1, 9)


@dataclass(frozen=True)
class FeeNoteQr:
    """What the QR code of a fee note says (version 1)."""

    number: str  # the fee note's number, unique for the doctor
    doctor_code: str  # the issuing doctor's provider code (the signed iss claim)
    issued_on: date
    total: Decimal
    patient_share: Decimal
    fund_share: Decimal
    fund: str  # the insured's fund: CNS, CMFEP, CMFEC or EMCFL
    document_hash: bytes  # first 16 bytes of the SHA-256 of the fee note's canonical document
    patient_pseudonym: bytes  # HMAC-SHA256(pseudonymisation key, matricule + fee note number), first 12 bytes

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= len(self.number) <= 30:
            problems.append("the fee note number has 1 to 30 characters")
        if self.total != self.patient_share + self.fund_share:
            problems.append(f"total {self.total} ≠ patient share {self.patient_share} + fund share {self.fund_share}")
        if min(self.total, self.patient_share, self.fund_share) < 0:
            problems.append("amounts are not negative")
        if self.fund not in FUNDS:
            problems.append(f"fund {self.fund!r} is not one of {', '.join(FUNDS)}")
        if len(self.document_hash) != HASH_BYTES or len(self.patient_pseudonym) != PSEUDONYM_BYTES:
            problems.append(f"the hash has {HASH_BYTES} bytes and the pseudonym {PSEUDONYM_BYTES}")
        if problems:
            raise ValueError("; ".join(problems))

    def body(self) -> dict[int, Any]:
        return {
            K_NUMBER: self.number,
            K_DATE: self.issued_on.year * 10000 + self.issued_on.month * 100 + self.issued_on.day,
            K_TOTAL: to_cents(self.total),
            K_PATIENT: to_cents(self.patient_share),
            K_FUND_SHARE: to_cents(self.fund_share),
            K_FUND: self.fund,
            K_HASH: self.document_hash,
            K_PSEUDONYM: self.patient_pseudonym,
        }

    def body_cbor(self) -> bytes:
        """:meth:`body` in CBOR, written by hand (the same bytes as ``cbor2.dumps(self.body())``, compared in the
        tests): a map of eight pairs, keys 1 to 8 in order."""
        day = self.issued_on
        return b"".join(
            (
                b"\xa8\x01",
                text(self.number),
                b"\x02",
                integer(day.year * 10000 + day.month * 100 + day.day),
                b"\x03",
                integer(to_cents(self.total)),
                b"\x04",
                integer(to_cents(self.patient_share)),
                b"\x05",
                integer(to_cents(self.fund_share)),
                b"\x06",
                text(self.fund),
                b"\x07",
                byte_string(self.document_hash),
                b"\x08",
                byte_string(self.patient_pseudonym),
            )
        )

    @classmethod
    def from_body(cls, body: Any, doctor_code: str) -> FeeNoteQr:
        try:
            if not isinstance(body, dict) or set(body) != set(range(1, 9)):
                raise ValueError(f"body keys are {sorted(body) if isinstance(body, dict) else type(body).__name__}")
            ymd = body[K_DATE]
            amounts = [body[K_TOTAL], body[K_PATIENT], body[K_FUND_SHARE]]
            if not isinstance(ymd, int) or not all(isinstance(cents, int) for cents in amounts):
                raise ValueError("the date and the amounts are integers")
            if not all(isinstance(body[k], str) for k in (K_NUMBER, K_FUND)):
                raise ValueError("the number and the fund are text")
            if not all(isinstance(body[k], bytes) for k in (K_HASH, K_PSEUDONYM)):
                raise ValueError("the hash and the pseudonym are bytes")
            return cls(
                number=body[K_NUMBER],
                doctor_code=doctor_code,
                issued_on=date(ymd // 10000, ymd // 100 % 100, ymd % 100),
                total=from_cents(amounts[0]),
                patient_share=from_cents(amounts[1]),
                fund_share=from_cents(amounts[2]),
                fund=body[K_FUND],
                document_hash=body[K_HASH],
                patient_pseudonym=body[K_PSEUDONYM],
            )
        except (ValueError, TypeError, OverflowError) as exc:
            raise SealError(Refusal.MALFORMED, f"not a version 1 fee note payload: {exc}") from exc


@dataclass(frozen=True)
class VerifiedFeeNoteQr:
    """A QR code whose signature checked out against the doctor's published key."""

    qr: FeeNoteQr
    signed: Opened


def document_hash(canonical_document: bytes) -> bytes:
    return hashlib.sha256(canonical_document).digest()[:HASH_BYTES]


def patient_pseudonym(pseudonymisation_key: bytes, matricule: str, number: str) -> bytes:
    """Keyed, per fee note: a plain hash of a 13-digit matricule (a birth date and a few digits) could be reversed
    by trying every one; the fee note number in it keeps two fee notes of one patient unlinkable."""
    message = f"LUFN1|{matricule}|{number}".encode()
    return hmac_sha256(pseudonymisation_key, message)[:PSEUDONYM_BYTES]


def pseudonym_matches(pseudonymisation_key: bytes, matricule: str, qr: FeeNoteQr) -> bool:
    expected = patient_pseudonym(pseudonymisation_key, matricule, qr.number)
    return hmac.compare_digest(expected, qr.patient_pseudonym)


def sign_fee_note_qr(qr: FeeNoteQr, key: SigningKey, signed_at: datetime) -> str:
    """The QR text; the key must be the issuing doctor's (its published owner is checked on verification)."""
    if key.issuer != qr.doctor_code:
        raise ValueError(f"the key is {key.issuer}'s, the fee note is {qr.doctor_code}'s")
    return seal_encoded(ENVELOPE, qr.body_cbor(), key, signed_at)


def verify_fee_note_qr(text: str, keys: KeySet) -> VerifiedFeeNoteQr:
    """Offline verification; raises :class:`~tierspayant.core.signing.SealError` with the reason."""
    opened = open_sealed(text, ENVELOPE, keys)
    return VerifiedFeeNoteQr(FeeNoteQr.from_body(opened.body, opened.issuer), opened)
