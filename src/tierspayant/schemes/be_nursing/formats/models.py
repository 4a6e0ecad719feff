"""Typed models of a 920000 sending as the nurse's software builds it: sending → invoices (one per patient) → lines.

Amounts are ``Decimal`` euros (converted to cents in exactly one place, :func:`tierspayant.core.money.to_cents`);
identifiers are digit strings. Zones the models do not name can still be set through ``extra`` (zone name → value),
so nothing of the layout is out of reach.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from tierspayant.core.identifiers.niss import check_niss

Digits = Annotated[str, Field(pattern=r"^[0-9]+$")]


def _valid_niss(value: str) -> str:
    check = check_niss(value)
    if not check.valid:
        raise ValueError("; ".join(check.reasons) or "not a valid NISS")
    return value


Niss = Annotated[str, Field(pattern=r"^[0-9]{11}$"), AfterValidator(_valid_niss)]
EFACT_TEXT = r"^[ -~À-ÿ]*$"  # printable; accents are folded when written


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EidReading(_Model):
    """Record 52: the patient's identity document was read (mandatory from service date 2017-10-01)."""

    reading_date: date
    reading_time: Annotated[int, Field(ge=0, le=2359)]  # HHMM
    input_type: Annotated[int, Field(ge=0, le=9)] = 1  # 1 read electronically … 4 manual
    card_type: Annotated[int, Field(ge=0, le=9)] = 1
    card_serial_number: Annotated[str, Field(max_length=15, pattern=EFACT_TEXT)] = ""
    manual_entry_reason: Annotated[int, Field(ge=0, le=9)] = 0
    sticker_reason: Annotated[int, Field(ge=0, le=9)] = 0
    device_number: Annotated[int, Field(ge=0, lt=10**12)] = 0


class PaymentCommitment(_Model):
    """Record 51: the payment commitment (801900 answer) a line relies on."""

    commitment_number: Annotated[str, Field(min_length=1, max_length=48, pattern=EFACT_TEXT)]
    communication_date: date


class InsurabilityAnswer(_Model):
    """What a stored 801900 insurability answer puts in record 20 (zones 42-45 and 53-58)."""

    part_a: Literal[0, 1, 2] = 2  # 2 = payment commitment
    part_n: Annotated[int, Field(ge=0, lt=10**12)] = 0
    part_v: Annotated[int, Field(ge=0, lt=1000)] = 0
    reference: Annotated[str, Field(max_length=32, pattern=EFACT_TEXT)] = ""
    insurability_start_date: date | None = None
    insurability_end_date: date | None = None
    communication_date: date | None = None
    maf_current_year: Annotated[int, Field(ge=0, le=9999)] = 0
    maf_previous_year: Annotated[int, Field(ge=0, le=9999)] = 0
    maf_two_years_ago: Annotated[int, Field(ge=0, le=9999)] = 0
    mutuality: Annotated[int, Field(ge=0, le=999)] | None = None  # zone 327 of the answer
    ct1_ct2: Annotated[int, Field(ge=0, lt=10**10)] | None = None  # zones 328/329
    medical_house: bool = False  # zone 380: a contract with a medical house
    commitment_number: Annotated[str, Field(max_length=48, pattern=EFACT_TEXT)] = ""  # → record 51

    def valid_on(self, day: date) -> bool:
        start = self.insurability_start_date or date.min
        end = self.insurability_end_date or date.max
        return start <= day <= end


