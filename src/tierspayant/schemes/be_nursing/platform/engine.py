"""REFAC behind the platform's mailboxes: a deposited 920000 goes through the mutuality's controls and its replies
(931000 first, then 920098 / 920900 / 920099 / 920999) are published into the nurse's ``out/``.

One check belongs to the platform rather than to REFAC: a nurse or group deposits only its own sendings — the
third-party number of record 10 (zone 14) must be the mailbox owner's (the platform authenticates the sender,
not the content).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from tierspayant.core.findings import Finding
from tierspayant.core.money import from_cents
from tierspayant.core.outbox import safe_name, write_json
from tierspayant.platform.deposits import DepositStatus
from tierspayant.platform.fundview import PaymentDue
from tierspayant.platform.worker import ProcessingResult
from tierspayant.schemes.be_nursing.formats import error_codes
from tierspayant.schemes.be_nursing.formats.naming import message_code, third_party_of
from tierspayant.schemes.be_nursing.mutuality.evaluation import refac_rules
from tierspayant.schemes.be_nursing.mutuality.service import RefacOutcome, RefacService

STATUSES = {
    "accepted": DepositStatus.ACCEPTED,
    "rejected": DepositStatus.REFUSED,  # 920099: the whole sending is sent back to be corrected
    "refused": DepositStatus.REFUSED,  # 920999: unreadable or its number is taken
    "duplicate": DepositStatus.DUPLICATE,  # 920098: already accepted
}
FILE_TYPE = "920000"


class RefacEngine:
    def __init__(self, service: RefacService) -> None:
        self.service = service

    def process(self, path: Path, outbox: Path, received_at: datetime, mailbox: str) -> ProcessingResult:
        """Dispatch by message code (the name's first six digits): 920000 to REFAC, the other MyCareNet requests
        (801000, 420900, 430000) to the mutuality's answers (``mutuality/mcn.py``)."""
        code = message_code(path.name)
        if code is not None and code != FILE_TYPE:
            return self._message(path, outbox, received_at, mailbox, code)
        refusal = self._sender_mismatch(path, mailbox)
        if refusal is not None:
            written = write_json(
                outbox / f"{safe_name(path.name)}.deposit.json",
                {"deposit": path.name, "status": "refused", "findings": [refusal.to_dict()]},
            )
            return ProcessingResult(DepositStatus.REFUSED, FILE_TYPE, [written], [refusal], {})
        local_time = received_at.astimezone().replace(tzinfo=None, microsecond=0)  # the mutuality's local time
        # The worker confirms once it holds the replies: a crash before that delivers them again.
        outcome = self.service.process(path, outbox, local_time, defer_answered=True)
        replies = ([outcome.acknowledgement] if outcome.acknowledgement is not None else []) + [
            p for p in outcome.written if p != outcome.acknowledgement
        ]
        return ProcessingResult(
            STATUSES[outcome.status],
            FILE_TYPE,
            replies,
            list(outcome.findings),
            summary(outcome),
            confirm=partial(self.service.mark_answered, path),
        )

    def _message(self, path: Path, outbox: Path, received_at: datetime, mailbox: str, code: str) -> ProcessingResult:
        local_time = received_at.astimezone().replace(tzinfo=None, microsecond=0)
        head = path.read_bytes()[:30].decode("ascii", errors="replace")
        sender = head[8:19]
        if sender.isdigit() and sender != mailbox.zfill(11):
            finding = Finding(
                code="PLT-SENDER",
                message=f"the message is sent by third party {sender} but was deposited in the mailbox of {mailbox}",
                file=path.name,
                location="positions 9-19 (third party)",
                rule="platform",
            )
            written = write_json(
                outbox / f"{safe_name(path.name)}.deposit.json",
                {"deposit": path.name, "status": "refused", "findings": [finding.to_dict()]},
            )
            return ProcessingResult(DepositStatus.REFUSED, code, [written], [finding], {})
        outcome = self.service.mcn.process(path, outbox, local_time)
        answers: list[Path] = [] if outcome.answer is None else [outcome.answer]
        if outcome.answer is None:  # unreadable: the platform's refusal note says why
            answers.append(write_json(
                outbox / f"{safe_name(path.name)}.deposit.json",
                {"deposit": path.name, "status": "refused", "findings": [f.to_dict() for f in outcome.findings]},
            ))
        status = DepositStatus.REFUSED if outcome.answer is None else DepositStatus.ACCEPTED
        summary = {"message": code, "decision": outcome.status}
        return ProcessingResult(status, code, answers, list(outcome.findings), summary)

    @staticmethod
    def _sender_mismatch(path: Path, mailbox: str) -> Finding | None:
        with open(path, "rb") as handle:
            head = handle.read(4096)
        third_party = third_party_of(head)
        if third_party is None or third_party == mailbox.zfill(11):
            return None  # an unreadable header is REFAC's to refuse (920999), with its own findings
        return Finding(
            code="PLT-SENDER",
            message=f"the sending is invoiced by third party {third_party} but was deposited in the mailbox of "
            f"{mailbox}: deposit a sending in its own third party's mailbox",
            file=path.name,
            location="record 10, zone 14 (third-party number)",
            rule="platform",
        )

    def payments_due(self) -> list[PaymentDue]:
        return [
            PaymentDue(
                due_date=p.payment_date,
                provider_code=p.third_party,
                amount=from_cents(p.paid_cents),  # accepted minus the M38 regularisations compensated on it
                reference=p.file_name,
            )
            for p in self.service.registry.payments()
        ]

    def explain(self, path: Path, findings: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
        """Each finding with its rule, what the rule checks and the official label (French and Dutch)."""
        rules = {rule.id: rule for rule in refac_rules()}
        explained = []
        for finding in findings:
            code = str(finding.get("code", ""))
            rule = rules.get(str(finding.get("rule") or ""))
            official = error_codes.lookup(code) if code.isdigit() else None
            explained.append(
                {
                    "code": code,
                    "label": official.label_fr if official is not None else finding.get("message", ""),
                    "detail": official.label_nl if official is not None else None,
                    "rule": finding.get("rule") or "reader",
                    "description": rule.description if rule is not None else finding.get("message", ""),
                    "level": rule.level.value if rule is not None else "record",
                    "effect": str(finding.get("effect", "")),
                    "where": finding.get("location"),
                    "reference_tables": list(rule.tables) if rule is not None else [],
                    "reference_version": self.service.reference.version if rule is not None else None,
                }
            )
        return explained

    def close(self) -> None:
        self.service.close()


def summary(outcome: RefacOutcome) -> dict[str, Any]:
    counts = outcome.counts
    data: dict[str, Any] = {
        "reply": outcome.reply_kind,
        "replies": ", ".join(outcome.replies),
        "lines": counts.lines,
        "accepted_lines": counts.accepted_lines,
        "rejected_lines": counts.rejected_lines,
        "accepted_amount": str(counts.accepted_amount),
        "rejected_amount": str(counts.rejected_amount),
    }
    if outcome.error_percentage is not None:
        data["error_percentage"] = str(outcome.error_percentage)
    if outcome.payment_date is not None:
        data["payment_due_on"] = outcome.payment_date.isoformat()
    if outcome.sending is not None:
        data["sending_number"] = outcome.sending.sending_number
    data["reference_version"] = outcome.reference_version
    return data


def open_refac(database_url: str, reference_dir: Path | None = None) -> RefacEngine:
    return RefacEngine(RefacService(database_url, reference_dir))
