"""The nurse's ledger: visits recorded once, sending numbers never re-used, replies imported once.

Everything a command changes happens in one transaction: a sending whose file cannot be written leaves no trace,
a reply that cannot be matched changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tierspayant.core.findings import Effect, Finding, FindingsError
from tierspayant.schemes.be_nursing.formats import error_codes, mcn
from tierspayant.schemes.be_nursing.formats.checks import DEFAULT_POLICY, CheckNumberPolicy
from tierspayant.schemes.be_nursing.formats.messages import Reply, read_reply, render_920000, write_lines
from tierspayant.schemes.be_nursing.formats.models import InsurabilityAnswer, SendingModel
from tierspayant.schemes.be_nursing.nurse.billing import build_sending
from tierspayant.schemes.be_nursing.nurse.mcn import insurability_answer
from tierspayant.schemes.be_nursing.nurse.visits import GroupSettings, PatientRecord, Visit, VisitBook
from tierspayant.schemes.be_nursing.store.nurse.models import Base, NursePatient, NurseReply, NurseSending, NurseVisit
from tierspayant.store.database import make_engine, migrate, session_factory, transaction

MIGRATIONS = "tierspayant.schemes.be_nursing.store.nurse.migrations"
MAX_SENDING_NUMBER = 999
# Rejections caused by another line (block / same day): fixing the faulty line clears them — re-invoiced as they are.
PROPAGATED = frozenset({"500118", "500119", "510119", "510120", "520119", "500120"})
RESENDABLE = ("rejected", "refused")  # 920099 / 920999: the file is resent with the same sending number


@dataclass(frozen=True)
class RejectedLine:
    reference: str
    patient_niss: str
    service_date: date
    nomenclature_code: int
    codes: tuple[str, ...]
    labels_fr: tuple[str, ...]
    labels_nl: tuple[str, ...]
    comment: str
    sending_number: int | None


@dataclass
class ImportResult:
    kind: str
    sending_number: int | None
    already_imported: bool = False
    accepted: int = 0
    rejected: int = 0
    requeued: int = 0
    informative: int = 0


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class NurseLedger:
    """The nurse's database (created and migrated on first use)."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        migrate(self.engine, MIGRATIONS)
        self.sessions = session_factory(self.engine)

    # --- recording -----------------------------------------------------------------------------------------------

    def record_book(self, book: VisitBook) -> list[str]:
        """Store patients (and their insurability answer) and the visits not yet recorded; returns new references."""
        with transaction(self.sessions) as session:
            wanted = [patient.niss for patient in book.patients]
            stored = {row.niss: row for row in _rows_with(session, NursePatient, NursePatient.niss, wanted)}
            for patient in book.patients:
                data = patient.model_dump(mode="json")
                if patient.niss in stored:
                    stored[patient.niss].data = data
                else:
                    stored[patient.niss] = NursePatient(niss=patient.niss, data=data)
                    session.add(stored[patient.niss])
            origins = [_origin(visit) for visit in book.visits]
            seen = {row.origin for row in _rows_with(session, NurseVisit, NurseVisit.origin, origins)}
            added: list[NurseVisit] = []
            for visit, origin in zip(book.visits, origins, strict=True):
                if origin in seen:
                    continue  # recorded before (perhaps corrected since), or twice in the book: never twice
                seen.add(origin)
                placeholder = f"new-{origin[:21]}"  # unique until the row's id gives its reference
                added.append(
                    NurseVisit(
                        reference=placeholder,
                        origin=origin,
                        patient_niss=visit.patient,
                        service_date=visit.date,
                        nomenclature_code=visit.code,
                        data=visit.to_data(),
                        status="pending",
                        rejection_codes="",
                        comment="",
                        corrections=0,
                    )
                )
            session.add_all(added)
            session.flush()  # the ids, from which the references follow
            for row in added:
                row.reference = f"V{row.id:08d}"
            return [row.reference for row in added]

    def apply_insurability(self, path: Path) -> InsurabilityAnswer | None:
        """Store an 801900 answer on its patient: the next sending carries it (record 20 zones 42-45 / 53-58, CT1/CT2
        and the affiliation mutuality of zone 327; record 51). Returns the answer (None: unknown at the mutuality)."""
        message = mcn.read(path)
        answer = insurability_answer(message)
        niss = str(message["niss"]).zfill(11)
        with transaction(self.sessions) as session:
            row = session.get(NursePatient, niss)
            if row is None:
                raise KeyError(f"{path.name}: no patient {niss} in the nurse's records")
            patient = PatientRecord.model_validate(row.data)
            if answer is None:
                row.data = patient.model_copy(update={"insurability": None}).model_dump(mode="json")
                return None
            changes = {"insurability": answer, "ct1_ct2": answer.ct1_ct2 or patient.ct1_ct2,
                       "affiliation_mutuality": answer.mutuality or patient.affiliation_mutuality}
            row.data = PatientRecord.model_validate({**patient.model_dump(), **changes}).model_dump(mode="json")
        return answer

    # --- sending numbers --------------------------------------------------------------------------------------------

    def next_sending_number(self, third_party_number: str) -> int:
        with self.sessions() as session:
            highest = session.scalar(
                select(func.max(NurseSending.sending_number)).where(
                    NurseSending.third_party_number == third_party_number
                )
            )
        number = (highest or 0) + 1
        if number > MAX_SENDING_NUMBER:
            raise FindingsError([Finding("100721", "every sending number 1-999 has been used", rule="nurse-sending")])
        return number

    # --- building ---------------------------------------------------------------------------------------------------

    def build(
        self,
        group: GroupSettings,
        period: int,
        destination: Path,
        *,
        creation_date: date | None = None,
        resend: int | None = None,
        policy: CheckNumberPolicy = DEFAULT_POLICY,
    ) -> tuple[Path, SendingModel]:
        """Invoice every pending or corrected visit in a new sending (or resend a rejected one with its number)."""
        creation_date = creation_date or date.today()
        with transaction(self.sessions) as session:
            existing = None
            if resend is not None:
                existing = session.scalar(
                    select(NurseSending).where(
                        NurseSending.third_party_number == group.third_party_number,
                        NurseSending.sending_number == resend,
                    )
                )
                if existing is None or existing.status not in RESENDABLE:
                    state = "unknown" if existing is None else existing.status
                    raise FindingsError(
                        [
                            Finding(
                                "E301040",
                                f"sending {resend} is {state}: only a refused or rejected sending is resent "
                                "with its own number; an accepted number is never re-used",
                                rule="nurse-sending",
                            )
                        ]
                    )
                number = resend
            else:
                number = self.next_sending_number(group.third_party_number)
            rows = list(
                session.scalars(select(NurseVisit).where(NurseVisit.status == "pending").order_by(NurseVisit.id))
            )
            if not rows:
                raise FindingsError([Finding("E000001", "no pending visit to invoice", rule="nurse-sending")])
            patients = {p.niss: PatientRecord.model_validate(p.data) for p in session.scalars(select(NursePatient))}
            visits = [(row.reference, Visit.model_validate(row.data)) for row in rows]
            model = build_sending(group, patients, visits, period, number, creation_date)
            path = write_lines(render_920000(model, policy), destination)
            digest = sha256(path)
            try:
                if existing is not None:
                    existing.file_name, existing.sha256, existing.status = path.name, digest, "sent"
                    existing.invoiced_period, existing.created_at = period, datetime.now()
                    sending = existing
                else:
                    sending = NurseSending(
                        third_party_number=group.third_party_number,
                        sending_number=number,
                        invoiced_period=period,
                        file_name=path.name,
                        sha256=digest,
                        status="sent",
                        created_at=datetime.now(),
                    )
                    session.add(sending)
                session.flush()
                for row in rows:
                    row.status, row.sending_id = "invoiced", sending.id
            except BaseException:
                path.unlink(missing_ok=True)  # nothing half-done: no file without its record
                raise
        return path, model

    # --- replies ----------------------------------------------------------------------------------------------------

    def import_reply(self, path: Path) -> ImportResult:
        """Apply a reply (931000, 920999, 920099, 920098, 920900) to the sending and its visits, once."""
        digest = sha256(path)
        reply = read_reply(path)
        if reply.findings:
            raise FindingsError(reply.findings)
        result = ImportResult(reply.kind, reply.sending_number)
        with transaction(self.sessions) as session:
            if session.scalar(select(NurseReply).where(NurseReply.sha256 == digest)) is not None:
                result.already_imported = True
                return result
            sending = self._sending_of(session, reply)
            session.add(
                NurseReply(
                    sha256=digest,
                    kind=reply.kind,
                    sending_id=sending.id,
                    file_name=Path(path).name,
                    imported_at=datetime.now(),
                )
            )
            visits = {
                v.reference: v for v in session.scalars(select(NurseVisit).where(NurseVisit.sending_id == sending.id))
            }
            said = _line_errors(reply)
            if reply.kind == "931000":
                sending.status = "acknowledged" if sending.status == "sent" else sending.status
            elif reply.kind in ("920999", "920099"):
                sending.status = "refused" if reply.kind == "920999" else "rejected"
                for reference, visit in visits.items():
                    self._apply(visit, said.get(reference), result, final=False)
            elif reply.kind == "920098":
                sending.status = "informative"
                for reference, (codes, comment) in said.items():
                    if reference in visits:
                        visits[reference].rejection_codes, visits[reference].comment = ",".join(codes), comment
                        result.informative += 1
            elif reply.kind == "920900":
                sending.status = "settled"
                sending.payment_date = reply.payment_date
                for reference, visit in visits.items():
                    self._apply(visit, said.get(reference), result, final=True)
        return result

    @staticmethod
    def _apply(visit: NurseVisit, said: Said | None, result: ImportResult, final: bool) -> None:
        if said is None:
            if final:
                visit.status, visit.rejection_codes, visit.comment = "accepted", "", ""
                result.accepted += 1
            else:  # the whole file was refused: the line goes back unchanged with the resent file
                visit.status = "pending"
                result.requeued += 1
            return
        codes, comment = said
        visit.rejection_codes, visit.comment = ",".join(codes), comment
        if codes and set(codes) <= PROPAGATED:
            visit.status = "pending"  # rejected only because another line was: re-invoiced as it is
            result.requeued += 1
        else:
            visit.status = "rejected"
            result.rejected += 1

    @staticmethod
    def _sending_of(session: Session, reply: Reply) -> NurseSending:
        third_party = None
        for record in reply.records:
            if record.record_type == "10":
                third_party = f"{record.values.get('third_party_number') or 0}"
        query = select(NurseSending).where(NurseSending.sending_number == reply.sending_number)
        candidates = [s for s in session.scalars(query) if third_party is None or s.third_party_number == third_party]
        if len(candidates) != 1:
            raise FindingsError(
                [
                    Finding(
                        "E301041",
                        f"no single sending {reply.sending_number} of this nurse matches the reply",
                        file=reply.name,
                        rule="nurse-reply",
                        effect=Effect.REJECT_FILE,
                    )
                ]
            )
        return candidates[0]

    # --- corrections ------------------------------------------------------------------------------------------------

    def rejected_lines(self) -> list[RejectedLine]:
        with self.sessions() as session:
            rows = session.execute(
                select(NurseVisit, NurseSending.sending_number)
                .join(NurseSending, NurseVisit.sending_id == NurseSending.id, isouter=True)
                .where(NurseVisit.status == "rejected")
                .order_by(NurseVisit.id)
            ).all()
            return [_rejected(visit, number) for visit, number in rows]

    def correct(self, reference: str, **changes: Any) -> None:
        """Correct a rejected visit (any visit field); it is re-invoiced in the next sending."""
        with transaction(self.sessions) as session:
            visit = session.scalar(select(NurseVisit).where(NurseVisit.reference == reference))
            if visit is None:
                raise KeyError(f"no visit {reference}")
            if visit.status != "rejected":
                raise ValueError(f"visit {reference} is {visit.status}, not rejected")
            corrected = Visit.model_validate({**visit.data, **changes})
            visit.data = corrected.to_data()
            visit.service_date, visit.nomenclature_code = corrected.date, corrected.code
            visit.status, visit.corrections = "pending", visit.corrections + 1

    def edit(self, reference: str, **changes: Any) -> None:
        """Change a visit not yet invoiced (pending) or rejected; a rejected one goes into the next sending."""
        with transaction(self.sessions) as session:
            visit = session.scalar(select(NurseVisit).where(NurseVisit.reference == reference))
            if visit is None:
                raise KeyError(f"no visit {reference}")
            if visit.status not in ("pending", "rejected"):
                raise ValueError(f"visit {reference} is {visit.status}: only a pending or rejected visit is changed")
            corrected = Visit.model_validate({**visit.data, **changes})
            visit.data = corrected.to_data()
            visit.service_date, visit.nomenclature_code = corrected.date, corrected.code
            if visit.status == "rejected":
                visit.corrections += 1
            visit.status = "pending"

    def cancel(self, reference: str) -> None:
        """A visit that will not be invoiced (entered by mistake, or rejected and not billable): never sent again."""
        with transaction(self.sessions) as session:
            visit = session.scalar(select(NurseVisit).where(NurseVisit.reference == reference))
            if visit is None:
                raise KeyError(f"no visit {reference}")
            if visit.status not in ("pending", "rejected"):
                raise ValueError(f"visit {reference} is {visit.status}: only a pending or rejected visit is cancelled")
            visit.status = "cancelled"

    def patients(self) -> list[PatientRecord]:
        with self.sessions() as session:
            rows = session.scalars(select(NursePatient).order_by(NursePatient.niss))
            return [PatientRecord.model_validate(row.data) for row in rows]

    def visit_rows(self, first: date | None = None, last: date | None = None) -> list[dict[str, Any]]:
        """Every visit (optionally between two dates) with its status, rejection codes (FR/NL labels), comment,
        sending number and that sending's payment date — what the nurse's pages show per line."""
        query = (select(NurseVisit, NurseSending)
                 .join(NurseSending, NurseVisit.sending_id == NurseSending.id, isouter=True)
                 .order_by(NurseVisit.service_date, NurseVisit.id))
        if first is not None:
            query = query.where(NurseVisit.service_date >= first)
        if last is not None:
            query = query.where(NurseVisit.service_date <= last)
        with self.sessions() as session:
            rows = session.execute(query).all()
        out = []
        for visit, sending in rows:
            codes = [c for c in visit.rejection_codes.split(",") if c]
            data = visit.data
            out.append({
                "reference": visit.reference, "patient": visit.patient_niss, "date": visit.service_date,
                "time": int(str(data.get("time", 0))), "nurse": data.get("nurse"), "code": visit.nomenclature_code,
                "amount": Decimal(str(data.get("amount", "0"))), "status": visit.status, "codes": codes,
                "labels_fr": [error_codes.label(c, "fr") for c in codes],
                "labels_nl": [error_codes.label(c, "nl") for c in codes],
                "comment": visit.comment, "propagated": bool(codes) and set(codes) <= PROPAGATED,
                "sending_number": None if sending is None else sending.sending_number,
                "payment_date": None if sending is None else sending.payment_date,
            })
        return out

    def sending_rows(self) -> list[NurseSending]:
        with self.sessions() as session:
            return list(session.scalars(select(NurseSending).order_by(NurseSending.sending_number)))

    def reconciliation(self, today: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Billed, accepted, rejected and paid amounts per month of service and per patient (euros): billed = sent
        at least once; paid = accepted in a sending whose payment date has come."""
        months: dict[str, dict[str, Any]] = {}
        patients: dict[str, dict[str, Any]] = {}
        for row in self.visit_rows():
            if row["sending_number"] is None or row["status"] == "cancelled":
                continue
            for key, table in ((row["date"].strftime("%Y-%m"), months), (row["patient"], patients)):
                totals = table.setdefault(key, {"key": key, "billed": Decimal("0.00"), "accepted": Decimal("0.00"),
                                                "rejected": Decimal("0.00"), "paid": Decimal("0.00")})
                totals["billed"] += row["amount"]
                if row["status"] == "accepted":
                    totals["accepted"] += row["amount"]
                    if row["payment_date"] is not None and row["payment_date"] <= today:
                        totals["paid"] += row["amount"]
                elif row["status"] == "rejected" or row["codes"]:
                    totals["rejected"] += row["amount"]
        return sorted(months.values(), key=lambda r: r["key"]), sorted(patients.values(), key=lambda r: r["key"])

    def visits(self, statuses: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """(reference, status) of the visits, optionally of some statuses."""
        with self.sessions() as session:
            query = select(NurseVisit.reference, NurseVisit.status).order_by(NurseVisit.id)
            if statuses is not None:
                query = query.where(NurseVisit.status.in_(list(statuses)))
            return [(r, s) for r, s in session.execute(query).all()]

    def sendings(self) -> list[tuple[int, str]]:
        with self.sessions() as session:
            query = select(NurseSending.sending_number, NurseSending.status).order_by(NurseSending.sending_number)
            return [(n, s) for n, s in session.execute(query).all()]


_Row = TypeVar("_Row", bound=Base)
IN_LIST_SIZE = 5_000  # values per IN (...) list: far below any database's limit on bound parameters


def _rows_with(session: Session, model: type[_Row], column: Any, values: Sequence[str]) -> list[_Row]:
    """The rows whose ``column`` is one of ``values`` — one query per 5,000 values, never one per value."""
    distinct = sorted(set(values))
    found: list[_Row] = []
    for start in range(0, len(distinct), IN_LIST_SIZE):
        found += session.scalars(select(model).where(column.in_(distinct[start : start + IN_LIST_SIZE])))
    return found


def _origin(visit: Visit) -> str:
    """A visit's identity as first recorded: the same visit in the next book is recognised, even once corrected."""
    key = json.dumps(visit.to_data(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(key.encode()).hexdigest()


Said = tuple[tuple[str, ...], str]  # rejection codes and the mutuality's comment


def _line_errors(reply: Reply) -> dict[str, Said]:
    """Visit reference → (codes, comment). Rejections of records 51/52 count for their line; of records 20/80 for
    every line of the invoice (applied when its record 80 closes it)."""
    out: dict[str, Said] = {}
    line: str | None = None  # the reference of the last record 50
    invoice_lines: list[str] = []
    invoice_said: list[Said] = []

    def add(reference: str, said: Said) -> None:
        codes, comment = out.get(reference, ((), ""))
        out[reference] = (tuple(dict.fromkeys([*codes, *said[0]])), comment or said[1])

    for record in reply.records:
        said = (tuple(r.code for r in record.rejections), record.comment)
        if record.record_type == "20":
            invoice_lines, invoice_said = [], []
        elif record.record_type == "50":
            line = str(record.values.get("institution_reference") or "")
            invoice_lines.append(line)
        if said[0] and record.record_type in ("50", "51", "52") and line:
            add(line, said)
        elif said[0] and record.record_type in ("20", "80"):
            invoice_said.append(said)
        if record.record_type == "80":
            for reference in invoice_lines:
                for invoice_error in invoice_said:
                    add(reference, invoice_error)
    return out


def _rejected(visit: NurseVisit, sending_number: int | None) -> RejectedLine:
    codes = tuple(c for c in visit.rejection_codes.split(",") if c)
    return RejectedLine(
        reference=visit.reference,
        patient_niss=visit.patient_niss,
        service_date=visit.service_date,
        nomenclature_code=visit.nomenclature_code,
        codes=codes,
        labels_fr=tuple(error_codes.label(c, "fr") for c in codes),
        labels_nl=tuple(error_codes.label(c, "nl") for c in codes),
        comment=visit.comment,
        sending_number=sending_number,
    )
