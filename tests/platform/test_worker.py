"""The mailbox worker on its own: recovery after a stop, engine failures, results published under free names.

The fund engine is the real one where its answer matters; two small stand-in processors inject the failures the
real engine must never cause (an exception, a file written outside its outbox)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from tierspayant.platform.accounts import Principal
from tierspayant.platform.audit import Channel
from tierspayant.platform.deposits import DepositStatus
from tierspayant.platform.sftp.mailbox import Area, CompletedUpload
from tierspayant.platform.worker import MailboxWorker, ProcessingResult, archive_path
from tierspayant.schemes.lu_kin.platform.engine import FundEngine, open_fund

from .conftest import CODE_A, World

NAME = "F7000001120261101_KIN_DEMAUT_01_20261101_REF1.xml"


@pytest.fixture
def fund(world: World) -> FundEngine:
    engine = open_fund(f"sqlite:///{world.tmp / 'fund.db'}")
    yield engine  # type: ignore[misc]
    engine.close()


def alpha(world: World) -> Principal:
    principal = world.context.accounts.principal("alpha")
    assert principal is not None
    return principal


def test_a_deposit_goes_through_the_real_engine(world: World, fund: FundEngine) -> None:
    deposit_id = world.context.deposit_bytes(alpha(world), CODE_A, NAME, b"<DEMAUT>truncated", Channel.SFTP)
    assert MailboxWorker(world.context, fund.processor).run_once() == 1
    deposit = world.context.deposits.get(deposit_id)
    assert deposit is not None and deposit.status is DepositStatus.REFUSED
    mailbox = world.context.mailboxes.get(CODE_A)
    assert mailbox.list(Area.IN) == []
    assert [e.name for e in mailbox.list(Area.OUT)] == deposit.written == [NAME.removesuffix(".xml") + ".deposit.json"]
    assert archive_path(world.context, deposit).read_bytes() == b"<DEMAUT>truncated"
    assert not any(world.context.settings.work_dir.iterdir())  # staging cleaned


def test_an_engine_failure_is_recorded_and_does_not_stop_the_mailbox(world: World) -> None:
    def failing(path: Path, outbox: Path, received_at: datetime, mailbox: str) -> ProcessingResult:
        (outbox / "HALF.xml").write_bytes(b"<half")
        raise RuntimeError("disk on fire")

    first = world.context.deposit_bytes(alpha(world), CODE_A, NAME, b"<DEMAUT/>", Channel.API)
    second = world.context.deposit_bytes(alpha(world), CODE_A, "SECOND.xml", b"<DEMAUT/>", Channel.API)
    assert MailboxWorker(world.context, failing).run_once() == 2
    for deposit_id in (first, second):
        deposit = world.context.deposits.get(deposit_id)
        assert deposit is not None and deposit.status is DepositStatus.ERROR
        assert [f["code"] for f in deposit.findings] == ["PLT-ENGINE"]
    assert world.context.mailboxes.get(CODE_A).list(Area.OUT) == []  # nothing half-written reaches the provider


def test_a_processor_writing_outside_its_outbox_is_refused(world: World, tmp_path: Path) -> None:
    def escaping(path: Path, outbox: Path, received_at: datetime, mailbox: str) -> ProcessingResult:
        stray = tmp_path / "elsewhere.xml"
        stray.write_bytes(b"x")
        return ProcessingResult(DepositStatus.ACCEPTED, written=[stray])

    deposit_id = world.context.deposit_bytes(alpha(world), CODE_A, NAME, b"<DEMAUT/>", Channel.API)
    MailboxWorker(world.context, escaping).run_once()
    deposit = world.context.deposits.get(deposit_id)
    assert deposit is not None and deposit.status is DepositStatus.ERROR
    assert world.context.mailboxes.get(CODE_A).list(Area.OUT) == []


def test_results_never_overwrite_an_uncollected_file(world: World) -> None:
    def answering(path: Path, outbox: Path, received_at: datetime, mailbox: str) -> ProcessingResult:
        answer = outbox / "ANSWER.xml"
        answer.write_bytes(path.read_bytes())
        return ProcessingResult(DepositStatus.ACCEPTED, "DEMAUT", [answer])

    worker = MailboxWorker(world.context, answering)
    world.context.deposit_bytes(alpha(world), CODE_A, "ONE.xml", b"one", Channel.API)
    worker.run_once()
    world.context.deposit_bytes(alpha(world), CODE_A, "TWO.xml", b"two", Channel.API)
    worker.run_once()
    out = world.context.mailboxes.get(CODE_A)
    assert {e.name: out.path_of(Area.OUT, e.name).read_bytes() for e in out.list(Area.OUT)} == {
        "ANSWER.xml": b"one",
        "ANSWER-1.xml": b"two",
    }


def test_a_deposit_interrupted_by_a_stop_is_processed_again(world: World, fund: FundEngine) -> None:
    # A stop in the middle: the deposit was claimed and archived, the engine never answered.
    mailbox = world.context.mailboxes.get(CODE_A)
    waiting = mailbox.path_of(Area.IN, NAME)
    waiting.write_bytes(b"<DEMAUT>truncated")
    claimed = world.context.deposits.claim(CompletedUpload(CODE_A, NAME, waiting, 17, "0" * 64))
    archived = archive_path(world.context, claimed)
    archived.parent.mkdir(parents=True)
    shutil.move(waiting, archived)
    # And one whose archived file disappeared meanwhile.
    lost = world.context.deposits.claim(CompletedUpload(CODE_A, "LOST.xml", waiting, 1, "0" * 64))

    assert MailboxWorker(world.context, fund.processor).run_once() == 1
    recovered = world.context.deposits.get(claimed.id)
    assert recovered is not None and recovered.status is DepositStatus.REFUSED and recovered.written
    gone = world.context.deposits.get(lost.id)
    assert gone is not None and gone.status is DepositStatus.ERROR and gone.findings[0]["code"] == "PLT-LOST"
