"""Several fee notes issued at once (an assistant's or a billing office's run): every code signed first, then every
page drawn.

Drawing a page with reportlab evicts the signing code and its tables (ECDSA, the QR encoder, the canonical document)
from the processor's caches, so signing each note right before its page costs two to three times what signing costs
alone. Signing the whole batch first, then drawing every page, keeps each in cache while it runs
(``make bench ONLY=lu_doctors_digital`` measures both orders; figures and load in docs/performance.md). The pages
and codes are the same either way (tests/lu_doctors_digital/test_batch.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tierspayant.schemes.lu_doctors.digital.pdf import render_fee_note
from tierspayant.schemes.lu_doctors.formats.fee_note import FeeNote
from tierspayant.schemes.lu_doctors.reference.digital import Shares


@dataclass(frozen=True)
class Rendered:
    """One fee note of a batch: its signed code (None when it carries none) and its page."""

    qr_text: str | None
    pdf: bytes


def render_batch(
    notes: Sequence[FeeNote],
    shares: Sequence[Shares],
    sign: Callable[[FeeNote, Shares], str | None],
    doctor_name: Callable[[FeeNote], str] = lambda note: "",
) -> list[Rendered]:
    """Sign every note (``sign`` returns its QR text, or None for a note without one), then draw every page."""
    texts = [sign(note, share) for note, share in zip(notes, shares, strict=True)]
    return [
        Rendered(text, render_fee_note(note, share, text, doctor_name(note)))
        for note, share, text in zip(notes, shares, texts, strict=True)
    ]
