"""Fixtures of the platform tests: a platform context on a fresh store, servers on free loopback ports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from tierspayant.platform.accounts import Right, Role
from tierspayant.platform.app import create_app
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.runner import Addresses, PlatformServer, background_platform
from tierspayant.platform.settings import Settings, load_settings

PASSWORD_A = "alpha-secret-1"
PASSWORD_B = "bravo-secret-2"
CODE_A = "70000011"
CODE_B = "70000029"


def make_settings(var_dir: Path, database_url: str | None = None, **overrides: object) -> Settings:
    values: dict[str, object] = {"http_port": 0, "sftp_port": 0, "demo": False, **overrides}
    return load_settings(environ={}, var_dir=var_dir, database_url=database_url, **values)


@dataclass
class Keys:
    private_path: Path
    public_line: str


def make_key(folder: Path, name: str) -> Keys:
    """An Ed25519 key pair in OpenSSH format (usable by OpenSSH ``sftp -i`` and by paramiko)."""
    key = asyncssh.generate_private_key("ssh-ed25519", comment=name)
    private = folder / name
    private.write_bytes(key.export_private_key("openssh"))
    private.chmod(0o600)
    public = key.export_public_key("openssh").decode("ascii").strip()
    (folder / f"{name}.pub").write_text(public + "\n")
    return Keys(private, public)


@dataclass
class World:
    """Two providers (A with a key, B), an assistant for A, a fund agent and an administrator."""

    context: PlatformContext
    key_a: Keys
    tmp: Path


def populate(context: PlatformContext, tmp: Path) -> World:
    keys = tmp / "keys"
    keys.mkdir(exist_ok=True)
    key_a = make_key(keys, "id_alpha")
    context.create_provider("alpha", PASSWORD_A, "Alpha Physio", CODE_A, (key_a.public_line,))
    context.create_provider("bravo", PASSWORD_B, "Bravo Physio", CODE_B)
    context.accounts.create_account("assist", "assist-secret-3", Role.ASSISTANT, "Assistant of Alpha")
    context.accounts.delegate("assist", CODE_A, {Right.READ, Right.PREPARE})
    context.accounts.create_account("sender", "sender-secret-4", Role.ASSISTANT, "Sending assistant of Alpha")
    context.accounts.delegate("sender", CODE_A, {Right.READ, Right.PREPARE, Right.SEND})
    context.accounts.create_account("agent", "agent-secret-5", Role.FUND_AGENT, "Fund agent")
    context.accounts.create_account("admin", "admin-secret-6", Role.ADMINISTRATOR, "Administrator")
    return World(context, key_a, tmp)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    context = PlatformContext.open(make_settings(tmp_path / "var"))
    try:
        yield populate(context, tmp_path)
    finally:
        context.close()


@pytest.fixture
def world_any_db(tmp_path: Path, database_url: str) -> Iterator[World]:
    """The same world on SQLite and on PostgreSQL (when reachable)."""
    context = PlatformContext.open(make_settings(tmp_path / "var", database_url))
    try:
        yield populate(context, tmp_path)
    finally:
        context.close()


@pytest.fixture
def running(world: World) -> Iterator[tuple[PlatformServer, Addresses]]:
    """SFTP + API on free ports, without a worker (mailbox mechanics only)."""
    with background_platform(world.context, create_app(world.context), None) as started:
        yield started