class ServiceLine(_Model):
    """Record 50 (one nursing service), with its optional records 51 and 52."""

    nomenclature_code: Annotated[int, Field(ge=1, lt=10**7)]
    service_date: date
    last_service_date: date | None = None
    care_provider: Digits  # the nurse's INAMI number
    insurance_amount: Decimal
    patient_share: Decimal = Decimal("0.00")
    supplement: Decimal = Decimal("0.00")
    units: Annotated[int, Field(ge=-9999, le=9999)] = 1
    night_weekend_code: Literal[0, 1, 2, 3, 4] = 0
    same_day_repetition: Annotated[int, Field(ge=0, le=99)] = 0
    prescription_date: date | None = None
    prescriber: Digits = "0"
    service_time: Annotated[int, Field(ge=0, le=2359)] = 0
    account: Literal["A", "B"] = "A"
    contracted_provider: Literal[0, 1] = 1
    institution_reference: Annotated[str, Field(max_length=25, pattern=EFACT_TEXT)] = ""
    relative_service: Annotated[int, Field(ge=0, lt=10**7)] = 0
    eid: EidReading | None = None
    payment_commitment: PaymentCommitment | None = None
    extra: dict[str, Any] = Field(default_factory=dict)  # any other record-50 zone by name

    @field_validator("insurance_amount", "patient_share", "supplement")
    @classmethod
    def _cents(cls, value: Decimal) -> Decimal:
        if value != value.quantize(Decimal("0.01")):
            raise ValueError("amounts have at most two decimals")
        return value


class Invoice(_Model):
    """One patient's invoice: record 20, its lines, record 80."""

    niss: Niss
    sex: Literal[1, 2]
    affiliation_mutuality: Annotated[int, Field(ge=100, le=999)]
    destination_mutuality: Annotated[int, Field(ge=100, le=999)]  # zone 18: the PUC number
    invoice_number: Annotated[int, Field(ge=1, lt=10**12)]
    ct1_ct2: Annotated[int, Field(ge=0, lt=10**10)] = 0
    invoicing_type: Literal[0, 1, 3] = 0  # 0 normal, 1 correction, 3 credit note
    invoice_type: Annotated[int, Field(ge=0, le=9)] = 3
    invoicing_date: date | None = None
    institution_reference: Annotated[str, Field(max_length=25, pattern=EFACT_TEXT)] = ""
    insurability: InsurabilityAnswer | None = None
    lines: Annotated[list[ServiceLine], Field(min_length=1)]
    extra: dict[str, Any] = Field(default_factory=dict)  # any other record-20 zone by name


class SendingModel(_Model):
    """A whole 920000: the sending's header data and its invoices."""

    message_type: Literal[12, 92] = 92  # 12 production, 92 test
    provider_reference: Annotated[str, Field(max_length=14, pattern=EFACT_TEXT)] = ""
    invoiced_period: Annotated[int, Field(ge=190001, le=999912)]  # YYYYMM
    sending_number: Annotated[int, Field(ge=1, le=999)]
    creation_date: date
    invoice_reference: Annotated[str, Field(max_length=13, pattern=EFACT_TEXT)] = ""
    instructions_version: Annotated[int, Field(ge=0, lt=10**7)] = 9991999  # 9991999 = test
    contact_last_name: Annotated[str, Field(max_length=45, pattern=EFACT_TEXT)] = ""
    contact_first_name: Annotated[str, Field(max_length=24, pattern=EFACT_TEXT)] = ""
    contact_phone: Digits = "0"
    invoice_type: Annotated[int, Field(ge=0, le=99)] = 3
    invoicing_mode: Annotated[int, Field(ge=0, le=99)] = 1
    third_party_number: Digits  # the nurse's or group's INAMI number
    company_number: Digits = "0"
    third_party_reference: Annotated[str, Field(max_length=25, pattern=EFACT_TEXT)] = ""
    iban: Annotated[str, Field(max_length=34, pattern=r"^[A-Z0-9]*$")] = ""
    bic: Annotated[str, Field(max_length=11, pattern=r"^[A-Z0-9]*$")] = ""
    federation: Annotated[int, Field(ge=0, le=999)] | None = None  # record 96; default: first digit of zone 18 + 99
    invoices: Annotated[list[Invoice], Field(min_length=1)]

    @property
    def year(self) -> int:
        return self.invoiced_period // 100

    @property
    def month(self) -> int:
        return self.invoiced_period % 100
