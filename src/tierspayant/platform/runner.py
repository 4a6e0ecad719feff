"""Runs the platform in one process and one event loop: the SFTP mailbox server, the web/API server (uvicorn)
and the mailbox worker. ``make run`` → ``tierspayant run`` → :func:`run_forever`; tests and the benchmark use
:func:`background_platform`, which runs the same thing in a thread on free ports."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import asyncssh
import uvicorn

from tierspayant.platform.context import PlatformContext
from tierspayant.platform.sftp.server import start_sftp_server
from tierspayant.platform.worker import MailboxWorker, Processor

log = logging.getLogger(__name__)


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: the runner owns Ctrl-C and stops every part in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit TCP_NODELAY: without it a response written in two parts (headers, body) waits
    # for the client's delayed ACK, ~40 ms per request on keep-alive connections.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.setblocking(False)
    return sock


@dataclass
class Addresses:
    http_host: str
    http_port: int
    sftp_host: str
    sftp_port: int

    @property
    def base_url(self) -> str:
        host = f"[{self.http_host}]" if ":" in self.http_host else self.http_host
        return f"http://{host}:{self.http_port}"


class PlatformServer:
    """The three parts on the running loop; :meth:`start` then :meth:`stop`."""

    def __init__(self, context: PlatformContext, app: Any, processor: Processor | None) -> None:
        self.context = context
        self.app = app
        self.worker = None if processor is None else MailboxWorker(context, processor)
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._http: _EmbeddedServer | None = None
        self._http_task: asyncio.Task[None] | None = None
        self._worker_task: asyncio.Task[None] | None = None
        self._stop_worker = asyncio.Event()
        self.addresses: Addresses | None = None

    async def start(self) -> Addresses:
        settings = self.context.settings
        for code in self.context.mailboxes.codes():  # nothing is in flight before we listen
            self.context.mailboxes.get(code).purge_incoming()
        self._acceptor = await start_sftp_server(self.context, settings.sftp_host, settings.sftp_port)
        sock = bind_socket(settings.http_host, settings.http_port)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=5,
            timeout_keep_alive=30,
        )
        self._http = _EmbeddedServer(config)
        self._http_task = asyncio.create_task(self._http.serve(sockets=[sock]))
        while not self._http.started:
            if self._http_task.done():
                self._http_task.result()  # raises the start-up error
            await asyncio.sleep(0.02)
        if self.worker is not None:
            self._worker_task = asyncio.create_task(self.worker.run(self._stop_worker))
        self.addresses = Addresses(
            settings.http_host, sock.getsockname()[1], settings.sftp_host, self._acceptor.get_port()
        )
        return self.addresses

    async def stop(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
        if self._http is not None and self._http_task is not None:
            self._http.should_exit = True
            await self._http_task
        self._stop_worker.set()
        if self._worker_task is not None:
            await self._worker_task


async def serve_until_signal(server: PlatformServer, on_started: Callable[[Addresses], None]) -> None:
    """Start, report the addresses, and serve until SIGINT/SIGTERM (Ctrl-C)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        on_started(await server.start())
        await stop.wait()
    finally:
        await server.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@contextlib.contextmanager
def background_platform(
    context: PlatformContext, app: Any, processor: Processor | None
) -> Iterator[tuple[PlatformServer, Addresses]]:
    """Run the platform on its own loop in a thread (tests, benchmark); stopped and joined on exit."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="tierspayant-platform", daemon=True)
    thread.start()

    def call(coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, loop)
        return future.result(timeout=60)

    server: PlatformServer = call(_make_server(context, app, processor))
    try:
        addresses = call(server.start())
        yield server, addresses
    finally:
        try:
            call(server.stop())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=30)
            loop.close()


async def _make_server(context: PlatformContext, app: Any, processor: Processor | None) -> PlatformServer:
    # Created on the platform's loop: its asyncio objects belong there.
    return PlatformServer(context, app, processor)
