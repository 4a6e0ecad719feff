"""Signing keys and the key set an issuer publishes, so anyone can verify its signed codes offline.

A key is ECDSA P-256 (COSE algorithm ES256). Its key id (``kid``) is the first 8 bytes of the SHA-256 of its
SubjectPublicKeyInfo (as in the EU digital COVID certificate): short enough for a QR code, and computable by any
verifier from the published key alone. The published key set is JSON with each public key as a JWK (RFC 7517)
plus who it belongs to (``issuer``), the dates it may sign on and whether it was revoked.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

KEYSET_FORMAT = "tierspayant-keyset/1"
KID_BYTES = 8


class KeySetError(ValueError):
    """The published key set cannot be read (wrong format, bad key material, duplicate kid)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public_key: ec.EllipticCurvePublicKey) -> bytes:
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()[:KID_BYTES]


@dataclass(frozen=True)
class SigningKey:
    """The issuer's private key, with the name the published key set gives its public half."""

    private_key: ec.EllipticCurvePrivateKey
    issuer: str

    @cached_property  # computed once: it goes into every code the key signs
    def kid(self) -> bytes:
        return key_id(self.private_key.public_key())

    @classmethod
    def generate(cls, issuer: str) -> SigningKey:
        return cls(ec.generate_private_key(ec.SECP256R1()), issuer)

    @classmethod
    def from_pem(cls, pem: bytes, issuer: str) -> SigningKey:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
            raise KeySetError("the signing key must be an ECDSA P-256 private key")
        return cls(key, issuer)

    def to_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def published(self, not_before: date, not_after: date) -> PublishedKey:
        return PublishedKey(self.private_key.public_key(), self.issuer, not_before, not_after)


@dataclass(frozen=True)
class PublishedKey:
    """One entry of the key set: a public key, its owner and the dates it may sign on (inclusive)."""

    public_key: ec.EllipticCurvePublicKey
    issuer: str
    not_before: date
    not_after: date
    revoked: bool = False

    @property
    def kid(self) -> bytes:
        return key_id(self.public_key)

    def to_json(self) -> dict[str, Any]:
        numbers = self.public_key.public_numbers()
        return {
            "kid": base64.b64encode(self.kid).decode("ascii"),
            "issuer": self.issuer,
            "kty": "EC",
            "crv": "P-256",
            "alg": "ES256",
            "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big")),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "status": "revoked" if self.revoked else "active",
        }

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> PublishedKey:
        try:
            if (entry["kty"], entry["crv"], entry["alg"]) != ("EC", "P-256", "ES256"):
                raise KeySetError(f"key {entry.get('kid')}: only EC P-256 ES256 keys are supported")
            x = int.from_bytes(_unb64url(entry["x"]), "big")
            y = int.from_bytes(_unb64url(entry["y"]), "big")
            public_key = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
            key = cls(
                public_key,
                str(entry["issuer"]),
                date.fromisoformat(entry["not_before"]),
                date.fromisoformat(entry["not_after"]),
                revoked=entry.get("status", "active") == "revoked",
            )
        except KeySetError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise KeySetError(f"key set entry {entry.get('kid')!r} is malformed: {exc}") from exc
        if "kid" in entry and base64.b64decode(entry["kid"]) != key.kid:
            raise KeySetError(f"key set entry {entry['kid']!r}: kid does not match the SHA-256 of the public key")
        return key


@dataclass
class KeySet:
    """The issuer's published keys, by kid."""

    keys: dict[bytes, PublishedKey] = field(default_factory=dict)

    def add(self, key: PublishedKey) -> None:
        if key.kid in self.keys:
            raise KeySetError(f"kid {base64.b64encode(key.kid).decode()} is already in the key set")
        self.keys[key.kid] = key

    def get(self, kid: bytes) -> PublishedKey | None:
        return self.keys.get(kid)

    def to_json(self) -> str:
        entries = [key.to_json() for key in self.keys.values()]
        return json.dumps({"format": KEYSET_FORMAT, "keys": entries}, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> KeySet:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise KeySetError(f"the key set is not JSON: {exc}") from exc
        if not isinstance(document, dict) or document.get("format") != KEYSET_FORMAT:
            raise KeySetError(f"the key set is not in the {KEYSET_FORMAT} format")
        keyset = cls()
        for entry in document.get("keys", []):
            keyset.add(PublishedKey.from_json(entry))
        return keyset
