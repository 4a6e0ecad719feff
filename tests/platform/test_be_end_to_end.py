"""Belgian home nursing through the platform, as a nursing group uses it: a 920000 uploaded over the real SFTP
server (password login, paramiko) is handed by the worker to REFAC, whose replies land in the group's ``out/``."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import paramiko
import psycopg
import pytest

from tierspayant.platform.deposits import FINAL_STATUSES, DepositInfo, DepositStatus
from tierspayant.platform.launch import Launch, launched
from tierspayant.platform.runner import Addresses
from tierspayant.platform.sftp.mailbox import Area
from tierspayant.schemes.be_nursing.formats.messages import write_920000
from tierspayant.schemes.be_nursing.formats.naming import sending_name
from tierspayant.schemes.be_nursing.platform.demo import GROUP, PERIOD, demo_sending

from .conftest import make_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Launch, Addresses]]:
    from tests.conftest import PG_URL, postgres_reachable

    tmp = tmp_path_factory.mktemp("be-e2e")
    database_url = None
    schema = ""
    if request.param == "postgresql":
        if not postgres_reachable():
            pytest.skip("PostgreSQL not reachable")
        schema = f"t_{uuid.uuid4().hex[:10]}"
        database_url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    settings = make_settings(tmp / "var", database_url, demo=True, worker_poll_seconds=0.2)
    try:
        with launched(settings) as started:
            yield started
    finally:
        if schema:  # the platform's schema and its parties' beside it (<schema>_fund, <schema>_mutuality…)
            with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as connection:
                names = connection.execute(
                    "SELECT nspname FROM pg_namespace WHERE nspname = %s OR nspname LIKE %s", (schema, f"{schema}_%")
                ).fetchall()
                for (name,) in names:
                    connection.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def password_of(launch: Launch, username: str) -> str:
    demo = launch.scheme("be_nursing").demo  # type: ignore[attr-defined]
    return next(a.password for a in demo.accounts if a.username == username)


def upload(launch: Launch, addresses: Addresses, name: str, data: bytes) -> DepositInfo:
    """Upload as the demo nursing group, with its password, then wait for the worker's verdict."""
    before = {d.id for d in launch.context.deposits.list([GROUP], limit=500)}
    transport = paramiko.Transport((addresses.sftp_host, addresses.sftp_port))
    try:
        transport.connect(username="infirmiere", password=password_of(launch, "infirmiere"))
        sftp = paramiko.SFTPClient.from_transport(transport)
        assert sftp is not None
        with sftp.open(f"in/{name}", "wb") as remote:
            remote.write(data)
        sftp.close()
    finally:
        transport.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = [d for d in launch.context.deposits.list([GROUP], limit=500) if d.id not in before and d.name == name]
        if new and new[0].status in FINAL_STATUSES:
            return new[0]
        time.sleep(0.1)
    raise AssertionError(f"{name} was not processed")


def out_names(launch: Launch) -> set[str]:
    return {entry.name for entry in launch.context.mailboxes.get(GROUP).list(Area.OUT)}


def test_a_sending_gets_its_replies_and_a_second_upload_its_920098(
    platform: tuple[Launch, Addresses], tmp_path: Path
) -> None:
    launch, addresses = platform
    name = sending_name(GROUP, PERIOD, 41)
    data = write_920000(demo_sending(sending_number=41), tmp_path / name).read_bytes()

    first = upload(launch, addresses, name, data)
    stem = name.removesuffix(".txt")
    assert (first.status, first.file_type, first.channel, first.depositor) == (
        DepositStatus.ACCEPTED, "920000", "sftp", "infirmiere"
    )  # fmt: skip
    # the acknowledgement of receipt first, then the settlement (and a 920098 for the demo's few rejected lines)
    assert first.written[0] == f"{stem}.931000" and first.written[-1] == f"{stem}.920900"
    assert set(first.written) <= {f"{stem}.931000", f"{stem}.920098", f"{stem}.920900"}
    assert first.summary["accepted_lines"] > 0 and set(first.written) <= out_names(launch)

    again = upload(launch, addresses, name, data)
    assert again.status is DepositStatus.DUPLICATE and again.id != first.id
    assert any(written.endswith(".920098") for written in again.written)
    due = [p for p in launch.dispatcher.payments_due_for("be_nursing") if p.reference == name]
    assert len(due) == 1 and due[0].amount == Decimal(first.summary["accepted_amount"])  # paid once


def test_another_groups_sending_is_refused_before_refac(platform: tuple[Launch, Addresses], tmp_path: Path) -> None:
    launch, addresses = platform
    model = demo_sending(sending_number=42).model_copy(update={"third_party_number": "30099999001"})
    name = sending_name("30099999001", PERIOD, 42)
    deposit = upload(launch, addresses, name, write_920000(model, tmp_path / name).read_bytes())
    assert deposit.status is DepositStatus.REFUSED
    assert [f["code"] for f in deposit.findings] == ["PLT-SENDER"]
    registry = launch.scheme("be_nursing").refac.service.registry  # type: ignore[attr-defined]
    assert name not in {row.file_name for row in registry.sending_rows()}  # REFAC never saw it


def test_a_file_no_scheme_recognises_is_refused_with_the_names_accepted(platform: tuple[Launch, Addresses]) -> None:
    launch, addresses = platform
    deposit = upload(launch, addresses, "visits-march.txt", b"not an eFact sending")
    assert deposit.status is DepositStatus.REFUSED and deposit.written == ["visits-march.txt.deposit.json"]
    [finding] = deposit.findings
    assert finding["code"] == "PLT-NAME" and "920000_{third party 11}" in finding["message"]
    assert "_KIN_" in finding["message"]
