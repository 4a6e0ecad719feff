"""Realistic, valid example files of each KIN type (to learn the layout from), and a fast big-FAC generator.

Everything is built through the models and the writer, so an example is exactly what the project writes. The act
codes, tariffs and place categories below are SAMPLE values (the official nomenclature and annex 08 list are reference
data the fund loads); matricules are real-format numbers with valid Luhn + Verhoeff check digits.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Final

from tierspayant.core.identifiers.matricule import compute_matricule
from tierspayant.core.money import percentage
from tierspayant.schemes.lu_kin.formats.models import (
    Anomaly,
    AuthorisationDecision,
    AuthorisationRequest,
    BilledLine,
    DecisionOutcome,
    Demaut,
    Fac,
    FileHeader,
    Fund,
    Invoice,
    KinFile,
    Pathology,
    PrescribedAct,
    PrescriptionDocument,
    Retaut,
    Retfac,
    ReturnedInvoice,
    ReturnedLine,
)
from tierspayant.schemes.lu_kin.formats.writer import KinStreamWriter, to_bytes
from tierspayant.schemes.lu_kin.titre import make_titre_id


@dataclass(frozen=True, slots=True)
class SampleAct:
    """A SAMPLE nomenclature act: code, label, tariff in euros, pathology category it belongs to."""

    code: str
    label: str
    tariff: Decimal
    pathology: Pathology


SAMPLE_ACTS: Final[tuple[SampleAct, ...]] = (
    SampleAct("ZK11", "Séance de kinésithérapie, pathologie courante", Decimal("29.87"), Pathology.COMMON),
    SampleAct("ZK12", "Séance de kinésithérapie au domicile du patient", Decimal("35.42"), Pathology.COMMON),
    SampleAct("ZK21", "Rééducation post-chirurgicale", Decimal("38.10"), Pathology.POST_SURGICAL),
    SampleAct("ZK31", "Séance, pathologie lourde", Decimal("41.35"), Pathology.SERIOUS),
    SampleAct("ZK41", "Drainage lymphatique manuel", Decimal("33.56"), Pathology.LYMPHATIC_DRAINAGE),
)
# SAMPLE place-of-service categories (annex 08 is reference data): cabinet, patient's home, hospital, care home.
SAMPLE_PLACES: Final[tuple[str, ...]] = ("01", "02", "03", "04")
SAMPLE_COVERAGE: Final[dict[Pathology, Decimal]] = {
    Pathology.COMMON: Decimal(70),
    Pathology.POST_SURGICAL: Decimal(100),
    Pathology.SERIOUS: Decimal(100),
    Pathology.LYMPHATIC_DRAINAGE: Decimal(70),
}

FACTURIER: Final = "70012345"  # a physiotherapy practice billing for its members
PERFORMERS: Final = ("70012345", "70023456", "70034567")
PRESCRIBERS: Final = ("10123456", "10234567", "10345678")
PATIENTS: Final = (
    compute_matricule(date(1956, 3, 14), 12),
    compute_matricule(date(1979, 12, 20), 32),
    compute_matricule(date(1990, 9, 30), 123),
    compute_matricule(date(2011, 6, 5), 1),
)

TITRES: Final = (make_titre_id(2024, 1237), make_titre_id(2024, 1245))


def _pdf_name_and_hash(request_id: str) -> PrescriptionDocument:
    name = f"ORD-{request_id}.pdf"
    # The package engineer's ZIP carries the real PDF; the hash here is of a stand-in content named after it.
    return PrescriptionDocument(file_name=name, sha256=hashlib.sha256(name.encode()).hexdigest())


def _header(file_type: str, reference: str, send_date: date, **extra: object) -> FileHeader:
    sender = "CNS" if file_type in ("RETAUT", "RETFAC") else FACTURIER
    return FileHeader.model_validate(
        {
            "file_type": file_type,
            "sender": sender,
            "billing_provider": FACTURIER,
            "reference": reference,
            "send_date": send_date,
            **extra,
        }
    )


def example_demaut() -> Demaut:
    """Four requests: common pathology, post-surgical with two acts, a child's serious pathology, an AAA accident."""
    requests = [
        AuthorisationRequest(
            request_id="DA-2024-0001",
            matricule=PATIENTS[0],
            fund=Fund.CNS,
            prescriber_code=PRESCRIBERS[0],
            prescription_date=date(2024, 3, 1),
            acts=[PrescribedAct(act_code="ZK11", sessions=8)],
            pathology=Pathology.COMMON,
            performer_code=PERFORMERS[0],
            place_category="01",
            prescription=_pdf_name_and_hash("DA-2024-0001"),
        ),
        AuthorisationRequest(
            request_id="DA-2024-0002",
            matricule=PATIENTS[1],
            fund=Fund.CMFEP,
            prescriber_code=PRESCRIBERS[1],
            prescription_date=date(2024, 3, 4),
            acts=[PrescribedAct(act_code="ZK21", sessions=12), PrescribedAct(act_code="ZK41", sessions=4)],
            pathology=Pathology.POST_SURGICAL,
            performer_code=PERFORMERS[1],
            place_category="01",
            prescription=_pdf_name_and_hash("DA-2024-0002"),
        ),
        AuthorisationRequest(
            request_id="DA-2024-0003",
            matricule=PATIENTS[3],
            fund=Fund.CNS,
            prescriber_code=PRESCRIBERS[2],
            prescription_date=date(2024, 3, 5),
            acts=[PrescribedAct(act_code="ZK31", sessions=64)],
            pathology=Pathology.SERIOUS,
            performer_code=PERFORMERS[2],
            place_category="02",
            prescription=_pdf_name_and_hash("DA-2024-0003"),
        ),
        AuthorisationRequest(
            request_id="DA-2024-0004",
            matricule=PATIENTS[2],
            fund=Fund.AAA,
            prescriber_code=PRESCRIBERS[0],
            prescription_date=date(2024, 3, 6),
            acts=[PrescribedAct(act_code="ZK11", sessions=9)],
            pathology=Pathology.COMMON,
            performer_code=PERFORMERS[0],
            place_category="01",
            accident=True,
            accident_date=date(2024, 2, 27),
            prescription=_pdf_name_and_hash("DA-2024-0004"),
        ),
    ]
    return Demaut(header=_header("DEMAUT", "DA202403A", date(2024, 3, 7)), requests=requests)


