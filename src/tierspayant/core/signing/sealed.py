"""Signed, versioned codes verifiable offline: claims → CBOR (CWT) → COSE_Sign1 → zlib → Base45 → prefix.

The chain of the EU digital COVID certificate, scheme-neutral: an application chooses its prefix (a context name and
a version number, ``LUFN1:``) and its body (any CBOR value); this module adds who signed (``iss``) and when
(``iat``), signs with the issuer's key, and on reading says exactly why a code is refused.
"""

from __future__ import annotations

import base64
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import cbor2

from tierspayant.core.findings import Finding
from tierspayant.core.signing.base45 import Base45Error, b45decode, b45encode
from tierspayant.core.signing.cbor_items import integer, text
from tierspayant.core.signing.cose import CoseError, parse_sign1, sign1
from tierspayant.core.signing.keys import KeySet, SigningKey

CLAIM_ISS = 1  # RFC 8392: issuer
CLAIM_IAT = 6  # RFC 8392: issued at, seconds since the epoch
CLAIM_BODY = -65537  # the first private-use claim key: the application's body
MAX_INFLATED = 8192  # a QR code holds a few hundred bytes; anything that inflates beyond this is refused


class Refusal(StrEnum):
    """Why a code is refused, in the order the checks run."""

    BAD_PREFIX = "bad_prefix"  # not a code of this application
    UNSUPPORTED_VERSION = "unsupported_version"  # this application's prefix, a version this reader does not know
    CORRUPTED_BASE45 = "corrupted_base45"
    CORRUPTED_ZLIB = "corrupted_zlib"
    MALFORMED = "malformed"  # not a COSE_Sign1 with ES256 and a kid, or claims missing
    UNKNOWN_KEY = "unknown_key"  # the kid is not in the issuer's published key set
    BAD_SIGNATURE = "bad_signature"  # the content was changed after signing (or signed by another key)
    KEY_REVOKED = "key_revoked"
    KEY_EXPIRED = "key_expired"  # signed outside the key's published validity dates
    ISSUER_MISMATCH = "issuer_mismatch"  # the key belongs to someone else than the claimed issuer


class SealError(ValueError):
    """A refused code: its reason and a sentence for the person holding it."""

    def __init__(self, reason: Refusal, message: str) -> None:
        self.reason = reason
        super().__init__(f"{reason.value}: {message}")
        self.detail = message

    def finding(self, file: str | None = None) -> Finding:
        return Finding(
            code=f"QR-{self.reason.value.upper().replace('_', '-')}",
            message=self.detail,
            file=file,
            rule="signed QR code (COSE_Sign1 ES256, zlib, Base45)",
        )


@dataclass(frozen=True)
class Envelope:
    """An application's prefix: a context name and the version of its body (``LUFN`` + ``1`` → ``LUFN1:``)."""

    context: str
    version: int

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Z]{2,8}", self.context) or not 1 <= self.version <= 99:
            raise ValueError("an envelope's context is 2-8 capital letters and its version 1-99")

    @property
    def prefix(self) -> str:
        return f"{self.context}{self.version}:"


@dataclass(frozen=True)
class Opened:
    """A verified code: its body, who signed it, when, and with which key."""

    body: Any
    issuer: str
    issued_at: datetime
    kid: bytes

    @property
    def kid_text(self) -> str:
        return base64.b64encode(self.kid).decode("ascii")


_ZLIB_HEADER = b"\x78\xda"  # deflate, 32 KiB window, level 9: the header zlib.compress(data, 9) writes


def zlib_stored(data: bytes) -> bytes:
    """``data`` as a zlib stream of one stored (uncompressed) deflate block (RFC 1950, RFC 1951 §3.2.4).

    A signed message is ≈ 180 bytes, more than half of them random (signature, hash, pseudonym, kid): deflate does
    not shorten it, and zlib at level 9 then writes exactly this — for the test vectors and for 3,000 of 3,000
    benchmark fee notes. Deciding so costs zlib its Huffman trees, ≈ 8 µs a message (≈ 20 µs on a page being
    rendered), for nothing; writing the block costs the Adler-32. Any zlib inflater reads it."""
    if len(data) > MAX_INFLATED:
        raise ValueError(f"a sealed message holds at most {MAX_INFLATED} bytes, not {len(data)}")
    length = len(data)
    return (
        _ZLIB_HEADER
        + bytes((1, length & 0xFF, length >> 8, ~length & 0xFF, (~length >> 8) & 0xFF))  # final, stored, LEN, NLEN
        + data
        + zlib.adler32(data).to_bytes(4, "big")
    )


