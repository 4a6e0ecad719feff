"""The REFAC facade: a 920000 file in, the mutuality's replies out, the registry updated — all or nothing.

``RefacService(database_url, reference_dir=None).process(path, outbox, received_at=None) -> RefacOutcome``

1. read the file (structure, every record's check digits, check numbers) — header / 95 / 96 problems → 920999;
2. sending number: taken by another accepted sending → 920999; this very sending already accepted → 920098;
3. the history the rules need, fetched once for the file's patients and dates;
4. every rule of ``rules.yaml``, one SQL query each, then propagation to blocks (500119) and days (500118);
5. file decision: blocking error or > 5 % → 920099; otherwise 920098 (if anything to report) + 920900 with the
   payment date;
6. every readable file gets its acknowledgement of receipt (931000) first; the acknowledgement and the replies are
   staged in a hidden folder of the outbox, the registry transaction commits, then they get their names: a failure
   anywhere leaves the outbox and the database as they were. A crash after the commit leaves the reception marked
   unanswered with its replies staged: the next run of the same file delivers them (not a "duplicate" 920098).
   Each step boundary is a named crash point (:mod:`tierspayant.core.crashpoints`) for the recovery tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
from sqlalchemy.exc import IntegrityError

from tierspayant.core.crashpoints import declare, reach
from tierspayant.core.findings import Effect, Finding, FindingsError
from tierspayant.core.money import from_cents
from tierspayant.core.outbox import Staging, publish_leftovers, staging_folder
from tierspayant.schemes.be_nursing.formats.frames import body_offset
from tierspayant.schemes.be_nursing.formats.messages import ReplyHeader
from tierspayant.schemes.be_nursing.formats.reply_draft import ReplyDraft
from tierspayant.schemes.be_nursing.mutuality import decision as file_decision
from tierspayant.schemes.be_nursing.mutuality import replies
from tierspayant.schemes.be_nursing.mutuality.batch import Batch, SendingHeader, build_batch, header_of
from tierspayant.schemes.be_nursing.mutuality.evaluation import evaluate_rules
from tierspayant.schemes.be_nursing.mutuality.intake import (
    FINDINGS_PER_CODE,
    READER_RULE,
    Intake,
    blocking_findings_frame,
    read_intake,
    reader_findings_frame,
)
from tierspayant.schemes.be_nursing.mutuality.mcn import McnService
from tierspayant.schemes.be_nursing.mutuality.payment import PaymentSlot, schedule_payment
from tierspayant.schemes.be_nursing.mutuality.preliminary import NumberStatus, check_number
from tierspayant.schemes.be_nursing.mutuality.propagation import Propagated, propagate
from tierspayant.schemes.be_nursing.mutuality.reference import ReferenceData, load_reference
from tierspayant.schemes.be_nursing.mutuality.tables import (
    SERVICE_COLUMNS,
    build_tables,
    sending_table,
    with_nomenclature,
)
from tierspayant.schemes.be_nursing.store.mutuality.models import RefacSending
from tierspayant.schemes.be_nursing.store.mutuality.registry import RefacRegistry, SendingKey, SendingRecord
from tierspayant.store.database import exclusive

DRAFTED = declare("refac.drafted", "replies' body being written ahead, nothing staged or committed yet")
STAGED = declare("refac.staged", "acknowledgement and replies staged, registry not yet committed")
COMMITTED = declare("refac.committed", "registry committed, replies still staged")
PUBLISHED = declare("refac.published", "replies published, the reception not yet marked as answered")


@dataclass(frozen=True)
class RefacCounts:
    lines: int = 0
    lines_in_error: int = 0
    accepted_lines: int = 0
    rejected_lines: int = 0
    accepted_amount: Decimal = Decimal("0.00")  # euros
    rejected_amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class RefacOutcome:
    """What REFAC did with one file."""

    status: str  # accepted | rejected | refused | duplicate
    reply_kind: str  # the decisive reply: 920900, 920099, 920999, or 920098 for a duplicate
    replies: tuple[str, ...]  # every reply written after the acknowledgement, in order
    written: tuple[Path, ...]
    findings: tuple[Finding, ...]
    acknowledgement: Path | None = None  # the 931000 every readable file gets first
    counts: RefacCounts = field(default_factory=RefacCounts)
    error_percentage: Decimal | None = None
    refusal_type: str | None = None
    payment_date: date | None = None
    payment_order: int | None = None
    sending: SendingHeader | None = None
    reference_version: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "reply_kind": self.reply_kind,
            "replies": list(self.replies),
            "written": [str(p) for p in self.written],
            "acknowledgement": None if self.acknowledgement is None else str(self.acknowledgement),
            "error_percentage": None if self.error_percentage is None else str(self.error_percentage),
            "refusal_type": self.refusal_type,
            "payment_date": None if self.payment_date is None else self.payment_date.isoformat(),
            "payment_order": self.payment_order,
            "counts": {
                "lines": self.counts.lines,
                "lines_in_error": self.counts.lines_in_error,
                "accepted_lines": self.counts.accepted_lines,
                "rejected_lines": self.counts.rejected_lines,
                "accepted_amount": str(self.counts.accepted_amount),
                "rejected_amount": str(self.counts.rejected_amount),
            },
            "sending": None if self.sending is None else self.sending.__dict__,
            "reference_version": self.reference_version,
            "findings": [f.to_dict() for f in self.findings],
        }


def sending_digest(data: bytes) -> str:
    """Fingerprint of a sending's content: the records after the two header segments (200, 300), which carry
    message references that a resend may renew."""
    return hashlib.sha256(memoryview(data)[body_offset(data) :]).hexdigest()


@dataclass(frozen=True)
class _Reception:
    """One file received: its name, the fingerprint of its content and when — what every registry row of it says."""

    name: str
    digest: str
    received_at: datetime

    def record(
        self,
        status: str,
        reply_kind: str,
        header: SendingHeader | None,
        *,
        numbered: bool = True,
        decided: file_decision.FileDecision | None = None,
        slot: PaymentSlot | None = None,
    ) -> SendingRecord:
        """The registry row of this reception; ``numbered``: attached to its sending number (not when refused)."""
        return SendingRecord(
            file_name=self.name,
            digest=self.digest,
            key=_key(header) if header is not None and numbered else None,
            invoiced_month=header.invoiced_month if header is not None else None,
            received_at=self.received_at,
            status=status,
            reply_kind=reply_kind,
            refusal_type=decided.refusal_type if decided else None,
            error_percentage=float(decided.error_percentage) if decided else None,
            line_count=decided.line_count if decided else 0,
            accepted_lines=decided.accepted_lines if decided else 0,
            rejected_lines=decided.rejected_lines if decided else 0,
            accepted_cents=decided.accepted_cents if decided else 0,
            rejected_cents=decided.rejected_cents if decided else 0,
            payment_date=slot.payment_date if slot else None,
            payment_order=slot.order if slot else None,
        )


def _key(header: SendingHeader) -> SendingKey:
    return SendingKey(header.third_party, header.invoiced_year, header.sending_number)


ACKNOWLEDGEMENT = "931000"  # the acknowledgement of receipt, before any other reply


class RefacService:
    """The mutuality's REFAC processing on one database (SQLite by default, PostgreSQL by URL)."""

    def __init__(self, database_url: str, reference_dir: str | Path | None = None) -> None:
        self.registry = RefacRegistry(database_url)
        self.reference: ReferenceData = load_reference(reference_dir)
        self.mcn = McnService(self.registry.sessions, self.reference)  # 801000, 420900, 430000
        self._defer_answered = False

    def close(self) -> None:
        self.registry.close()

    def process(
        self,
        path: str | Path,
        outbox: str | Path,
        received_at: datetime | None = None,
        defer_answered: bool = False,
    ) -> RefacOutcome:
        """``defer_answered``: the caller delivers the outbox further (the platform's worker) and calls
        :meth:`mark_answered` once the replies are in its hands; until then a rerun delivers them again."""
        self._defer_answered = defer_answered
        source = Path(path)
        destination = Path(outbox)
        destination.mkdir(parents=True, exist_ok=True)
        received = received_at or datetime.now().replace(microsecond=0)
        data = source.read_bytes()
        # hashlib releases the GIL: the fingerprint is computed on the other core while the file is read
        with ThreadPoolExecutor(1, thread_name_prefix="refac-digest") as pool:
            digest = pool.submit(sending_digest, data)
            try:
                intake: Intake | FindingsError = read_intake(data, source.name)
            except FindingsError as error:  # not readable at all (too large): refused, nothing to answer on
                intake = error
            reception = _Reception(source.name, digest.result(), received)
        # One file at a time per registry: the history a file is checked against (accepted services, numbers taken,
        # the payment order) must include every file accepted before it — two sendings of the same services at
        # once must not both be paid (the ledger is columnar, no unique key can refuse the second). It also keeps
        # two runs of one file apart: the second sees the first finished, or dead (then completes its delivery).
        with exclusive(self.registry.engine, "refac-registry"):
            return self._process_reception(reception, intake, source, destination)

    def _process_reception(
        self, reception: _Reception, intake: Intake | FindingsError, source: Path, destination: Path
    ) -> RefacOutcome:
        unanswered = self.registry.unanswered(reception.digest)
        if unanswered is not None:  # a crash interrupted its first delivery: finish it
            return self._complete_delivery(unanswered, destination)
        if isinstance(intake, FindingsError):
            return self._refuse(reception, None, None, intake.findings, destination)

        header = _header(intake)
        if intake.preliminary.height or header is None:
            findings = intake.findings(intake.preliminary) or [
                Finding("E000004", "record 10 (batch header) missing or unreadable", file=source.name, line=3)
            ]
            return self._refuse(reception, intake, header, findings, destination)
        number = check_number(self.registry.accepted_with_number(_key(header)), reception.digest)
        number_finding = number.finding(source.name, header.sending_number)
        if number.status is NumberStatus.TAKEN and number_finding is not None:
            return self._refuse(reception, intake, header, [number_finding], destination)
        if number.status is NumberStatus.DUPLICATE and number_finding is not None:
            return self._duplicate(reception, intake, header, number_finding, destination)
        return self._control(reception, intake, header, destination)

    # -- the three ways out ------------------------------------------------------------------------------------

    def _control(self, reception: _Reception, intake: Intake, header: SendingHeader, outbox: Path) -> RefacOutcome:
        # the annotated replies' common body is written ahead on the other core while the file is checked
        folder = staging_folder(outbox, _staging_key(reception.digest, reception.received_at))
        draft = replies.start_draft(intake, folder)
        try:
            return self._check(reception, intake, header, outbox, draft)
        finally:
            if draft is not None:
                draft.discard()
                with suppress(OSError):  # left empty when the check failed before anything was staged
                    folder.rmdir()

    def _check(
        self, reception: _Reception, intake: Intake, header: SendingHeader, outbox: Path, draft: ReplyDraft | None
    ) -> RefacOutcome:
        batch = build_batch(intake.frames)
        blocking = intake.blocking.height > 0
        reader_rows = reader_findings_frame(intake)
        if blocking:  # the structure is broken: report it; the rules would read garbage
            rule_findings = pl.concat([blocking_findings_frame(intake), reader_rows], how="vertical")
            lines_table = with_nomenclature(batch.lines, self.reference["nomenclature"])
        else:
            history = self._history(batch)
            sending = sending_table(header.third_party, reception.received_at.date())
            # the palliative notifications received as messages (420900, doctors') count with the reference's
            reference = self.reference.replace(palliative_notifications=self.mcn.palliative_notifications())
            tables = build_tables(batch.lines, batch.invoices, history, reference, sending)
            rule_findings = pl.concat([reader_rows, evaluate_rules(tables)], how="vertical")
            lines_table = tables["lines"]
            # a rule that rejects the whole file (the PUC of zone 18) weighs as a blocking error: 920099 type 01
            blocking = rule_findings.filter(pl.col("effect") == Effect.REJECT_FILE.value).height > 0
        if self.registry.accepted_with_number(_key(header)) is not None:
            # another process accepted this number while we read the history: answer as the second one would
            return self._lost_race(reception, intake, header, outbox)
        reach(DRAFTED)
        propagated = propagate(lines_table, rule_findings, batch.attached)
        has_errors = propagated.errors.height > 0 or blocking
        decided = file_decision.decide(propagated, blocking=blocking, has_errors_to_report=has_errors)
        findings = [
            *intake.findings(intake.blocking),
            *intake.findings(intake.other),
            *_as_findings(rule_findings.filter(pl.col("rule") != READER_RULE), reception.name),
        ]
        if not decided.accepted:
            record = reception.record("rejected", file_decision.REJECTION, header, decided=decided)
            header_fields = replies.rejection_fields(decided)
            rejection = [(file_decision.REJECTION, replies.all_errors(propagated, intake.blocking), header_fields)]
            acknowledged, written = self._commit(intake, rejection, outbox, reception.name, record, None, draft)
            return _outcome("rejected", decided, (acknowledged, written), findings, header, self.reference, None)

        slot = schedule_payment(reception.received_at, self.registry.payment_rank(reception.received_at))
        record = reception.record("accepted", file_decision.SETTLEMENT, header, decided=decided, slot=slot)
        plan: list[tuple[str, pl.DataFrame, ReplyHeader]] = []
        if file_decision.INFORMATIVE in decided.replies:
            plan.append(
                (file_decision.INFORMATIVE, replies.all_errors(propagated, None), replies.informative_fields(decided))
            )
        plan.append(
            (
                file_decision.SETTLEMENT,
                replies.settlement_errors(propagated),
                replies.settlement_fields(decided, propagated, intake, slot.payment_date),
            )
        )
        services = _accepted_services(batch, propagated)
        try:
            acknowledged, written = self._commit(intake, plan, outbox, reception.name, record, services, draft)
        except IntegrityError:  # another process accepted this number between our check and our commit
            return self._lost_race(reception, intake, header, outbox)
        return _outcome("accepted", decided, (acknowledged, written), findings, header, self.reference, slot)

    def _lost_race(self, reception: _Reception, intake: Intake, header: SendingHeader, outbox: Path) -> RefacOutcome:
        """The same sending processed by several processes at once: the one whose commit took the number is the
        acceptance; every other one answers as if it had come second — 920098 "already accepted" for the very same
        sending (exit status 0), 920999 for another sending under that number (exit status 2). Nothing of the lost
        attempt was written (its staged replies were removed, its transaction rolled back)."""
        number = check_number(self.registry.accepted_with_number(_key(header)), reception.digest)
        finding = number.finding(reception.name, header.sending_number)
        if finding is None:  # the number was not taken after all: a real integrity problem, not a race
            raise RuntimeError(f"{reception.name}: the registry refused the acceptance but no sending holds its number")
        if number.status is NumberStatus.DUPLICATE:
            return self._duplicate(reception, intake, header, finding, outbox)
        return self._refuse(reception, intake, header, [finding], outbox)

    def _refuse(
        self,
        reception: _Reception,
        intake: Intake | None,
        header: SendingHeader | None,
        findings: Sequence[Finding],
        outbox: Path,
    ) -> RefacOutcome:
        # a refused file takes no number and is not attached to one
        record = reception.record("refused", file_decision.REFUSAL, header, numbered=False)
        plan = [(file_decision.REFUSAL, replies.finding_errors(findings), replies.refusal_fields(findings))]
        acknowledged, written = self._commit(intake, plan, outbox, reception.name, record, None)
        return RefacOutcome(
            acknowledgement=acknowledged,
            status="refused",
            reply_kind=file_decision.REFUSAL,
            replies=(file_decision.REFUSAL,) if written else (),
            written=tuple(written),
            findings=tuple(findings),
            sending=header,
            reference_version=self.reference.version,
        )

    def _duplicate(
        self, reception: _Reception, intake: Intake, header: SendingHeader, finding: Finding, outbox: Path
    ) -> RefacOutcome:
        record = reception.record("duplicate", file_decision.INFORMATIVE, header)
        plan = [(file_decision.INFORMATIVE, replies.finding_errors([finding]), replies.duplicate_fields())]
        acknowledged, written = self._commit(intake, plan, outbox, reception.name, record, None)
        return RefacOutcome(
            acknowledgement=acknowledged,
            status="duplicate",
            reply_kind=file_decision.INFORMATIVE,
            replies=(file_decision.INFORMATIVE,),
            written=tuple(written),
            findings=(finding,),
            sending=header,
            reference_version=self.reference.version,
        )

    def mark_answered(self, path: str | Path) -> None:
        """The replies to this file are delivered: a later run of it is a duplicate."""
        row = self.registry.unanswered(sending_digest(Path(path).read_bytes()))
        if row is not None:
            self.registry.mark_answered(row.id)

    def _complete_delivery(self, row: RefacSending, outbox: Path) -> RefacOutcome:
        """Publish the replies a killed run staged for this reception, as that run would have, and mark it answered."""
        publish_leftovers(outbox, _staging_key(row.digest, row.received_at))
        if not self._defer_answered:
            self.registry.mark_answered(row.id)
        names = [outbox / name for name in row.answer_names.splitlines()]
        acknowledgement, written = (names[0], names[1:]) if names else (None, [])
        return RefacOutcome(
            status=row.status,
            reply_kind=row.reply_kind,
            replies=tuple(p.suffix[1:] for p in written),
            written=tuple(written),
            findings=(),
            acknowledgement=acknowledgement,
            counts=RefacCounts(
                lines=row.line_count,
                accepted_lines=row.accepted_lines,
                rejected_lines=row.rejected_lines,
                accepted_amount=from_cents(row.accepted_cents),
                rejected_amount=from_cents(row.rejected_cents),
            ),
            refusal_type=row.refusal_type,
            payment_date=row.payment_date,
            payment_order=row.payment_order,
            reference_version=self.reference.version,
        )

    # -- helpers -----------------------------------------------------------------------------------------------

    def _history(self, batch: Batch) -> pl.DataFrame:
        lines = batch.lines
        if lines.height == 0:
            return self.registry.history([], date.min, date.min)
        required = self.reference["prerequisites"]["required_code"].to_list()
        return self.registry.history(
            lines["niss"].unique().to_list(),
            lines["first_service_date"].min(),  # type: ignore[arg-type]
            lines["last_service_date"].max(),  # type: ignore[arg-type]
            codes_any_time=required,
        )

    def _commit(
        self,
        intake: Intake | None,
        plan: list[tuple[str, pl.DataFrame, ReplyHeader]],
        outbox: Path,
        name: str,
        record: SendingRecord,
        services: pl.DataFrame | None,
        draft: ReplyDraft | None = None,
    ) -> tuple[Path | None, list[Path]]:
        """Stage the acknowledgement (931000) and the replies, commit the registry, then publish them under their
        names; returns (acknowledgement, replies). A file that could not be read at all gets no answer: only its
        reception is recorded."""
        with Staging(outbox, _staging_key(record.digest, record.received_at)) as staging:
            if intake is not None:
                staged = []
                for kind, errors, fields in [(ACKNOWLEDGEMENT, None, None), *plan]:
                    final = replies.free_path(outbox, replies.reply_name(name, kind))
                    staged.append((kind, errors, fields, staging.path(final.name)))
                replies.write_all(intake, staged, draft)
            reach(STAGED)
            sending_id = self.registry.record(
                record, services, answer_names=staging.names, answers_published=not staging.names
            )
            reach(COMMITTED)
            finals = staging.publish()
            if finals:
                reach(PUBLISHED)
                if not self._defer_answered:
                    self.registry.mark_answered(sending_id)
        return (finals[0], finals[1:]) if finals else (None, [])


