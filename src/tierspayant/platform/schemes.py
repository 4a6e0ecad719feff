"""How the platform knows schemes: one small interface each scheme provides, and one registration.

A scheme (``tierspayant.schemes.<name>``) exposes a :class:`Scheme` in its ``registration`` module and is listed in
:data:`tierspayant.schemes.REGISTERED`. The platform never names a scheme otherwise: the worker hands a deposit to
the engine of the scheme that recognises the file's name, the pages and the command groups are the schemes' own,
and the provider-account kinds come from the schemes. Adding a scheme changes no platform code
(docs/adding-a-scheme.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tierspayant.core.findings import Finding
from tierspayant.core.outbox import safe_name, write_json

if TYPE_CHECKING:  # the heavy parts are imported by the schemes themselves, when they start (and not by --help)
    import typer
    from fastapi import APIRouter

    from tierspayant.platform.context import PlatformContext
    from tierspayant.platform.fundview import PaymentDue
    from tierspayant.platform.runner import Addresses
    from tierspayant.platform.settings import Settings
    from tierspayant.platform.worker import ProcessingResult


class SchemeEngine(Protocol):
    """The fund side of a scheme behind the mailboxes (the CNS engine, a mutuality's REFAC…)."""

    def process(self, path: Path, outbox: Path, received_at: datetime, mailbox: str) -> ProcessingResult: ...

    def payments_due(self) -> list[PaymentDue]: ...

    def explain(self, path: Path, findings: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
        """The findings of a processed file with the rule, what it checks and the reference data it read."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class AccountKind:
    """A kind of provider account a scheme has (physiotherapist, nurse, nursing group…)."""

    name: str
    label: str


@dataclass(frozen=True)
class NavLink:
    """A page of the scheme in the top navigation: for its providers (and their assistants) or its fund agents."""

    href: str
    label: str  # a message id, translated with the scheme's catalog
    section: str  # the page's ``section``, to mark the current link
    audience: str = "provider"  # provider | fund


@dataclass(frozen=True)
class CommandGroup:
    name: str
    help: str
    load: Callable[[], typer.Typer]  # imported only when that group runs (a fast ``--help``)


@dataclass
class SchemeRuntime:
    """What a started scheme gives the running platform."""

    engine: SchemeEngine | None = None
    routers: Sequence[APIRouter] = ()
    app_state: dict[str, Any] = field(default_factory=dict)  # set on ``app.state`` (e.g. a practice desk)
    demo_lines: list[str] = field(default_factory=list)  # printed by ``make run``
    on_started: Callable[[Addresses], None] | None = None  # once the ports are known
    close: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class SchemeHost:
    """What the platform hands a scheme when it starts: settings and the platform's services."""

    settings: Settings
    context: PlatformContext

    def database_url(self, party: str) -> str:
        """The URL of one of the scheme's parties (``fund``, ``practice``, ``mutuality``, ``nurse``…)."""
        from tierspayant.platform.database import ensure_postgres_schema

        url = self.settings.url_for(party)
        ensure_postgres_schema(url)
        return url


@dataclass(frozen=True)
class Scheme:
    name: str  # the package name: lu_kin, be_nursing…
    title: str
    country: str
    languages: tuple[str, ...]  # the pages' languages, the first is the default
    account_kinds: tuple[AccountKind, ...]
    file_names: str  # what the mailbox accepts for this scheme, said to a user whose file is refused
    recognises: Callable[[str], bool]  # is this deposited file name one of ours?
    start: Callable[[SchemeHost], SchemeRuntime]
    command_groups: tuple[CommandGroup, ...] = ()
    templates: Path | None = None  # the scheme's page templates, added to the platform's loader
    navigation: tuple[NavLink, ...] = ()


@cache
def registered_schemes() -> tuple[Scheme, ...]:
    from tierspayant.schemes import REGISTERED

    schemes = []
    for name in REGISTERED:
        module = importlib.import_module(f"tierspayant.schemes.{name}.registration")
        scheme = module.SCHEME
        if not isinstance(scheme, Scheme) or scheme.name != name:
            raise TypeError(f"tierspayant.schemes.{name}.registration.SCHEME must be the Scheme named {name!r}")
        schemes.append(scheme)
    return tuple(schemes)


def scheme_for(file_name: str, schemes: Sequence[Scheme] | None = None) -> Scheme | None:
    for scheme in registered_schemes() if schemes is None else schemes:
        if scheme.recognises(file_name):
            return scheme
    return None


def navigation_for(scheme: str | None, audience: str) -> list[NavLink]:
    """The links an account of ``scheme`` sees; an account of no scheme sees the first scheme's (providers) or
    every scheme's (fund agents)."""
    schemes = registered_schemes()
    if scheme is None and audience == "provider":
        scheme = next((s.name for s in schemes if any(n.audience == audience for n in s.navigation)), None)
    return [n for s in schemes if scheme is None or s.name == scheme for n in s.navigation if n.audience == audience]


def account_kinds() -> dict[str, AccountKind]:
    """Every provider-account kind, keyed ``<scheme>.<kind>`` (the value kept on an account)."""
    return {f"{s.name}.{k.name}": k for s in registered_schemes() for k in s.account_kinds}


class SchemeDispatcher:
    """The worker's processor: each deposit goes to the engine of the scheme that recognises its name."""

    def __init__(self, engines: dict[str, SchemeEngine], schemes: Sequence[Scheme] | None = None) -> None:
        self.engines = engines
        self.schemes = tuple(registered_schemes() if schemes is None else schemes)

    def __call__(self, path: Path, outbox: Path, received_at: datetime, mailbox: str) -> ProcessingResult:
        scheme = scheme_for(path.name, self.schemes)
        engine = None if scheme is None else self.engines.get(scheme.name)
        if scheme is None or engine is None:
            return self._unknown(path.name, outbox, received_at)
        return engine.process(path, outbox, received_at, mailbox)

    def engine_for(self, file_name: str) -> SchemeEngine | None:
        scheme = scheme_for(file_name, self.schemes)
        return None if scheme is None else self.engines.get(scheme.name)

    def payments_due(self) -> list[PaymentDue]:
        return self.payments_due_for(None)

    def payments_due_for(self, scheme: str | None) -> list[PaymentDue]:
        """Payments due by every engine, or by one scheme's (a fund agent sees their own fund's)."""
        engines = [e for name, e in self.engines.items() if scheme is None or name == scheme]
        due = [p for engine in engines for p in engine.payments_due()]
        return sorted(due, key=lambda p: (p.due_date, p.provider_code, p.reference))

    def explain(self, path: Path, findings: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
        engine = self.engine_for(path.name)
        return [] if engine is None else engine.explain(path, findings)

    def belongs_to(self, file_name: str, scheme: str | None) -> bool:
        """Whether a deposit is one a fund agent of ``scheme`` handles (an agent of no scheme sees all)."""
        if scheme is None:
            return True
        found = scheme_for(file_name, self.schemes)
        return found is not None and found.name == scheme

    def _unknown(self, name: str, outbox: Path, received_at: datetime) -> ProcessingResult:
        accepted = "; ".join(f"{s.title}: {s.file_names}" for s in self.schemes if s.name in self.engines)
        finding = Finding(
            code="PLT-NAME",
            message=f"no scheme of this platform recognises the file name {name!r}; the mailbox accepts {accepted}",
            file=name,
            location="file name",
            rule="platform",
        )
        written = write_json(
            outbox / f"{safe_name(name)}.deposit.json",
            {
                "deposit": name,
                "received_at": received_at.isoformat(),
                "status": "refused",
                "findings": [finding.to_dict()],
            },
        )
        from tierspayant.platform.deposits import DepositStatus
        from tierspayant.platform.worker import ProcessingResult

        return ProcessingResult(DepositStatus.REFUSED, None, [written], [finding], {})

    def close(self) -> None:
        for engine in self.engines.values():
            engine.close()
