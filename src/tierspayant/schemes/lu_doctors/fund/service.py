"""The fund's (CNS) side of the device flat rates: the register and the monthly flat-rate intake.

``DeviceFund`` takes the files the doctors send (DECLAPP, FACFORF) and gives back the answers (RETDECL, RETFORF),
each file in one transaction: either everything it decides is stored with its answer, or nothing is. The same file
twice (same name, same bytes, or same provider / type / reference) is refused before anything is paid.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tierspayant.core.findings import Effect, Finding, FindingsError
from tierspayant.core.money import from_cents
from tierspayant.schemes.lu_doctors.formats.fee_note import FeeNote
from tierspayant.schemes.lu_doctors.formats.messages import (
    Anomaly,
    DeclarationFile,
    RegisterAnswer,
    ReturnFile,
    ReturnInvoice,
    ReturnLine,
)
from tierspayant.schemes.lu_doctors.formats.naming import DoctorsFileName
from tierspayant.schemes.lu_doctors.formats.reader import FlatRateBatch, read_declaration_zip, read_flat_rates_frame
from tierspayant.schemes.lu_doctors.formats.writer import ReturnWriter, register_answer_xml
from tierspayant.schemes.lu_doctors.fund.adjudication import (
    DEVICE_SCHEMA,
    PAID_SCHEMA,
    PATIENT_ACT_SCHEMA,
    USAGE_SCHEMA,
    USAGE_TOTAL_SCHEMA,
    Adjudication,
    FundContext,
    adjudicate,
)
from tierspayant.schemes.lu_doctors.fund.register import OpenDevice, Register
from tierspayant.schemes.lu_doctors.reference import OPEN_END, ReferenceSet, load_sample_reference
from tierspayant.schemes.lu_doctors.store.fund import MIGRATIONS_PACKAGE
from tierspayant.schemes.lu_doctors.store.fund.models import (
    Device,
    DeviceUser,
    PaidFlatRate,
    PatientAct,
    ReceivedFile,
)
from tierspayant.store.database import make_engine, migrate, session_factory, transaction

RULE = "device flat rates: intake"
MAX_FINDINGS = 1000


@dataclass(frozen=True)
class DeviceUsage:
    """Per device and year: full rates paid by all its doctors, what is left before the threshold and over the
    amortisation period."""

    device_id: str
    year: int
    annual_threshold: int
    amortisation_total: int
    full_used_year: int
    reduced_used_year: int
    full_used_total: int

    @property
    def left_before_threshold(self) -> int:
        return max(0, self.annual_threshold - self.full_used_year)

    @property
    def left_over_amortisation(self) -> int:
        return max(0, self.amortisation_total - self.full_used_total)


@dataclass(frozen=True)
class IntakeResult:
    answer_name: str
    answer: bytes
    status: str
    covered: Decimal
    payment_date: date | None
    findings: tuple[Finding, ...] = ()  # what was refused or reduced, with the rule (at most MAX_FINDINGS)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class DeviceFund:
    """The CNS register of devices and its flat-rate adjudication, over one database."""

    def __init__(self, url: str, reference: ReferenceSet | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)
        self.reference = reference or load_sample_reference()

    def init(self) -> None:
        migrate(self.engine, MIGRATIONS_PACKAGE)

    @contextmanager
    def unit(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session

    # --- files already seen ---------------------------------------------------------------------------------

    def _duplicate(self, session: Session, name: str, digest: str, parsed: DoctorsFileName) -> str | None:
        row = session.scalars(
            select(ReceivedFile).where(
                (ReceivedFile.name == name)
                | (ReceivedFile.sha256 == digest)
                | (
                    (ReceivedFile.provider_code == parsed.provider_code)
                    & (ReceivedFile.file_type == parsed.file_type)
                    & (ReceivedFile.reference == parsed.reference)
                )
            )
        ).first()
        return None if row is None else row.name

    def _receive(self, session: Session, name: str, digest: str, parsed: DoctorsFileName, status: str) -> ReceivedFile:
        row = ReceivedFile(
            name=name,
            sha256=digest,
            file_type=parsed.file_type,
            provider_code=parsed.provider_code,
            reference=parsed.reference,
            received_at=datetime.now(),
            status=status,
        )
        session.add(row)
        session.flush()
        return row

    @staticmethod
    def _parse_name(name: str, file_type: str) -> DoctorsFileName:
        parsed = DoctorsFileName.parse(name)
        if parsed.file_type != file_type:
            message = f"a {parsed.file_type} file was given where a {file_type} is expected"
            raise FindingsError([Finding("MED-NAME-TYPE", message, file=name, rule=RULE)])
        return parsed

    # --- the register ---------------------------------------------------------------------------------------

    def known_devices(self, session: Session) -> dict[str, OpenDevice]:
        users: dict[str, list[str]] = {}
        for user in session.scalars(select(DeviceUser)):
            users.setdefault(user.device_id, []).append(user.doctor_code)
        return {
            d.device_id: OpenDevice(
                d.device_id,
                d.declarant_code,
                d.kind_code,
                d.serial_number,
                d.in_use_from,
                d.closed_on,
                tuple(sorted(users.get(d.device_id, []))),
            )
            for d in session.scalars(select(Device))
        }

    def receive_declaration(self, data: bytes, name: str, today: date) -> IntakeResult:
        """Register, close or refuse each declaration of a DECLAPP; the RETDECL answers it."""
        parsed = self._parse_name(name, "DECLAPP")
        answer_name = parsed.answer(today).build()
        digest = _sha256(data)
        with self.unit() as session:
            earlier = self._duplicate(session, name, digest, parsed)
            if earlier:
                anomaly = Anomaly("D003", f"this file was already received as {earlier}; it is not processed again")
                answer = RegisterAnswer(parsed.provider_code, parsed.reference, name, today, (), (anomaly,))
                finding = Finding(anomaly.code, anomaly.message, file=name, rule=RULE)
                return IntakeResult(answer_name, register_answer_xml(answer), "duplicate", Decimal("0.00"), None,
                                    (finding,))  # fmt: skip
            try:
                file: DeclarationFile | None = read_declaration_zip(data, name)
            except FindingsError as error:
                file = None
                anomalies = tuple(Anomaly(_anomaly_code(f), str(f)) for f in error.findings[:20])
            if file is None or file.declarant != parsed.provider_code:
                if file is not None:
                    message = f"the file name names {parsed.provider_code}, the declaration {file.declarant}"
                    anomalies = (Anomaly("D001", message),)
                row = self._receive(session, name, digest, parsed, "rejected")
                answer = RegisterAnswer(parsed.provider_code, parsed.reference, name, today, (), anomalies)
                xml = register_answer_xml(answer)
                row.answer_name, row.answer = answer_name, xml.decode()
                findings = tuple(Finding(a.code, a.message, file=name, rule=RULE) for a in anomalies)
                return IntakeResult(answer_name, xml, "rejected", Decimal("0.00"), None, findings)
            row = self._receive(session, name, digest, parsed, "treated")
            decisions = Register(self.reference).decide(file, self.known_devices(session))
            answers = []
            for decision in decisions:
                answer_item = decision.answer
                if decision.new_device is not None and decision.registration is not None:
                    device_id = self._next_id(session, decision.new_device.kind_code)
                    d, r = decision.new_device, decision.registration
                    session.add(
                        Device(
                            device_id=device_id, declarant_code=file.declarant, kind_code=d.kind_code,
                            discipline_code=d.discipline_code, nature=d.nature, brand=d.brand, model=d.model,
                            serial_number=d.serial_number, address=d.address, in_hospital=d.in_hospital,
                            acquisition=d.acquisition, purchase_country=d.purchase_country,
                            acquisition_value=r.acquisition_value, class_code=r.class_code,
                            annual_threshold=r.annual_threshold, amortisation_total=r.amortisation_total,
                            full_code=r.full_code, reduced_code=r.reduced_code, in_use_from=r.in_use_from,
                            registered_on=today, file_id=row.id,
                        )
                    )  # fmt: skip
                    session.flush()
                    for user in sorted(
                        {file.declarant, *d.users} if file.declarant_type == "medecin" else set(d.users)
                    ):
                        session.add(DeviceUser(device_id=device_id, doctor_code=user))
                    session.flush()
                    answer_item = type(answer_item)(
                        answer_item.number, answer_item.status, device_id, answer_item.registration,
                        answer_item.closed_on, answer_item.reasons,
                    )  # fmt: skip
                if decision.close is not None:
                    device_id, closed_on, reason = decision.close
                    device = session.scalars(select(Device).where(Device.device_id == device_id)).one()
                    device.closed_on, device.close_reason = closed_on, reason
                answers.append(answer_item)
            answer = RegisterAnswer(file.declarant, file.reference, name, today, tuple(answers))
            xml = register_answer_xml(answer)
            row.answer_name, row.answer = answer_name, xml.decode()
            refusals = tuple(
                Finding(r.code, r.message, file=name, location=f"declaration {a.number}", rule="device register",
                        effect=Effect.REJECT_BLOCK)
                for a in answers if a.status == "refuse" for r in a.reasons
            )  # fmt: skip
            return IntakeResult(answer_name, xml, "treated", Decimal("0.00"), None, refusals)

    @staticmethod
    def _next_id(session: Session, kind_code: str) -> str:
        count = session.scalar(select(func.count()).select_from(Device)) or 0
        return f"{kind_code[:5]}{count + 1:07d}"

    def devices(self) -> list[Device]:
        with self.sessions() as session:
            return list(session.scalars(select(Device).order_by(Device.device_id)))

    def device(self, device_id: str) -> Device | None:
        with self.sessions() as session:
            return session.scalars(select(Device).where(Device.device_id == device_id)).first()

    def device_users(self, device_id: str) -> list[str]:
        with self.sessions() as session:
            return sorted(session.scalars(select(DeviceUser.doctor_code).where(DeviceUser.device_id == device_id)))

    # --- technical acts billed to patients ----------------------------------------------------------------

    def record_patient_acts(self, note: FeeNote) -> int:
        """The technical acts of a patient's fee note (reimbursement claim or digital copy) as the fund knows them;
        what a third-party flat rate is matched against. Recording the same note twice changes nothing."""
        acts = self.reference["nomenclature"].filter(pl.col("act_type") == "technical")["act_code"].to_list()
        technical = set(acts)
        added = 0
        with self.unit() as session:
            for act in note.acts:
                if act.act_code not in technical:
                    continue
                exists = session.scalar(
                    select(func.count()).select_from(PatientAct).where(
                        PatientAct.fee_note_id == note.fee_note_id, PatientAct.doctor_code == note.doctor_code,
                        PatientAct.line == act.line,
                    )
                )  # fmt: skip
                if exists:
                    continue
                session.add(
                    PatientAct(
                        fee_note_id=note.fee_note_id, doctor_code=act.performer_code or note.doctor_code, line=act.line,
                        matricule=note.patient_matricule, service_date=act.service_date, act_code=act.act_code,
                    )
                )  # fmt: skip
                added += 1
        return added

    # --- flat-rate intake -----------------------------------------------------------------------------------

    def context(self, session: Session, batch: FlatRateBatch) -> FundContext:
        """The register, the patients' acts and the history the rules need for this file (only its devices,
        matricules, dates and years)."""
        lines = batch.lines
        if lines.height == 0:
            return FundContext.empty()
        devices = pl.DataFrame(
            [
                (d.device_id, d.kind_code, d.in_hospital, d.in_use_from, d.closed_on or OPEN_END, d.annual_threshold,
                 d.amortisation_total, d.full_code, d.reduced_code)
                for d in session.scalars(select(Device))
            ],
            schema=DEVICE_SCHEMA,
            orient="row",
        )  # fmt: skip
        first, last = lines["service_date"].min(), lines["service_date"].max()
        acts_rows = session.execute(
            select(
                PatientAct.fee_note_id, PatientAct.doctor_code, PatientAct.matricule, PatientAct.service_date,
                PatientAct.act_code,
            ).where(PatientAct.service_date.between(first, last))
        ).all()  # fmt: skip
        patient_acts = pl.DataFrame([tuple(r) for r in acts_rows], schema=PATIENT_ACT_SCHEMA, orient="row")
        ids = lines["device_id"].drop_nulls().unique().to_list()
        columns = (
            PaidFlatRate.billing_code, PaidFlatRate.invoice_number, PaidFlatRate.line, PaidFlatRate.matricule,
            PaidFlatRate.service_date, PaidFlatRate.device_id, PaidFlatRate.technical_act, PaidFlatRate.fee_note_ref,
        )  # fmt: skip
        paid_rows = set(session.execute(select(*columns).where(PaidFlatRate.service_date.between(first, last))).all())
        # the same invoice lines sent again with other dates are still found (never paid twice)
        invoices = lines["invoice_number"].unique().to_list()
        for start in range(0, len(invoices), 900):
            paid_rows.update(
                session.execute(
                    select(*columns).where(
                        PaidFlatRate.billing_code == batch.billing_code,
                        PaidFlatRate.invoice_number.in_(invoices[start : start + 900]),
                    )
                ).all()
            )
        paid = pl.DataFrame([tuple(r) for r in paid_rows], schema=PAID_SCHEMA, orient="row")
        usage_rows = session.execute(
            select(PaidFlatRate.device_id, PaidFlatRate.year, func.count())
            .where(PaidFlatRate.full_rate.is_(True), PaidFlatRate.device_id.in_(ids))
            .group_by(PaidFlatRate.device_id, PaidFlatRate.year)
        ).all()
        usage = pl.DataFrame([tuple(r) for r in usage_rows], schema=USAGE_SCHEMA, orient="row")
        usage_total = usage.group_by("device_id").agg(pl.col("full_used_year").sum().alias("full_used_total"))
        return FundContext(devices, patient_acts, paid, usage, usage_total.cast(USAGE_TOTAL_SCHEMA))  # type: ignore[arg-type]

    def receive_flat_rates(self, data: bytes | Path, name: str, today: date) -> IntakeResult:
        """Adjudicate a month of flat-rate invoices; the RETFORF answers it (amount covered, anomalies per line,
        payment date). A file refused as a whole pays nothing."""
        parsed = self._parse_name(name, "FACFORF")
        answer_name = parsed.answer(today).build()
        raw = data.read_bytes() if isinstance(data, Path) else data
        digest = _sha256(raw)
        with self.unit() as session:
            earlier = self._duplicate(session, name, digest, parsed)
            if earlier:
                anomaly = Anomaly("D003", f"this file was already received as {earlier}; it is not paid again")
                return self._rejected(None, parsed, name, today, answer_name, (anomaly,))
            try:
                batch = read_flat_rates_frame(raw, name)
            except FindingsError as error:
                anomalies = tuple(Anomaly(_anomaly_code(f), str(f)) for f in error.findings[:20])
                row = self._receive(session, name, digest, parsed, "rejected")
                return self._rejected(row, parsed, name, today, answer_name, anomalies)
            if batch.billing_code != parsed.provider_code or batch.month != f"{parsed.year:04d}-{parsed.month:02d}":
                message = (
                    f"the file name names {parsed.provider_code} for {parsed.year:04d}-{parsed.month:02d}; the file "
                    f"is {batch.billing_code}'s for {batch.month}"
                )
                row = self._receive(session, name, digest, parsed, "rejected")
                return self._rejected(row, parsed, name, today, answer_name, (Anomaly("D001", message),))
            result = adjudicate(batch, self.reference, self.context(session, batch))
            row = self._receive(session, name, digest, parsed, "rejected" if result.rejected else "treated")
            delay = self.reference.int_parameter("payment_delay_days", today)
            payment_date = None if result.rejected else today + timedelta(days=delay)
            answer = self._return(batch, result, name, today, payment_date)
            if not result.rejected:
                self._store_paid(session, row.id, batch, result, payment_date or today)
            row.answer_name, row.answer = answer_name, answer.decode()
            covered = from_cents(result.covered_cents)
            status = "rejected" if result.rejected else "treated"
            return IntakeResult(answer_name, answer, status, covered, payment_date, _findings(result, name))

    def _rejected(
        self,
        row: ReceivedFile | None,
        parsed: DoctorsFileName,
        name: str,
        today: date,
        answer_name: str,
        anomalies: tuple[Anomaly, ...],
    ) -> IntakeResult:
        head = ReturnFile(
            billing_code=parsed.provider_code, month=f"{parsed.year:04d}-{parsed.month:02d}",
            reference=parsed.reference, received_file=name, processed_on=today, status="rejete", invoices=(),
            line_count=0, refused_count=0, claimed=Decimal("0.00"), covered=Decimal("0.00"), file_anomalies=anomalies,
        )  # fmt: skip
        buffer = io.BytesIO()
        writer = ReturnWriter(buffer, head)
        writer.close(0, 0, Decimal("0.00"), Decimal("0.00"))
        answer = buffer.getvalue()
        if row is not None:
            row.answer_name, row.answer = answer_name, answer.decode()
        findings = tuple(Finding(a.code, a.message, file=name, rule=RULE) for a in anomalies)
        status = "duplicate" if row is None else "rejected"
        return IntakeResult(answer_name, answer, status, Decimal("0.00"), None, findings)

    def _return(
        self, batch: FlatRateBatch, result: Adjudication, name: str, today: date, payment_date: date | None
    ) -> bytes:
        lines = result.lines
        file_anomalies = tuple(
            Anomaly(r["code"], r["detail"] or "") for r in result.file_findings.iter_rows(named=True)
        )
        claimed = int(lines["amount_cents"].sum() or 0)
        head = ReturnFile(
            billing_code=batch.billing_code, month=batch.month, reference=batch.reference, received_file=name,
            processed_on=today, status="rejete" if result.rejected else "traite", invoices=(),
            line_count=lines.height, refused_count=int((lines["status"] == "refused").sum()),
            claimed=from_cents(claimed), covered=from_cents(result.covered_cents), payment_date=payment_date,
            file_anomalies=file_anomalies,
        )  # fmt: skip
        buffer = io.BytesIO()
        writer = ReturnWriter(buffer, head)
        with writer:
            if not result.rejected:
                for invoice in _return_invoices(lines):
                    writer.add(invoice)
            writer.close(head.line_count, head.refused_count, head.claimed, head.covered)
        return buffer.getvalue()

    def _store_paid(
        self, session: Session, file_id: int, batch: FlatRateBatch, result: Adjudication, payment_date: date
    ) -> None:
        paid = result.lines.filter(pl.col("status") == "paid").select(
            "invoice_number", "line", "mode", "doctor_code", "matricule", "device_id", "service_date", "year",
            pl.col("act_code").alias("billed_code"), "paid_code", "full_rate", "covered_cents", "technical_act",
            "fee_note_ref",
        )  # fmt: skip
        fixed = {"file_id": file_id, "billing_code": batch.billing_code, "payment_date": payment_date}
        for chunk in paid.iter_slices(10_000):  # a slice at a time: a million rows never exist as dicts at once
            rows = [{**r, "covered": from_cents(r.pop("covered_cents")), **fixed} for r in chunk.iter_rows(named=True)]
            session.execute(insert(PaidFlatRate), rows)

    def payments(self) -> list[tuple[date, str, Decimal, str]]:
        """(payment date, billing code, amount, file name) per paid file."""
        with self.sessions() as session:
            rows = session.execute(
                select(PaidFlatRate.payment_date, PaidFlatRate.billing_code, func.sum(PaidFlatRate.covered),
                       ReceivedFile.name)
                .join(ReceivedFile, ReceivedFile.id == PaidFlatRate.file_id)
                .group_by(PaidFlatRate.payment_date, PaidFlatRate.billing_code, ReceivedFile.name)
            ).all()  # fmt: skip
        return [(d, code, Decimal(total or 0).quantize(Decimal("0.01")), name) for d, code, total, name in rows]

    def usage(self, device_id: str, year: int) -> DeviceUsage:
        """Full rates paid this year by all the device's doctors, and what is left (threshold, amortisation)."""
        with self.sessions() as session:
            device = session.scalars(select(Device).where(Device.device_id == device_id)).one()
            full_year = session.scalar(
                select(func.count()).select_from(PaidFlatRate).where(
                    PaidFlatRate.device_id == device_id, PaidFlatRate.year == year, PaidFlatRate.full_rate.is_(True)
                )
            )  # fmt: skip
            reduced_year = session.scalar(
                select(func.count()).select_from(PaidFlatRate).where(
                    PaidFlatRate.device_id == device_id, PaidFlatRate.year == year, PaidFlatRate.full_rate.is_(False)
                )
            )  # fmt: skip
            full_total = session.scalar(
                select(func.count()).select_from(PaidFlatRate).where(
                    PaidFlatRate.device_id == device_id, PaidFlatRate.full_rate.is_(True)
                )
            )  # fmt: skip
            return DeviceUsage(
                device_id, year, device.annual_threshold, device.amortisation_total, full_year or 0,
                reduced_year or 0, full_total or 0,
            )  # fmt: skip