def _staging_key(digest: str, received_at: datetime) -> str:
    """The staging folder of one reception: its content and its time (two receptions of one content never share)."""
    return f"refac-{digest[:32]}-{received_at:%Y%m%d%H%M%S}"


def _header(intake: Intake) -> SendingHeader | None:
    """The registry key of the sending from its record 10, or None when there is no usable record 10."""
    record_10 = intake.frames.get("10")
    needed = ("third_party_number", "invoiced_year", "invoiced_month", "sending_number")
    if record_10 is None or record_10.height != 1 or any(record_10[c][0] is None for c in needed):
        return None
    return header_of(intake.frames)


def _as_findings(frame: pl.DataFrame, file: str, per_code: int = FINDINGS_PER_CODE) -> list[Finding]:
    """Findings for people: at most ``per_code`` per code, then one saying how many more (the replies have all)."""
    numbered = frame.with_columns(pl.int_range(pl.len()).over("code").alias("_nth"), pl.len().over("code").alias("_n"))
    findings = [
        Finding(
            code=row["code"],
            message=row["detail"] or "",
            file=file,
            line=row["key"],
            location=f"record {'20' if row['level'] == 'invoice' else '50'}",
            rule=row["rule"],
            effect=Effect(row["effect"]),
        )
        for row in numbered.filter(pl.col("_nth") < per_code).iter_rows(named=True)
    ]
    for row in numbered.filter(pl.col("_nth") == per_code).iter_rows(named=True):
        findings.append(
            Finding(
                code=row["code"],
                message=f"… and {row['_n'] - per_code} more records with this error (see the replies)",
                file=file,
                rule=row["rule"],
                effect=Effect(row["effect"]),
            )
        )
    return findings


