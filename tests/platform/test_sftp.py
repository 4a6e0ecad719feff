"""The SFTP mailboxes driven by real clients on loopback: paramiko and OpenSSH ``sftp -b``."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paramiko
import pytest

from tierspayant.platform.deposits import DepositStatus
from tierspayant.platform.runner import Addresses, PlatformServer
from tierspayant.platform.sftp.mailbox import Area

from .conftest import CODE_A, CODE_B, PASSWORD_A, PASSWORD_B, World, make_key

SFTP = Path("/usr/bin/sftp")
DEPOSIT = "F7000001120260301_KIN_DEMAUT_01_20260305_REF1.xml"


@contextmanager
def paramiko_sftp(
    port: int, username: str, password: str | None = None, key: Path | None = None
) -> Iterator[paramiko.SFTPClient]:
    transport = paramiko.Transport(("127.0.0.1", port))
    try:
        transport.connect(username=username, password=password, pkey=None)
        if key is not None:
            transport.auth_publickey(username, paramiko.Ed25519Key.from_private_key_file(str(key)))
        sftp = paramiko.SFTPClient.from_transport(transport)
        assert sftp is not None
        yield sftp
        sftp.close()
    finally:
        transport.close()


def connect(port: int, username: str, password: str) -> tuple[paramiko.Transport, paramiko.SFTPClient]:
    transport = paramiko.Transport(("127.0.0.1", port))
    transport.connect(username=username, password=password)
    sftp = paramiko.SFTPClient.from_transport(transport)
    assert sftp is not None
    return transport, sftp


@pytest.fixture
def sftp_a(running: tuple[PlatformServer, Addresses]) -> Iterator[paramiko.SFTPClient]:
    transport, sftp = connect(running[1].sftp_port, "alpha", PASSWORD_A)
    yield sftp
    sftp.close()
    transport.close()


def wait_until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


# -- deposit and collect ----------------------------------------------------------------------------------------


def test_paramiko_deposit_and_collect(world: World, sftp_a: paramiko.SFTPClient) -> None:
    assert sorted(sftp_a.listdir("/")) == ["in", "out"]
    payload = b"<DEMAUT>" + b"x" * 70_000 + b"</DEMAUT>"  # several SFTP write packets
    with sftp_a.open(f"/in/{DEPOSIT}", "wb") as remote:
        remote.write(payload)
    mailbox = world.context.mailboxes.get(CODE_A)
    assert mailbox.path_of(Area.IN, DEPOSIT).read_bytes() == payload
    assert list(mailbox.incoming.iterdir()) == []  # the temporary file is gone
    [deposit] = world.context.deposits.list([CODE_A])
    assert (deposit.name, deposit.status, deposit.channel, deposit.depositor) == (
        DEPOSIT,
        DepositStatus.RECEIVED,
        "sftp",
        "alpha",
    )
    assert deposit.size == len(payload)
    # A return file placed in out/ is collected, then removed by its owner.
    (mailbox.folder(Area.OUT) / "RETURN.xml").write_bytes(b"<RETAUT/>")
    assert sftp_a.listdir("out") == ["RETURN.xml"]
    with sftp_a.open("out/RETURN.xml", "rb") as remote:
        assert remote.read() == b"<RETAUT/>"
    sftp_a.remove("/out/RETURN.xml")
    assert sftp_a.listdir("/out") == []
    actions = [(e.actor, e.action) for e in world.context.audit.entries()]
    assert ("alpha", "deposit") in actions and ("alpha", "fetch") in actions


def test_openssh_batch_with_key(world: World, running: tuple[PlatformServer, Addresses], tmp_path: Path) -> None:
    if not SFTP.exists():
        pytest.skip("OpenSSH sftp is not installed")
    local = tmp_path / DEPOSIT
    local.write_bytes(b"<DEMAUT>openssh</DEMAUT>")
    out = world.context.mailboxes.get(CODE_A).folder(Area.OUT)
    (out / "RETAUT.xml").write_bytes(b"<RETAUT>openssh</RETAUT>")
    batch = tmp_path / "batch"
    batch.write_text(f"cd in\nput {local}\ncd ../out\nls -l\nget RETAUT.xml {tmp_path / 'got.xml'}\nbye\n")
    result = run_sftp(running[1].sftp_port, world.key_a.private_path, "alpha", batch)
    assert result.returncode == 0, result.stderr
    assert "RETAUT.xml" in result.stdout
    assert (tmp_path / "got.xml").read_bytes() == b"<RETAUT>openssh</RETAUT>"
    assert world.context.mailboxes.get(CODE_A).path_of(Area.IN, DEPOSIT).read_bytes() == b"<DEMAUT>openssh</DEMAUT>"


def run_sftp(port: int, key: Path, user: str, batch: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(SFTP),
            "-b", str(batch),
            "-P", str(port),
            "-i", str(key),
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "IdentitiesOnly=yes",
            "-o", "PasswordAuthentication=no",
            "-o", "KbdInteractiveAuthentication=no",
            "-o", "BatchMode=yes",
            "-o", "LogLevel=ERROR",
            f"{user}@127.0.0.1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip


# -- authentication ---------------------------------------------------------------------------------------------


def test_wrong_password_refused(running: tuple[PlatformServer, Addresses]) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        connect(running[1].sftp_port, "alpha", PASSWORD_B)
    with pytest.raises(paramiko.AuthenticationException):
        connect(running[1].sftp_port, "nobody", PASSWORD_A)


def test_wrong_key_refused(world: World, running: tuple[PlatformServer, Addresses], tmp_path: Path) -> None:
    if not SFTP.exists():
        pytest.skip("OpenSSH sftp is not installed")
    stranger = make_key(tmp_path, "id_stranger")
    batch = tmp_path / "batch"
    batch.write_text("ls\nbye\n")
    result = run_sftp(running[1].sftp_port, stranger.private_path, "alpha", batch)
    assert result.returncode != 0
    assert "Permission denied" in result.stderr
    # Alpha's own key does not open Bravo's mailbox either.
    result = run_sftp(running[1].sftp_port, world.key_a.private_path, "bravo", batch)
    assert result.returncode != 0


def test_only_provider_accounts_log_in(running: tuple[PlatformServer, Addresses]) -> None:
    for username, password in (("assist", "assist-secret-3"), ("agent", "agent-secret-5"), ("admin", "admin-secret-6")):
        with pytest.raises(paramiko.AuthenticationException):
            connect(running[1].sftp_port, username, password)


def test_no_shell_no_exec(running: tuple[PlatformServer, Addresses]) -> None:
    transport = paramiko.Transport(("127.0.0.1", running[1].sftp_port))
    try:
        transport.connect(username="alpha", password=PASSWORD_A)
        channel = transport.open_session()
        with pytest.raises(paramiko.SSHException):
            channel.exec_command("cat /etc/passwd")
        with pytest.raises((paramiko.SSHException, paramiko.ChannelException)):
            transport.open_channel("direct-tcpip", ("127.0.0.1", 22), ("127.0.0.1", 5555))
    finally:
        transport.close()


# -- confinement ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"../{CODE_B}/out",
        f"/../{CODE_B}/out",
        f"/in/../../{CODE_B}/out",
        f"/{CODE_B}/out",
        "/etc",
        "/in/../..",
        "..",
        "/in/sub",
    ],
)
def test_another_mailbox_cannot_be_listed(world: World, sftp_a: paramiko.SFTPClient, path: str) -> None:
    (world.context.mailboxes.get(CODE_B).folder(Area.OUT) / "SECRET.xml").write_bytes(b"bravo's patients")
    with pytest.raises(OSError):
        sftp_a.listdir(path)


@pytest.mark.parametrize(
    "path",
    [
        f"../{CODE_B}/out/SECRET.xml",
        f"/in/../../{CODE_B}/out/SECRET.xml",
        f"/out/../../{CODE_B}/out/SECRET.xml",
        f"{CODE_B}/out/SECRET.xml",
        "/etc/passwd",
        "/../../../../etc/passwd",
        "out/..%2f..%2fSECRET.xml",
        "out\\..\\SECRET.xml",
    ],
)
def test_another_mailbox_cannot_be_read(world: World, sftp_a: paramiko.SFTPClient, path: str) -> None:
    (world.context.mailboxes.get(CODE_B).folder(Area.OUT) / "SECRET.xml").write_bytes(b"bravo's patients")
    with pytest.raises(OSError):
        sftp_a.open(path, "rb").read()


@pytest.mark.parametrize(
    "path",
    [
        "../escape.xml",
        f"/in/../../{CODE_B}/in/x.xml",
        "/out/x.xml",
        "/x.xml",
        "/in/.hidden",
        "/in/a/b.xml",
        "in/..",
        "/in/../../x.xml",
    ],
)
def test_uploads_outside_in_refused(world: World, sftp_a: paramiko.SFTPClient, path: str) -> None:
    with pytest.raises(OSError), sftp_a.open(path, "wb") as remote:
        remote.write(b"data")
    for code in (CODE_A, CODE_B):
        assert world.context.mailboxes.get(code).list(Area.IN) == []
    assert not (world.context.settings.mailbox_root / "escape.xml").exists()


def test_links_renames_and_folders_refused(world: World, sftp_a: paramiko.SFTPClient) -> None:
    with sftp_a.open(f"/in/{DEPOSIT}", "wb") as remote:
        remote.write(b"<DEMAUT/>")
    with pytest.raises(OSError):
        sftp_a.symlink(f"/{CODE_B}/out/SECRET.xml", "/in/link.xml")
    with pytest.raises(OSError):
        sftp_a.rename(f"/in/{DEPOSIT}", "/out/moved.xml")
    with pytest.raises(OSError):
        sftp_a.mkdir("/in/sub")
    with pytest.raises(OSError):
        sftp_a.remove(f"/in/{DEPOSIT}")  # waiting deposits belong to the worker
    with pytest.raises(OSError):
        sftp_a.chmod(f"/in/{DEPOSIT}", 0o777)
    assert [e.name for e in world.context.mailboxes.get(CODE_A).list(Area.IN)] == [DEPOSIT]


def test_planted_symlink_not_followed(world: World, sftp_a: paramiko.SFTPClient) -> None:
    secret = world.context.mailboxes.get(CODE_B).folder(Area.OUT) / "SECRET.xml"
    secret.write_bytes(b"bravo's patients")
    (world.context.mailboxes.get(CODE_A).folder(Area.OUT) / "LINK.xml").symlink_to(secret)
    assert sftp_a.listdir("/out") == []
    with pytest.raises(OSError):
        sftp_a.open("/out/LINK.xml", "rb").read()


def test_existing_waiting_file_not_overwritten(world: World, sftp_a: paramiko.SFTPClient) -> None:
    with sftp_a.open(f"/in/{DEPOSIT}", "wb") as remote:
        remote.write(b"first")
    with pytest.raises(OSError), sftp_a.open(f"/in/{DEPOSIT}", "wb") as remote:
        remote.write(b"second")
    assert world.context.mailboxes.get(CODE_A).path_of(Area.IN, DEPOSIT).read_bytes() == b"first"


# -- limits and atomic uploads ----------------------------------------------------------------------------------


def test_oversize_upload_refused(world: World, sftp_a: paramiko.SFTPClient) -> None:
    world.context.accounts.set_mailbox_limits(CODE_A, quota_bytes=1_000_000, max_file_bytes=10_000)
    with pytest.raises(OSError), sftp_a.open(f"/in/{DEPOSIT}", "wb") as remote:
        remote.write(b"x" * 20_000)
    mailbox = world.context.mailboxes.get(CODE_A)
    assert mailbox.list(Area.IN) == []
    assert list(mailbox.incoming.iterdir()) == []
    assert world.context.deposits.list([CODE_A]) == []
    # Within the limit it goes through.
    with sftp_a.open(f"/in/{DEPOSIT}", "wb") as remote:
        remote.write(b"x" * 9_000)
    assert [e.size for e in mailbox.list(Area.IN)] == [9_000]


def test_quota_refused(world: World, sftp_a: paramiko.SFTPClient) -> None:
    world.context.accounts.set_mailbox_limits(CODE_A, quota_bytes=15_000, max_file_bytes=10_000)
    (world.context.mailboxes.get(CODE_A).folder(Area.OUT) / "UNCOLLECTED.xml").write_bytes(b"r" * 8_000)
    with pytest.raises(OSError), sftp_a.open(f"/in/{DEPOSIT}", "wb") as remote:
        remote.write(b"x" * 9_000)
    assert world.context.mailboxes.get(CODE_A).list(Area.IN) == []
    sftp_a.remove("/out/UNCOLLECTED.xml")  # collecting frees the space
    with sftp_a.open(f"/in/{DEPOSIT}", "wb") as remote:
        remote.write(b"x" * 9_000)


def test_interrupted_upload_never_published(world: World, running: tuple[PlatformServer, Addresses]) -> None:
    transport, sftp = connect(running[1].sftp_port, "alpha", PASSWORD_A)
    remote = sftp.open(f"/in/{DEPOSIT}", "wb")
    remote.write(b"<DEMAUT>" + b"half of a file" * 1000)
    remote.flush()
    mailbox = world.context.mailboxes.get(CODE_A)
    wait_until(lambda: any(mailbox.incoming.iterdir()))
    assert mailbox.list(Area.IN) == []  # being uploaded: not visible to the worker
    transport.sock.shutdown(socket.SHUT_RDWR)  # the line drops in the middle of the upload
    transport.close()
    wait_until(lambda: not any(mailbox.incoming.iterdir()))
    assert mailbox.list(Area.IN) == []
    assert world.context.deposits.list([CODE_A]) == []


def test_bravo_sees_only_bravo(world: World, running: tuple[PlatformServer, Addresses]) -> None:
    (world.context.mailboxes.get(CODE_A).folder(Area.OUT) / "ALPHA.xml").write_bytes(b"alpha's")
    transport, sftp = connect(running[1].sftp_port, "bravo", PASSWORD_B)
    try:
        assert sftp.listdir("/out") == []
        with pytest.raises(OSError):
            sftp.open("/out/ALPHA.xml", "rb")
    finally:
        sftp.close()
        transport.close()
