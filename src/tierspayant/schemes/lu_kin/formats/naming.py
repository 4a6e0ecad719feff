"""KIN file names (annex 02 of the cahier des charges): build and parse.

``F{provider 8}{YYYY}{MM}_KIN_{TYPE}_{LAYOUT}_{YYYYMMDD}_{reference}`` with an optional ``.xml`` / ``.zip``:

- ``F``: fichiers maladie; provider: the billing provider's code (8 digits); ``YYYY``: year on 4 digits — the
  annex table says CHAR(2) but its text says "4 positions numériques", and 4 is what is used here;
  ``MM``: month ("Envoi", 01–12);
- legal frame ``KIN``; type ``DEMAUT``, ``RETAUT``, ``FAC`` or ``RETFAC``; layout ``01`` or ``02`` (``layouts.py``);
- send date ``YYYYMMDD``; reference: the provider's unique reference, 1–30 characters among letters, digits, ``.``
  and ``-`` (the pattern of ``ReferenceType`` in the layout-01 XSD; ``_`` would be ambiguous with the separators).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.identifiers.matricule import birth_date_problem
from tierspayant.core.identifiers.provider import provider_code_problem
from tierspayant.schemes.lu_kin.formats.layouts import LAYOUTS

FILE_TYPES = ("DEMAUT", "RETAUT", "FAC", "RETFAC")
KNOWN_LAYOUTS = LAYOUTS  # formats/layouts.py: a new layout is added there with its XSDs
LEGAL_FRAME = "KIN"
EXTENSIONS = ("xml", "zip")
REFERENCE_MAX = 30
PATTERN = "F{provider 8}{YYYY}{MM}_KIN_{TYPE}_{LAYOUT}_{YYYYMMDD}_{reference}"
RULE = "KIN file name (annex 02)"
# Suffixes that are clearly a file extension and not the end of a reference such as "REF.2024".
_OTHER_EXTENSIONS = {"pdf", "txt", "csv", "json", "xls", "xlsx", "doc", "docx", "dat", "gz", "7z", "tar", "rar"}
_REFERENCE = re.compile(r"[A-Za-z0-9.\-]{1,30}")
_HEAD_LENGTH = 1 + 8 + 4 + 2

# part → (finding code, where it is in the name)
_PARTS = {
    "format": ("KIN-NAME-FORMAT", "name"),
    "prefix": ("KIN-NAME-PREFIX", "prefix (character 1)"),
    "provider": ("KIN-NAME-PROVIDER", "provider code (characters 2–9)"),
    "year": ("KIN-NAME-YEAR", "year (characters 10–13)"),
    "month": ("KIN-NAME-MONTH", "month (characters 14–15)"),
    "frame": ("KIN-NAME-FRAME", "legal frame (part 2)"),
    "type": ("KIN-NAME-TYPE", "file type (part 3)"),
    "layout": ("KIN-NAME-LAYOUT", "layout (part 4)"),
    "send_date": ("KIN-NAME-SEND-DATE", "send date (part 5)"),
    "reference": ("KIN-NAME-REFERENCE", "reference (part 6)"),
    "extension": ("KIN-NAME-EXTENSION", "extension"),
}


def _bad(part: str, name: str | None, message: str) -> Finding:
    code, location = _PARTS[part]
    return Finding(code=code, message=message, file=name, location=location, rule=RULE)


def _is_digits(text: str, length: int) -> bool:
    return len(text) == length and text.isascii() and text.isdigit()


def _check_provider(provider: str, name: str | None) -> list[Finding]:
    problem = provider_code_problem(provider)
    return [_bad("provider", name, problem)] if problem else []


def _check_year(year: str, name: str | None) -> list[Finding]:
    if not _is_digits(year, 4) or year[0] == "0":
        return [_bad("year", name, f"the year has 4 digits, found {year!r}")]
    return []


def _check_month(month: str, name: str | None) -> list[Finding]:
    if not _is_digits(month, 2) or not 1 <= int(month) <= 12:
        return [_bad("month", name, f"the month is 01–12, found {month!r}")]
    return []


def _check_frame(frame: str, name: str | None) -> list[Finding]:
    if frame != LEGAL_FRAME:
        return [_bad("frame", name, f"the legal frame is {LEGAL_FRAME!r}, found {frame!r}")]
    return []


def _check_type(file_type: str, name: str | None) -> list[Finding]:
    if file_type in FILE_TYPES:
        return []
    hint = " (in capitals)" if file_type.upper() in FILE_TYPES else ""
    return [_bad("type", name, f"the file type is one of {', '.join(FILE_TYPES)}{hint}, found {file_type!r}")]


def _check_layout(layout: str, name: str | None) -> list[Finding]:
    if not _is_digits(layout, 2):
        return [_bad("layout", name, f"the layout has 2 digits, found {layout!r}")]
    if layout not in KNOWN_LAYOUTS:
        return [_bad("layout", name, f"layout {layout} is not known here (known: {', '.join(KNOWN_LAYOUTS)})")]
    return []


def _check_send_date(text: str, name: str | None) -> list[Finding]:
    if not _is_digits(text, 8) or text[0] == "0":
        return [_bad("send_date", name, f"the send date is YYYYMMDD (8 digits), found {text!r}")]
    problem = birth_date_problem(int(text[:4]), int(text[4:6]), int(text[6:]))
    if problem:
        return [_bad("send_date", name, f"the send date {text} is not a real date: {problem}")]
    return []


def _check_reference(reference: str, name: str | None) -> list[Finding]:
    if not reference:
        return [_bad("reference", name, "the reference is empty")]
    if len(reference) > REFERENCE_MAX:
        message = f"the reference has at most {REFERENCE_MAX} characters, {reference!r} has {len(reference)}"
        return [_bad("reference", name, message)]
    if not _REFERENCE.fullmatch(reference):
        bad = ", ".join(repr(c) for c in sorted({c for c in reference if not _REFERENCE.fullmatch(c)}))
        return [_bad("reference", name, f"the reference uses letters, digits, '.' and '-' only; found {bad}")]
    return []


def split_extension(name: str) -> tuple[str, str | None]:
    """(name without ``.xml`` / ``.zip``, the extension in lower case or None)."""
    base, dot, extension = name.rpartition(".")
    if dot and extension.lower() in EXTENSIONS:
        return base, extension.lower()
    return name, None


def check_name(name: str) -> list[Finding]:
    """Every problem of a KIN file name, one finding per wrong part (empty when the name is right)."""
    if "/" in name or "\\" in name:
        return [_bad("format", name, "give the file name alone, without a directory")]
    stem, _ = split_extension(name)
    suffix = stem.rpartition(".")[2].lower() if "." in stem else ""
    if suffix in _OTHER_EXTENSIONS:
        return [_bad("extension", name, f"a KIN file is .xml or .zip (or has no extension), found .{suffix}")]
    parts = stem.split("_", 5)
    if len(parts) != 6:
        message = f"a KIN file name has 6 parts separated by '_' ({PATTERN}), found {len(parts)}"
        return [_bad("format", name, message)]
    head, frame, file_type, layout, send, reference = parts
    findings: list[Finding] = []
    if not head.startswith("F"):
        findings.append(_bad("prefix", name, f"the name starts with 'F' (fichiers maladie), found {head[:1]!r}"))
    if len(head) == _HEAD_LENGTH:
        findings += _check_provider(head[1:9], name) + _check_year(head[9:13], name) + _check_month(head[13:], name)
    else:
        hint = ""
        if len(head) == _HEAD_LENGTH - 2:
            hint = " — the year has 4 digits (the annex 02 table says CHAR(2), its text says 4 numeric positions)"
        message = f"part 1 is F + provider code (8) + year (4) + month (2) = 15 characters, found {len(head)}"
        findings.append(_bad("format", name, f"{message} in {head!r}{hint}"))
    findings += _check_frame(frame, name) + _check_type(file_type, name) + _check_layout(layout, name)
    findings += _check_send_date(send, name) + _check_reference(reference, name)
    return findings


@dataclass(frozen=True, kw_only=True)
class KinFileName:
    """The parts of a KIN file name; constructing one with a wrong part raises ``FindingsError``."""

    provider_code: str
    year: int
    month: int
    legal_frame: str = LEGAL_FRAME
    file_type: str
    layout: str = "01"
    send_date: date
    reference: str
    extension: str | None = None  # "xml" or "zip" (lower case) when the name had one

    PATTERN: ClassVar[str] = PATTERN

    def __post_init__(self) -> None:
        findings = [
            *_check_provider(self.provider_code, None),
            *_check_year(str(self.year).zfill(4) if self.year >= 0 else str(self.year), None),
            *_check_month(str(self.month).zfill(2) if self.month >= 0 else str(self.month), None),
            *_check_frame(self.legal_frame, None),
            *_check_type(self.file_type, None),
            *_check_layout(self.layout, None),
            *_check_reference(self.reference, None),
        ]
        if self.send_date.year < 1000:
            findings.append(_bad("send_date", None, f"the send date needs a 4-digit year, got {self.send_date}"))
        if self.extension is not None and self.extension not in EXTENSIONS:
            findings.append(_bad("extension", None, f"the extension is 'xml' or 'zip', got {self.extension!r}"))
        if findings:
            raise FindingsError(findings)

    @property
    def stem(self) -> str:
        """The name without extension: what an XML file and the ZIP package carrying it share."""
        return (
            f"F{self.provider_code}{self.year:04d}{self.month:02d}_{self.legal_frame}_{self.file_type}_"
            f"{self.layout}_{self.send_date:%Y%m%d}_{self.reference}"
        )

    def build(self) -> str:
        """The file name, with ``.extension`` when one is set."""
        return f"{self.stem}.{self.extension}" if self.extension else self.stem

    def with_extension(self, extension: str | None) -> KinFileName:
        return dataclasses.replace(self, extension=extension)

    @classmethod
    def parse(cls, name: str) -> KinFileName:
        """Read a file name; raises ``FindingsError`` with one finding per wrong part."""
        findings = check_name(name)
        if findings:
            raise FindingsError(findings)
        stem, extension = split_extension(name)
        head, frame, file_type, layout, send, reference = stem.split("_", 5)
        return cls(
            provider_code=head[1:9],
            year=int(head[9:13]),
            month=int(head[13:15]),
            legal_frame=frame,
            file_type=file_type,
            layout=layout,
            send_date=date(int(send[:4]), int(send[4:6]), int(send[6:])),
            reference=reference,
            extension=extension,
        )