def _accepted_services(batch: Batch, propagated: Propagated) -> pl.DataFrame:
    """The accepted lines, in the ledger's shape, for the history of later sendings."""
    accepted = propagated.lines.filter(pl.col("status") == "accepted").select("key")
    return batch.lines.join(accepted, on="key", how="semi").select(SERVICE_COLUMNS)


def _outcome(
    status: str,
    decided: file_decision.FileDecision,
    written: tuple[Path | None, list[Path]],
    findings: list[Finding],
    header: SendingHeader,
    reference: ReferenceData,
    slot: PaymentSlot | None,
) -> RefacOutcome:
    """The outcome of a file that went through the controls (accepted or rejected)."""
    acknowledgement, reply_paths = written
    return RefacOutcome(
        status=status,
        reply_kind=decided.replies[-1],
        replies=decided.replies,
        written=tuple(reply_paths),
        acknowledgement=acknowledgement,
        findings=tuple(findings),
        counts=RefacCounts(
            lines=decided.line_count,
            lines_in_error=decided.lines_in_error,
            accepted_lines=decided.accepted_lines,
            rejected_lines=decided.rejected_lines,
            accepted_amount=from_cents(decided.accepted_cents),
            rejected_amount=from_cents(decided.rejected_cents),
        ),
        error_percentage=decided.error_percentage,
        refusal_type=decided.refusal_type,
        payment_date=slot.payment_date if slot else None,
        payment_order=slot.order if slot else None,
        sending=header,
        reference_version=reference.version,
    )
