"""COSE_Sign1 (RFC 9052 §4.2, §4.4) with ES256, written against the RFC with cbor2 and cryptography.

Only what a signed QR code needs: one signer, the algorithm and the kid in the protected header, no external data.
The signature is the raw ``r || s`` pair (RFC 9053 §2.1), not the DER form that cryptography produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

COSE_SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_KID = 4
ES256 = -7
COORDINATE_BYTES = 32


class CoseError(ValueError):
    """The bytes are not a COSE_Sign1 message this module can check (structure, algorithm, kid)."""


@dataclass(frozen=True)
class Sign1:
    """A parsed, not yet verified, COSE_Sign1 message."""

    protected: bytes
    kid: bytes
    payload: bytes
    signature: bytes

    def to_be_signed(self) -> bytes:
        return sig_structure(self.protected, self.payload)

    def verify(self, public_key: ec.EllipticCurvePublicKey) -> bool:
        if len(self.signature) != 2 * COORDINATE_BYTES:
            return False
        r = int.from_bytes(self.signature[:COORDINATE_BYTES], "big")
        s = int.from_bytes(self.signature[COORDINATE_BYTES:], "big")
        try:
            public_key.verify(encode_dss_signature(r, s), self.to_be_signed(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


def _bstr(data: bytes) -> bytes:
    """A CBOR byte string (major type 2) with the shortest length head (RFC 8949 §3, §4.2.1)."""
    length = len(data)
    if length < 24:
        return bytes((0x40 | length,)) + data
    if length < 0x100:
        return bytes((0x58, length)) + data
    if length < 0x10000:
        return b"\x59" + length.to_bytes(2, "big") + data
    return b"\x5a" + length.to_bytes(4, "big") + data


_SIGNATURE1 = b"\x84\x6aSignature1"  # array of 4, then the text "Signature1"
_TAGGED_SIGN1 = b"\xd2\x84"  # tag 18 (COSE_Sign1), array of 4


def sig_structure(protected: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    """The bytes actually signed: ``["Signature1", protected, external_aad, payload]`` in CBOR (RFC 9052 §4.4).

    Written by hand (three byte strings after a fixed prefix; the tests compare it with cbor2's encoding): it
    runs for every code signed and verified."""
    return _SIGNATURE1 + _bstr(protected) + _bstr(external_aad) + _bstr(payload)


_DETERMINISTIC = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)  # built once: immutable, used per code
_RANDOMISED = ec.ECDSA(hashes.SHA256())


@cache
def _protected_header(kid: bytes) -> bytes:
    return cbor2.dumps({HEADER_ALG: ES256, HEADER_KID: kid})


def sign1(payload: bytes, private_key: ec.EllipticCurvePrivateKey, kid: bytes, *, deterministic: bool = True) -> bytes:
    """A tagged COSE_Sign1 message; ``deterministic`` uses RFC 6979 nonces so test vectors can be reproduced."""
    protected = _protected_header(kid)
    der = private_key.sign(sig_structure(protected, payload), _DETERMINISTIC if deterministic else _RANDOMISED)
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(COORDINATE_BYTES, "big") + s.to_bytes(COORDINATE_BYTES, "big")
    return _TAGGED_SIGN1 + _bstr(protected) + b"\xa0" + _bstr(payload) + _bstr(signature)


def parse_sign1(data: bytes) -> Sign1:
    """Read a COSE_Sign1 (tagged or not); refuses other structures and algorithms other than ES256."""
    try:
        message: Any = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError) as exc:
        raise CoseError(f"not CBOR: {exc}") from exc
    if isinstance(message, cbor2.CBORTag):
        if message.tag != COSE_SIGN1_TAG:
            raise CoseError(f"CBOR tag {message.tag} is not COSE_Sign1 ({COSE_SIGN1_TAG})")
        message = message.value
    if not (isinstance(message, list) and len(message) == 4):
        raise CoseError("a COSE_Sign1 is an array of four items")
    protected, unprotected, payload, signature = message
    if not (isinstance(protected, bytes) and isinstance(payload, bytes) and isinstance(signature, bytes)):
        raise CoseError("COSE_Sign1 protected header, payload and signature must be byte strings")
    if not isinstance(unprotected, dict):
        raise CoseError("COSE_Sign1 unprotected header must be a map")
    try:
        headers: Any = cbor2.loads(protected) if protected else {}
    except (cbor2.CBORDecodeError, ValueError, TypeError, EOFError) as exc:
        raise CoseError(f"protected header is not CBOR: {exc}") from exc
    if not isinstance(headers, dict):
        raise CoseError("protected header must be a map")
    if headers.get(HEADER_ALG) != ES256:
        raise CoseError(f"algorithm {headers.get(HEADER_ALG)!r} is not ES256 ({ES256})")
    kid = headers.get(HEADER_KID, unprotected.get(HEADER_KID))
    if not isinstance(kid, bytes):
        raise CoseError("no key id (kid) in the headers")
    return Sign1(protected, kid, payload, signature)
