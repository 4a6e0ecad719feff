"""The doctor's fee note (mémoire d'honoraires): one patient, one doctor, acts of the doctors' nomenclature.

This is the in-memory shape every layer shares: the practice stores it, the digital fee-note layer renders, signs
and deposits it, the device flat-rate layer adds its flat-rate lines to it (PID) or bills them apart (third party).
Amounts are ``Decimal`` euros with two decimals; the model refuses a total that is not the sum of its acts.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tierspayant.core.identifiers.matricule import check_matricule
from tierspayant.core.identifiers.provider import provider_code_problem
from tierspayant.core.money import CENT

FUND_CODES = ("CNS", "CMFEP", "CMFEC", "EMCFL")
FEE_NOTE_ID = re.compile(r"[A-Za-z0-9.\-]{1,30}")  # like KIN references: no '_' (file-name separator)
DEVICE_ID = re.compile(r"[A-Z0-9]{4,20}")
ACT_CODE = re.compile(r"[A-Z0-9]{1,10}")

Euros = Annotated[Decimal, Field(max_digits=11, decimal_places=2)]


class BillingMode(StrEnum):
    """How a fee note is settled."""

    REIMBURSEMENT = "reimbursement"  # the patient pays and is reimbursed by the fund (remboursement)
    PID = "pid"  # immediate direct payment: the fund pays its share at once
    THIRD_PARTY = "third_party"  # tiers payant: the fund pays the doctor


def _provider(value: str | None) -> str | None:
    if value is None:
        return None
    problem = provider_code_problem(value)
    if problem:
        raise ValueError(problem)
    return value


class FeeNoteAct(BaseModel):
    """One line of a fee note: an act of the nomenclature on a date, with its amount.

    ``device_id`` is the CNS device identifier on a device flat-rate line (and may be given on the technical act
    the flat rate goes with); ``performer_code`` names the doctor who did the act when an association bills.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int = Field(ge=1, le=999)
    act_code: str
    service_date: date
    quantity: int = Field(default=1, ge=1, le=99)
    unit_amount: Euros = Field(ge=0)
    amount: Euros = Field(ge=0)
    device_id: str | None = None
    performer_code: str | None = None

    @field_validator("act_code")
    @classmethod
    def _act_code(cls, value: str) -> str:
        if not ACT_CODE.fullmatch(value):
            raise ValueError(f"an act code is 1–10 capital letters or digits, found {value!r}")
        return value

    @field_validator("device_id")
    @classmethod
    def _device(cls, value: str | None) -> str | None:
        if value is not None and not DEVICE_ID.fullmatch(value):
            raise ValueError(f"a device identifier is 4–20 capital letters or digits, found {value!r}")
        return value

    @field_validator("performer_code")
    @classmethod
    def _performer(cls, value: str | None) -> str | None:
        return _provider(value)

    @model_validator(mode="after")
    def _amount(self) -> Self:
        if self.amount != (self.unit_amount * self.quantity).quantize(CENT):
            raise ValueError(f"line {self.line}: amount {self.amount} is not {self.quantity} × {self.unit_amount}")
        return self


class FeeNote(BaseModel):
    """A doctor's fee note (mémoire d'honoraires)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fee_note_id: str
    doctor_code: str
    association_code: str | None = None
    patient_matricule: str
    patient_name: str = Field(min_length=1, max_length=200)
    fund: str = "CNS"
    issued_on: date
    mode: BillingMode = BillingMode.REIMBURSEMENT
    acts: tuple[FeeNoteAct, ...] = Field(min_length=1, max_length=999)
    total: Euros = Field(ge=0)
    paid_on: date | None = None

    @field_validator("fee_note_id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not FEE_NOTE_ID.fullmatch(value):
            raise ValueError(f"a fee note id is 1–30 letters, digits, '.' or '-', found {value!r}")
        return value

    @field_validator("doctor_code")
    @classmethod
    def _doctor(cls, value: str) -> str:
        checked = _provider(value)
        assert checked is not None
        return checked

    @field_validator("association_code")
    @classmethod
    def _association(cls, value: str | None) -> str | None:
        return _provider(value)

    @field_validator("patient_matricule")
    @classmethod
    def _matricule(cls, value: str) -> str:
        check = check_matricule(value)
        if not check.valid or check.normalized != value:
            raise ValueError("; ".join(check.reasons) or f"not a 13-digit matricule: {value!r}")
        return value

    @field_validator("fund")
    @classmethod
    def _fund(cls, value: str) -> str:
        if value not in FUND_CODES:
            raise ValueError(f"the fund is one of {', '.join(FUND_CODES)}, found {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        lines = [act.line for act in self.acts]
        if len(set(lines)) != len(lines):
            raise ValueError("two acts have the same line number")
        total = sum((act.amount for act in self.acts), Decimal("0.00"))
        if self.total != total:
            raise ValueError(f"the total {self.total} is not the sum of the acts ({total})")
        if any(act.service_date > self.issued_on for act in self.acts):
            raise ValueError("an act is dated after the fee note was issued")
        return self

    @property
    def billing_code(self) -> str:
        """The code the fee note is billed under: the association's when an association bills, else the doctor's."""
        return self.association_code or self.doctor_code


def price_acts(
    acts: list[tuple[str, date, int, str | None]], tariff: dict[tuple[str, date], Decimal]
) -> tuple[FeeNoteAct, ...]:
    """Fee-note lines at the official tariff: ``(act_code, service_date, quantity, device_id)`` → ``FeeNoteAct``."""
    priced = []
    for number, (code, day, quantity, device) in enumerate(acts, start=1):
        unit = tariff[(code, day)]
        priced.append(
            FeeNoteAct(
                line=number,
                act_code=code,
                service_date=day,
                quantity=quantity,
                unit_amount=unit,
                amount=(unit * quantity).quantize(CENT),
                device_id=device,
            )
        )
    return tuple(priced)
