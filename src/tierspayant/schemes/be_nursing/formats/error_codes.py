"""The eFact error codes: the official list (package data, FR and NL labels) plus the project's envelope codes.

Official codes read ``RRZZEE``: record type, zone number, error (``01`` not numeric, ``02`` wrong check digit,
``03`` not allowed, ``05`` sign not ``+``/``-``, ``10`` not preceded by, ``11`` not followed by, …). In a reply a
rejection is written as the type letter followed by the code (``R500545``). The official list covers records 10..90;
problems of segments 200/300, records 95/96 and of the file itself get project codes ``E…``
(``data/efact_envelope_errors.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from tierspayant.schemes.be_nursing.formats.zones import Zone

Language = Literal["fr", "nl", "en"]
GENERIC_NOT_NUMERIC = "E990001"
WRONG_LENGTH = "E000003"
UNKNOWN_RECORD = "E000004"


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    type: str  # B blocking/format, F invoice/beneficiary, R line, S/E insurability warnings (letters inferred)
    label_fr: str
    label_nl: str
    label_en: str | None = None
    official: bool = True

    @property
    def blocking(self) -> bool:
        return self.type == "B"

    def label(self, language: Language = "fr") -> str:
        if language == "nl":
            return self.label_nl
        if language == "en":
            return self.label_en or self.label_fr
        return self.label_fr

    @property
    def rejection(self) -> str:
        """The 7-character form of a reply's rejection zone: type letter + code (project codes as they are)."""
        if not self.official:
            return self.code[:7].ljust(7)
        return f"{self.type}{self.code}"[:7].ljust(7)


def _read(name: str) -> object:
    return json.loads(resources.files("tierspayant.schemes.be_nursing.formats.data").joinpath(name).read_text("utf-8"))


@cache
def catalogue() -> dict[str, ErrorCode]:
    """Every known code → its entry (official list first; project envelope codes never collide: they start with E)."""
    entries: dict[str, ErrorCode] = {}
    official = _read("efact_error_codes.json")
    assert isinstance(official, list)
    for item in official:
        entries[item["code"]] = ErrorCode(item["code"], item["type"], item["label"]["fr"], item["label"]["nl"])
    envelope = _read("efact_envelope_errors.json")
    assert isinstance(envelope, dict)
    for item in envelope["codes"]:
        label = item["label"]
        entries[item["code"]] = ErrorCode(item["code"], item["type"], label["fr"], label["nl"], label["en"], False)
    return entries


def lookup(code: str) -> ErrorCode | None:
    """The entry of a code, given bare (``500545``) or with its reply letter (``R500545``)."""
    entries = catalogue()
    code = code.strip()
    if code in entries:
        return entries[code]
    if len(code) == 7 and code[0].isalpha() and code[1:] in entries:
        return entries[code[1:]]
    return None


def label(code: str, language: Language = "fr") -> str:
    entry = lookup(code)
    return entry.label(language) if entry else f"unknown error code {code}"


def type_of(code: str) -> str:
    """The code's type letter (B, F, R, S, E); a code the lists lack cannot be classified and counts as blocking."""
    entry = lookup(code)
    return entry.type if entry is not None else "B"


def is_blocking(code: str) -> bool:
    return type_of(code) == "B"


def first_known(*candidates: str) -> str | None:
    entries = catalogue()
    return next((c for c in candidates if c in entries), None)


def zone_code(record_type: str, zone: Zone, error: str, *fallbacks: str) -> str:
    """``RRZZEE`` for a zone of a body record, or the first of the fallback errors the official list has."""
    head = f"{record_type}{zone.official_zone}"
    found = first_known(*(head + e for e in (error, *fallbacks)))
    return found or GENERIC_NOT_NUMERIC


def not_numeric(record_type: str, zone: Zone) -> str:
    if zone.kind == "S":
        return zone_code(record_type, zone, "01", "06", "05")
    return zone_code(record_type, zone, "01", "09", "04", "03", "02")


def bad_sign(record_type: str, zone: Zone) -> str:
    return zone_code(record_type, zone, "05", "01")


def not_preceded_by(record_type: str) -> str | None:
    """``RR0110``: record RR is not preceded by an allowed record."""
    return first_known(f"{record_type}0110")


def not_followed_by(record_type: str) -> str | None:
    """``RR0111``: record RR is not followed by an allowed record."""
    return first_known(f"{record_type}0111")


def sequence_code(record_type: str) -> str:
    """``RR0210``: sequence number is not the previous + 1 (record 10: not 000001)."""
    return first_known(SEQUENCE_FIRST if record_type == "10" else f"{record_type}0210") or GENERIC_NOT_NUMERIC


SEQUENCE_FIRST = "100110"  # record 10: sequence number not 000001
INVOICE_CHECK_NUMBER = "809802"  # record 80 zone 98
SENDING_CHECK_NUMBER = "909802"  # record 90 zone 98
MISSING_90 = "900104"
INVOICE_AMOUNT_A = "801910"  # record 80 zone 19 differs from the lines
SENDING_AMOUNT_A = "901910"  # record 90 zone 19 differs from the records 80


def split_rejection(text: str) -> tuple[str, str] | None:
    """A reply's 7-character rejection zone → (letter, code), or None when empty; a project code (``E301040``) is
    written as it is, without a letter, and comes back as ``("", code)``."""
    text = text.strip()
    if not text or set(text) <= {"0"}:
        return None
    if text in catalogue():  # a project code: official codes have six characters
        return "", text
    if len(text) == 7 and not text[0].isdigit():
        return text[0], text[1:]
    entry = lookup(text)
    return (entry.type if entry else "?"), text


def rejection_text(code: str) -> str:
    """``500545`` → ``R500545``: the letter comes from the list; a code the list lacks (the seed's ``5004K6``) is
    taken as a line rejection ``R``."""
    entry = lookup(code)
    if entry is not None:
        return entry.rejection
    return code.ljust(7)[:7] if len(code) == 7 else f"R{code}"[:7].ljust(7)
