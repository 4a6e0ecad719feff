"""Free text typed into the practice software (names, addresses, file names): refused with a Finding when it cannot
be stored as typed — too long for its column (PostgreSQL would refuse it with a database error, SQLite would keep
it whole), or a required field left empty."""

from __future__ import annotations

from typing import Any

from tierspayant.schemes.lu_kin.practice.refusals import refuse


def column_length(column: Any) -> int | None:
    """The declared length of a mapped ``String`` column (``Patient.last_name`` → 100); None when unbounded."""
    length = column.property.columns[0].type.length
    return None if length is None else int(length)


def checked_text(value: str, column: Any, what: str, *, required: bool = True) -> str:
    """``value`` without surrounding blanks, or a ``PRA-TEXT`` refusal naming the field (``what``)."""
    text = value.strip()
    if required and not text:
        refuse("PRA-TEXT", f"the {what} is empty", location=what)
    limit = column_length(column)
    if limit is not None and len(text) > limit:
        refuse("PRA-TEXT", f"the {what} has {len(text)} characters, at most {limit} are kept", location=what)
    return text


def optional_text(value: str | None, column: Any, what: str) -> str | None:
    """Like :func:`checked_text` for a field that may be left out (blank counts as left out)."""
    if value is None or not value.strip():
        return None
    return checked_text(value, column, what)