def example_retaut() -> Retaut:
    """The CNS answer to ``example_demaut()``: two accords, a refusal with anomaly, one suspens."""
    issued = date(2024, 3, 8)
    decisions = [
        AuthorisationDecision(
            request_id="DA-2024-0001",
            matricule=PATIENTS[0],
            decision_date=issued,
            outcome=DecisionOutcome.ACCORD,
            titre_id=TITRES[0],
            issue_date=issued,
            valid_from=issued,
            valid_to=issued + timedelta(days=365),
            covered_acts=[PrescribedAct(act_code="ZK11", sessions=8)],
            coverage_rate=Decimal(70),
        ),
        AuthorisationDecision(
            request_id="DA-2024-0002",
            matricule=PATIENTS[1],
            decision_date=issued,
            outcome=DecisionOutcome.ACCORD,
            titre_id=TITRES[1],
            issue_date=issued,
            valid_from=issued,
            valid_to=issued + timedelta(days=365),
            covered_acts=[PrescribedAct(act_code="ZK21", sessions=12), PrescribedAct(act_code="ZK41", sessions=4)],
            coverage_rate=Decimal(100),
        ),
        AuthorisationDecision(
            request_id="DA-2024-0003",
            matricule=PATIENTS[3],
            decision_date=issued,
            outcome=DecisionOutcome.SUSPENS,
            motivation="Avis du Contrôle médical de la sécurité sociale demandé pour la pathologie lourde.",
        ),
        AuthorisationDecision(
            request_id="DA-2024-0004",
            matricule=PATIENTS[2],
            decision_date=issued,
            outcome=DecisionOutcome.REFUS,
            anomalies=[
                Anomaly(
                    code="K010",
                    label="Nombre de séances prescrites supérieur au maximum autorisé",
                    remark="9 séances demandées, 8 au maximum pour une pathologie courante.",
                )
            ],
        ),
    ]
    header = _header("RETAUT", "RA202403A", issued, original_reference="DA202403A")
    return Retaut(header=header, decisions=decisions)