def _findings(result: Adjudication, name: str) -> tuple[Finding, ...]:
    """The rules' hits as findings naming the invoice and line (the platform shows and explains them)."""
    head = result.findings.head(MAX_FINDINGS)
    keys = head.filter(pl.col("effect").is_in(["reject_line", "reduce"]))["key"].cast(pl.Int64, strict=False)
    located = result.lines.filter(pl.col("row_id").is_in(keys.drop_nulls().implode()))
    where = {str(r): (i, n) for r, i, n in located.select("row_id", "invoice_number", "line").iter_rows()}
    found = []
    for rule, code, effect, key, detail in head.select("rule", "code", "effect", "key", "detail").iter_rows():
        location = (
            f"invoice {where[key][0]}, line {where[key][1]}"
            if key in where
            else (f"invoice {key}" if effect == "reject_block" else None)
        )
        found.append(Finding(code, detail or "", file=name, location=location, rule=rule, effect=Effect(effect)))
    return tuple(found)


def _anomaly_code(finding: Finding) -> str:
    if finding.code.startswith("MED-NAME"):
        return "D001"
    return "D002"


def _return_invoices(lines: pl.DataFrame) -> Iterator[ReturnInvoice]:
    """The return's invoices, in file order, from the adjudicated lines."""
    columns = ("invoice_number", "line", "act_code", "paid_code", "amount_cents", "covered_cents", "anomaly_codes",
               "anomaly_details")  # fmt: skip
    current: str | None = None
    bucket: list[ReturnLine] = []
    for invoice, line, act, paid_code, amount, covered, codes, details in lines.select(columns).iter_rows():
        if invoice != current and current is not None:
            yield ReturnInvoice(current, tuple(bucket))
            bucket = []
        current = invoice
        bucket.append(
            ReturnLine(
                line=line, act_code=act, claimed=from_cents(amount), covered=from_cents(covered), paid_code=paid_code,
                anomalies=tuple(Anomaly(c, d) for c, d in zip(codes, details, strict=True)),
            )
        )  # fmt: skip
    if current is not None:
        yield ReturnInvoice(current, tuple(bucket))
