"""The result of checking one identifier, shared by every identifier kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IdentifierCheck:
    """What one value is, whether it is valid, and why not.

    ``reasons`` are plain-language sentences ("digit 12 (Luhn over digits 1–11) should be 0, found 5");
    ``details`` holds what the value says when it can be read (birth date, sex, BIS, century…).
    """

    kind: str
    value: str
    normalized: str
    valid: bool
    reasons: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "normalized": self.normalized,
            "valid": self.valid,
            "reasons": list(self.reasons),
            "details": dict(self.details),
        }


def digits_only(text: str, separators: str = " .-/") -> str:
    """``text`` without surrounding blanks and without the separators people type inside numbers."""
    stripped = text.strip()
    for separator in separators:
        stripped = stripped.replace(separator, "")
    return stripped


def is_ascii_digits(text: str) -> bool:
    # str.isdigit() also accepts '²' and Arabic-Indic digits, which int() or the check digits would mishandle.
    return text.isascii() and text.isdigit()
