"""The practice's side of the wire: its software sends files to the fund's SFTP mailbox and collects the answers,
with a real SFTP client (asyncssh), a private key of its own and the server's host key pinned.

The web pages' send/receive buttons call this, so the files of the demo really cross the mailbox.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from tierspayant.core.proofs import ProofArchive, kind_of
from tierspayant.platform.sftp.mailbox import FILE_NAME


@dataclass(frozen=True)
class MailboxCredentials:
    host: str
    port: int
    username: str
    client_key: Path  # the practice's private key (OpenSSH format)
    host_key: str  # the server's public host key, OpenSSH one-line form (pinned: no trust on first use)


def create_client_key(path: Path) -> str:
    """A new Ed25519 key pair for the practice's software (private key mode 0600); returns the public line."""
    key = asyncssh.generate_private_key("ssh-ed25519", comment=f"tierspayant practice {path.stem}")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.export_private_key("openssh"))
    public: str = key.export_public_key("openssh").decode("ascii").strip()
    path.with_suffix(".pub").write_text(public + "\n", encoding="ascii")
    return public


def save_credentials(path: Path, credentials: MailboxCredentials) -> None:
    data = {
        "host": credentials.host,
        "port": credentials.port,
        "username": credentials.username,
        "client_key": str(credentials.client_key),
        "host_key": credentials.host_key,
    }
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def load_credentials(path: Path) -> MailboxCredentials:
    data = json.loads(path.read_text(encoding="utf-8"))
    return MailboxCredentials(
        data["host"], int(data["port"]), data["username"], Path(data["client_key"]), data["host_key"]
    )


class MailboxClient:
    """Blocking calls (run them off the event loop); each opens one SSH connection."""

    def __init__(self, credentials: MailboxCredentials, proofs: ProofArchive | None = None) -> None:
        self.credentials = credentials
        self.proofs = proofs  # the provider's archive of digital proofs: every file sent and received

    def send(self, path: Path) -> str:
        """Upload ``path`` into ``in/`` under its own name; the server publishes it when the upload closes."""
        sent = asyncio.run(self._send(path))
        if self.proofs is not None:
            self.proofs.keep(path, "sent", kind_of(path.name), self.credentials.username)
        return sent

    def collect(self, destination: Path) -> list[Path]:
        """Download every file waiting in ``out/`` into ``destination`` and remove it from the mailbox."""
        collected = asyncio.run(self._collect(destination))
        if self.proofs is not None:
            for path in collected:
                self.proofs.keep(path, "received", kind_of(path.name), self.credentials.username)
        return collected

    def waiting(self) -> list[str]:
        return asyncio.run(self._waiting())

    async def _connect(self) -> asyncssh.SSHClientConnection:
        c = self.credentials
        host_key = asyncssh.import_public_key(c.host_key)
        return await asyncssh.connect(
            c.host,
            c.port,
            username=c.username,
            client_keys=[str(c.client_key)],
            known_hosts=([host_key], [], []),
            password=None,
            agent_path=None,
            preferred_auth=("publickey",),
            connect_timeout=20,
        )

    async def _send(self, path: Path) -> str:
        async with await self._connect() as connection, connection.start_sftp_client() as sftp:
            await sftp.put(str(path), f"in/{path.name}")
        return path.name

    async def _waiting(self) -> list[str]:
        async with await self._connect() as connection, connection.start_sftp_client() as sftp:
            names = await sftp.listdir("out")
        return sorted(n for n in names if FILE_NAME.match(n))

    async def _collect(self, destination: Path) -> list[Path]:
        destination.mkdir(parents=True, exist_ok=True)
        collected: list[Path] = []
        async with await self._connect() as connection, connection.start_sftp_client() as sftp:
            names = sorted(n for n in await sftp.listdir("out") if FILE_NAME.match(n))
            for name in names:
                target = destination / name
                partial = destination / f".{name}.part"
                await sftp.get(f"out/{name}", str(partial))
                partial.replace(target)  # a crash never leaves half a file under the final name
                await sftp.remove(f"out/{name}")
                collected.append(target)
        return collected
