"""The fund engine's facade: what the platform's worker, the commands and the practice's end-to-end test call.

>>> fund = FundService("sqlite:///var/fund.db")          # doctest: +SKIP
>>> fund.init()                                            # migrate, SAMPLE reference set and registries if empty
>>> outcome = fund.process(Path("in/F70012345202403_KIN_FAC_01_20240402_FA202403.xml"), Path("out"))
>>> outcome.status, outcome.covered, [p.name for p in outcome.written]

One database transaction per file; the return files are staged and published only after the commit. The same file
processed again is recognised by its SHA-256 (status ``duplicate``) and never paid twice — unless the process died
between the commit and its last receipt (the deposit's ``answers_published`` is still false): then the run completes
the first delivery (staged files published, the same notification and acknowledgement written) instead.
Each step boundary is a named crash point (:mod:`tierspayant.core.crashpoints`) for the recovery tests.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from tierspayant.core.crashpoints import declare, reach
from tierspayant.core.findings import Effect, Finding, FindingsError
from tierspayant.core.money import from_cents
from tierspayant.core.outbox import Staging, publish_leftovers
from tierspayant.schemes.lu_kin.formats.naming import KinFileName, check_name
from tierspayant.schemes.lu_kin.fund import advice, it_flat_rate, payments, recording, returns
from tierspayant.schemes.lu_kin.fund.authorising import authorise
from tierspayant.schemes.lu_kin.fund.billing import bill
from tierspayant.schemes.lu_kin.fund.explain import Explanation, explain_findings
from tierspayant.schemes.lu_kin.fund.intake import Opened, anomaly_code, open_deposit, sha256_of
from tierspayant.schemes.lu_kin.fund.it_flat_rate import ItDecision, ItPaymentRun, ItRequest
from tierspayant.schemes.lu_kin.fund.layout_transition import layout_findings
from tierspayant.schemes.lu_kin.fund.outcome import ProcessOutcome, Refused, Status, as_findings
from tierspayant.schemes.lu_kin.fund.payments import PaymentDue
from tierspayant.schemes.lu_kin.fund.reference_store import current_version, load_version, store_reference
from tierspayant.schemes.lu_kin.fund.registries import (
    AffiliationSpec,
    MembershipSpec,
    load_sample_registries,
    registries_empty,
)
from tierspayant.schemes.lu_kin.fund.registries import add_insured as _add_insured
from tierspayant.schemes.lu_kin.fund.registries import add_provider as _add_provider
from tierspayant.schemes.lu_kin.reference import ReferenceSet, load_reference_dir, load_sample_reference
from tierspayant.schemes.lu_kin.store.fund.models import Deposit
from tierspayant.store.database import exclusive, make_engine, migrate, session_factory, transaction

STAGED = declare("kin.staged", "return files staged, transaction not yet committed")
COMMITTED = declare("kin.committed", "transaction committed, return files still staged")
PUBLISHED = declare("kin.published", "return files published, no receipt written")
NOTIFIED = declare("kin.notified", "deposit notification written, acknowledgement not yet")
RECEIPTS = declare("kin.receipts", "all receipts written, the deposit not yet marked as answered")
REFUSAL_PUBLISHED = declare("kin.refusal-published", "untreated RETFAC published, notification not yet")

MIGRATIONS = "tierspayant.schemes.lu_kin.store.fund.migrations"
DEFAULT_DATABASE_URL = "sqlite:///var/fund.db"
DATABASE_URL_ENV = "TIERSPAYANT_FUND_DATABASE_URL"


class _DryRun(Exception):
    def __init__(self, outcome: ProcessOutcome) -> None:
        super().__init__("dry run: rolled back")
        self.outcome = outcome


class FundService:
    """The CNS engine for KIN files over one fund database (SQLite by default, PostgreSQL by URL)."""

    def __init__(self, database_url: str, reference_dir: Path | None = None) -> None:
        self.database_url = database_url
        self.reference_dir = reference_dir
        _make_sqlite_folder(database_url)
        self.engine = make_engine(database_url)
        self.sessions = session_factory(self.engine)
        self._references: dict[str, ReferenceSet] = {}
        self._defer_answered = False
        self.timings: dict[str, float] = {}  # wall seconds per phase of the last file processed (benchmarks, logs)
        self.cpu_timings: dict[str, float] = {}  # CPU seconds of this process (all its threads) per phase

    @contextmanager
    def _timed(self, phase: str) -> Iterator[None]:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.timings[phase] = self.timings.get(phase, 0.0) + time.perf_counter() - start
            self.cpu_timings[phase] = self.cpu_timings.get(phase, 0.0) + time.process_time() - cpu

    # --- set-up ---

    def init(self) -> str:
        """Migrate the database; load the reference set (``reference_dir`` or the SAMPLE set) and the SAMPLE
        registries when the database has none. Returns the reference version in force."""
        migrate(self.engine, MIGRATIONS)
        with transaction(self.sessions) as session:
            if current_version(session) is None:
                chosen = load_reference_dir(self.reference_dir) if self.reference_dir else load_sample_reference()
                store_reference(session, chosen, datetime.now())
                self._references[chosen.version] = chosen
            if registries_empty(session):
                load_sample_registries(session)
            version = current_version(session)
        assert version is not None
        return version

    def load_reference(self, directory: Path) -> ReferenceSet:
        """Check a folder of reference files and put it in force (``FindingsError`` naming file, row, column)."""
        reference = load_reference_dir(directory)
        with transaction(self.sessions) as session:
            store_reference(session, reference, datetime.now())
        self._references[reference.version] = reference
        return reference

    def reference(self) -> ReferenceSet:
        with self.sessions() as session:
            version = current_version(session)
            if version is None:
                raise RuntimeError("no reference data: run FundService.init() (tierspayant fund init) first")
            if version not in self._references:
                self._references[version] = load_version(session, version)
        return self._references[version]

    # --- registries ---

    def add_insured(self, matricule: str, birth_date: date, affiliations: Sequence[AffiliationSpec] = ()) -> None:
        with transaction(self.sessions) as session:
            _add_insured(session, matricule, birth_date, affiliations)

    def add_provider(self, code: str, name: str, kind: str, memberships: Sequence[MembershipSpec] = ()) -> str:
        with transaction(self.sessions) as session:
            return _add_provider(session, code, name, kind, memberships)

    # --- payments ---

    def payments_due(self, on: date | None = None, include_paid: bool = False) -> list[PaymentDue]:
        """What the fund owes facturiers for accepted FACs, by due date (only those due by ``on`` when given)."""
        with self.sessions() as session:
            return payments.payments_due(session, on, include_paid)

    def mark_paid(self, deposit_id: int, paid_on: date) -> None:
        with transaction(self.sessions) as session:
            payments.mark_paid(session, deposit_id, paid_on)

    # --- the annual IT flat rate (fund.it_flat_rate) ---

    def request_it_flat_rate(self, request: ItRequest, received_on: date | None = None) -> ItDecision:
        """Decide a practice's request for the IT flat rate from the fund's own ledger and record the decision
        (accepted, or refused with its reasons); ``ItFlatRateError`` when it cannot be handled at all."""
        reference = self.reference()
        with transaction(self.sessions) as session:
            return it_flat_rate.decide(session, request, received_on or date.today(), reference)

    def it_flat_rate_decisions(self, year: int | None = None) -> list[ItDecision]:
        with self.sessions() as session:
            return it_flat_rate.decisions(session, year)

    def pay_it_flat_rates(self, year: int, outbox: Path, paid_on: date | None = None) -> ItPaymentRun:
        """The June payment run of the IT flat rate for ``year``: every accepted, unpaid request paid in one payment
        file written into ``outbox`` (published after the commit)."""
        day = paid_on or date.today()
        with Staging(Path(outbox), f"itflat-{year}-{day:%Y%m%d}") as staging:
            with transaction(self.sessions) as session:
                run = it_flat_rate.pay(session, year, day, staging)
            staging.publish()
        return run

    # --- a suspended request decided later ---

    def decide_after_advice(
        self,
        request_id: str,
        favourable: bool,
        outbox: Path,
        decided_on: date | None = None,
        sessions: int | None = None,
        remark: str | None = None,
    ) -> Path:
        """Decide a request suspended for the Contrôle médical's advice (K112): an accord with its titre (``sessions``
        as the advice allows) or a refusal (K113); returns the RETAUT written into ``outbox`` for the practice."""
        day = decided_on or date.today()
        with transaction(self.sessions) as session:
            return advice.decide_after_advice(
                session, request_id, favourable, day, Path(outbox), self.reference(), sessions, remark
            )

    # --- processing ---

    def process(
        self, path: Path, outbox: Path, received_at: datetime | None = None, defer_answered: bool = False
    ) -> ProcessOutcome:
        """Process one deposited DEMAUT or FAC (XML or ZIP package); write the answers into ``outbox``.

        ``defer_answered``: the caller delivers the outbox further (the platform's worker) and calls
        :meth:`mark_answered` once the answers are safely in its hands; until then a rerun gives the first delivery.
        """
        self._defer_answered = defer_answered
        return self._process(Path(path), Path(outbox), received_at or datetime.now().replace(microsecond=0))

    def mark_answered(self, path: Path) -> None:
        """The answers to this file are delivered: a later run of it is a duplicate (no-op for a refused file)."""
        self._mark_answered(sha256_of(Path(path)))

    def _process(
        self, path: Path, outbox: Path, received_at: datetime, dry_run: bool = False, retry: bool = True
    ) -> ProcessOutcome:
        self.timings, self.cpu_timings = {}, {}
        with self._timed("hash"):
            sha = sha256_of(path)
        if dry_run:
            return self._process_file(path, outbox, received_at, sha, dry_run, retry)
        # Two runs of one file never overlap: the second sees the first one finished, or dead (then completes it).
        with exclusive(self.engine, f"kin-deposit-{sha}"):
            return self._process_file(path, outbox, received_at, sha, dry_run, retry)

    def _process_file(
        self, path: Path, outbox: Path, received_at: datetime, sha: str, dry_run: bool, retry: bool
    ) -> ProcessOutcome:
        with self.sessions() as session:
            previous = recording.deposit_by_sha(session, sha)
            if previous is not None and not previous.answers_published and not dry_run:
                return self._complete_delivery(session, previous, path, outbox)
            if previous is not None:
                return self._duplicate(session, previous, path, outbox, received_at, dry_run)
        reference = self.reference()
        refused_layout = layout_findings(path.name, received_at.date(), reference)
        if refused_layout:
            return self._refuse(path, outbox, received_at, sha, refused_layout, None, reference, dry_run)
        try:
            with self._timed("read + validate"):
                opened = open_deposit(path)
        except FindingsError as error:
            return self._refuse(path, outbox, received_at, sha, error.findings, None, reference, dry_run)
        try:
            with Staging(outbox, sha) as staging:
                with transaction(self.sessions) as session:
                    self._check_uniqueness(session, opened, path.name)
                    work = authorise if opened.demaut is not None else bill
                    outcome = work(session, staging, path, opened, received_at, sha, reference, self._timed)
                    if dry_run:
                        raise _DryRun(outcome)
                    reach(STAGED)
                    committing = time.perf_counter()
                self.timings["commit"] = time.perf_counter() - committing
                reach(COMMITTED)
                with self._timed("publish"):
                    written = staging.publish()
                reach(PUBLISHED)
        except Refused as refusal:
            return self._refuse(
                path, outbox, received_at, sha, refusal.findings, opened, reference, dry_run, refusal.codes
            )
        except (IntegrityError, OperationalError):
            # Another process recorded the same file, reference or month meanwhile (a unique key says so; SQLite may
            # instead refuse a write on a snapshot that is no longer the latest): decide once more from the new
            # state. A second conflict is not a race but a fault, and is raised.
            if not retry:
                raise
            return self._process_file(path, outbox, received_at, sha, dry_run, retry=False)
        written.extend(self._write_receipts(outbox, path.name, received_at, sha, "accepted", [], outcome, written))
        reach(RECEIPTS)
        self._answered(sha)
        return replace(outcome, written=written)

    def _answered(self, sha: str) -> None:
        if not self._defer_answered:
            self._mark_answered(sha)

    def _mark_answered(self, sha: str) -> None:
        with transaction(self.sessions) as session:
            deposit = recording.deposit_by_sha(session, sha)
            if deposit is not None:
                deposit.answers_published = True

    def _complete_delivery(self, session: Session, deposit: Deposit, path: Path, outbox: Path) -> ProcessOutcome:
        """The process died after this deposit's commit and before its last receipt: deliver what the first run
        would have — its staged return files, then the notification and acknowledgement of an accepted file, dated
        as the first reception — and mark the deposit answered. Every file written is the first run's, byte for byte.
        """
        stored = json.loads(deposit.outcome_json or "{}")
        outcome = replace(
            self._recorded_outcome(session, deposit, path.name, deposit.received_at, stored), status="accepted"
        )
        publish_leftovers(outbox, deposit.sha256)
        written = [outbox / name for name in stored.get("returns", []) if (outbox / name).exists()]
        written.extend(
            self._write_receipts(
                outbox, deposit.file_name, deposit.received_at, deposit.sha256, "accepted", [], outcome, written
            )
        )
        self._answered(deposit.sha256)
        return replace(outcome, written=written)

    def _recorded_outcome(
        self, session: Session, deposit: Deposit, name: str, received_at: datetime, stored: dict[str, Any]
    ) -> ProcessOutcome:
        return ProcessOutcome(
            status="duplicate",
            file_type=deposit.file_type,
            file_name=name,
            received_at=received_at,
            rule_findings=recording.load_findings(session, deposit.id),
            items=deposit.item_count,
            accepted=deposit.accepted_count,
            refused=int(stored.get("refused", 0)),
            suspended=int(stored.get("suspended", 0)),
            reduced=int(stored.get("reduced", 0)),
            asked=from_cents(deposit.asked_cents),
            covered=from_cents(deposit.covered_cents),
            acknowledged_on=deposit.acknowledged_on,
            payment_due_on=deposit.payment_due_on,
            deposit_id=deposit.id,
            reference_version=deposit.reference_version,
        )

    def _check_uniqueness(self, session: Session, opened: Opened, name: str) -> None:
        provider = opened.file_name.provider_code
        used = recording.deposit_by_reference(session, provider, opened.file_name.reference)
        if used is not None:
            message = f"reference {opened.file_name.reference} was already used by {provider} in {used.file_name}"
            raise Refused([Finding("K003", message, file=name, location="reference", rule="intake")])
        if opened.file_name.file_type == "FAC":
            year, month = opened.file_name.year, opened.file_name.month
            taken = recording.billing_month_taken(session, provider, year, month)
            if taken is not None:
                other = session.get(Deposit, taken.deposit_id)
                message = (
                    f"{provider} already billed {year}-{month:02d} with {other.file_name if other else 'another FAC'}:"
                    " one FAC per facturier and calendar month (art. 20)"
                )
                raise Refused([Finding("K004", message, file=name, location="period", rule="intake")])

    # --- DEMAUT ---

    # --- refusals, duplicates, receipts ---

    def _refuse(
        self,
        path: Path,
        outbox: Path,
        received_at: datetime,
        sha: str,
        findings: list[Finding],
        opened: Opened | None,
        reference: ReferenceSet,
        dry_run: bool,
        codes: list[str] | None = None,
    ) -> ProcessOutcome:
        """Return the file untreated: nothing recorded; the notification says why, a refused FAC gets a RETFAC
        carrying the reasons as file-level anomalies."""
        name = path.name
        file_name = opened.file_name if opened else (KinFileName.parse(name) if not check_name(name) else None)
        file_type = file_name.file_type if file_name else None
        outcome = ProcessOutcome(
            "refused", file_type, name, received_at, notes=findings, reference_version=reference.version
        )
        if dry_run:
            return outcome
        written: list[Path] = []
        if file_name is not None and file_type == "FAC":
            received_on = received_at.date()
            header = returns.return_header(
                _header_of(opened, file_name),
                "RETFAC",
                received_on,
                deposit_date=received_on,
                payment_due_date=received_on,
            )
            codes = codes or [anomaly_code(f) for f in findings]
            anomalies = returns.file_anomalies(findings[:50], codes[:50], reference)
            with Staging(outbox, sha) as staging:
                returns.write_untreated_retfac(
                    staging.path(returns.return_name(file_name, "RETFAC", received_on)), header, anomalies
                )
                written = staging.publish()
            reach(REFUSAL_PUBLISHED)
        written.extend(self._write_receipts(outbox, name, received_at, sha, "refused", findings, outcome, written))
        return replace(outcome, written=written)

    def _duplicate(
        self, session: Session, deposit: Deposit, path: Path, outbox: Path, received_at: datetime, dry_run: bool
    ) -> ProcessOutcome:
        stored = json.loads(deposit.outcome_json or "{}")
        outcome = self._recorded_outcome(session, deposit, path.name, received_at, stored)
        if dry_run:
            return outcome
        written = [outbox / name for name in stored.get("returns", []) if (outbox / name).exists()]
        note = Finding(
            "DUPLICATE",
            f"already received as {deposit.file_name} on {deposit.received_at}: the earlier "
            "answer stands, nothing is paid twice",
            file=path.name,
            rule="intake",
            effect=Effect.INFORM,
        )
        written += self._write_receipts(
            outbox, path.name, received_at, deposit.sha256, "duplicate", [note], outcome, written
        )
        return replace(outcome, written=written)

    def _write_receipts(
        self,
        outbox: Path,
        name: str,
        received_at: datetime,
        sha: str,
        status: str,
        reasons: Sequence[Finding],
        outcome: ProcessOutcome,
        written: Sequence[Path],
    ) -> list[Path]:
        outbox.mkdir(parents=True, exist_ok=True)
        receipts = [
            returns.write_notification(
                outbox / returns.notification_name(name),
                name,
                received_at,
                sha,
                status,
                reasons,
                [p.name for p in written],
            )
        ]
        reach(NOTIFIED)
        if status == "accepted" and outcome.file_type == "FAC":
            assert outcome.acknowledged_on is not None and outcome.payment_due_on is not None
            days = (outcome.payment_due_on - outcome.acknowledged_on).days
            receipts.append(
                returns.write_acknowledgement(
                    outbox / returns.acknowledgement_name(name),
                    name,
                    outcome.acknowledged_on,
                    outcome.payment_due_on,
                    days,
                )
            )
        return receipts

    # --- explanations ---

    def explain(self, path: Path, received_at: datetime | None = None) -> list[Explanation]:
        """Each finding on a file with its rule, what the rule checks and the reference data it read.

        A file already processed is explained from what was recorded; another is run without recording anything.
        """
        path = Path(path)
        sha = sha256_of(path)
        with self.sessions() as session:
            deposit = recording.deposit_by_sha(session, sha)
            if deposit is not None:
                stored = recording.load_findings(session, deposit.id)
                return self._explanations(as_findings(stored, deposit.file_name), deposit.reference_version)
        with tempfile.TemporaryDirectory() as scratch:
            try:
                outcome = self._process(path, Path(scratch), received_at or datetime.now(), dry_run=True)
            except _DryRun as run:
                outcome = run.outcome
        return self._explanations(outcome.findings, outcome.reference_version)

    def _labels(self, version: str) -> dict[str, str]:
        if version not in self._references:
            with self.sessions() as session:
                self._references[version] = load_version(session, version)
        return dict(self._references[version]["anomalies"].select("code", "label").iter_rows())

    def _explanations(self, findings: Sequence[Finding], version: str | None) -> list[Explanation]:
        reference = None
        if version is not None:
            self._labels(version)  # loads and caches the version
            reference = self._references[version]
        return explain_findings(findings, version, reference)


# --- helpers ---


def _make_sqlite_folder(url: str) -> None:
    """``sqlite:///var/fund.db``: create ``var/`` so that the default works from a fresh checkout."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _header_of(opened: Opened | None, file_name: KinFileName) -> Any:
    """The header of a refused file, or one made from its name when the content could not be read."""
    if opened is not None:
        return opened.header
    from tierspayant.schemes.lu_kin.formats.models import FileHeader

    return FileHeader.model_validate(
        {
            "layout": file_name.layout,
            "software": returns.software_for(file_name.layout),
            "file_type": file_name.file_type,
            "sender": file_name.provider_code,
            "billing_provider": file_name.provider_code,
            "reference": file_name.reference,
            "send_date": file_name.send_date,
        }
    )


__all__ = [
    "DATABASE_URL_ENV",
    "DEFAULT_DATABASE_URL",
    "Explanation",
    "FundService",
    "ItDecision",
    "ItPaymentRun",
    "ItRequest",
    "PaymentDue",
    "ProcessOutcome",
    "Status",
]
