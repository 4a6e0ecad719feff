"""What the nurse records: the group's settings, patients (with their stored insurability answer) and visits.

A visit book is read from YAML (everything) or CSV (visits with the patient's columns inline); see
``examples/visits_202403.yaml``.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tierspayant.schemes.be_nursing.formats.models import EFACT_TEXT, InsurabilityAnswer, Niss


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GroupSettings(_Model):
    """Who invoices: the nurse or nursing group (third-party payer) and how they are paid."""

    third_party_number: Annotated[str, Field(pattern=r"^[0-9]{1,12}$")]
    name: Annotated[str, Field(max_length=25, pattern=EFACT_TEXT)] = ""
    contact_last_name: Annotated[str, Field(max_length=45, pattern=EFACT_TEXT)] = ""
    contact_first_name: Annotated[str, Field(max_length=24, pattern=EFACT_TEXT)] = ""
    contact_phone: Annotated[str, Field(pattern=r"^[0-9]{0,10}$")] = ""
    iban: Annotated[str, Field(max_length=34, pattern=r"^[A-Z0-9]*$")] = ""
    bic: Annotated[str, Field(max_length=11, pattern=r"^[A-Z0-9]*$")] = ""
    company_number: Annotated[str, Field(pattern=r"^[0-9]{0,10}$")] = ""
    production: bool = False  # False: test messages (92), True: production (12)


class PatientRecord(_Model):
    niss: Niss
    sex: Literal[1, 2]
    affiliation_mutuality: Annotated[int, Field(ge=100, le=999)]
    destination_mutuality: Annotated[int, Field(ge=100, le=999)]  # zone 18: the mutuality's PUC
    ct1_ct2: Annotated[int, Field(ge=0, lt=10**10)] = 0
    insurability: InsurabilityAnswer | None = None  # the stored 801900 answer


class Visit(_Model):
    """One nursing service given."""

    patient: Annotated[str, Field(pattern=r"^[0-9]{11}$")]
    date: dt.date
    time: Annotated[int, Field(ge=0, le=2359)] = 0  # HHMM
    nurse: Annotated[str, Field(pattern=r"^[0-9]{11}$")]  # INAMI number of the nurse
    code: Annotated[int, Field(ge=1, lt=10**7)]
    amount: Decimal
    patient_share: Decimal = Decimal("0.00")
    night_weekend_code: Literal[0, 1, 2, 3, 4] = 0
    same_day_repetition: Annotated[int, Field(ge=0, le=99)] = 0
    prescription_date: dt.date | None = None
    prescriber: Annotated[str, Field(pattern=r"^[0-9]{1,12}$")] = "0"
    eid_read_at: dt.datetime | None = None  # when the patient's eID was read (record 52)
    eid_serial: Annotated[str, Field(max_length=15, pattern=EFACT_TEXT)] = ""

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        if isinstance(value, str) and ":" in value:
            hours, minutes = value.split(":", 1)
            return int(hours) * 100 + int(minutes)
        return value

    def to_data(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class VisitBook(_Model):
    group: GroupSettings
    patients: list[PatientRecord] = Field(default_factory=list)
    visits: list[Visit] = Field(default_factory=list)

    def patient(self, niss: str) -> PatientRecord | None:
        return next((p for p in self.patients if p.niss == niss), None)


CSV_PATIENT_COLUMNS = ("sex", "affiliation_mutuality", "destination_mutuality", "ct1_ct2")


def load_book(path: Path, group: GroupSettings | None = None) -> VisitBook:
    """Read a YAML visit book, or a CSV of visits (one row per visit, patient columns inline; ``group`` given)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        if group is None:
            raise ValueError("a CSV of visits needs the group's settings (third-party number)")
        patients: dict[str, PatientRecord] = {}
        visits: list[Visit] = []
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                cleaned = {k: v for k, v in row.items() if v not in (None, "")}
                niss = cleaned["patient"]
                patient = {k: int(cleaned.pop(k)) for k in CSV_PATIENT_COLUMNS if k in cleaned}
                patients.setdefault(niss, PatientRecord.model_validate({"niss": niss, **patient}))
                for key in CSV_PATIENT_COLUMNS:
                    cleaned.pop(key, None)
                visits.append(Visit.model_validate(cleaned))
        return VisitBook(group=group, patients=list(patients.values()), visits=visits)
    data = yaml.safe_load(path.read_text("utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a visit book is a mapping with group, patients and visits")
    if group is not None:
        data["group"] = group.model_dump()
    return VisitBook.model_validate(data)