def _line(number: int, titre: str, day: date, act: SampleAct, performer: str, place: str, rate: Decimal) -> BilledLine:
    share = act.tariff - percentage(act.tariff, rate)
    return BilledLine(
        line_number=number,
        titre_id=titre,
        service_date=day,
        act_code=act.code,
        performer_code=performer,
        place_category=place,
        tariff=act.tariff,
        insured_share=share,
        amount_asked=act.tariff - share,
    )


def example_fac() -> Fac:
    """March 2024 billing: two patients (common pathology at 70 %, post-surgical at 100 %), several sessions each."""
    zk11, zk21, zk41 = SAMPLE_ACTS[0], SAMPLE_ACTS[2], SAMPLE_ACTS[4]
    first = [
        _line(n, TITRES[0], date(2024, 3, d), zk11, PERFORMERS[0], "01", Decimal(70))
        for n, d in enumerate((11, 13, 15, 18), start=1)
    ]
    second = [
        _line(1, TITRES[1], date(2024, 3, 12), zk21, PERFORMERS[1], "01", Decimal(100)),
        _line(2, TITRES[1], date(2024, 3, 14), zk21, PERFORMERS[1], "01", Decimal(100)),
        _line(3, TITRES[1], date(2024, 3, 14), zk41, PERFORMERS[1], "01", Decimal(100)),
        _line(4, TITRES[1], date(2024, 3, 19), zk21, PERFORMERS[2], "02", Decimal(100)),
    ]
    invoices = [
        Invoice(invoice_number="MH-2024-03-001", matricule=PATIENTS[0], fund=Fund.CNS, lines=first),
        Invoice(invoice_number="MH-2024-03-002", matricule=PATIENTS[1], fund=Fund.CMFEP, lines=second),
    ]
    return Fac(header=_header("FAC", "FA202403", date(2024, 4, 2)), invoices=invoices)


def example_retfac() -> Retfac:
    """The CNS answer to ``example_fac()``: lines paid in full, one reduced (cumulation), one refused (performer)."""
    fac = example_fac()
    returned: list[ReturnedInvoice] = []
    for invoice in fac.invoices:
        lines = []
        for line in invoice.lines:
            covered, anomalies = line.amount_asked, []
            if invoice.invoice_number == "MH-2024-03-002" and line.line_number == 3:
                covered = percentage(line.amount_asked, 50)
                anomalies = [
                    Anomaly(code="K021", label="Cumul de deux actes le même jour: second acte réduit à 50 %"),
                ]
            if invoice.invoice_number == "MH-2024-03-002" and line.line_number == 4:
                covered = Decimal(0)
                anomalies = [
                    Anomaly(
                        code="K031",
                        label="Exécutant non déclaré membre du groupement de facturation",
                        remark="Code exécutant 70034567 sans adhésion au 19.03.2024.",
                    )
                ]
            lines.append(
                ReturnedLine(
                    line_number=line.line_number,
                    amount_asked=line.amount_asked,
                    amount_covered=covered,
                    insured_share=line.insured_share,
                    anomalies=anomalies,
                )
            )
        returned.append(
            ReturnedInvoice(invoice_number=invoice.invoice_number, matricule=invoice.matricule, lines=lines)
        )
    header = _header(
        "RETFAC",
        "RF202403",
        date(2024, 4, 20),
        original_reference="FA202403",
        deposit_date=date(2024, 4, 2),
        payment_due_date=date(2024, 5, 2),
    )
    return Retfac(header=header, invoices=returned)


