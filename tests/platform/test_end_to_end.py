"""A month of billing through the real mailbox: the practice's software sends over SFTP (asyncssh client, key
auth, pinned host key), the worker runs the fund engine, the answers come back through ``out/``. Runs with every
party on SQLite, and on PostgreSQL (three schemas) when it is reachable."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import paramiko
import psycopg
import pytest

from tierspayant.platform.deposits import FINAL_STATUSES, DepositInfo, DepositStatus
from tierspayant.platform.launch import Launch, launched
from tierspayant.platform.runner import Addresses
from tierspayant.platform.sftp.mailbox import Area
from tierspayant.schemes.lu_kin.platform.sample_scan import sample_prescription_scan
from tierspayant.schemes.lu_kin.practice.domain import PathologyCategory, PrescriptionStatus
from tierspayant.schemes.lu_kin.practice.prescriptions import PrescribedAct, PrescriptionInput
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput

from .conftest import make_settings

CODE = "70012345"
PATIENT = "1956031401288"  # a demo patient, in the fund's SAMPLE registry


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Launch, Addresses]]:
    from tests.conftest import PG_URL, postgres_reachable

    tmp = tmp_path_factory.mktemp("e2e")
    urls: dict[str, str] = {}
    schemas: list[str] = []
    if request.param == "postgresql":
        if not postgres_reachable():
            pytest.skip("PostgreSQL not reachable")
        base = uuid.uuid4().hex[:10]
        plain = PG_URL.replace("+psycopg", "")
        for party in ("platform", "fund", "practice", "mutuality"):
            schema = f"t_{base}_{party}"
            schemas.append(schema)
            separator = "&" if "?" in PG_URL else "?"
            urls[party] = f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
        with psycopg.connect(plain, autocommit=True) as connection:
            for schema in schemas:
                connection.execute(f'CREATE SCHEMA "{schema}"')
    settings = make_settings(
        tmp / "var",
        urls.get("platform"),
        fund_database_url=urls.get("fund"),
        practice_database_url=urls.get("practice"),
        party_database_urls={"mutuality": urls["mutuality"]} if "mutuality" in urls else {},
        demo=True,
        worker_poll_seconds=0.2,
    )
    try:
        with launched(settings) as started:
            yield started
    finally:
        if schemas:
            with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as connection:
                for schema in schemas:
                    connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def wait_for(launch: Launch, name: str, timeout: float = 60.0) -> DepositInfo:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for deposit in launch.context.deposits.list([CODE], limit=500):
            if deposit.name == name and deposit.status in FINAL_STATUSES:
                return deposit
        time.sleep(0.1)
    raise AssertionError(f"{name} was not processed in {timeout} s")


def test_a_month_through_the_mailbox(platform: tuple[Launch, Addresses]) -> None:
    launch, _ = platform
    practice, desk = launch.scheme("lu_kin").practice, launch.scheme("lu_kin").desk
    today = practice.today()
    practice.add_prescription(
        PrescriptionInput(
            matricule=PATIENT,
            prescriber_code="10123456",
            prescribed_on=today - timedelta(days=2),
            pathology_category=PathologyCategory.COMMON,
            acts=[PrescribedAct("ZK11", 8)],
            performer_code="70023456",
            place_category="01",
            scan=sample_prescription_scan(),
            scan_name="ordonnance.pdf",
        )
    )
    demaut = practice.build_request(CODE)
    assert desk.send(demaut.name) == demaut.name
    deposit = wait_for(launch, demaut.name)
    assert (deposit.status, deposit.file_type, deposit.channel, deposit.depositor) == (
        DepositStatus.ACCEPTED, "DEMAUT", "sftp", "cabinet"
    )  # fmt: skip
    assert any(name.startswith(f"F{CODE}") and "_RETAUT_" in name for name in deposit.written)
    received = desk.receive()
    assert {r.status for r in received if r.file_type == "RETAUT"} == {"imported"}
    assert launch.context.mailboxes.get(CODE).list(Area.OUT) == []  # collected and removed
    [titre] = [t for t in practice.titres(PATIENT)]
    assert practice.prescriptions()[-1].status is PrescriptionStatus.ACCEPTED

    practice.add_session(SessionInput(titre=titre.identifier, performed_on=today))
    fac = practice.bill(f"{today:%Y-%m}", CODE)
    desk.send(fac.name)
    billed = wait_for(launch, fac.name)
    assert (billed.status, billed.file_type) == (DepositStatus.ACCEPTED, "FAC")
    assert billed.summary["items"] == 1 and billed.summary["payment_due_on"]
    results = {r.file_type: r for r in desk.receive()}
    assert results["RETFAC"].status == "imported"
    reconciliation = practice.reconcile(f"{today:%Y-%m}")
    assert reconciliation.total.lines == 1 and reconciliation.total.billed > 0
    due = launch.scheme("lu_kin").fund.payments_due()
    assert [p.reference for p in due] == [fac.name]
    # The same FAC deposited again is recognised by the fund: answered as a duplicate, never paid twice.
    again = _upload_as_cabinet(launch, platform[1], fac.name, (desk.sent_dir / fac.name).read_bytes())
    assert again.status is DepositStatus.DUPLICATE and again.id != billed.id
    assert [p.reference for p in launch.scheme("lu_kin").fund.payments_due()] == [fac.name]
    # Every step left an audit trail: the deposits by the practice's account, the processing by the worker.
    actions = {(e.actor, e.action) for e in launch.context.audit.entries(limit=100)}
    assert {("cabinet", "deposit"), ("cabinet", "fetch"), ("worker", "process")} <= actions


def test_sender_must_own_the_mailbox(platform: tuple[Launch, Addresses], tmp_path: Path) -> None:
    launch, addresses = platform
    other = f"F70023456{date.today():%Y%m}_KIN_DEMAUT_01_{date.today():%Y%m%d}_NOTMINE1.xml"
    deposit = _upload_as_cabinet(launch, addresses, other, b"<DEMAUT/>")
    assert deposit.status is DepositStatus.REFUSED
    assert [f["code"] for f in deposit.findings] == ["PLT-SENDER"]
    assert deposit.written == [other.removesuffix(".xml") + ".deposit.json"]


def test_garbage_refused_with_a_notification_and_nothing_recorded(
    platform: tuple[Launch, Addresses], tmp_path: Path
) -> None:
    launch, addresses = platform
    name = f"F{CODE}{date.today():%Y%m}_KIN_DEMAUT_01_{date.today():%Y%m%d}_GARBAGE1.xml"
    deposit = _upload_as_cabinet(launch, addresses, name, b"<DEMAUT><truncated")
    assert deposit.status is DepositStatus.REFUSED and deposit.findings
    assert all(f["file"] == name for f in deposit.findings)
    notification = launch.context.mailboxes.get(CODE).path_of(Area.OUT, deposit.written[0])
    assert b'"status": "refused"' in notification.read_bytes()
    # The practice's software collects the notification and shows why its file was refused.
    [seen] = [r for r in launch.scheme("lu_kin").desk.receive() if r.name == deposit.written[0]]
    assert (seen.file_type, seen.status) == ("notification", "refused")
    assert seen.findings and seen.findings[0]["file"] == name
    # A refused file leaves nothing recorded at the fund: corrected or not, it is examined again.
    again = _upload_as_cabinet(launch, addresses, name, b"<DEMAUT><truncated")
    assert again.id != deposit.id and again.status is DepositStatus.REFUSED


def _upload_as_cabinet(launch: Launch, addresses: Addresses, name: str, data: bytes) -> DepositInfo:
    """Upload with paramiko and the practice's key (a second, independent SFTP client)."""
    link = launch.scheme("lu_kin").desk.link
    assert link is not None
    transport = paramiko.Transport((addresses.sftp_host, addresses.sftp_port))
    try:
        transport.connect(
            username="cabinet", pkey=paramiko.Ed25519Key.from_private_key_file(str(link.credentials.client_key))
        )
        sftp = paramiko.SFTPClient.from_transport(transport)
        assert sftp is not None
        with sftp.open(f"in/{name}", "wb") as remote:
            remote.write(data)
        sftp.close()
    finally:
        transport.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        latest = [d for d in launch.context.deposits.list([CODE], limit=500) if d.name == name]
        if latest and latest[0].status in FINAL_STATUSES:
            return latest[0]
        time.sleep(0.1)
    raise AssertionError(f"{name} not processed")
