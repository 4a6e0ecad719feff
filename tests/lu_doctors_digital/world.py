"""The parties of a digital fee-note walk, each with its own database: the doctor's practice (two workstations:
the doctor and an assistant), the eDocuments vault (its HTTP API), the fund (reimbursement, PID web service)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from tierspayant.core.signing import SigningKey
from tierspayant.schemes.lu_doctors import DoctorsPractice
from tierspayant.schemes.lu_doctors.digital.keys import TEST_PSEUDONYMISATION_KEY
from tierspayant.schemes.lu_doctors.fund.digital_compensation import DigitalCompensation
from tierspayant.schemes.lu_doctors.fund.digital_store import FundDigitalStore
from tierspayant.schemes.lu_doctors.fund.pid import PidService, create_pid_app
from tierspayant.schemes.lu_doctors.fund.reimbursement import AcceleratedReimbursement
from tierspayant.schemes.lu_doctors.practice.feenotes_digital import DigitalDesk, User
from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference

from .conftest import Parties
from .helpers import ADULT, CHILD, DOCTOR

REFERENCE = DigitalReference.sample()


@dataclass
class World:
    parties: Parties
    practice: DoctorsPractice
    doctor: DigitalDesk
    assistant: DigitalDesk
    fund_store: FundDigitalStore
    fund: AcceleratedReimbursement
    compensation: DigitalCompensation
    pid_http: TestClient
    key: SigningKey

    def close(self) -> None:
        self.pid_http.close()
        self.practice.engine.dispose()
        self.fund_store.engine.dispose()


def build_world(parties: Parties, other_url: Callable[[str], str], choices: Mapping[str, bool] | None = None) -> World:
    """The practice, the vault, the fund and PID wired together; ``choices``: patients' digital opt-ins (matricule →
    yes / no) recorded by the doctor on 15 January 2026."""
    practice = DoctorsPractice(other_url("practice"))
    practice.init()
    practice.add_doctor(DOCTOR, "Dr Anne Exemple", "MG")
    practice.add_patient(ADULT, "Marie Exemple", "CNS")
    practice.add_patient(CHILD, "Léo Exemple", "CNS")
    key = SigningKey.generate(DOCTOR)
    parties.client("t-doctor").publish_key(key.published(date(2025, 7, 1), date(2027, 6, 30)))

    def now() -> datetime:
        return parties.clock.value.replace(tzinfo=UTC)

    def desk(user: User, token: str) -> DigitalDesk:
        return DigitalDesk(practice, user, parties.client(token), key, TEST_PSEUDONYMISATION_KEY, REFERENCE, now=now)

    fund_store = FundDigitalStore(other_url("fund"), now=parties.clock)
    fund_store.init()
    for matricule in (ADULT, CHILD):
        fund_store.add_insured(matricule, "CNS", date(2000, 1, 1))
    fund = AcceleratedReimbursement(fund_store, parties.client("t-fund"), REFERENCE, TEST_PSEUDONYMISATION_KEY)
    pid_http = TestClient(create_pid_app(PidService(fund), {"pid-doctor": DOCTOR}))
    pid_http.headers["Authorization"] = "Bearer pid-doctor"
    built = World(
        parties,
        practice,
        desk(User("dr.anne", DOCTOR, True), "t-doctor"),
        desk(User("paul.assistant", DOCTOR, False), "t-assistant"),
        fund_store,
        fund,
        DigitalCompensation(fund_store, parties.client("t-fund"), REFERENCE),
        pid_http,
        key,
    )
    for matricule, opted_in in (choices or {}).items():
        built.doctor.record_choice(matricule, opted_in, date(2026, 1, 15))
    return built
