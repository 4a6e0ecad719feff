"""The verify-qr command on real PDFs: valid, tampered, unknown key, no QR; and keygen publishing a key set."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tierspayant.core.signing import KeySet, SigningKey
from tierspayant.schemes.lu_doctors.commands.digital import app
from tierspayant.schemes.lu_doctors.digital.fee_note_qr import shares_of, signed_qr_text
from tierspayant.schemes.lu_doctors.digital.keys import TEST_PSEUDONYMISATION_KEY, load_or_create_key
from tierspayant.schemes.lu_doctors.digital.pdf import render_fee_note
from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference

from .helpers import DOCTOR, SIGNED_AT, fee_note
from .test_pdf_qr import _forge_amount

runner = CliRunner()
REFERENCE = DigitalReference.sample()


def _setup(tmp_path: Path) -> tuple[SigningKey, Path]:
    registry = tmp_path / "keys.json"
    result = runner.invoke(
        app, ["keygen", "--doctor", DOCTOR, "--folder", str(tmp_path / "k"), "--registry", str(registry),
              "--from", "2025-07-01", "--to", "2027-06-30"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    key = load_or_create_key(tmp_path / "k", DOCTOR)
    assert key.kid in KeySet.from_json(registry.read_text()).keys
    assert (tmp_path / "k" / f"{DOCTOR}.pem").stat().st_mode & 0o777 == 0o600
    return key, registry


def _write(tmp_path: Path, name: str, text: str | None) -> Path:
    note = fee_note()
    path = tmp_path / name
    path.write_bytes(render_fee_note(note, shares_of(note, REFERENCE), text))
    return path


def test_verify_valid_pdf(tmp_path: Path) -> None:
    key, registry = _setup(tmp_path)
    note = fee_note()
    pdf = _write(
        tmp_path, "ok.pdf", signed_qr_text(note, shares_of(note, REFERENCE), TEST_PSEUDONYMISATION_KEY, key, SIGNED_AT)
    )
    result = runner.invoke(app, ["verify-qr", str(pdf), "--keys", str(registry), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["fee_note"], data["fund_share"], data["patient_share"]) == ("FN-1", "51.48", "7.02")


def test_verify_refusals(tmp_path: Path) -> None:
    key, registry = _setup(tmp_path)
    note = fee_note()
    text = signed_qr_text(note, shares_of(note, REFERENCE), TEST_PSEUDONYMISATION_KEY, key, SIGNED_AT)
    shares = shares_of(note, REFERENCE)
    unknown = signed_qr_text(note, shares, TEST_PSEUDONYMISATION_KEY, SigningKey.generate(DOCTOR), SIGNED_AT)
    cases = {
        "tampered.pdf": (_forge_amount(text), "QR-BAD-SIGNATURE"),
        "unknown.pdf": (unknown, "QR-UNKNOWN-KEY"),
        "none.pdf": (None, "QR-NOT-FOUND"),
    }  # fmt: skip
    for name, (qr_text, code) in cases.items():
        result = runner.invoke(app, ["verify-qr", str(_write(tmp_path, name, qr_text)), "--keys", str(registry)])
        assert result.exit_code == 1, name
        assert f"[{code}]" in result.output, result.output


def test_bad_key_set(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    pdf = _write(tmp_path, "none.pdf", None)
    result = runner.invoke(app, ["verify-qr", str(pdf), "--keys", str(bad)])
    assert result.exit_code == 2 and "format" in result.output
