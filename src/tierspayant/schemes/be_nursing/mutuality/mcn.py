"""The mutuality's answers to the MyCareNet messages besides eFact (layouts: ``formats/mcn.py``).

- **801000 → 801900**: the insurability registry at the date asked (zone 327 mutuality, 328/329 CT1/CT2, 380-382 the
  medical-house contract) and a payment commitment valid 30 days from that date ("l'engagement de paiement … est
  valable 30 jours"), which the nurse's sending then carries in record 20 zones 42-45 and 53-58;
- **420900 → 420990**: the nurse's palliative e-notification may be back-dated at most 10 days; it is refused while
  the doctor's notification is not registered ("pending"), and accepted after all if the doctor regularises within
  30 days of that refusal (:meth:`McnService.register_doctor_notification` answers again). Accepted notifications feed
  the 5004K3 control of the invoicing (:meth:`McnService.palliative_notifications`);
- **430000 → 430900**: an agreement request (forfaits A, B, C, toilette, palliative) is acknowledged: agreed with a
  number for a known patient, refused otherwise.

Every message and its answer are kept in ``mcn_message`` (store/mutuality).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select

from tierspayant.core.findings import Finding
from tierspayant.schemes.be_nursing.formats import mcn
from tierspayant.schemes.be_nursing.mutuality.reference import ReferenceData
from tierspayant.schemes.be_nursing.store.mutuality.models import McnMessage
from tierspayant.store.database import transaction

COMMITMENT_DAYS = 30
BACKDATING_DAYS = 10
DOCTOR_GRACE_DAYS = 30
NURSE, DOCTOR = "nurse", "doctor"


@dataclass(frozen=True)
class McnOutcome:
    code: str  # the request's message code
    status: str  # accepted | refused | pending
    answer: Path | None
    findings: tuple[Finding, ...] = ()


class McnService:
    """Answers the requests; ``sessions``: the REFAC registry's session factory (one mutuality database)."""

    def __init__(self, sessions: Any, reference: ReferenceData) -> None:
        self._sessions = sessions
        self.reference = reference

    def process(self, path: Path, outbox: Path, received_at: datetime) -> McnOutcome:
        try:
            message = mcn.read(path)
        except mcn.MessageError as error:
            finding = Finding("E000010", str(error), file=path.name, location="positions 1-350", rule="mcn-layout")
            return McnOutcome(path.name[:6], "refused", None, (finding,))
        if message.code not in mcn.REQUESTS:
            finding = Finding("E000011", f"{message.code} is an answer of the mutuality, not a request",
                              file=path.name, location="positions 1-6", rule="mcn-layout")
            return McnOutcome(message.code, "refused", None, (finding,))
        answer = {"801000": self._insurability, "420900": self._palliative, "430000": self._agreement}[message.code]
        status, values, effective = answer(message, received_at)
        outbox.mkdir(parents=True, exist_ok=True)
        code = mcn.ANSWER_OF[message.code]
        target = outbox / f"{Path(path.name).stem}.{code}"
        head = {k: message[k] for k in ("third_party", "niss", "reference")}
        with transaction(self._sessions) as session:
            sender = str(message["third_party"]).zfill(11)
            session.add(McnMessage(kind=message.code, file_name=path.name[:255], third_party=sender,
                                   niss=str(message["niss"]).zfill(11), received_at=received_at, status=status,
                                   reply_kind=code, effective_from=effective,
                                   data={"request": _jsonable(message.values), "answer": _jsonable(values)}))
            written = mcn.write(code, {**head, **values}, target)
        return McnOutcome(message.code, status, written)

    # -- 801000 ------------------------------------------------------------------------------------------------

    def _insurability(self, message: mcn.Message, received_at: datetime) -> tuple[str, dict[str, Any], date | None]:
        niss = str(message["niss"]).zfill(11)
        day: date = message["consultation_date"] or received_at.date()
        member = _valid(self.reference["insurability"].filter(pl.col("niss") == niss), day, "valid_from", "valid_to")
        values: dict[str, Any] = {"consultation_date": day}
        if member.height == 0:
            return "refused", {**values, "status": 1}, None
        row = member.row(0, named=True)
        contract = _valid(self.reference["medical_house_contracts"].filter(pl.col("niss") == niss), day,
                          "start_date", "end_date")
        if contract.height:
            found = contract.row(0, named=True)
            values |= {"medical_house_contract": 1, "medical_house_start_date": found["start_date"],
                       "medical_house_end_date": found["end_date"], "medical_house_disciplines": found["disciplines"]}
        with self._sessions() as session:
            serial = len(session.scalars(select(McnMessage.id).where(McnMessage.kind == "801000")).all()) + 1
        values |= {
            "status": 0, "mutuality": row["mutuality"], "ct1": row["ct1"], "ct2": row["ct2"],
            "commitment_part_a": 2, "commitment_part_n": received_at.year * 10**8 + serial, "commitment_part_v": 1,
            "commitment_reference": f"MC{row['mutuality']}-{received_at:%Y%m%d}-{serial:06d}",
            "insurability_start_date": day, "insurability_end_date": day + timedelta(days=COMMITMENT_DAYS - 1),
            "communication_date": received_at.date(),
        }
        return "accepted", values, day

    # -- 420900 ------------------------------------------------------------------------------------------------

    def _palliative(self, message: mcn.Message, received_at: datetime) -> tuple[str, dict[str, Any], date | None]:
        niss = str(message["niss"]).zfill(11)
        start: date = message["effective_date"]
        today = received_at.date()
        values: dict[str, Any] = {"effective_date": start, "decided_date": today}
        if start is None or start < today - timedelta(days=BACKDATING_DAYS):
            comment = f"Effet retroactif de plus de {BACKDATING_DAYS} jours (debut {_fr(start)}, recue le {_fr(today)})"
            return "refused", {**values, "decision": 10, "comment": comment}, start
        doctor = self._doctor_registered(niss, today)
        if doctor is None:
            comment = (f"Notification du medecin absente: acceptee si le medecin la met en ordre avant le "
                       f"{_fr(today + timedelta(days=DOCTOR_GRACE_DAYS))}")
            return "pending", {**values, "decision": 20, "comment": comment}, start
        return "accepted", {**values, "decision": 0, "comment": f"Notification du medecin du {_fr(doctor)}"}, start

    def _doctor_registered(self, niss: str, on: date) -> date | None:
        table = self.palliative_notifications()
        doctors = table.filter((pl.col("niss") == niss) & (pl.col("notifier") == DOCTOR)
                               & (pl.col("registered_on") <= on))
        return None if doctors.height == 0 else doctors["registered_on"].min()  # type: ignore[return-value]

    def register_doctor_notification(self, niss: str, registered_on: date, effective_from: date,
                                     outbox: Path) -> list[Path]:
        """The doctor's notification reaches the mutuality: kept, and every nurse notification of that patient
        refused for its absence less than 30 days ago is accepted after all (a new 420990 for each)."""
        answers: list[Path] = []
        with transaction(self._sessions) as session:
            session.add(McnMessage(kind="DOCTOR", file_name="doctor-notification", third_party="0", niss=niss,
                                   received_at=datetime.combine(registered_on, datetime.min.time()),
                                   status="accepted", reply_kind="", effective_from=effective_from,
                                   data={"registered_on": registered_on.isoformat()}))
            pending = session.scalars(select(McnMessage).where(McnMessage.kind == "420900", McnMessage.niss == niss,
                                                               McnMessage.status == "pending"))
            for row in pending:
                if registered_on > row.received_at.date() + timedelta(days=DOCTOR_GRACE_DAYS):
                    row.status = "refused"  # too late: the nurse notifies again
                    continue
                row.status = "accepted"
                request: dict[str, Any] = dict(row.data["request"])  # type: ignore[call-overload]
                values = {"third_party": int(request["third_party"]), "niss": int(request["niss"]),
                          "reference": request["reference"], "effective_date": row.effective_from,
                          "decision": 0, "decided_date": registered_on,
                          "comment": f"Acceptee: notification du medecin regularisee le {_fr(registered_on)}"}
                outbox.mkdir(parents=True, exist_ok=True)
                answers.append(mcn.write("420990", values, outbox / f"{Path(row.file_name).stem}.regularised.420990"))
        return answers

    def palliative_notifications(self) -> pl.DataFrame:
        """The reference's notifications with the ones received here (accepted nurse 420900s, doctors'), in the
        shape of the reference table ``palliative_notifications`` (what the 5004K3 control reads)."""
        with self._sessions() as session:
            rows = session.execute(select(McnMessage.niss, McnMessage.kind, McnMessage.received_at,
                                          McnMessage.effective_from).where(
                McnMessage.kind.in_(["420900", "DOCTOR"]), McnMessage.status == "accepted")).all()
        received = pl.DataFrame(
            {"niss": [r[0] for r in rows], "notifier": [DOCTOR if r[1] == "DOCTOR" else NURSE for r in rows],
             "registered_on": [r[2].date() for r in rows], "effective_from": [r[3] for r in rows]},
            schema=self.reference["palliative_notifications"].schema,
        )
        return pl.concat([self.reference["palliative_notifications"], received], how="vertical")

    # -- 430000 ------------------------------------------------------------------------------------------------

    def _agreement(self, message: mcn.Message, received_at: datetime) -> tuple[str, dict[str, Any], date | None]:
        niss = str(message["niss"]).zfill(11)
        kind = str(message["agreement_kind"])
        start, end = message["start_date"], message["end_date"]
        values: dict[str, Any] = {"agreement_kind": kind, "received_date": received_at.date(),
                                  "start_date": start, "end_date": end}
        problem = None
        if kind not in mcn.AGREEMENT_KINDS:
            problem = f"Type d'accord {kind!r} inconnu (A, B, C, T, P)"
        elif start is None or (end is not None and end < start):
            problem = "Periode demandee invalide"
        elif _valid(self.reference["insurability"].filter(pl.col("niss") == niss), start, "valid_from",
                    "valid_to").height == 0:
            problem = f"Beneficiaire {niss} non connu a la mutualite au {_fr(start)}"
        if problem is not None:
            return "refused", {**values, "decision": 10, "comment": problem}, start
        with self._sessions() as session:
            serial = len(session.scalars(select(McnMessage.id).where(McnMessage.kind == "430000")).all()) + 1
        number = received_at.year * 10**6 + serial
        return "accepted", {**values, "decision": 0, "agreement_number": number}, start

    def messages(self, limit: int = 500) -> list[McnMessage]:
        with self._sessions() as session:
            return list(session.scalars(select(McnMessage).order_by(McnMessage.id.desc()).limit(limit)))


def _valid(frame: pl.DataFrame, day: date, start: str, end: str) -> pl.DataFrame:
    return frame.filter((pl.col(start) <= day) & (pl.col(end).is_null() | (pl.col(end) >= day)))


def _fr(day: date | None) -> str:
    return "?" if day is None else day.strftime("%d/%m/%Y")


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items() if k != "reserve"}
