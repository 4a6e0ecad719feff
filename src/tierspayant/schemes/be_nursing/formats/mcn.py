"""The MyCareNet messages a nurse uses besides eFact, as zone tables like eFact's (``zones.RecordLayout``).

| message | who → whom | what |
|---|---|---|
| 801000 | nurse → mutuality | insurability consultation of a patient at a date |
| 801900 | mutuality → nurse | insurability answer: zones 327 mutuality, 328/329 CT1/CT2, 380-382 medical house; the
  payment commitment (valid 30 days) that record 20 zones 42-45 / 53-58 then carry |
| 420900 | nurse → mutuality | e-notification of nursing care for a palliative patient (back-dated 10 days at most) |
| 420990 | mutuality → nurse | its answer: accepted, refused, or pending the doctor's notification (project code) |
| 430000 | nurse → mutuality | agreement request: flat fee A, B, C, toilette, palliative (project code) |
| 430900 | mutuality → nurse | its acknowledgement of receipt and decision (project code) |

**The official layouts are not public** (MyCareNet carries these as web-service messages; only the zone numbers
327-329 and 380-382 are named by the mutuality's page). The project defines them here, **layout version 01**, and
says so in docs/be-efact.md: one 350-character record per file, the message code in positions 1-6 and the layout
version in 7-8, the record check of eFact records in 349-350 (same algorithm, ``checks.record_check``). Zones named by
the official page keep their number (``327``); project zones are numbered ``P1``, ``P2``…
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tierspayant.schemes.be_nursing.formats.checks import record_check_ok
from tierspayant.schemes.be_nursing.formats.messages import write_lines
from tierspayant.schemes.be_nursing.formats.records import ZoneError, format_record, parse_record
from tierspayant.schemes.be_nursing.formats.zones import RECORD_LENGTH, RecordLayout, Row, _layout

LAYOUT_VERSION = 1

_HEAD: list[Row] = [
    ("P1", "record_type", 1, 6, "N", "message code"),
    ("P2", "layout_version", 7, 2, "N", "layout version (project: 01)"),
    ("P3", "third_party", 9, 11, "N", "the nurse's or group's INAMI number (the mailbox owner)"),
    ("P4", "niss", 20, 11, "N", "the patient's national (or BIS) number"),
    ("P5", "reference", 31, 25, "A", "the sender's reference of the request, repeated in the answer"),
]
_TAIL_AT = 349


def _message(code: str, title: str, rows: list[Row]) -> RecordLayout:
    end = rows[-1][2] + rows[-1][3] if rows else 56
    tail: list[Row] = [
        ("P99", "reserve", end, _TAIL_AT - end, "A", "reserve (spaces)"),
        ("P100", "check_digits", _TAIL_AT, 2, "N", "record check, as eFact records 10..90"),
    ]
    return _layout(code, title, RECORD_LENGTH, [*_HEAD, *rows, *tail])


CONSULTATION = _message("801000", "insurability consultation", [
    ("P6", "consultation_date", 56, 8, "N", "the date the insurability is asked for (YYYYMMDD)"),
    ("P7", "sent_date", 64, 8, "N", "the day the request was made"),
])

ANSWER_STATUSES = {0: "insured", 1: "unknown at this mutuality"}

INSURABILITY = _message("801900", "insurability answer", [
    ("P6", "consultation_date", 56, 8, "N", "the date asked for"),
    ("P7", "status", 64, 2, "N", "00 insured at this mutuality at that date, 01 unknown (→ 200742 if invoiced)"),
    ("327", "mutuality", 66, 3, "N", "the mutuality where the patient is registered"),
    ("328", "ct1", 69, 3, "N", "code titulaire 1"),
    ("329", "ct2", 72, 3, "N", "code titulaire 2"),
    ("380", "medical_house_contract", 75, 1, "N", "1: a contract with a medical house (maison médicale)"),
    ("381", "medical_house_start_date", 76, 8, "N", "start of that contract"),
    ("382", "medical_house_end_date", 84, 8, "N", "end of that contract (zeros: open)"),
    ("P8", "medical_house_disciplines", 92, 3, "A", "what it covers: M doctor, K physiotherapy, I nursing"),
    ("P9", "commitment_part_a", 95, 1, "N", "record 20 zone 42: 2 = payment commitment"),
    ("P10", "commitment_part_n", 96, 12, "N", "record 20 zone 43"),
    ("P11", "commitment_part_v", 108, 3, "N", "record 20 zone 44"),
    ("P12", "commitment_reference", 111, 32, "A", "record 20 zone 45 and record 51 (commitment number)"),
    ("P13", "insurability_start_date", 143, 8, "N", "record 20 zone 53: the commitment's first day"),
    ("P14", "insurability_end_date", 151, 8, "N", "record 20 zone 54: its last day (first + 29: valid 30 days)"),
    ("P15", "communication_date", 159, 8, "N", "record 20 zone 55: the day of the answer"),
])

PALLIATIVE = _message("420900", "palliative patient e-notification", [
    ("P6", "care_provider", 56, 11, "N", "the nurse giving the palliative care"),
    ("P7", "effective_date", 67, 8, "N", "first day of palliative care notified (at most 10 days before sending)"),
    ("P8", "sent_date", 75, 8, "N", "the day the notification was sent"),
])

DECISIONS = {0: "accepted", 10: "refused", 20: "pending"}

PALLIATIVE_ANSWER = _message("420990", "answer to a palliative e-notification (project code)", [
    ("P6", "effective_date", 56, 8, "N", "first day the notification is valid from"),
    ("P7", "decision", 64, 2, "N", "00 accepted, 10 refused, 20 refused while the doctor's notification is missing"),
    ("P8", "decided_date", 66, 8, "N", "the day of the decision"),
    ("P9", "comment", 74, 200, "A", "why, in the mutuality's words (as zone 149 of eFact replies)"),
])

AGREEMENT_KINDS = {"A": "forfait A", "B": "forfait B", "C": "forfait C", "T": "toilette", "P": "soins palliatifs"}

AGREEMENT = _message("430000", "agreement request (project code)", [
    ("P6", "care_provider", 56, 11, "N", "the nurse asking"),
    ("P7", "agreement_kind", 67, 1, "A", "A, B, C (flat fees), T (toilette), P (palliative)"),
    ("P8", "start_date", 68, 8, "N", "first day asked for"),
    ("P9", "end_date", 76, 8, "N", "last day asked for"),
    ("P10", "sent_date", 84, 8, "N", "the day the request was sent"),
])

AGREEMENT_ANSWER = _message("430900", "acknowledgement of an agreement request (project code)", [
    ("P6", "agreement_kind", 56, 1, "A", "as asked"),
    ("P7", "decision", 57, 2, "N", "00 accepted (received and agreed), 10 refused"),
    ("P8", "agreement_number", 59, 12, "N", "the mutuality's number of the agreement (0 when refused)"),
    ("P9", "start_date", 71, 8, "N", "first day agreed"),
    ("P10", "end_date", 79, 8, "N", "last day agreed"),
    ("P11", "received_date", 87, 8, "N", "the day the mutuality received the request"),
    ("P12", "comment", 95, 200, "A", "why, when refused"),
])

LAYOUTS: dict[str, RecordLayout] = {
    layout.record_type: layout
    for layout in (CONSULTATION, INSURABILITY, PALLIATIVE, PALLIATIVE_ANSWER, AGREEMENT, AGREEMENT_ANSWER)
}
REQUESTS = ("801000", "420900", "430000")  # what a nurse deposits; the others are the mutuality's answers
ANSWER_OF = {"801000": "801900", "420900": "420990", "430000": "430900"}


@dataclass(frozen=True)
class Message:
    """One MyCareNet message read back: its code and typed zone values."""

    code: str
    values: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


class MessageError(ValueError):
    """A file that is not a readable MyCareNet message of a known layout; says where."""


def render(code: str, values: dict[str, Any]) -> str:
    layout = LAYOUTS[code]
    return format_record(layout, {"layout_version": LAYOUT_VERSION, **values})


def write(code: str, values: dict[str, Any], destination: Path) -> Path:
    """Write one message (atomically)."""
    return write_lines([render(code, values)], destination)


def read(source: Path | bytes, name: str = "<bytes>") -> Message:
    data = source.read_bytes() if isinstance(source, Path) else source
    name = source.name if isinstance(source, Path) else name
    text = data.decode("ascii", errors="replace").rstrip("\r\n")
    if len(text) != RECORD_LENGTH or "\n" in text:
        raise MessageError(f"{name}: a MyCareNet message is one record of {RECORD_LENGTH} characters")
    layout = LAYOUTS.get(text[:6])
    if layout is None:
        raise MessageError(f"{name}: unknown message code {text[:6]!r} (positions 1-6)")
    if not record_check_ok(text):
        raise MessageError(f"{name}: record check (positions 349-350) does not match")
    try:
        values = parse_record(layout, text)
    except ZoneError as error:
        raise MessageError(f"{name}: {error}") from None
    if values["layout_version"] != LAYOUT_VERSION:
        raise MessageError(f"{name}: layout version {values['layout_version']} (this reader knows {LAYOUT_VERSION})")
    return Message(layout.record_type, values)


def name_for(code: str, third_party: str, niss: str, sent: date, sequence: int = 1) -> str:
    """``801000_{third party}_{NISS}_{YYYYMMDD}_{n}.txt`` — the project's mailbox name, like the 920000's."""
    return f"{code}_{third_party.zfill(11)}_{niss}_{sent:%Y%m%d}_{sequence:03d}.txt"
