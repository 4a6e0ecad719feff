"""The fund engine behind the mailbox worker and the fund pages:
:class:`tierspayant.schemes.lu_kin.fund.service.FundService`
adapted to the platform (deposit statuses, payments due, explanations of findings).

One check belongs to the platform rather than to the engine: a provider deposits only its own files — the
provider code in the file name must be the mailbox owner's (HealthNet authenticates the sender, not the content).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.platform.deposits import DepositStatus
from tierspayant.platform.fundview import PaymentDue
from tierspayant.platform.worker import ProcessingResult, Processor
from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.fund import returns
from tierspayant.schemes.lu_kin.fund.service import FundService

SUMMARY_KEYS = (
    "items",
    "accepted",
    "refused",
    "suspended",
    "reduced",
    "asked",
    "covered",
    "contested",
    "acknowledged_on",
    "payment_due_on",
    "reference_version",
)


class FundEngine:
    def __init__(self, service: FundService) -> None:
        self.service = service

    @property
    def processor(self) -> Processor:
        return self.process

    def process(self, path: Path, outbox: Path, received_at: datetime, mailbox: str) -> ProcessingResult:
        refusal = self._sender_mismatch(path.name, mailbox)
        local_time = received_at.astimezone().replace(tzinfo=None, microsecond=0)  # the fund works in local time
        if refusal is not None:
            written = returns.write_notification(
                outbox / returns.notification_name(path.name), path.name, local_time, "", "refused", [refusal], []
            )
            return ProcessingResult(DepositStatus.REFUSED, None, [written], [refusal], {})
        # The worker confirms once it holds the answers: a crash before that gives the first delivery again.
        outcome = self.service.process(path, outbox, local_time, defer_answered=True)
        summary = {key: value for key, value in outcome.summary().items() if key in SUMMARY_KEYS}
        return ProcessingResult(
            DepositStatus(outcome.status),
            outcome.file_type,
            list(outcome.written),
            list(outcome.findings),
            summary,
            confirm=partial(self.service.mark_answered, path),
        )

    @staticmethod
    def _sender_mismatch(name: str, mailbox: str) -> Finding | None:
        try:
            provider = KinFileName.parse(name).provider_code
        except FindingsError:
            return None  # a bad name is the engine's to refuse, with its own findings
        if provider == mailbox:
            return None
        return Finding(
            code="PLT-SENDER",
            message=f"the file is named for provider {provider} but was deposited in the mailbox of {mailbox}: "
            "deposit a provider's files in its own mailbox",
            file=name,
            location="provider code (part 1 of the name)",
            rule="platform",
        )

    def payments_due(self) -> list[PaymentDue]:
        return [
            PaymentDue(due_date=p.due_on, provider_code=p.facturier, amount=p.amount, reference=p.file_name)
            for p in self.service.payments_due()
        ]

    def explain(self, path: Path, findings: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
        """The findings of a processed file with the rule, what it checks and the reference data it read."""
        return [asdict(e) for e in self.service.explain(path)]

    def close(self) -> None:
        self.service.engine.dispose()


def open_fund(database_url: str, reference_dir: Path | None = None) -> FundEngine:
    service = FundService(database_url, reference_dir)
    service.init()
    return FundEngine(service)
