"""The practice pages' helper: the practice facade plus its outbox, its mailbox link and the files it received.

Files built by the practice wait in its outbox until someone with the send right sends them through the SFTP
mailbox (then they move to ``sent/``); files collected from the mailbox land in ``inbox/`` and RETAUT / RETFAC are
imported at once (the import result is kept next to the file, as JSON).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.platform.practice_link import MailboxClient
from tierspayant.platform.sftp.mailbox import check_name
from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.practice.service import PracticeService

RETURN_TYPES = ("RETAUT", "RETFAC")


@dataclass(frozen=True)
class OutboxFile:
    name: str
    file_type: str
    size: int
    built_at: datetime
    sent_at: datetime | None


@dataclass
class ReceivedFile:
    name: str
    file_type: str
    received_at: str
    status: str  # imported | already imported | refused | notice
    summary: dict[str, Any] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)


NOTICE_SUFFIXES = {".deposit.json": "notification", ".acknowledgement.json": "acknowledgement"}


def kin_type(name: str) -> str:
    """RETAUT, RETFAC, DEMAUT, FAC… from the KIN name; the fund's JSON receipts by their suffix."""
    for suffix, kind in NOTICE_SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    try:
        return KinFileName.parse(name).file_type
    except FindingsError:
        return "other"


class PracticeDesk:
    def __init__(self, practice: PracticeService, link: MailboxClient | None) -> None:
        self.practice = practice
        self.link = link
        self.sent_dir = practice.documents_dir / "sent"
        self.inbox_dir = practice.documents_dir / "inbox"

    # -- outgoing ---------------------------------------------------------------------------------------------
    def outbox(self) -> list[OutboxFile]:
        files = [self._outbox_file(p, None) for p in self._files(self.practice.outbox_dir)]
        sent = [self._outbox_file(p, p.stat().st_mtime) for p in self._files(self.sent_dir)]
        return sorted(files, key=lambda f: f.built_at, reverse=True) + sorted(
            sent, key=lambda f: f.sent_at or f.built_at, reverse=True
        )

    def send(self, name: str) -> str:
        """Send one outbox file through the mailbox; it then moves to ``sent/``."""
        if self.link is None:
            raise FindingsError([Finding(code="PLT-NO-MAILBOX", message="this practice has no mailbox configured")])
        path = self.practice.outbox_dir / check_name(name)
        if not path.is_file():
            raise FindingsError([Finding(code="PLT-NOT-IN-OUTBOX", message=f"{name} is not waiting in the outbox")])
        self.link.send(path)
        self.sent_dir.mkdir(parents=True, exist_ok=True)
        shutil.move(path, self.sent_dir / path.name)
        return name

    # -- incoming ---------------------------------------------------------------------------------------------
    def receive(self) -> list[ReceivedFile]:
        """Collect everything waiting in the mailbox's ``out/`` and import the return files."""
        if self.link is None:
            raise FindingsError([Finding(code="PLT-NO-MAILBOX", message="this practice has no mailbox configured")])
        results = []
        for path in self.link.collect(self.inbox_dir):
            results.append(self._import(path))
        return results

    def received(self) -> list[ReceivedFile]:
        results = []
        for path in self._files(self.inbox_dir):
            if path.name.endswith(".import.json"):
                continue
            sidecar = path.with_name(path.name + ".import.json")
            if sidecar.exists():
                results.append(ReceivedFile(**json.loads(sidecar.read_text(encoding="utf-8"))))
            else:
                results.append(self._import(path))
        return sorted(results, key=lambda r: (r.received_at, r.name), reverse=True)

    def _import(self, path: Path) -> ReceivedFile:
        file_type = kin_type(path.name)
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        if file_type not in RETURN_TYPES:
            result = _notice(path, file_type, now)
        else:
            try:
                summary = self.practice.import_return(path)
            except FindingsError as error:
                result = ReceivedFile(
                    path.name, file_type, now, "refused", findings=[f.to_dict() for f in error.findings]
                )
            else:
                values = asdict(summary)
                notices = values.pop("notices", [])
                result = ReceivedFile(
                    path.name,
                    file_type,
                    now,
                    summary.status,
                    summary={k: str(v) if not isinstance(v, int | list) else v for k, v in values.items()},
                    findings=[n.to_dict() if isinstance(n, Finding) else n for n in summary.notices] or notices,
                )
        sidecar = path.with_name(path.name + ".import.json")
        sidecar.write_text(json.dumps(asdict(result), ensure_ascii=False, default=str), encoding="utf-8")
        return result

    # -- helpers ----------------------------------------------------------------------------------------------
    @staticmethod
    def _files(folder: Path) -> list[Path]:
        if not folder.is_dir():
            return []
        return [
            p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".part")
        ]

    @staticmethod
    def _outbox_file(path: Path, sent: float | None) -> OutboxFile:
        info = path.stat()
        return OutboxFile(
            name=path.name,
            file_type=kin_type(path.name),
            size=info.st_size,
            built_at=datetime.fromtimestamp(info.st_ctime, UTC),
            sent_at=None if sent is None else datetime.fromtimestamp(sent, UTC),
        )


def _notice(path: Path, file_type: str, received_at: str) -> ReceivedFile:
    """A deposit notification or an acknowledgement: what the fund said about a file we sent (reasons if refused)."""
    try:
        data = json.loads(path.read_bytes()[:1_000_000])
    except (OSError, ValueError):
        return ReceivedFile(path.name, file_type, received_at, "notice")
    if not isinstance(data, dict):
        return ReceivedFile(path.name, file_type, received_at, "notice")
    summary = {k: v for k, v in data.items() if k in ("file", "status", "payment_due_on", "acknowledged_on")}
    reasons = [r for r in data.get("reasons", []) if isinstance(r, dict)]
    status = "refused" if data.get("status") == "refused" else "notice"
    return ReceivedFile(path.name, file_type, received_at, status, summary=summary, findings=reasons)
