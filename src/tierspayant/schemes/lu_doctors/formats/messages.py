"""The contents of the four device exchange files, in memory (what the writers write and the readers return).

Field names are English; the XML element names (French, like the CNS's own layouts) are in the writers and readers.
Amounts are ``Decimal`` euros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

DeclarationNature = Literal["nouveau", "occasion"]
Acquisition = Literal["achat", "leasing", "location"]
Category = Literal["appareil", "sonde", "mobilier", "informatique", "accessoire"]
DocumentNature = Literal[
    "facture_acquittee", "contrat_leasing", "contrat_location", "bon_livraison", "formulaire_occasion",
    "formulaire_hors_service",
]  # fmt: skip
Reason = Literal["vente", "abandon", "panne"]
Mode = Literal["tiers_payant", "pid"]
Place = Literal["CAB", "DOM", "HOP"]
AnswerStatus = Literal["enregistre", "cloture", "refuse"]


@dataclass(frozen=True)
class Anomaly:
    code: str
    message: str


# --- DECLAPP ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueItem:
    """One priced item of the acquisition value, by category (device, probe, furniture, IT, accessory)."""

    category: Category
    label: str
    amount: Decimal


@dataclass(frozen=True)
class DeclaredDocument:
    nature: DocumentNature
    file_name: str  # the PDF's name inside the ZIP


@dataclass(frozen=True)
class DeviceDetails:
    nature: DeclarationNature
    kind_code: str
    discipline_code: str
    brand: str
    model: str
    serial_number: str
    address: str
    in_hospital: bool
    in_service_on: date
    acquisition: Acquisition
    values: tuple[ValueItem, ...]
    users: tuple[str, ...]  # the doctors who use it (the declarant gives the identifier to the others)
    purchase_country: str | None = None


@dataclass(frozen=True)
class Decommission:
    device_id: str
    out_of_service_on: date  # first day the device is no longer used
    reason: Reason


@dataclass(frozen=True)
class Declaration:
    number: int
    documents: tuple[DeclaredDocument, ...]
    device: DeviceDetails | None = None
    decommission: Decommission | None = None


@dataclass(frozen=True)
class DeclarationFile:
    declarant: str
    declarant_type: Literal["medecin", "association"]
    reference: str
    send_date: date
    declarations: tuple[Declaration, ...]
    attachments: dict[str, bytes] = field(default_factory=dict)  # ZIP member name → content (PDFs)


# --- RETDECL ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    in_use_from: date
    acquisition_value: Decimal
    class_code: str
    annual_threshold: int
    amortisation_total: int
    full_code: str
    reduced_code: str


@dataclass(frozen=True)
class DeclarationAnswer:
    number: int
    status: AnswerStatus
    device_id: str | None = None
    registration: Registration | None = None
    closed_on: date | None = None
    reasons: tuple[Anomaly, ...] = ()


@dataclass(frozen=True)
class RegisterAnswer:
    declarant: str
    reference: str
    received_file: str
    processed_on: date
    answers: tuple[DeclarationAnswer, ...]
    file_anomalies: tuple[Anomaly, ...] = ()


# --- FACFORF ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceLine:
    line: int
    service_date: date
    act_code: str
    amount: Decimal
    place: Place = "CAB"
    device_id: str | None = None
    technical_act: str | None = None  # third party: the technical act billed to the patient
    fee_note_ref: str | None = None  # third party: the patient's fee note that bills it


@dataclass(frozen=True)
class FlatRateInvoice:
    invoice_number: str
    mode: Mode
    doctor_code: str
    matricule: str
    fund: str
    lines: tuple[InvoiceLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class Statement:
    """The monthly statement of device flat rates (not an "article 60" or "article 67" statement)."""

    invoice_count: int
    line_count: int
    total: Decimal


@dataclass(frozen=True)
class FlatRateFile:
    billing_code: str
    month: str  # YYYY-MM
    reference: str
    send_date: date
    invoices: tuple[FlatRateInvoice, ...]
    statement: Statement

    @staticmethod
    def statement_of(invoices: tuple[FlatRateInvoice, ...]) -> Statement:
        """The statement a correct file carries for these invoices."""
        return Statement(
            invoice_count=len(invoices),
            line_count=sum(len(i.lines) for i in invoices),
            total=sum((i.total for i in invoices), Decimal("0.00")),
        )


# --- RETFORF ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnLine:
    line: int
    act_code: str
    claimed: Decimal
    covered: Decimal
    paid_code: str | None = None
    anomalies: tuple[Anomaly, ...] = ()


@dataclass(frozen=True)
class ReturnInvoice:
    invoice_number: str
    lines: tuple[ReturnLine, ...]


@dataclass(frozen=True)
class ReturnFile:
    billing_code: str
    month: str
    reference: str
    received_file: str
    processed_on: date
    status: Literal["traite", "rejete"]
    invoices: tuple[ReturnInvoice, ...]
    line_count: int
    refused_count: int
    claimed: Decimal
    covered: Decimal
    payment_date: date | None = None
    file_anomalies: tuple[Anomaly, ...] = ()
