"""Examples of the device exchanges: a gynaecologist's ultrasound scanner shared by two doctors, and generators of
large flat-rate files and of runs of fee notes for benchmarks. Everything here is fictitious (SAMPLE reference data,
made-up people)."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tierspayant.core.identifiers.matricule import compute_matricule
from tierspayant.schemes.lu_doctors.formats.fee_note import FeeNote, FeeNoteAct
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


def bench_devices(count: int) -> list[str]:
    """Identifiers of ``count`` class-2 scanners (DF21 / DF22) for large generated files."""
    return [f"ECHO{n:07d}" for n in range(1, count + 1)]


def generate_flat_rates(
    path: Path, lines: int, devices: list[str], month: date, seed: int = 7, reference: str = "BENCH",
    lines_per_invoice: int = 5, pid_every: int = 10,
) -> list[tuple[str, str, str, date, str]]:  # fmt: skip
    """A large FACFORF of one association's month, written with the streaming writer: third-party invoices of
    ``lines_per_invoice`` flat rates (a patient's month), and every ``pid_every``-th invoice a PID fee note with its
    technical acts and flat rates. Returns the technical acts the third-party lines name, ``(fee_note_id, doctor,
    matricule, date, act)``, so the fund can be told of them."""
    rng = random.Random(seed)
    doctors = [f"{10_000_000 + n * 7919:08d}" for n in range(1, 201)]
    days = (date(month.year + month.month // 12, month.month % 12 + 1, 1) - month).days
    acts: list[tuple[str, str, str, date, str]] = []
    full = Decimal("36.00")
    technical = {"6E21": Decimal("51.20"), "6E11": Decimal("42.60")}
    written = 0
    number = 0
    with FlatRateWriter(path, ASSOCIATION, f"{month:%Y-%m}", reference, month + timedelta(days=days + 1)) as writer:
        while written < lines:
            number += 1
            doctor = doctors[rng.randrange(len(doctors))]
            matricule = patient(rng.randrange(1, 200_000))
            device_id = devices[rng.randrange(len(devices))]
            count = min(lines_per_invoice, lines - written)
            items: list[InvoiceLine] = []
            if number % pid_every == 0 and count >= 2:
                for pair in range(count // 2):
                    day = month + timedelta(days=rng.randrange(days))
                    code = rng.choice(("6E21", "6E11"))
                    items.append(InvoiceLine(2 * pair + 1, day, code, technical[code], "CAB"))
                    items.append(InvoiceLine(2 * pair + 2, day, "DF21", full, "CAB", device_id))
                writer.add(FlatRateInvoice(f"P{number:08d}", "pid", doctor, matricule, "CNS", tuple(items)))
            else:
                for line in range(1, count + 1):
                    day = month + timedelta(days=rng.randrange(days))
                    note = f"N{number:08d}-{line}"
                    code = rng.choice(("6E21", "6E11"))
                    acts.append((note, doctor, matricule, day, code))
                    items.append(InvoiceLine(line, day, "DF21", full, "CAB", device_id, code, note))
                writer.add(FlatRateInvoice(f"T{number:08d}", "tiers_payant", doctor, matricule, "CNS", tuple(items)))
            written += len(items)
        writer.close()
    return acts


def generated_fee_notes(count: int, doctor: str = GYNAECOLOGIST, prefix: str = "BENCH") -> list[FeeNote]:
    """``count`` paid consultations of ``doctor`` in March 2026 (every other one with a technical act), one patient
    each: a run of fee notes to sign and render."""
    notes = []
    for index in range(count):
        day = date(2026, 3, 1 + index % 28)
        acts = tuple(
            FeeNoteAct(line=line, act_code=code, service_date=day, unit_amount=Decimal(amount), amount=Decimal(amount))
            for line, (code, amount) in enumerate((("C1", "58.50"), ("1H61", "45.80"))[: 1 + index % 2], start=1)
        )
        born = date(1950 + index % 60, 1 + index % 12, 1 + index % 28)
        notes.append(
            FeeNote(
                fee_note_id=f"{prefix}-{index:06d}",
                doctor_code=doctor,
                patient_matricule=compute_matricule(born, index % 900),
                patient_name=f"Patient {index}",
                issued_on=day,
                acts=acts,
                total=sum((act.amount for act in acts), Decimal("0.00")),
            )
        )
    return notes
