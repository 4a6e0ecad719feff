"""The doctor's side of the device flat rates: declare devices, bill flat rates, warn before sending, see per device.

- **Declare**: a new device (also one in place before 2025), a second-hand one (from 2025-01-02) or one taken out of
  service; the DECLAPP ZIP carries the XML and the PDFs. Checked before sending with the same list of documents as the
  register (``formats.documents``): a JPEG or an HTML attachment is refused here already, with the reason.
- **Bill**: PID — the technical act and its flat rate on one fee note; third party — two notes: the technical act to
  the patient (reimbursement), the flat rate alone for the CNS, naming the patient's note; once a month every
  flat-rate note in one FACFORF with its single statement (not an "article 60" / "article 67" statement).
- **Warn** before sending: a flat rate without its technical act; a device unknown or out of service on the date; the
  annual threshold reached (bill the reduced code); an act completed with the letter X where it is refused.
- **See** per device: full-rate flat rates this year by all its doctors of this practice, what is left before the
  threshold and over the amortisation period.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tierspayant.core.findings import Effect, Finding, FindingsError
from tierspayant.schemes.lu_doctors.formats.documents import document_reasons
from tierspayant.schemes.lu_doctors.formats.fee_note import BillingMode, FeeNote
from tierspayant.schemes.lu_doctors.formats.messages import (
    Declaration,
    DeclarationFile,
    DeclaredDocument,
    Decommission,
    DeviceDetails,
    FlatRateFile,
    FlatRateInvoice,
    InvoiceLine,
    Mode,
    Reason,
)
from tierspayant.schemes.lu_doctors.formats.naming import DoctorsFileName
from tierspayant.schemes.lu_doctors.formats.reader import read_register_answer, read_return
from tierspayant.schemes.lu_doctors.formats.writer import declaration_zip, flat_rates_bytes
from tierspayant.schemes.lu_doctors.practice.service import ActRequest, DoctorsPractice
from tierspayant.schemes.lu_doctors.store.practice.models import DeviceExchangeFile, FlatRateClaim, PracticeDevice

RULE = "device flat rates: before sending"


@dataclass(frozen=True)
class OutgoingFile:
    name: str
    data: bytes


@dataclass(frozen=True)
class DeviceView:
    device_id: str
    year: int
    annual_threshold: int
    amortisation_total: int
    full_used_year: int
    by_doctor: dict[str, int]
    full_used_total: int

    @property
    def left_before_threshold(self) -> int:
        return max(0, self.annual_threshold - self.full_used_year)

    @property
    def left_over_amortisation(self) -> int:
        return max(0, self.amortisation_total - self.full_used_total)


def _warning(code: str, message: str, location: str | None = None, refuse: bool = False) -> Finding:
    return Finding(code, message, location=location, rule=RULE, effect=Effect.REJECT_LINE if refuse else Effect.INFORM)


class DeviceDesk:
    """Devices and flat rates of one practice (its doctors, or an association), in the practice's database."""

    def __init__(self, practice: DoctorsPractice) -> None:
        self.practice = practice
        self.reference = practice.reference

    # --- declarations -----------------------------------------------------------------------------------------

    def declare(
        self,
        declarant: str,
        reference: str,
        send_date: date,
        declarations: list[Declaration],
        attachments: dict[str, bytes],
        declarant_type: str = "medecin",
    ) -> OutgoingFile:
        """Build the DECLAPP after the checks the register would make on documents and dates."""
        file = DeclarationFile(declarant, declarant_type, reference, send_date, tuple(declarations), attachments)  # type: ignore[arg-type]
        problems: list[Finding] = []
        second_hand_from = self.reference.date_parameter("second_hand_from", send_date)
        for declaration in declarations:
            where = f"declaration {declaration.number}"
            for reason in document_reasons(declaration, attachments):
                problems.append(_warning(f"DOC-{reason.code}", reason.message, where, refuse=True))
            device = declaration.device
            if device is not None and device.nature == "occasion" and send_date < second_hand_from:
                message = f"second-hand devices are declared from {second_hand_from}"
                problems.append(_warning("DOC-R003", message, where, refuse=True))
        if problems:
            raise FindingsError(problems)
        name = DoctorsFileName(declarant, send_date.year, send_date.month, "DECLAPP", send_date, reference).build()
        data = declaration_zip(file)
        with self.practice.unit() as session:
            self._record(session, name, "DECLAPP", "out", data)
            for declaration in declarations:
                if declaration.device is not None:
                    d = declaration.device
                    session.add(
                        PracticeDevice(
                            declaration_file=name, declaration_number=declaration.number, kind_code=d.kind_code,
                            discipline_code=d.discipline_code, label=f"{d.brand} {d.model}",
                            serial_number=d.serial_number, status="declared",
                        )
                    )  # fmt: skip
                elif declaration.decommission is not None:
                    device_row = self._device(session, declaration.decommission.device_id)
                    if device_row is not None:
                        device_row.status = "closing"
        return OutgoingFile(name, data)

    def declare_device(
        self, declarant: str, reference: str, send_date: date, device: DeviceDetails,
        documents: dict[str, tuple[str, bytes]],
    ) -> OutgoingFile:  # fmt: skip
        """One new or second-hand device; ``documents`` maps a document nature to (file name, PDF bytes)."""
        declared = tuple(DeclaredDocument(nature, name) for nature, (name, _) in documents.items())  # type: ignore[arg-type]
        attachments = {name: data for name, data in documents.values()}
        return self.declare(declarant, reference, send_date, [Declaration(1, declared, device=device)], attachments)

    def declare_out_of_service(
        self, declarant: str, reference: str, device_id: str, on: date, reason: Reason, form: tuple[str, bytes]
    ) -> OutgoingFile:
        declaration = Declaration(
            1, (DeclaredDocument("formulaire_hors_service", form[0]),), decommission=Decommission(device_id, on, reason)
        )
        return self.declare(declarant, reference, on, [declaration], {form[0]: form[1]})

    def import_register_answer(self, data: bytes, name: str) -> list[str]:
        """Record the register's answer; returns one line per declaration (what happened)."""
        answer = read_register_answer(data, name)
        said: list[str] = []
        with self.practice.unit() as session:
            if not self._record(session, name, "RETDECL", "in", data):
                return ["already imported"]
            for item in answer.answers:
                row = session.scalars(
                    select(PracticeDevice).where(
                        PracticeDevice.declaration_file == answer.received_file,
                        PracticeDevice.declaration_number == item.number,
                    )
                ).first()
                if item.status == "cloture" and item.device_id:
                    row = self._device(session, item.device_id)
                    if row is not None:
                        row.status, row.closed_on = "closed", item.closed_on
                    said.append(f"{item.device_id}: closed from {item.closed_on}")
                elif row is not None and item.status == "enregistre" and item.registration is not None:
                    r = item.registration
                    row.device_id, row.status, row.in_use_from = item.device_id, "registered", r.in_use_from
                    row.class_code, row.annual_threshold, row.amortisation_total = (
                        r.class_code, r.annual_threshold, r.amortisation_total,
                    )  # fmt: skip
                    row.full_code, row.reduced_code = r.full_code, r.reduced_code
                    said.append(f"declaration {item.number}: registered as {item.device_id}")
                elif row is not None and item.status == "refuse":
                    row.status = "refused"
                    row.reasons = "\n".join(f"{a.code}: {a.message}" for a in item.reasons)
                    said.append(f"declaration {item.number}: refused ({row.reasons})")
                elif item.status == "refuse" and item.device_id:
                    closing = self._device(session, item.device_id)
                    if closing is not None and closing.status == "closing":
                        closing.status = "registered"
                    said.append(f"declaration {item.number}: refused")
            for anomaly in answer.file_anomalies:
                said.append(f"file refused: {anomaly.code} {anomaly.message}")
        return said

    def adopt_device(
        self, device_id: str, kind_code: str, discipline_code: str, in_use_from: date, annual_threshold: int,
        amortisation_total: int, full_code: str, reduced_code: str, label: str = "shared device",
    ) -> None:  # fmt: skip
        """A device a colleague declared: its identifier and figures, as the colleague passed them on."""
        with self.practice.unit() as session:
            session.add(
                PracticeDevice(
                    device_id=device_id, kind_code=kind_code, discipline_code=discipline_code, label=label,
                    serial_number="", status="adopted", in_use_from=in_use_from, annual_threshold=annual_threshold,
                    amortisation_total=amortisation_total, full_code=full_code, reduced_code=reduced_code,
                )
            )  # fmt: skip

    def claims(self) -> list[FlatRateClaim]:
        with self.practice.sessions() as session:
            return list(session.scalars(select(FlatRateClaim).order_by(FlatRateClaim.service_date, FlatRateClaim.id)))

    def devices(self) -> list[PracticeDevice]:
        with self.practice.sessions() as session:
            return list(session.scalars(select(PracticeDevice).order_by(PracticeDevice.id)))

    @staticmethod
    def _device(session: Session, device_id: str) -> PracticeDevice | None:
        return session.scalars(select(PracticeDevice).where(PracticeDevice.device_id == device_id)).first()

    @staticmethod
    def _record(session: Session, name: str, file_type: str, direction: str, data: bytes) -> bool:
        digest = hashlib.sha256(data).hexdigest()
        seen = session.scalar(
            select(func.count())
            .select_from(DeviceExchangeFile)
            .where((DeviceExchangeFile.name == name) | (DeviceExchangeFile.sha256 == digest))
        )
        if seen:
            return False
        session.add(DeviceExchangeFile(name=name, sha256=digest, file_type=file_type, direction=direction,
                                       recorded_at=datetime.now(), content=data))  # fmt: skip
        return True

    # --- billing ----------------------------------------------------------------------------------------------

    def flat_rate_code(self, device_id: str, on: date) -> str:
        """The code to bill today: the full code while the threshold and the amortisation total allow, else reduced."""
        with self.practice.sessions() as session:
            device = self._device(session, device_id)
        if device is None or device.full_code is None or device.reduced_code is None:
            raise FindingsError([_warning("W-DEVICE-UNKNOWN", f"device {device_id} is not registered", refuse=True)])
        view = self.device_view(device_id, on.year)
        if view.left_before_threshold == 0 or view.left_over_amortisation == 0:
            return device.reduced_code
        return device.full_code

    def pid_note(
        self, fee_note_id: str, doctor_code: str, matricule: str, day: date, technical_act: str, device_id: str,
        others: list[ActRequest] | None = None,
    ) -> tuple[FeeNote, list[Finding]]:  # fmt: skip
        """PID: the technical act and its flat rate on one fee note; the warnings to show before sending."""
        code = self.flat_rate_code(device_id, day)
        requests = [*(others or []), ActRequest(technical_act, day), ActRequest(code, day, device_id=device_id)]
        note = self.practice.new_fee_note(fee_note_id, doctor_code, matricule, day, requests, BillingMode.PID)
        return note, self.warnings(note)

    def third_party_notes(
        self, patient_note_id: str, flat_note_id: str, doctor_code: str, matricule: str, day: date,
        technical_act: str, device_id: str,
    ) -> tuple[FeeNote, FeeNote, list[Finding]]:  # fmt: skip
        """Third party: the patient's note (technical act, reimbursement) and the flat-rate note for the CNS."""
        patient_note = self.practice.new_fee_note(
            patient_note_id, doctor_code, matricule, day, [ActRequest(technical_act, day, device_id=device_id)]
        )
        code = self.flat_rate_code(device_id, day)
        flat_note = self.practice.new_fee_note(
            flat_note_id,
            doctor_code,
            matricule,
            day,
            [ActRequest(code, day, device_id=device_id)],
            BillingMode.THIRD_PARTY,
        )
        return patient_note, flat_note, self.warnings(flat_note, patient_note)

    def warnings(self, note: FeeNote, patient_note: FeeNote | None = None) -> list[Finding]:
        """What the software says before the note is sent (INFORM: shown; REJECT_LINE: the fund would refuse)."""
        found: list[Finding] = []
        acts = {a.act_code: self.reference.act(a.act_code, a.service_date) for a in note.acts}
        for act in note.acts:
            row = acts[act.act_code]
            where = f"line {act.line} ({act.act_code})"
            if row is not None and row["letter_x"] and self._x_refused(row, act.service_date):
                message = f"{act.act_code} is completed with the letter X: not billable since 2025 here; bill the act without X and the device flat rate"  # noqa: E501
                found.append(_warning("W-X-ACT", message, where, refuse=True))
            if row is None or row["act_type"] != "device_flat_rate":
                continue
            found += self._device_warnings(act.device_id, act.service_date, act.act_code, where)
            technical = (
                [a for a in note.acts if a.line != act.line]
                if note.mode == BillingMode.PID
                else list(patient_note.acts if patient_note else [])
            )
            if not any(self._goes_with(a.act_code, act.device_id, a.service_date) and a.service_date == act.service_date
                       for a in technical):  # fmt: skip
                message = "the flat rate has no technical act of its device the same day " + (
                    "on this fee note" if note.mode == BillingMode.PID else "on the patient's fee note"
                )
                found.append(_warning("W-NO-TECHNICAL-ACT", message, where, refuse=True))
        return found

    def _x_refused(self, row: dict[str, object], on: date) -> bool:
        whole_chapter = pl.col("section").is_null()
        section = whole_chapter if row["section"] is None else whole_chapter | (pl.col("section") == row["section"])
        scope = self.reference.valid_on("x_scope", on).filter(
            (pl.col("part") == row["part"]) & (pl.col("chapter") == row["chapter"]) & section
        )
        return scope.height > 0

    def _goes_with(self, act_code: str, device_id: str | None, on: date) -> bool:
        with self.practice.sessions() as session:
            device = self._device(session, device_id) if device_id else None
        if device is None:
            return False
        kinds = self.reference.valid_on("device_acts", on).filter(
            (pl.col("kind_code") == device.kind_code) & (pl.col("act_code") == act_code)
        )
        return kinds.height > 0

    def _device_warnings(self, device_id: str | None, on: date, code: str, where: str) -> list[Finding]:
        with self.practice.sessions() as session:
            device = self._device(session, device_id) if device_id else None
        if device is None or device.status not in ("registered", "adopted", "closing", "closed"):
            return [_warning("W-DEVICE-UNKNOWN", f"device {device_id} is not registered with the CNS", where, True)]
        if (device.in_use_from and on < device.in_use_from) or (device.closed_on and on >= device.closed_on):
            message = f"device {device_id} is not in use on {on} (in use from {device.in_use_from}"
            message += f", out of service from {device.closed_on})" if device.closed_on else ")"
            return [_warning("W-DEVICE-OUT-OF-SERVICE", message, where, True)]
        found = []
        view = self.device_view(device.device_id or "", on.year)
        if code == device.full_code and (view.left_before_threshold == 0 or view.left_over_amortisation == 0):
            message = (
                f"device {device_id} has reached its threshold of {view.annual_threshold} full flat rates in {on.year}"
                if view.left_before_threshold == 0
                else f"device {device_id} has used its {view.amortisation_total} full flat rates"
            ) + f": bill the reduced code {device.reduced_code}"
            found.append(_warning("W-THRESHOLD", message, where))
        if code not in (device.full_code, device.reduced_code):
            message = f"device {device_id} is billed with {device.full_code} or {device.reduced_code}, not {code}"
            found.append(_warning("W-CODE", message, where, True))
        return found

    def save_flat_rate(self, note: FeeNote, patient_note: FeeNote | None = None) -> None:
        """Save the note(s) and remember each flat-rate line for the monthly file and the per-device view."""
        if patient_note is not None:
            self.practice.save_fee_note(patient_note)
        self.practice.save_fee_note(note)
        technical = {a.service_date: a.act_code for a in (patient_note.acts if patient_note else note.acts)}
        with self.practice.unit() as session:
            for act in note.acts:
                row = self.reference.act(act.act_code, act.service_date)
                if row is None or row["act_type"] != "device_flat_rate" or act.device_id is None:
                    continue
                session.add(
                    FlatRateClaim(
                        fee_note_id=note.fee_note_id, line=act.line,
                        mode="pid" if note.mode == BillingMode.PID else "tiers_payant",
                        doctor_code=act.performer_code or note.doctor_code, matricule=note.patient_matricule,
                        fund=note.fund, device_id=act.device_id, service_date=act.service_date,
                        billed_code=act.act_code, amount=act.amount,
                        technical_act=technical.get(act.service_date) if patient_note else None,
                        patient_note_id=patient_note.fee_note_id if patient_note else None,
                    )
                )  # fmt: skip

    def monthly_file(
        self, billing_code: str, month: str, reference: str, send_date: date, doctors: set[str] | None = None
    ) -> OutgoingFile:
        """Every flat-rate note of ``month`` not yet sent (of ``doctors`` when given), in one FACFORF with its single
        statement."""
        year, number = int(month[:4]), int(month[5:])
        with self.practice.unit() as session:
            claims = list(
                session.scalars(
                    select(FlatRateClaim)
                    .where(FlatRateClaim.status == "draft")
                    .order_by(FlatRateClaim.fee_note_id, FlatRateClaim.line)
                )
            )
            claims = [
                c for c in claims
                if (c.service_date.year, c.service_date.month) == (year, number)
                and (doctors is None or c.doctor_code in doctors)
            ]  # fmt: skip
            if not claims:
                raise FindingsError(
                    [_warning("W-NOTHING", f"no flat rate of {month} is waiting to be sent", refuse=True)]
                )
            invoices = []
            for note_id in dict.fromkeys(c.fee_note_id for c in claims):
                note = self.practice.fee_note(note_id)
                assert note is not None
                mine = [c for c in claims if c.fee_note_id == note_id]
                if note.mode == BillingMode.PID:
                    lines = tuple(
                        InvoiceLine(a.line, a.service_date, a.act_code, a.amount, "CAB", a.device_id) for a in note.acts
                    )
                else:
                    lines = tuple(
                        InvoiceLine(
                            c.line, c.service_date, c.billed_code, c.amount, "CAB", c.device_id, c.technical_act,
                            c.patient_note_id,
                        )
                        for c in mine
                    )  # fmt: skip
                mode: Mode = "pid" if mine[0].mode == "pid" else "tiers_payant"
                invoices.append(
                    FlatRateInvoice(note_id, mode, mine[0].doctor_code, note.patient_matricule, note.fund, lines)
                )
            file = FlatRateFile(billing_code, month, reference, send_date, tuple(invoices),
                                FlatRateFile.statement_of(tuple(invoices)))  # fmt: skip
            name = DoctorsFileName(billing_code, year, number, "FACFORF", send_date, reference).build()
            data = flat_rates_bytes(file)
            self._record(session, name, "FACFORF", "out", data)
            for claim in claims:
                claim.status, claim.sent_in = "sent", name
        return OutgoingFile(name, data)

    def import_return(self, data: bytes, name: str) -> tuple[Decimal, int]:
        """Record what the fund covered, line by line; (amount covered, lines refused). Twice changes nothing."""
        back = read_return(io.BytesIO(data).getvalue(), name)
        with self.practice.unit() as session:
            if not self._record(session, name, "RETFORF", "in", data):
                return back.covered, back.refused_count
            sent = list(session.scalars(select(FlatRateClaim).where(FlatRateClaim.sent_in == back.received_file)))
            by_key = {(c.fee_note_id, c.line): c for c in sent}
            for invoice in back.invoices:
                for line in invoice.lines:
                    claim = by_key.get((invoice.invoice_number, line.line))
                    if claim is None:
                        continue
                    claim.status = "paid" if line.paid_code else "refused"
                    claim.paid_code, claim.covered = line.paid_code, line.covered
                    claim.anomalies = "\n".join(f"{a.code}: {a.message}" for a in line.anomalies) or None
            if back.status == "rejete":
                for claim in sent:
                    claim.status, claim.sent_in = "draft", None  # the whole file comes back: send again once fixed
        return back.covered, back.refused_count

    # --- per device -------------------------------------------------------------------------------------------

    def device_view(self, device_id: str, year: int) -> DeviceView:
        """Full-rate flat rates used by all the device's doctors known here: paid at full, or sent / waiting with
        the full code (counted until the return says otherwise)."""
        with self.practice.sessions() as session:
            device = self._device(session, device_id)
            if device is None or device.full_code is None:
                raise FindingsError(
                    [_warning("W-DEVICE-UNKNOWN", f"device {device_id} is not registered", refuse=True)]
                )
            claims = list(session.scalars(select(FlatRateClaim).where(FlatRateClaim.device_id == device_id)))
        full = [
            c for c in claims
            if (c.status == "paid" and c.paid_code == device.full_code)
            or (c.status in ("draft", "sent") and c.billed_code == device.full_code)
        ]  # fmt: skip
        by_doctor: dict[str, int] = {}
        for claim in full:
            if claim.service_date.year == year:
                by_doctor[claim.doctor_code] = by_doctor.get(claim.doctor_code, 0) + 1
        return DeviceView(
            device_id, year, device.annual_threshold or 0, device.amortisation_total or 0, sum(by_doctor.values()),
            dict(sorted(by_doctor.items())), len(full),
        )  # fmt: skip