EXAMPLES: Final[dict[str, Callable[[], KinFile]]] = {
    "DEMAUT": example_demaut,
    "RETAUT": example_retaut,
    "FAC": example_fac,
    "RETFAC": example_retfac,
}


def example_model(file_type: str) -> KinFile:
    """The example model of a file type (``DEMAUT``, ``RETAUT``, ``FAC``, ``RETFAC``; case-insensitive)."""
    try:
        build = EXAMPLES[file_type.upper()]
    except KeyError:
        raise ValueError(f"unknown KIN file type {file_type!r} (expected one of {', '.join(EXAMPLES)})") from None
    return build()


def example(file_type: str) -> bytes:
    """A realistic, valid XML file of the given type (``DEMAUT``, ``RETAUT``, ``FAC``, ``RETFAC``)."""
    return to_bytes(example_model(file_type))


# --- big FAC for benchmarks ---


def generate_invoices(
    n_lines: int, n_patients: int, n_performers: int, month: date, seed: int = 0
) -> Iterator[Invoice]:
    """Invoices of one month totalling ``n_lines`` lines, spread over ``n_patients`` patients and ``n_performers``
    performers (deterministic for a seed). Each patient has one titre and one invoice."""
    rng = random.Random(seed)
    first = month.replace(day=1)
    days_in_month = ((first + timedelta(days=32)).replace(day=1) - first).days
    performers = [f"7{i:07d}" for i in range(1, n_performers + 1)]
    base, extra = divmod(n_lines, n_patients)
    for patient in range(n_patients):
        count = base + (1 if patient < extra else 0)
        if count == 0:
            continue
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 30000))
        matricule = compute_matricule(birth, patient % 1000)
        act = SAMPLE_ACTS[rng.randrange(len(SAMPLE_ACTS))]
        rate = SAMPLE_COVERAGE[act.pathology]
        share = act.tariff - percentage(act.tariff, rate)
        titre = make_titre_id(first.year, patient + 1)
        performer = performers[rng.randrange(n_performers)]
        place = SAMPLE_PLACES[rng.randrange(len(SAMPLE_PLACES))]
        lines = [
            BilledLine.model_construct(
                line_number=n,
                titre_id=titre,
                service_date=first + timedelta(days=(n * 7 + patient) % days_in_month),
                act_code=act.code,
                performer_code=performer,
                place_category=place,
                tariff=act.tariff,
                insured_share=share,
                amount_asked=act.tariff - share,
            )
            for n in range(1, count + 1)
        ]
        # model_construct: the generator's values are valid by construction; validating 1M lines would double the time.
        yield Invoice.model_construct(
            invoice_number=f"MH{first:%Y%m}-{patient:06d}",
            matricule=matricule,
            fund=Fund.CNS,
            lines=lines,
            total_tariff=act.tariff * count,
            total_insured_share=share * count,
            total_asked=(act.tariff - share) * count,
        )


def generate_fac(
    path: Path | str,
    n_lines: int,
    n_patients: int,
    n_performers: int,
    month: date,
    seed: int = 0,
    reference: str = "BENCH",
) -> Path:
    """Write a big realistic FAC to ``path`` with the streaming writer (constant memory); returns the path."""
    header = _header("FAC", reference, month.replace(day=28))
    with KinStreamWriter(path, header) as out:
        out.write_all(generate_invoices(n_lines, n_patients, n_performers, month, seed))
    return Path(path)


__all__ = [
    "SAMPLE_ACTS",
    "SAMPLE_PLACES",
    "SampleAct",
    "example",
    "example_model",
    "generate_fac",
    "generate_invoices",
]
