"""Signed, versioned codes verifiable offline (QR codes): Base45, COSE_Sign1 ES256, published key sets."""

from tierspayant.core.signing.keys import KeySet, KeySetError, PublishedKey, SigningKey
from tierspayant.core.signing.sealed import Envelope, Opened, Refusal, SealError, open_sealed, seal, seal_encoded

__all__ = [
    "Envelope",
    "KeySet",
    "KeySetError",
    "Opened",
    "PublishedKey",
    "Refusal",
    "SealError",
    "SigningKey",
    "open_sealed",
    "seal",
    "seal_encoded",
]
