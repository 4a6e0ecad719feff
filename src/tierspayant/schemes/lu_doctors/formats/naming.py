"""File names of the doctors' device exchanges, built like KIN's (annex 02 of the KIN cahier des charges):

``F{provider 8}{YYYY}{MM}_MED_{TYPE}_{LAYOUT}_{YYYYMMDD}_{reference}.{xml|zip}``

- provider: the declaring / billing doctor's or association's code (8 digits, not all zeros);
- ``YYYY`` ``MM``: the month the file is about (the billing month of a FACFORF; the send month otherwise);
- legal frame ``MED`` (médecins); type ``DECLAPP`` (a ZIP: XML + PDFs), ``RETDECL``, ``FACFORF``, ``RETFORF``;
- layout ``01``; send date; reference: 1–30 letters, digits, ``.`` or ``-`` (``_`` separates the parts).

An answer (RETDECL, RETFORF) carries the name of the file it answers with its type swapped and the fund's send date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.identifiers.provider import provider_code_problem

LEGAL_FRAME = "MED"
FILE_TYPES = ("DECLAPP", "RETDECL", "FACFORF", "RETFORF")
EXTENSION = {"DECLAPP": "zip", "RETDECL": "xml", "FACFORF": "xml", "RETFORF": "xml"}
ANSWER = {"DECLAPP": "RETDECL", "FACFORF": "RETFORF"}
KNOWN_LAYOUTS = ("01",)
RULE = "doctors' file name (docs/lu-doctors-formats.md)"
_NAME = re.compile(
    r"F(?P<provider>[^_]{8})(?P<year>\d{4})(?P<month>\d{2})_(?P<frame>[^_]+)_(?P<type>[^_]+)_(?P<layout>[^_]+)_"
    r"(?P<send>[^_]+)_(?P<reference>[^_]+?)\.(?P<extension>[a-z]+)"
)
_REFERENCE = re.compile(r"[A-Za-z0-9.\-]{1,30}")


def _bad(code: str, name: str, message: str, location: str) -> Finding:
    return Finding(code=code, message=message, file=name, location=location, rule=RULE)


@dataclass(frozen=True)
class DoctorsFileName:
    provider_code: str
    year: int
    month: int
    file_type: str
    send_date: date
    reference: str
    layout: str = "01"

    @property
    def extension(self) -> str:
        return EXTENSION[self.file_type]

    def build(self) -> str:
        problems = _check(self, "<new name>")
        if problems:
            raise FindingsError(problems)
        return (
            f"F{self.provider_code}{self.year:04d}{self.month:02d}_{LEGAL_FRAME}_{self.file_type}_{self.layout}_"
            f"{self.send_date:%Y%m%d}_{self.reference}.{self.extension}"
        )

    def answer(self, send_date: date) -> DoctorsFileName:
        """The name of the fund's answer to this file."""
        return replace(self, file_type=ANSWER[self.file_type], send_date=send_date)

    @classmethod
    def parse(cls, name: str) -> DoctorsFileName:
        """Read a file name; ``FindingsError`` naming each wrong part."""
        match = _NAME.fullmatch(name)
        if not match:
            pattern = "F{provider 8}{YYYY}{MM}_MED_{TYPE}_{LAYOUT}_{YYYYMMDD}_{reference}.{xml|zip}"
            raise FindingsError([_bad("MED-NAME-FORMAT", name, f"the name does not follow {pattern}", "name")])
        findings: list[Finding] = []
        if match["frame"] != LEGAL_FRAME:
            findings.append(_bad("MED-NAME-FRAME", name, f"the legal frame is MED, found {match['frame']!r}", "part 2"))
        if match["type"] not in FILE_TYPES:
            message = f"the file type is one of {', '.join(FILE_TYPES)}, found {match['type']!r}"
            findings.append(_bad("MED-NAME-TYPE", name, message, "part 3"))
        try:
            send = date(int(match["send"][:4]), int(match["send"][4:6]), int(match["send"][6:]))
            if len(match["send"]) != 8 or not match["send"].isdigit():
                raise ValueError
        except ValueError:
            message = f"the send date is a real date YYYYMMDD, found {match['send']!r}"
            findings.append(_bad("MED-NAME-SEND-DATE", name, message, "part 5"))
            send = date(2000, 1, 1)
        if findings:
            raise FindingsError(findings)
        parsed = cls(
            provider_code=match["provider"],
            year=int(match["year"]),
            month=int(match["month"]),
            file_type=match["type"],
            send_date=send,
            reference=match["reference"],
            layout=match["layout"],
        )
        findings = _check(parsed, name)
        if match["extension"] != parsed.extension:
            message = f"a {parsed.file_type} file ends in .{parsed.extension}, found .{match['extension']}"
            findings.append(_bad("MED-NAME-EXTENSION", name, message, "extension"))
        if findings:
            raise FindingsError(findings)
        return parsed


def _check(parsed: DoctorsFileName, name: str) -> list[Finding]:
    findings: list[Finding] = []
    problem = provider_code_problem(parsed.provider_code)
    if problem:
        findings.append(_bad("MED-NAME-PROVIDER", name, problem, "provider code (characters 2–9)"))
    if not 1 <= parsed.month <= 12:
        findings.append(_bad("MED-NAME-MONTH", name, f"the month is 01–12, found {parsed.month}", "month"))
    if not 2000 <= parsed.year <= 2999:
        findings.append(_bad("MED-NAME-YEAR", name, f"the year is 2000–2999, found {parsed.year}", "year"))
    if parsed.file_type not in FILE_TYPES:
        message = f"the file type is one of {', '.join(FILE_TYPES)}, found {parsed.file_type!r}"
        findings.append(_bad("MED-NAME-TYPE", name, message, "part 3"))
    if parsed.layout not in KNOWN_LAYOUTS:
        message = f"layout {parsed.layout!r} is not known (known: {', '.join(KNOWN_LAYOUTS)})"
        findings.append(_bad("MED-NAME-LAYOUT", name, message, "part 4"))
    if not _REFERENCE.fullmatch(parsed.reference):
        message = f"the reference is 1–30 letters, digits, '.' or '-', found {parsed.reference!r}"
        findings.append(_bad("MED-NAME-REFERENCE", name, message, "part 6"))
    return findings
