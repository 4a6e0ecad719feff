"""Reference data of digital fee notes: the statutory reimbursement rate by age, and the CNS's compensation of
digital sending per document, each with validity dates and source (SAMPLE files in ``sample_digital/``; an official
directory with the same file names replaces them).

The rows are few, so plain dataclasses; the checks are the same as for the other reference tables: every row has
``valid_from``/``valid_to`` (empty = open) and a ``source``, and two rows for the same key never overlap.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.identifiers.matricule import check_matricule
from tierspayant.core.money import parse_euros, round_cents

RATES_FILE = "reimbursement_rates.csv"
COMPENSATION_FILE = "digital_compensation.csv"
OPEN = date(9999, 12, 31)
RULE = "digital fee notes reference data"


@dataclass(frozen=True)
class Rate:
    age_from: int
    age_to: int
    fund_percent: Decimal
    valid_from: date
    valid_to: date
    source: str


@dataclass(frozen=True)
class Compensation:
    amount: Decimal
    valid_from: date
    valid_to: date
    source: str


@dataclass(frozen=True)
class Shares:
    fund_percent: Decimal
    fund: Decimal
    patient: Decimal


def _rows(name: str, text: str) -> list[tuple[int, dict[str, str]]]:
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in lines)))
    return [(lines[i + 1][0], row) for i, row in enumerate(reader)]


def _period(name: str, line: int, row: dict[str, str]) -> tuple[date, date]:
    try:
        start = date.fromisoformat(row["valid_from"])
        end = date.fromisoformat(row["valid_to"]) if row.get("valid_to") else OPEN
    except (KeyError, ValueError) as exc:
        raise FindingsError([Finding("DOCREF-DATE", f"bad validity dates: {exc}", name, line, rule=RULE)]) from exc
    if end < start or not row.get("source"):
        raise FindingsError([Finding("DOCREF-ROW", "valid_to before valid_from, or no source", name, line, rule=RULE)])
    return start, end


class DigitalReference:
    """Rates and compensation amounts, looked up by date."""

    def __init__(self, rates: list[Rate], compensations: list[Compensation]) -> None:
        self.rates = rates
        self.compensations = compensations
        for index, rate in enumerate(rates):
            for other in rates[index + 1 :]:
                ages = rate.age_from <= other.age_to and other.age_from <= rate.age_to
                if ages and rate.valid_from <= other.valid_to and other.valid_from <= rate.valid_to:
                    raise FindingsError([Finding("DOCREF-OVERLAP", f"rates {rate} and {other} overlap", RATES_FILE)])
        for index, amount in enumerate(compensations):
            for other_amount in compensations[index + 1 :]:
                if amount.valid_from <= other_amount.valid_to and other_amount.valid_from <= amount.valid_to:
                    raise FindingsError([Finding("DOCREF-OVERLAP", "compensation periods overlap", COMPENSATION_FILE)])

    @classmethod
    def from_texts(cls, rates_text: str, compensation_text: str) -> DigitalReference:
        rates = []
        for line, row in _rows(RATES_FILE, rates_text):
            start, end = _period(RATES_FILE, line, row)
            rates.append(
                Rate(int(row["age_from"]), int(row["age_to"]), Decimal(row["fund_percent"]), start, end, row["source"])
            )
        compensations = []
        for line, row in _rows(COMPENSATION_FILE, compensation_text):
            start, end = _period(COMPENSATION_FILE, line, row)
            compensations.append(Compensation(parse_euros(row["amount"]), start, end, row["source"]))
        return cls(rates, compensations)

    @classmethod
    def sample(cls) -> DigitalReference:
        folder = resources.files("tierspayant.schemes.lu_doctors.reference") / "sample_digital"
        return cls.from_texts((folder / RATES_FILE).read_text(), (folder / COMPENSATION_FILE).read_text())

    @classmethod
    def from_dir(cls, directory: Path) -> DigitalReference:
        return cls.from_texts((directory / RATES_FILE).read_text(), (directory / COMPENSATION_FILE).read_text())

    def fund_percent(self, age: int, on: date) -> Decimal:
        for rate in self.rates:
            if rate.age_from <= age <= rate.age_to and rate.valid_from <= on <= rate.valid_to:
                return rate.fund_percent
        raise KeyError(f"no reimbursement rate for age {age} on {on}")

    def shares(self, total: Decimal, matricule: str, on: date) -> Shares:
        """The fund's and the patient's shares of a total, at the rate for the patient's age on ``on``."""
        percent = self.fund_percent(age_on(matricule, on), on)
        fund = round_cents(total * percent / 100)
        return Shares(percent, fund, total - fund)

    def compensation(self, on: date) -> Decimal:
        for amount in self.compensations:
            if amount.valid_from <= on <= amount.valid_to:
                return amount.amount
        raise KeyError(f"no compensation amount for digital sending on {on}")


def birth_date(matricule: str) -> date:
    check = check_matricule(matricule)
    if not check.valid:
        raise ValueError(f"not a matricule: {matricule}")
    return date(int(matricule[:4]), int(matricule[4:6]), int(matricule[6:8]))


def age_on(matricule: str, on: date) -> int:
    """Age in whole years on ``on``: the birthday itself counts (18 on one's 18th birthday)."""
    born = birth_date(matricule)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
