"""LU doctors' digital fee notes benchmark (``make bench ONLY=lu_doctors_digital``).

On N fee notes (default 300; ``TIERSPAYANT_BENCH_NOTES``), each measurement in its own child process:

  (a) baseline: the bare PDF rendering of the notes (no QR code);
  (b) the same notes signed (COSE_Sign1 ES256) and rendered with their QR code (qr_encoder, a 1-bit image), as the
      doctor's software issues a run of them (``DigitalDesk.issue_many``: every code signed, then every page drawn);
  (b1) the same, each note signed right before its page (``DigitalDesk.issue`` of one note) — shown, not the goal's;
  (c) (b) + deposited in the eDocuments vault (a fresh SQLite file, one transaction per deposit, the QR code
      verified against the published keys on deposit, as the vault does);
  (d) QR verifications offline (Base45 → zlib → COSE → ECDSA) of the notes' codes;
  (e) QR verifications from the PDF: the page rendered (pypdfium2), decoded (zxing-cpp), verified.

Prints notes/s and verifications/s, wall and CPU seconds (the machine is shared), the ratios b/a and c/a (goal:
signing and QR add ≤ 25 % over (a)), and the load average before and after.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

NOTES = int(os.environ.get("TIERSPAYANT_BENCH_NOTES", "300"))
console = Console()


def _notes(count: int) -> list[Any]:
    from tierspayant.schemes.lu_doctors.examples import generated_fee_notes

    return generated_fee_notes(count)  # type: ignore[no-any-return]


def _key() -> Any:
    from tierspayant.core.signing import SigningKey
    from tierspayant.schemes.lu_doctors.digital.keys import vector_signing_key

    return SigningKey(vector_signing_key().private_key, "10234567")


def bare(count: int) -> int:
    from tierspayant.schemes.lu_doctors.digital.fee_note_qr import shares_of
    from tierspayant.schemes.lu_doctors.digital.pdf import render_fee_note
    from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference

    reference = DigitalReference.sample()
    for note in _notes(count):
        render_fee_note(note, shares_of(note, reference), None)
    return count


def signed(count: int, deposit: bool = False) -> int:
    """The notes signed and rendered as the doctor's software issues a run of them (``DigitalDesk.issue_many``:
    every code signed, then every page drawn — ``digital.batch``), then deposited when ``deposit``."""
    from tierspayant.schemes.lu_doctors.digital.batch import render_batch
    from tierspayant.schemes.lu_doctors.digital.fee_note_qr import shares_of, signed_qr_text
    from tierspayant.schemes.lu_doctors.digital.keys import TEST_PSEUDONYMISATION_KEY
    from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference

    reference = DigitalReference.sample()
    notes = _notes(count)
    key = _key()
    vault, actor = _vault(key) if deposit else (None, None)
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    shares = [shares_of(note, reference) for note in notes]
    pages = render_batch(
        notes, shares, lambda note, share: signed_qr_text(note, share, TEST_PSEUDONYMISATION_KEY, key, at)
    )
    if vault is not None:
        for note, share, page in zip(notes, shares, pages, strict=True):
            _deposit(vault, actor, note, share, page.qr_text, page.pdf)
    return count


def one_by_one(count: int) -> int:
    """Each note signed right before its page is drawn (``DigitalDesk.issue`` of a single note)."""
    from tierspayant.schemes.lu_doctors.digital.fee_note_qr import shares_of, signed_qr_text
    from tierspayant.schemes.lu_doctors.digital.keys import TEST_PSEUDONYMISATION_KEY
    from tierspayant.schemes.lu_doctors.digital.pdf import render_fee_note
    from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference

    reference = DigitalReference.sample()
    key = _key()
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for note in _notes(count):
        shares = shares_of(note, reference)
        render_fee_note(note, shares, signed_qr_text(note, shares, TEST_PSEUDONYMISATION_KEY, key, at))
    return count


def _vault(key: Any) -> tuple[Any, Any]:
    from tierspayant.schemes.lu_doctors.edocuments.model import Actor, Role
    from tierspayant.schemes.lu_doctors.edocuments.vault import EDocumentsVault

    actor = Actor(Role.DOCTOR, "bench", "10234567")
    folder = tempfile.mkdtemp(prefix="bench-edoc-")
    vault = EDocumentsVault(f"sqlite:///{Path(folder) / 'edocuments.db'}")
    vault.init()
    vault.publish_key(actor, key.published(date(2025, 7, 1), date(2027, 12, 31)))
    return vault, actor


def _deposit(vault: Any, actor: Any, note: Any, shares: Any, text: str | None, pdf: bytes) -> None:
    from tierspayant.schemes.lu_doctors.edocuments.model import Deposit

    vault.deposit(actor, Deposit.of(note, shares, text, pdf, "bench"))


def _codes(count: int) -> tuple[list[str], Any]:
    from tierspayant.core.signing import KeySet
    from tierspayant.schemes.lu_doctors.digital.fee_note_qr import shares_of, signed_qr_text
    from tierspayant.schemes.lu_doctors.digital.keys import TEST_PSEUDONYMISATION_KEY
    from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference

    reference = DigitalReference.sample()
    key = _key()
    keys = KeySet()
    keys.add(key.published(date(2025, 7, 1), date(2027, 12, 31)))
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    texts = [signed_qr_text(n, shares_of(n, reference), TEST_PSEUDONYMISATION_KEY, key, at) for n in _notes(count)]
    return texts, keys


def prepare_codes(count: int) -> tuple[list[str], Any]:
    return _codes(count)


def verify_offline(prepared: tuple[list[str], Any]) -> int:
    from tierspayant.schemes.lu_doctors.digital.qr_payload import verify_fee_note_qr

    texts, keys = prepared
    for text in texts:
        verify_fee_note_qr(text, keys)
    return len(texts)


def prepare_pdfs(count: int) -> tuple[list[bytes], Any]:
    from tierspayant.schemes.lu_doctors.digital.fee_note_qr import shares_of
    from tierspayant.schemes.lu_doctors.digital.pdf import render_fee_note
    from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference

    reference = DigitalReference.sample()
    texts, keys = _codes(count)
    pdfs = [render_fee_note(n, shares_of(n, reference), t) for n, t in zip(_notes(count), texts, strict=True)]
    return pdfs, keys


def verify_from_pdf(prepared: tuple[list[bytes], Any]) -> int:
    from tierspayant.schemes.lu_doctors.digital.reader import verify_pdf

    pdfs, keys = prepared
    for pdf in pdfs:
        if verify_pdf(pdf, keys).verified is None:
            raise RuntimeError("a benchmark QR code did not verify")
    return len(pdfs)


def _child(target: Callable[..., Any], args: tuple[Any, ...], queue: Any, setup: tuple[Any, ...] | None) -> None:
    # the notes are built, the modules imported and one note rendered before the clock starts, in the baseline as
    # in the signed runs (a running service has done so: fonts loaded, the QR layout of the version cached)
    _notes(1)
    if setup is not None:
        args = (setup[0](*setup[1:]), *args)
    else:
        target(1, *args[1:])
    wall, cpu = time.perf_counter(), time.process_time()
    result = target(*args)
    queue.put((result, time.perf_counter() - wall, time.process_time() - cpu))


def measure(target: Callable[..., Any], *args: Any, setup: tuple[Any, ...] | None = None) -> tuple[Any, float, float]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(target, args, queue, setup))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"{target.__name__} failed in its child process")
    result = queue.get(timeout=5)
    if process.exitcode != 0:
        raise RuntimeError(f"{target.__name__} failed in its child process")
    return result  # type: ignore[no-any-return]


def main() -> None:
    load_before = os.getloadavg()
    a = measure(bare, NOTES)
    b = measure(signed, NOTES)
    b1 = measure(one_by_one, NOTES)
    c = measure(signed, NOTES, True)
    d = measure(verify_offline, setup=(prepare_codes, NOTES))
    e = measure(verify_from_pdf, setup=(prepare_pdfs, min(NOTES, 100)))
    load_after = os.getloadavg()
    table = Table(title=f"LU doctors' digital fee notes — {NOTES} notes, {os.cpu_count()} CPUs")
    for column in ("step", "items", "wall s", "CPU s", "items/s (wall)", "items/s (CPU)"):
        table.add_column(column, justify="left" if column == "step" else "right")
    rows = (
        ("(a) bare PDF rendering (baseline)", NOTES, a),
        ("(b) signed + rendered with QR, a run", NOTES, b),
        ("(b1) the same, note by note", NOTES, b1),
        ("(c) signed + rendered + deposited", NOTES, c),
        ("(d) QR verification, offline", NOTES, d),
        ("(e) QR verification from the PDF", min(NOTES, 100), e),
    )
    for label, items, (_, wall, cpu) in rows:
        table.add_row(label, str(items), f"{wall:.2f}", f"{cpu:.2f}", f"{items / wall:,.0f}", f"{items / cpu:,.0f}")
    console.print(table)
    console.print(
        f"b/a (wall) = {b[1] / a[1]:.2f}, (CPU) = {b[2] / a[2]:.2f}; note by note b1/a (wall) = {b1[1] / a[1]:.2f}, "
        f"(CPU) = {b1[2] / a[2]:.2f}; c/a (wall) = {c[1] / a[1]:.2f}, (CPU) = {c[2] / a[2]:.2f}; goal: b/a ≤ 1.25"
    )
    console.print(
        f"load average before {load_before[0]:.2f} {load_before[1]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f}"
    )


if __name__ == "__main__":
    main()
