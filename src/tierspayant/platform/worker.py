"""The mailbox worker: picks up complete deposits in every ``in/``, runs the processor (the fund engine) and
publishes what it wrote into the same mailbox's ``out/``.

A file is in ``in/`` only once its upload is complete (uploads are published by a hard link at close), so the
worker never sees a partial file. Each deposit is moved to the archive before processing, processed with a private
staging folder as outbox, and the results are moved into ``out/`` one by one under their final names (a rename on
the same file system), so a client never collects half a file either.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from tierspayant.core.findings import Finding
from tierspayant.platform.audit import Channel
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.deposits import DepositInfo, DepositStatus
from tierspayant.platform.sftp.mailbox import Area, CompletedUpload, Mailbox, MailboxError, check_name

log = logging.getLogger(__name__)
WORKER = "worker"


@dataclass(frozen=True, slots=True)
class ProcessingResult:
    status: DepositStatus
    file_type: str | None = None
    written: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


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
        archived = self._archive_path(deposit)
        archived.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.move(path, archived)
        self._run(mailbox, deposit, archived)

    def _recover(self) -> int:
        """Deposits a stop interrupted in the middle are processed again (the fund engine is idempotent)."""
        count = 0
        for deposit in self._context.deposits.interrupted():
            archived = self._archive_path(deposit)
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
        outbox = (self._context.settings.work_dir / str(deposit.id)).resolve()
        shutil.rmtree(outbox, ignore_errors=True)
        outbox.mkdir(mode=0o700, parents=True)
        published: list[str] = []
        try:
            result = self._processor(archived, outbox, deposit.received_at, mailbox.code)
            published = [self._publish(mailbox, outbox, produced) for produced in result.written]
        except Exception as exc:  # the engine's failure must not stop the mailbox: recorded for the fund's staff
            log.exception("processing deposit %s failed", deposit.id)
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

    @staticmethod
    def _publish(mailbox: Mailbox, outbox: Path, produced: Path) -> str:
        """Move one result file into ``out/`` under a free valid name (never overwriting one not yet collected)."""
        source = produced.resolve()
        if source.parent != outbox:
            raise ValueError(f"the processor wrote outside its outbox: {source}")
        name = check_name(source.name)
        stem, dot, suffix = name.partition(".")
        for attempt in range(1, 1000):
            target = mailbox.path_of(Area.OUT, name)
            try:
                os.link(source, target)
            except FileExistsError:
                name = f"{stem}-{attempt}{dot}{suffix}"
                continue
            source.unlink()
            return name
        raise RuntimeError(f"no free name in out/ for {source.name}")

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
