"""The doctor's QR signing key, the published key registry, and the fixed keys of the published test vectors.

The practice keeps its private key in a PEM file readable by its owner only; its public half goes into the key
registry (a JSON key set, ``tierspayant-keyset/1``) that the eDocuments service publishes and every fund or app
downloads to verify codes offline. The pseudonymisation key is the funds' secret (shared with the eAdministrative
platforms that issue fee notes), never printed on a fee note.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from tierspayant.core.signing import KeySet, PublishedKey, SigningKey

# Published test vectors only (docs/lu-doctors-qr.md): derived from fixed text, so NEVER use them for real notes.
TEST_VECTOR_DOCTOR = "90812345"
_TEST_SCALAR = int.from_bytes(hashlib.sha256(b"tierspayant LUFN1 test vector signing key").digest(), "big")
TEST_PSEUDONYMISATION_KEY = hashlib.sha256(b"tierspayant LUFN1 test vector pseudonymisation key").digest()


def vector_signing_key() -> SigningKey:
    curve_order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    return SigningKey(ec.derive_private_key(_TEST_SCALAR % curve_order, ec.SECP256R1()), TEST_VECTOR_DOCTOR)


def load_or_create_key(folder: Path, doctor_code: str) -> SigningKey:
    """The doctor's key in ``folder/<code>.pem`` (created with mode 0600 the first time)."""
    path = folder / f"{doctor_code}.pem"
    if path.exists():
        return SigningKey.from_pem(path.read_bytes(), doctor_code)
    key = SigningKey.generate(doctor_code)
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.to_pem())
    return key


def publish(registry: Path, key: SigningKey, not_before: date, not_after: date) -> PublishedKey:
    """Add the key's public half to the registry file (written whole, then renamed: readers never see half)."""
    keys = KeySet.from_json(registry.read_text()) if registry.exists() else KeySet()
    published = key.published(not_before, not_after)
    if keys.get(published.kid) is None:
        keys.add(published)
        partial = registry.with_suffix(".part")
        partial.write_text(keys.to_json())
        partial.replace(registry)
    return published


def load_registry(registry: Path) -> KeySet:
    return KeySet.from_json(registry.read_text())
