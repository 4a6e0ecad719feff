"""eFact check digits and check numbers — the one place where they are computed.

* Record check (positions 349-350 of records 10..90): the sum over positions 1-348 of a value per character
  (digit → its value, space → 10, letter A-Z → 11-36, anything else → 37), mod 97, 0 → 97. Lower-case letters count
  as their upper-case letter (a second implementation does so; the format itself only allows upper case).
* Check numbers (record 80 zone 98 per invoice, record 90 zone 98 per sending, records 95/96 per mutuality / in all):
  the sum of the nomenclature codes as integers, :func:`mod97`. Implementations disagree on whether the codes
  repeated in records 51 and 52 count as well; :class:`CheckNumberPolicy` holds that choice, and everything that
  computes or verifies a check number (the writer, the reader, the generator) takes one (default: record 50 only).
"""

from __future__ import annotations

from dataclasses import dataclass

from tierspayant.schemes.be_nursing.formats.zones import CHECKED_LENGTH

CHAR_VALUES: dict[str, int] = {
    **{str(d): d for d in range(10)},
    " ": 10,
    **{chr(ord("A") + i): 11 + i for i in range(26)},
    **{chr(ord("a") + i): 11 + i for i in range(26)},
}
OTHER_CHAR_VALUE = 37


def char_value(char: str) -> int:
    return CHAR_VALUES.get(char, OTHER_CHAR_VALUE)


def byte_value_table() -> list[int]:
    """The character values indexed by byte (0-255), for vectorised computation over raw bytes (latin-1)."""
    return [char_value(chr(b)) for b in range(256)]


def mod97(total: int) -> int:
    rest = total % 97
    return 97 if rest == 0 else rest


def record_check(record: str) -> int:
    """The check digits of a record (1..97) computed over its positions 1-348."""
    if len(record) < CHECKED_LENGTH:
        raise ValueError(f"a record needs {CHECKED_LENGTH} characters before its check digits, got {len(record)}")
    return mod97(sum(char_value(c) for c in record[:CHECKED_LENGTH]))


def with_record_check(body: str) -> str:
    """Positions 1-348 → the full 350-character record with its check digits."""
    if len(body) != CHECKED_LENGTH:
        raise ValueError(f"expected {CHECKED_LENGTH} characters, got {len(body)}")
    return f"{body}{record_check(body):02d}"


def record_check_ok(record: str) -> bool:
    """True when positions 349-350 hold the check digits of positions 1-348."""
    stored = record[CHECKED_LENGTH : CHECKED_LENGTH + 2]
    return len(record) >= CHECKED_LENGTH + 2 and stored.isdigit() and int(stored) == record_check(record)


@dataclass(frozen=True)
class CheckNumberPolicy:
    """Which record types' nomenclature codes enter the invoice / sending / per-mutuality check numbers."""

    record_types: frozenset[str] = frozenset({"50"})

    def __post_init__(self) -> None:
        if not self.record_types or not self.record_types <= {"50", "51", "52"}:
            raise ValueError("check numbers count the nomenclature codes of records 50, 51 and/or 52")


RECORD_50_ONLY = CheckNumberPolicy(frozenset({"50"}))
WITH_51_52 = CheckNumberPolicy(frozenset({"50", "51", "52"}))
DEFAULT_POLICY = RECORD_50_ONLY
