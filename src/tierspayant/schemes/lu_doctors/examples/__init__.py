"""Examples of the device exchanges: a gynaecologist's ultrasound scanner shared by two doctors, and a generator of
large flat-rate files for benchmarks. Everything here is fictitious (SAMPLE reference data, made-up people)."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tierspayant.core.identifiers.matricule import compute_matricule
from tierspayant.schemes.lu_doctors.formats.messages import (
    Declaration,
    DeclarationFile,
    DeclaredDocument,
    Decommission,
    DeviceDetails,
    FlatRateFile,
    FlatRateInvoice,
    InvoiceLine,
    ValueItem,
)
from tierspayant.schemes.lu_doctors.formats.naming import DoctorsFileName
from tierspayant.schemes.lu_doctors.formats.writer import FlatRateWriter

GYNAECOLOGIST = "10234567"  # Dr Anne Gyné, declares the scanner
COLLEAGUE = "10345678"  # Dr Paul Écho, uses it with the identifier she passes on
ASSOCIATION = "20000001"


def sample_pdf(title: str, lines: tuple[str, ...] = ()) -> bytes:
    """A small real PDF (one A4 page of text), standing for a scanned paid invoice or a signed delivery note."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    page.setTitle(title)
    page.drawString(72, 770, title)
    for number, text in enumerate(lines):
        page.drawString(72, 740 - 16 * number, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def scanner(serial: str = "US-2024-000731", users: tuple[str, ...] = (GYNAECOLOGIST, COLLEAGUE)) -> DeviceDetails:
    """A purchased ultrasound scanner: the device, six probes (the sixth is not counted), a desk and a monitor."""
    probes = tuple(ValueItem("sonde", f"Sonde {n}", Decimal("2500.00")) for n in range(1, 7))
    return DeviceDetails(
        nature="nouveau",
        kind_code="ECHO",
        discipline_code="GYN",
        brand="Sonora",
        model="V8",
        serial_number=serial,
        address="12 rue de l'Exemple, L-1234 Luxembourg",
        in_hospital=False,
        in_service_on=date(2024, 6, 1),
        acquisition="achat",
        values=(
            ValueItem("appareil", "Échographe Sonora V8", Decimal("42000.00")),
            *probes,
            ValueItem("mobilier", "Bureau", Decimal("900.00")),
            ValueItem("informatique", "Écran", Decimal("450.00")),
        ),
        users=users,
    )


def purchase_documents() -> tuple[tuple[DeclaredDocument, ...], dict[str, bytes]]:
    documents = (
        DeclaredDocument("facture_acquittee", "facture.pdf"),
        DeclaredDocument("bon_livraison", "livraison.pdf"),
    )
    attachments = {
        "facture.pdf": sample_pdf("Facture acquittée", ("Échographe Sonora V8", "Payé le 2024-05-20")),
        "livraison.pdf": sample_pdf("Bon de livraison signé", ("N° de série US-2024-000731",)),
    }
    return documents, attachments


def new_device_declaration(reference: str = "DECL1", send_date: date = date(2025, 1, 6)) -> DeclarationFile:
    documents, attachments = purchase_documents()
    return DeclarationFile(
        declarant=GYNAECOLOGIST,
        declarant_type="medecin",
        reference=reference,
        send_date=send_date,
        declarations=(Declaration(1, documents, device=scanner()),),
        attachments=attachments,
    )


def decommission_declaration(device_id: str, on: date, reference: str = "DECL9") -> DeclarationFile:
    return DeclarationFile(
        declarant=GYNAECOLOGIST,
        declarant_type="medecin",
        reference=reference,
        send_date=on,
        declarations=(
            Declaration(
                1,
                (DeclaredDocument("formulaire_hors_service", "hors-service.pdf"),),
                decommission=Decommission(device_id, on, "vente"),
            ),
        ),
        attachments={"hors-service.pdf": sample_pdf("Déclaration de mise hors service", (device_id,))},
    )


def declaration_name(file: DeclarationFile) -> str:
    return DoctorsFileName(
        file.declarant, file.send_date.year, file.send_date.month, "DECLAPP", file.send_date, file.reference
    ).build()


def flat_rates_name(file: FlatRateFile) -> str:
    year, month = int(file.month[:4]), int(file.month[5:])
    return DoctorsFileName(file.billing_code, year, month, "FACFORF", file.send_date, file.reference).build()


def patient(serial: int) -> str:
    """A valid made-up matricule."""
    return compute_matricule(date(1970, 1, 1) + timedelta(days=serial * 37 % 15000), serial % 1000)


def third_party_invoice(
    number: str, doctor: str, matricule: str, day: date, device_id: str, code: str, amount: Decimal, fee_note: str
) -> FlatRateInvoice:
    line = InvoiceLine(1, day, code, amount, "CAB", device_id, "6E21", fee_note)
    return FlatRateInvoice(number, "tiers_payant", doctor, matricule, "CNS", (line,))


def generate_flat_rates(
    path: Path,
    lines: int,
    devices: list[tuple[str, str, Decimal]],
    month: date,
    seed: int = 7,
    reference: str = "BENCH",
) -> list[tuple[str, str, str, date, str]]:
    """A large FACFORF of third-party flat rates (one line per invoice) for ``devices`` ``(device_id, code, amount)``,
    written with the streaming writer; returns the technical acts it names ``(fee_note_id, doctor, matricule, date,
    act)`` so the fund can be told of them."""
    rng = random.Random(seed)
    doctors = [f"{10_000_000 + n * 7919:08d}" for n in range(1, 201)]
    days = (date(month.year + month.month // 12, month.month % 12 + 1, 1) - month).days
    acts: list[tuple[str, str, str, date, str]] = []
    with FlatRateWriter(path, ASSOCIATION, f"{month:%Y-%m}", reference, month + timedelta(days=days + 1)) as writer:
        for n in range(lines):
            device_id, code, amount = devices[n % len(devices)]
            doctor = doctors[rng.randrange(len(doctors))]
            day = month + timedelta(days=rng.randrange(days))
            matricule = patient(rng.randrange(1, 200_000))
            note = f"N{n:08d}"
            acts.append((note, doctor, matricule, day, "6E21"))
            writer.add(third_party_invoice(f"T{n:08d}", doctor, matricule, day, device_id, code, amount, note))
        writer.close()
    return acts
