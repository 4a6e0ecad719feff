"""The CNS behind the doctors' mailboxes: a deposited DECLAPP goes to the register, a FACFORF to the flat-rate
adjudication; the answer (RETDECL, RETFORF) is published into the doctor's ``out/``.

One check belongs to the platform: a doctor deposits only files in their own name — the provider code of the file
name must be the mailbox owner's (the platform authenticates the sender, not the content).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.outbox import safe_name, write_json
from tierspayant.platform.deposits import DepositStatus
from tierspayant.platform.fundview import PaymentDue
from tierspayant.platform.worker import ProcessingResult
from tierspayant.schemes.lu_doctors.formats.naming import DoctorsFileName
from tierspayant.schemes.lu_doctors.fund.adjudication import scheme_rules
from tierspayant.schemes.lu_doctors.fund.service import DeviceFund, IntakeResult

STATUSES = {"treated": DepositStatus.ACCEPTED, "rejected": DepositStatus.REFUSED, "duplicate": DepositStatus.DUPLICATE}


class DoctorsFundEngine:
    def __init__(self, fund: DeviceFund) -> None:
        self.fund = fund

    def process(self, path: Path, outbox: Path, received_at: datetime, mailbox: str) -> ProcessingResult:
        try:
            name = DoctorsFileName.parse(path.name)
        except FindingsError as error:
            return self._refuse(path, outbox, list(error.findings), None)
        if name.provider_code != mailbox:
            finding = Finding(
                "PLT-SENDER",
                f"the file is in the name of {name.provider_code} but was deposited in the mailbox of {mailbox}: "
                "deposit a file in its own provider's mailbox",
                file=path.name, location="file name, provider code", rule="platform",
            )  # fmt: skip
            return self._refuse(path, outbox, [finding], name.file_type)
        today = received_at.astimezone().date()
        try:
            if name.file_type == "DECLAPP":
                result: IntakeResult = self.fund.receive_declaration(path.read_bytes(), path.name, today)
            elif name.file_type == "FACFORF":
                result = self.fund.receive_flat_rates(path, path.name, today)
            else:
                message = f"a {name.file_type} is sent by the CNS, not deposited: send a DECLAPP or a FACFORF"
                return self._refuse(path, outbox, [Finding("MED-NAME-TYPE", message, file=path.name)], name.file_type)
        except FindingsError as error:
            return self._refuse(path, outbox, list(error.findings), name.file_type)
        answer = outbox / result.answer_name
        answer.write_bytes(result.answer)
        summary: dict[str, Any] = {"answer": result.answer_name, "status": result.status}
        if name.file_type == "FACFORF":
            summary.update(covered=str(result.covered), payment_due_on=str(result.payment_date or ""))
        return ProcessingResult(STATUSES[result.status], name.file_type, [answer], list(result.findings), summary)

    @staticmethod
    def _refuse(path: Path, outbox: Path, findings: list[Finding], file_type: str | None) -> ProcessingResult:
        written = write_json(
            outbox / f"{safe_name(path.name)}.deposit.json",
            {"deposit": path.name, "status": "refused", "findings": [f.to_dict() for f in findings]},
        )
        return ProcessingResult(DepositStatus.REFUSED, file_type, [written], findings, {})

    def payments_due(self) -> list[PaymentDue]:
        return [
            PaymentDue(due_date=due, provider_code=code, amount=amount, reference=name)
            for due, code, amount, name in self.fund.payments()
        ]

    def explain(self, path: Path, findings: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
        """Each finding with its rule, what the rule checks and the reference tables it reads."""
        rules = {rule.id: rule for rule in scheme_rules()}
        labels = {
            row["code"]: row["label_fr"] for row in self.fund.reference["anomalies"].iter_rows(named=True)
        }  # fmt: skip
        explained = []
        for finding in findings:
            code = str(finding.get("code", ""))
            rule = rules.get(str(finding.get("rule") or ""))
            explained.append(
                {
                    "code": code,
                    "label": labels.get(code, finding.get("message", "")),
                    "detail": finding.get("message"),
                    "rule": finding.get("rule") or "reader",
                    "description": rule.description if rule is not None else finding.get("message", ""),
                    "level": rule.level.value if rule is not None else "file",
                    "effect": str(finding.get("effect", "")),
                    "where": finding.get("location"),
                    "reference_tables": list(rule.tables) if rule is not None else [],
                    "reference_version": self.fund.reference.version if rule is not None else None,
                }
            )
        return explained

    def close(self) -> None:
        self.fund.engine.dispose()
