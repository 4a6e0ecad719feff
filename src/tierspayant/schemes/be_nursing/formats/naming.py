"""How an eFact sending is named in a platform mailbox, and who sent it (zone 14 of record 10).

MyCareNet carries a 920000 in a web-service envelope, not under a file name; on the platform's mailboxes a sending
is a file, so the project names it (its own convention, version 1)::

    920000_{third-party number, 11 digits}_{invoiced period YYYYMM}_{sending number}.txt

Only the leading message code decides which scheme takes the file; the rest is for people. The sender the
mutuality trusts is the third-party number inside the file (record 10, zone 14), checked against the mailbox owner.
"""

from __future__ import annotations

import re

from tierspayant.schemes.be_nursing.formats.zones import RECORD_10

# what a nurse deposits: the eFact invoicing message, the insurability consultation, the palliative e-notification
# and the agreement request (formats/mcn.py); the answers are the mutuality's and never deposited
MESSAGE_CODES = ("920000", "801000", "420900", "430000")
PATTERN = (
    "920000_{third party 11}_{YYYYMM}_{sending number}.txt, or 801000 / 420900 / 430000"
    "_{third party 11}_{NISS}_{YYYYMMDD}_{n}.txt"
)
_NAME = re.compile(r"^(?P<code>\d{6})(?:[._-].*)?$")


def message_code(file_name: str) -> str | None:
    """The message code a deposited file's name starts with, when it is one the scheme takes."""
    match = _NAME.match(file_name)
    return match.group("code") if match is not None and match.group("code") in MESSAGE_CODES else None


def is_sending_name(file_name: str) -> bool:
    return message_code(file_name) is not None


def sending_name(third_party: str, period: int, sending_number: int) -> str:
    return f"920000_{third_party.zfill(11)}_{period:06d}_{sending_number:03d}.txt"


def third_party_of(data: bytes) -> str | None:
    """The third-party number of record 10 (zone 14), as 11 digits; None when the record is not there."""
    from tierspayant.schemes.be_nursing.formats.frames import body_offset  # Polars: not for every name check

    start = body_offset(data)
    record = data[start : start + 350].decode("latin-1")
    if not record.startswith("10"):
        return None
    zone = RECORD_10.zone("third_party_number")
    text = record[zone.offset : zone.offset + zone.length].strip()
    return str(int(text)).zfill(11) if text.isdigit() else None
