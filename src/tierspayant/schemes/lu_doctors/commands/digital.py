"""``tierspayant lu-doctors-digital …``: verify a fee note's QR code from its PDF, make and publish a doctor's QR
signing key, serve the eDocuments vault."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from tierspayant.core.signing import KeySet, KeySetError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="LU doctors' digital fee notes (QR, eDocuments).")


@app.command("verify-qr")
def verify_qr(
    pdf: Path = typer.Argument(..., exists=True, dir_okay=False, help="The fee note PDF."),
    keys: Path = typer.Option(..., "--keys", exists=True, dir_okay=False, help="The published key set (JSON)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Render the page, decode its QR code with a real decoder, verify it offline against the published keys."""
    from tierspayant.schemes.lu_doctors.digital.reader import verify_pdf

    try:
        keyset = KeySet.from_json(keys.read_text())
    except KeySetError as error:
        typer.echo(f"{keys}: {error}", err=True)
        raise typer.Exit(2) from None
    result = verify_pdf(pdf.read_bytes(), keyset, str(pdf))
    if result.verified is None:
        assert result.finding is not None
        if as_json:
            typer.echo(json.dumps({"valid": False, "finding": result.finding.to_dict()}, indent=2))
        else:
            typer.echo(f"REFUSED {result.finding}", err=True)
        raise typer.Exit(1)
    qr, signed = result.verified.qr, result.verified.signed
    data = {
        "valid": True,
        "fee_note": qr.number,
        "doctor_code": qr.doctor_code,
        "issued_on": qr.issued_on.isoformat(),
        "total": f"{qr.total:.2f}",
        "patient_share": f"{qr.patient_share:.2f}",
        "fund_share": f"{qr.fund_share:.2f}",
        "fund": qr.fund,
        "document_hash": qr.document_hash.hex(),
        "signed_at": signed.issued_at.isoformat(),
        "kid": signed.kid_text,
    }
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    else:
        typer.echo("VALID " + ", ".join(f"{k}={v}" for k, v in data.items() if k != "valid"))


@app.command("keygen")
def keygen(
    doctor: str = typer.Option(..., "--doctor", help="The doctor's provider code."),
    folder: Path = typer.Option(Path("var/keys"), "--folder", help="Where the private key is kept (mode 0600)."),
    registry: Path = typer.Option(Path("var/keys/keys.json"), "--registry", help="The key set to publish into."),
    valid_from: str = typer.Option(..., "--from", help="First day the key may sign (YYYY-MM-DD)."),
    valid_to: str = typer.Option(..., "--to", help="Last day the key may sign (YYYY-MM-DD)."),
) -> None:
    """Create (or reuse) the doctor's QR signing key and publish its public half in the key set."""
    from tierspayant.schemes.lu_doctors.digital.keys import load_or_create_key, publish

    key = load_or_create_key(folder, doctor)
    registry.parent.mkdir(parents=True, exist_ok=True)
    published = publish(registry, key, date.fromisoformat(valid_from), date.fromisoformat(valid_to))
    typer.echo(f"key {published.to_json()['kid']} of {doctor} published in {registry}")


@app.command("serve-edocuments")
def serve_edocuments(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8090, "--port"),
) -> None:
    """Start the eDocuments vault's API.

    Database: TIERSPAYANT_EDOCUMENTS_URL; callers' tokens: TIERSPAYANT_EDOCUMENTS_TOKENS (a JSON file).
    """
    import uvicorn

    uvicorn.run(
        "tierspayant.schemes.lu_doctors.edocuments.api:app_from_environment", factory=True, host=host, port=port
    )
