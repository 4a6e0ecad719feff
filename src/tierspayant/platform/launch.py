"""Everything ``tierspayant run`` starts, assembled from the settings: the platform store, then every registered
scheme (its fund engine behind the mailbox worker, its provider-side software and pages, its demo), then the
web/API application."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from fastapi import FastAPI

from tierspayant.platform.app import create_app
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.runner import Addresses, PlatformServer, background_platform, serve_until_signal
from tierspayant.platform.schemes import Scheme, SchemeDispatcher, SchemeHost, SchemeRuntime, registered_schemes
from tierspayant.platform.settings import Settings


@dataclass
class Launch:
    settings: Settings
    context: PlatformContext
    dispatcher: SchemeDispatcher
    app: FastAPI
    runtimes: dict[str, SchemeRuntime] = field(default_factory=dict)

    def scheme(self, name: str) -> SchemeRuntime:
        """One started scheme (``lu_kin``, ``be_nursing``…) with the parts it exposes."""
        return self.runtimes[name]

    def started(self, addresses: Addresses) -> None:
        for runtime in self.runtimes.values():
            if runtime.on_started is not None:
                runtime.on_started(addresses)

    def close(self) -> None:
        for runtime in reversed(list(self.runtimes.values())):
            runtime.close()
        self.context.close()


def assemble(settings: Settings, schemes: tuple[Scheme, ...] | None = None) -> Launch:
    context = PlatformContext.open(settings)
    host = SchemeHost(settings, context)
    runtimes: dict[str, SchemeRuntime] = {}
    try:
        for scheme in registered_schemes() if schemes is None else schemes:
            runtimes[scheme.name] = scheme.start(host)
    except BaseException:
        for runtime in runtimes.values():
            runtime.close()
        context.close()
        raise
    engines = {name: r.engine for name, r in runtimes.items() if r.engine is not None}
    dispatcher = SchemeDispatcher(engines, schemes)
    app = create_app(context, dispatcher, runtimes, schemes)
    return Launch(settings, context, dispatcher, app, runtimes)


def banner(launch: Launch, addresses: Addresses) -> list[str]:
    lines = [
        "",
        "tierspayant platform is running — stop it with Ctrl-C",
        f"  web and API   {addresses.base_url}/   (OpenAPI: {addresses.base_url}/api/openapi.json)",
        f"  SFTP mailbox  sftp -P {addresses.sftp_port} <user>@{addresses.sftp_host}",
        f"  data          {launch.settings.var_dir.resolve()}",
    ]
    demo = [line for runtime in launch.runtimes.values() for line in runtime.demo_lines]
    if demo:
        lines += ["", "Demo accounts (username, password, who):", *demo]
    lines.append("")
    return lines


def run_platform(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Start everything and serve until Ctrl-C (``make run``)."""
    launch = assemble(settings)

    def started(addresses: Addresses) -> None:
        launch.started(addresses)
        for line in banner(launch, addresses):
            echo(line)

    async def main() -> None:
        # The server's asyncio objects must be created on the running loop.
        live = PlatformServer(launch.context, launch.app, launch.dispatcher)
        await serve_until_signal(live, started)

    try:
        asyncio.run(main())
    finally:
        launch.close()
    echo("tierspayant platform stopped: uploads in progress were discarded, waiting deposits go at the next start")


@contextlib.contextmanager
def launched(settings: Settings) -> Iterator[tuple[Launch, Addresses]]:
    """The whole platform (demo included) in a background thread on the settings' ports (0: free ports)."""
    launch = assemble(settings)
    try:
        with background_platform(launch.context, launch.app, launch.dispatcher) as (_, addresses):
            launch.started(addresses)
            yield launch, addresses
    finally:
        launch.close()