def claims_cbor(issuer: str, issued_at: datetime, body_cbor: bytes) -> bytes:
    """The CWT claims ``{1: iss, 6: iat, -65537: body}`` in CBOR, in that order (as cbor2 writes the dict), around
    a body already encoded as one CBOR data item."""
    return (
        b"\xa3"  # a map of three pairs
        + integer(CLAIM_ISS)
        + text(issuer)
        + integer(CLAIM_IAT)
        + integer(int(issued_at.timestamp()))
        + integer(CLAIM_BODY)
        + body_cbor
    )


def seal(envelope: Envelope, body: Any, key: SigningKey, issued_at: datetime) -> str:
    """The text to put in the QR code (alphanumeric mode)."""
    return seal_encoded(envelope, cbor2.dumps(body), key, issued_at)


def seal_encoded(envelope: Envelope, body_cbor: bytes, key: SigningKey, issued_at: datetime) -> str:
    """:func:`seal` for a body the application encodes itself (one well-formed CBOR data item)."""
    signed = sign1(claims_cbor(key.issuer, issued_at, body_cbor), key.private_key, key.kid)
    return envelope.prefix + b45encode(zlib_stored(signed))


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(data, MAX_INFLATED)
    except zlib.error as exc:
        raise SealError(Refusal.CORRUPTED_ZLIB, f"the compressed data is corrupted ({exc})") from exc
    if inflater.unconsumed_tail:
        raise SealError(Refusal.CORRUPTED_ZLIB, f"the data inflates beyond {MAX_INFLATED} bytes")
    if not inflater.eof:
        raise SealError(Refusal.CORRUPTED_ZLIB, "the compressed data is truncated")
    return inflated


def open_sealed(text: str, envelope: Envelope, keys: KeySet) -> Opened:
    """Verify a code offline against the published key set; raises :class:`SealError` with the reason."""
    match = re.match(r"([A-Z]+)(\d+):", text)
    if match is None or match.group(1) != envelope.context:
        raise SealError(Refusal.BAD_PREFIX, f"the code does not start with {envelope.prefix!r}")
    if int(match.group(2)) != envelope.version:
        raise SealError(
            Refusal.UNSUPPORTED_VERSION,
            f"version {match.group(2)} of {envelope.context} codes is not supported (this reader knows "
            f"version {envelope.version})",
        )
    try:
        compressed = b45decode(text[match.end() :])
    except Base45Error as exc:
        raise SealError(Refusal.CORRUPTED_BASE45, str(exc)) from exc
    try:
        message = parse_sign1(_inflate(compressed))
    except CoseError as exc:
        raise SealError(Refusal.MALFORMED, str(exc)) from exc
    kid_text = base64.b64encode(message.kid).decode("ascii")
    published = keys.get(message.kid)
    if published is None:
        raise SealError(Refusal.UNKNOWN_KEY, f"key {kid_text} is not in the published key set")
    if not message.verify(published.public_key):
        raise SealError(Refusal.BAD_SIGNATURE, f"the signature does not match the content (key {kid_text})")
    try:
        claims: Any = cbor2.loads(message.payload)
        issuer, iat, body = claims[CLAIM_ISS], claims[CLAIM_IAT], claims[CLAIM_BODY]
        if not isinstance(issuer, str) or not isinstance(iat, int):
            raise TypeError("iss must be text and iat an integer")
        issued_at = datetime.fromtimestamp(iat, UTC)
    except (cbor2.CBORDecodeError, KeyError, TypeError, ValueError, OverflowError, EOFError) as exc:
        raise SealError(Refusal.MALFORMED, f"the signed claims are incomplete: {exc}") from exc
    if published.revoked:
        raise SealError(Refusal.KEY_REVOKED, f"key {kid_text} of {published.issuer} was revoked")
    signed_on: date = issued_at.date()
    if not published.not_before <= signed_on <= published.not_after:
        raise SealError(
            Refusal.KEY_EXPIRED,
            f"key {kid_text} may sign from {published.not_before} to {published.not_after}; "
            f"this code was signed on {signed_on}",
        )
    if issuer != published.issuer:
        raise SealError(
            Refusal.ISSUER_MISMATCH, f"the code claims issuer {issuer!r} but key {kid_text} is {published.issuer!r}'s"
        )
    return Opened(body, issuer, issued_at, message.kid)
