"""The mailbox worker: picks up complete deposits in every ``in/``, runs the processor (the fund engine) and
publishes what it wrote into the same mailbox's ``out/``.

A file is in ``in/`` only once its upload is complete (uploads are published by a hard link at close), so the
worker never sees a partial file. Each deposit is moved to the archive before processing, processed with a private
staging folder as outbox, and the results are moved into ``out/`` one by one under their final names (a rename on
the same file system), so a client never collects half a file either.

Killed at any moment (every step boundary is a crash point of :mod:`tierspayant.core.crashpoints`), the worker
finishes on its next start what it had begun, and the provider gets each answer of a first delivery exactly once:

* the processor's result and the names its files will take in ``out/`` are written (``.worker-result.json`` in the
  private outbox) before any file is published; a restart publishes from that plan — a hard link already made is
  recognised (same inode), never published twice under another name;
* only then does the worker confirm to the engine that its answers are delivered (``ProcessingResult.confirm``):
  a crash before that point leaves the engine's deposit unanswered, so that running it again gives the first
  delivery, not "duplicate"; a crash after the plan and before the confirmation is confirmed on restart by running
  the processor once more into a scratch folder (its output is discarded);
* a deposit claimed but not yet moved to the archive is moved on restart (it is still in ``in/``).

Every file received and every answer sent is kept in the fund's archive of digital proofs (``var/proofs/fund``,
:mod:`tierspayant.core.proofs`) with its SHA-256 in a hash-chained register.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from tierspayant.core.crashpoints import declare, reach
from tierspayant.core.findings import Effect, Finding
from tierspayant.core.outbox import write_json
from tierspayant.core.proofs import ProofArchive, kind_of
from tierspayant.platform.audit import Channel
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.deposits import DepositInfo, DepositStatus
from tierspayant.platform.sftp.mailbox import Area, CompletedUpload, Mailbox, MailboxError, check_name

log = logging.getLogger(__name__)
WORKER = "worker"
PLAN = ".worker-result.json"

CLAIMED = declare("worker.claimed", "deposit claimed, still in in/")
ARCHIVED = declare("worker.archived", "deposit moved to the archive, processor not called")
PROCESSED = declare("worker.processed", "processor returned, the plan not written")
PLANNED = declare("worker.planned", "plan written, the engine not told that its answers are delivered")
CONFIRMED = declare("worker.confirmed", "engine told, nothing in out/")
LINKED = declare("worker.linked", "the first answer linked into out/, still in the private outbox")
PUBLISHED = declare("worker.published", "every answer in out/, the deposit not marked finished")


@dataclass(frozen=True, slots=True)
class ProcessingResult:
    status: DepositStatus
    file_type: str | None = None
    written: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    # Called once the worker holds the answers safely (its plan is written): the engine may then consider them
    # delivered. None: the engine has nothing to be told.
    confirm: Callable[[], None] | None = None


class Processor(Protocol):
    """What turns a deposited file into return files: the fund engine, behind :mod:`.processing`."""

    def __call__(self, path: Path, outbox: Path, received_at: datetime, mailbox: str) -> ProcessingResult: ...


class MailboxWorker:
    def __init__(self, context: PlatformContext, processor: Processor) -> None:
        self._context = context
        self._processor = processor
        self._recovered = False
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- one pass ---------------------------------------------------------------------------------------------
    def run_once(self) -> int:
        """Process every waiting deposit once; returns how many were processed."""
        processed = 0
        if not self._recovered:
            processed += self._recover()
            self._recovered = True
        for code in self._context.mailboxes.codes():
            try:
                mailbox = self._context.mailboxes.get(code)
            except MailboxError:
                log.warning("mailbox %s is damaged; skipped", code)
                continue
            for entry in mailbox.list(Area.IN):
                self._process_new(mailbox, entry.name)
                processed += 1
        return processed

    def _process_new(self, mailbox: Mailbox, name: str) -> None:
        path = mailbox.path_of(Area.IN, name)
        size, digest = _size_and_sha256(path)
        deposit = self._context.deposits.claim(CompletedUpload(mailbox.code, name, path, size, digest))
        reach(CLAIMED)
        archived = self._archive_path(deposit)
        archived.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.move(path, archived)
        self._proofs().keep(archived, "received", kind_of(name), mailbox.code, deposit.received_at)
        reach(ARCHIVED)
        self._run(mailbox, deposit, archived)

    def _recover(self) -> int:
        """Deposits a stop interrupted in the middle are processed again (the fund engine is idempotent)."""
        count = 0
        for deposit in self._context.deposits.interrupted():
            archived = self._archive_path(deposit)
            waiting = self._context.mailboxes.ensure(deposit.mailbox).path_of(Area.IN, deposit.name)
            if not archived.exists() and waiting.exists():  # claimed, not yet archived: the stop came in between
                archived.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                shutil.move(waiting, archived)
                self._proofs().keep(archived, "received", kind_of(deposit.name), deposit.mailbox, deposit.received_at)
            if not archived.exists():
                self._context.deposits.finish(
                    deposit.id,
                    DepositStatus.ERROR,
                    None,
                    {},
                    [Finding(code="PLT-LOST", message="the deposited file was lost during a stop", file=deposit.name)],
                    [],
                )
                continue
            self._run(self._context.mailboxes.ensure(deposit.mailbox), deposit, archived)
            count += 1
        return count

    def _run(self, mailbox: Mailbox, deposit: DepositInfo, archived: Path) -> None:
        # Kept across a restart: the engine's staged answers and the worker's plan live there.
        outbox = (self._context.settings.work_dir / str(deposit.id)).resolve()
        outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            result, plan = self._result_and_plan(mailbox, deposit, archived, outbox)
            published = self._publish_plan(mailbox, outbox, plan)
        except Exception as exc:  # the engine's failure must not stop the mailbox: recorded for the fund's staff
            log.exception("processing deposit %s failed", deposit.id)
            published = []
            result = ProcessingResult(
                DepositStatus.ERROR,
                findings=[
                    Finding(
                        code="PLT-ENGINE",
                        message=f"the fund engine failed on this file ({type(exc).__name__}); the fund's staff will "
                        "look at it — do not send it again",
                        file=deposit.name,
                    )
                ],
            )
        reach(PUBLISHED)
        self._context.deposits.finish(
            deposit.id, result.status, result.file_type, result.summary, result.findings, published
        )
        self._context.audit.record(
            WORKER,
            Channel.WORKER,
            "process",
            f"mailbox {mailbox.code} deposit {deposit.id} {deposit.name}",
            f"{result.status.value}; wrote {', '.join(published) or 'nothing'}",
            role="system",
        )
        shutil.rmtree(outbox, ignore_errors=True)

    def _result_and_plan(
        self, mailbox: Mailbox, deposit: DepositInfo, archived: Path, outbox: Path
    ) -> tuple[ProcessingResult, list[tuple[str, str]]]:
        """The processor's result and the (file in the outbox, name in out/) pairs: from the plan a killed run left,
        or by running the processor and writing the plan. Then the engine is told its answers are delivered."""
        plan_path = outbox / PLAN
        if plan_path.exists():
            saved = json.loads(plan_path.read_text())
            result = ProcessingResult(
                DepositStatus(saved["status"]),
                saved["file_type"],
                [],
                [Finding(**{**f, "effect": Effect(f["effect"])}) for f in saved["findings"]],
                saved["summary"],
            )
            plan = [(source, target) for source, target in saved["plan"]]
            if not saved["confirmed"]:  # the engine may not know yet: a run into a scratch folder tells it
                scratch = outbox / ".confirm"
                shutil.rmtree(scratch, ignore_errors=True)
                scratch.mkdir()
                again = self._processor(archived, scratch, deposit.received_at, mailbox.code)
                if again.confirm is not None:
                    again.confirm()
                shutil.rmtree(scratch, ignore_errors=True)
            return result, plan
        result = self._processor(archived, outbox, deposit.received_at, mailbox.code)
        reach(PROCESSED)
        plan = self._plan(mailbox, outbox, result.written)
        saved = {
            "status": result.status.value,
            "file_type": result.file_type,
            "findings": [f.to_dict() for f in result.findings],
            "summary": result.summary,
            "plan": plan,
            "confirmed": False,
        }
        write_json(plan_path, saved)
        reach(PLANNED)
        if result.confirm is not None:
            result.confirm()
            write_json(plan_path, {**saved, "confirmed": True})
        reach(CONFIRMED)
        return result, plan

    @staticmethod
    def _plan(mailbox: Mailbox, outbox: Path, written: list[Path]) -> list[tuple[str, str]]:
        """A free valid name in ``out/`` for each result file (never overwriting one not yet collected)."""
        plan: list[tuple[str, str]] = []
        taken: set[str] = set()
        for produced in written:
            source = produced.resolve()
            if source.parent != outbox:
                raise ValueError(f"the processor wrote outside its outbox: {source}")
            name = check_name(source.name)
            stem, dot, suffix = name.partition(".")
            attempt = 0
            while name in taken or mailbox.path_of(Area.OUT, name).exists():
                attempt += 1
                if attempt >= 1000:
                    raise RuntimeError(f"no free name in out/ for {source.name}")
                name = f"{stem}-{attempt}{dot}{suffix}"
            taken.add(name)
            plan.append((source.name, name))
        return plan

    def _proofs(self) -> ProofArchive:
        return ProofArchive(self._context.settings.var_dir / "proofs" / "fund")

    def _publish_plan(self, mailbox: Mailbox, outbox: Path, plan: list[tuple[str, str]]) -> list[str]:
        """Link each planned file into ``out/`` then remove it from the outbox; a link a killed run made is
        recognised (same file), and a file already moved is not moved again."""
        for index, (source_name, name) in enumerate(plan):
            source, target = outbox / source_name, mailbox.path_of(Area.OUT, name)
            if not source.exists():
                continue  # published before the stop
            if not (target.exists() and os.path.samefile(source, target)):
                self._proofs().keep(source, "sent", kind_of(name), mailbox.code)
                os.link(source, target)
            if index == 0:
                reach(LINKED)
            source.unlink()
        return [name for _, name in plan]

    def _archive_path(self, deposit: DepositInfo) -> Path:
        return archive_path(self._context, deposit)

    # -- the loop ---------------------------------------------------------------------------------------------
    def wake(self) -> None:
        """Thread-safe: ask the loop to look at the mailboxes now (called when an upload completes)."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event, on_error: Callable[[BaseException], None] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._context.on_deposit = self.wake
        poll = self._context.settings.worker_poll_seconds
        while not stop.is_set():
            self._wake.clear()
            try:
                processed = await asyncio.to_thread(self.run_once)
            except Exception as exc:
                log.exception("worker pass failed")
                if on_error is not None:
                    on_error(exc)
                processed = 0
            if processed:
                continue
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=poll, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()


def archive_path(context: PlatformContext, deposit: DepositInfo) -> Path:
    """Where a processed deposit is kept, under its own name (the engine reads the KIN file name)."""
    return context.settings.archive_dir / deposit.mailbox / f"{deposit.id:08d}" / deposit.name


def _size_and_sha256(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()
