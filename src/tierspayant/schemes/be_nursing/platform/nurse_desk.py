"""The nurse pages' helper: the nursing group's ledger (its own store) and its mailbox on the platform.

Files the nurse sends (920000, 801000) are deposited into the group's mailbox ``in/`` through the platform's one
deposit path (registered, audited, the worker woken), as the SFTP server does; answers are collected from ``out/``
(moved into the desk's ``received/`` folder) and imported: eFact replies into the ledger, 801900 insurability
answers onto their patient, the other answers kept to be read.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.platform.accounts import Principal
from tierspayant.platform.audit import Channel
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.sftp.mailbox import Area
from tierspayant.schemes.be_nursing.formats import mcn
from tierspayant.schemes.be_nursing.formats.naming import sending_name
from tierspayant.schemes.be_nursing.nurse import mcn as nurse_mcn
from tierspayant.schemes.be_nursing.nurse.ledger import NurseLedger
from tierspayant.schemes.be_nursing.nurse.visits import GroupSettings

EFACT_REPLIES = ("931000", "920999", "920099", "920098", "920900")


@dataclass
class Received:
    name: str
    kind: str
    status: str  # imported | already imported | refused | kept
    detail: dict[str, Any]


class NurseDesk:
    def __init__(self, ledger: NurseLedger, context: PlatformContext, group: GroupSettings, folder: Path) -> None:
        self.ledger = ledger
        self.context = context
        self.group = group
        self.folder = folder
        self.built_dir = folder / "built"
        self.received_dir = folder / "received"
        for directory in (self.built_dir, self.received_dir):
            directory.mkdir(parents=True, exist_ok=True)

    @property
    def code(self) -> str:
        return self.group.third_party_number.zfill(11)

    def send_sending(self, who: Principal, period: int, creation_date: date, resend: int | None = None) -> Path:
        """Build the month's 920000 from every pending visit and deposit it; the ledger records it as sent."""
        number = resend if resend is not None else self.ledger.next_sending_number(self.group.third_party_number)
        target = self.built_dir / sending_name(self.code, period, number)
        path, _ = self.ledger.build(self.group, period, target, creation_date=creation_date, resend=resend)
        self._deposit(who, path)
        return path

    def consult_insurability(self, who: Principal, niss: str, day: date, today: date) -> Path:
        sequence = 1 + sum(1 for p in self.built_dir.glob(f"801000_{self.code}_{niss}_{today:%Y%m%d}_*"))
        path = nurse_mcn.consultation(self.group.third_party_number, niss, day, today, self.built_dir,
                                      sequence=sequence)
        self._deposit(who, path)
        return path

    def _deposit(self, who: Principal, path: Path) -> None:
        self.context.deposit_bytes(who, self.code, path.name, path.read_bytes(), Channel.WEB)

    def collect(self) -> list[Received]:
        """Move every answer waiting in the mailbox's ``out/`` here and import it."""
        mailbox = self.context.mailboxes.get(self.code)
        results = []
        for entry in mailbox.list(Area.OUT):
            target = self.received_dir / entry.name
            with mailbox.open_read(Area.OUT, entry.name) as source, open(target, "wb") as copy:
                shutil.copyfileobj(source, copy)
            mailbox.remove(Area.OUT, entry.name)
            results.append(self._import(target))
        return results

    def received(self) -> list[Received]:
        found = []
        for path in sorted(self.received_dir.glob("*.result.json"), key=lambda p: p.stat().st_mtime, reverse=True):
            found.append(Received(**json.loads(path.read_text(encoding="utf-8"))))
        return found

    def _import(self, path: Path) -> Received:
        kind = path.suffix.lstrip(".")
        try:
            if kind in EFACT_REPLIES:
                result = self.ledger.import_reply(path)
                status = "already imported" if result.already_imported else "imported"
                detail: dict[str, Any] = {"sending": result.sending_number, "accepted": result.accepted,
                                          "rejected": result.rejected, "requeued": result.requeued}
            elif kind == "801900":
                answer = self.ledger.apply_insurability(path)
                status = "imported"
                detail = {"insured": answer is not None,
                          "valid_until": None if answer is None else str(answer.insurability_end_date)}
            elif kind in ("420990", "430900"):
                message = mcn.read(path)
                status, detail = "kept", {"decision": message["decision"], "comment": message["comment"]}
            else:
                status, detail = "kept", {}
        except (FindingsError, KeyError, mcn.MessageError) as error:
            findings = error.findings if isinstance(error, FindingsError) else [Finding("E000010", str(error))]
            status, detail = "refused", {"findings": [f.message for f in findings]}
        received = Received(path.name, kind, status, detail)
        path.with_name(path.name + ".result.json").write_text(json.dumps(received.__dict__, default=str),
                                                              encoding="utf-8")
        return received
