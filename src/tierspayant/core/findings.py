"""Findings: what a check found, said so a person can act on it (which file, which line or zone, which rule)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    """Where a rule looks: the whole file, one invoice / block / request, or one line."""

    FILE = "file"
    INVOICE = "invoice"
    LINE = "line"


class Effect(StrEnum):
    """What a finding does to the thing it is about."""

    REJECT_FILE = "reject_file"  # the file is returned untreated
    REJECT_BLOCK = "reject_block"  # the invoice / block the line belongs to is rejected
    REJECT_LINE = "reject_line"  # the line is refused (amount covered 0)
    REDUCE = "reduce"  # the line is paid, at a reduced amount
    SUSPEND = "suspend"  # the request is put on hold (suspens) pending information
    INFORM = "inform"  # information only, nothing is changed


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in one place.

    ``location`` is an XML element path (``/FAC/Facture[3]/Ligne[2]/DatePrestation``), a fixed-width zone
    (``record 50, zone 7 (positions 17-24)``), or a column name; ``message`` says what is wrong and what to do.
    """

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    location: str | None = None
    rule: str | None = None
    effect: Effect = Effect.REJECT_FILE

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        zone = f" {self.location}:" if self.location else ""
        return f"{where}: [{self.code}]{zone} {self.message}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["effect"] = self.effect.value
        return data


class FindingsError(Exception):
    """Raised when input cannot be used at all; carries every finding that explains why."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))
