"""The asyncssh SFTP server: provider accounts log in with a password (argon2) or a public key and see only
their own mailbox, through the virtual tree of :mod:`tierspayant.platform.sftp.mailbox`.

No shell, no exec, no scp, no port forwarding: the only service is the ``sftp`` subsystem.
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import asyncssh
from asyncssh import SFTPAttrs, SFTPName

from tierspayant.platform.accounts import Principal, Role
from tierspayant.platform.audit import Channel
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.sftp.mailbox import (
    Area,
    Mailbox,
    MailboxError,
    MailboxErrorKind,
    Upload,
    VirtualPath,
    parse_path,
)
from tierspayant.platform.throttle import Throttled

PRINCIPAL_KEY = "tierspayant_principal"
T = TypeVar("T")

_ERRORS: dict[MailboxErrorKind, Callable[[str], asyncssh.SFTPError]] = {
    MailboxErrorKind.NOT_FOUND: asyncssh.SFTPNoSuchFile,
    MailboxErrorKind.DENIED: asyncssh.SFTPPermissionDenied,
    MailboxErrorKind.EXISTS: asyncssh.SFTPFileAlreadyExists,
    MailboxErrorKind.TOO_LARGE: asyncssh.SFTPFailure,
    MailboxErrorKind.QUOTA: asyncssh.SFTPQuotaExceeded,
    MailboxErrorKind.BAD_NAME: asyncssh.SFTPInvalidFilename,
}


def _sftp_error(error: MailboxError) -> asyncssh.SFTPError:
    return _ERRORS[error.kind](str(error))


def _denied(what: str) -> NoReturn:
    raise asyncssh.SFTPPermissionDenied(f"{what} is not allowed in a mailbox")


def load_or_create_host_key(path: Path) -> asyncssh.SSHKey:
    """The server's Ed25519 host key, generated once (mode 0600) so clients can pin it."""
    if path.exists():
        return asyncssh.read_private_key(str(path))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="tierspayant mailbox host key")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.export_private_key())
    return key


class MailboxSSHServer(asyncssh.SSHServer):
    """Authentication of one connection: provider accounts only, by password or by a registered public key."""

    def __init__(self, platform: PlatformContext) -> None:
        self._platform = platform
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn

    def begin_auth(self, username: str) -> bool:
        return True  # every login must authenticate

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        peer = self._conn.get_extra_info("peername") if self._conn is not None else None
        address = str(peer[0]) if peer else None
        try:
            principal = await asyncio.to_thread(self._platform.login, username, password, address, Channel.SFTP)
        except Throttled:  # locked: refused like a wrong password (SSH has no "retry after")
            return False
        if principal is None:
            return False  # audited by login()
        return await self._accept(username, principal, "password")

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        lines = await asyncio.to_thread(self._platform.accounts.public_keys, username)
        wanted = key.public_data
        if not any(asyncssh.import_public_key(line).public_data == wanted for line in lines):
            return False
        principal = await asyncio.to_thread(self._platform.accounts.principal, username)
        return await self._accept(username, principal, "public key")

    async def _accept(self, username: str, principal: Principal | None, method: str) -> bool:
        if principal is None or principal.role is not Role.PROVIDER or principal.provider_code is None:
            await asyncio.to_thread(
                self._platform.audit.record, username[:64], Channel.SFTP, "login_refused", "sftp", method, "unknown"
            )
            return False
        assert self._conn is not None
        self._conn.set_extra_info(**{PRINCIPAL_KEY: principal})
        return True


class _ReadHandle:
    def __init__(self, handle: Any, path: VirtualPath) -> None:
        self.handle = handle
        self.path = path

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        # asyncssh's sparse-ranges extension seeks the handle directly (SEEK_DATA / SEEK_HOLE).
        position: int = self.handle.seek(offset, whence)
        return position


class _WriteHandle:
    def __init__(self, upload: Upload) -> None:
        self.upload = upload

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        raise OSError(errno.ENXIO, "no data ranges on an upload in progress")


class MailboxSFTPServer(asyncssh.SFTPServer):
    """One SFTP session, confined to the logged-in provider's mailbox."""

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], platform: PlatformContext) -> None:
        super().__init__(chan)
        self._platform = platform
        principal = chan.get_extra_info(PRINCIPAL_KEY)
        if not isinstance(principal, Principal) or principal.provider_code is None:
            raise asyncssh.SFTPPermissionDenied("not a provider session")
        self._principal = principal
        self._code = principal.provider_code
        self._mailbox: Mailbox = platform.mailboxes.get(self._code)

    # -- helpers ----------------------------------------------------------------------------------------------
    def _parse(self, path: bytes) -> VirtualPath:
        try:
            return parse_path(path)
        except MailboxError as error:
            raise _sftp_error(error) from error

    async def _io(self, function: Callable[..., T], *args: Any) -> T:
        """Run blocking file or database work off the event loop; mailbox refusals become SFTP errors."""
        try:
            return await asyncio.to_thread(function, *args)
        except MailboxError as error:
            raise _sftp_error(error) from error

    def _audit(self, action: str, subject: str, detail: str = "") -> Awaitable[None]:
        return asyncio.to_thread(self._platform.audit.record, self._principal, Channel.SFTP, action, subject, detail)

    def _folder_attrs(self, path: VirtualPath) -> SFTPAttrs:
        folder = self._mailbox.base if path.area is None else self._mailbox.folder(path.area)
        attrs = SFTPAttrs.from_local(folder.lstat())
        writable = path.area is Area.IN
        attrs.permissions = stat.S_IFDIR | (0o755 if writable else 0o555)
        attrs.uid = attrs.gid = 0
        return attrs

    def _file_attrs(self, path: VirtualPath) -> SFTPAttrs:
        assert path.area is not None and path.name is not None
        attrs = SFTPAttrs.from_local(self._mailbox.stat(path.area, path.name))
        attrs.permissions = stat.S_IFREG | 0o444
        attrs.uid = attrs.gid = 0
        return attrs

    def _attrs(self, path: VirtualPath) -> SFTPAttrs:
        return self._folder_attrs(path) if path.name is None else self._file_attrs(path)

    def _interrupted(self) -> bool:
        """True while the session is being torn down: asyncssh then closes every open handle, and an upload
        closed that way is incomplete and must be discarded, not published. (An explicit close arrives while the
        channel still reads requests.)"""
        chan = self.channel
        return chan.is_closing() or getattr(chan, "_recv_state", "open") != "open" or self.connection.is_closed()

    # -- paths and attributes ---------------------------------------------------------------------------------
    def realpath(self, path: bytes) -> bytes:
        return self._parse(path).text.encode("utf-8")

    async def stat(self, path: bytes) -> SFTPAttrs:
        return await self._io(self._attrs, self._parse(path))

    async def lstat(self, path: bytes) -> SFTPAttrs:
        return await self._io(self._attrs, self._parse(path))

    async def fstat(self, file_obj: object) -> SFTPAttrs:
        if isinstance(file_obj, _WriteHandle):
            return SFTPAttrs(size=file_obj.upload.size, permissions=stat.S_IFREG | 0o600)
        assert isinstance(file_obj, _ReadHandle)
        return await self._io(self._file_attrs, file_obj.path)

    async def scandir(self, path: bytes) -> AsyncIterator[SFTPName]:
        parsed = self._parse(path)
        if parsed.name is not None:
            raise asyncssh.SFTPNotADirectory(f"{parsed.text} is a file")
        yield SFTPName(b".", attrs=self._folder_attrs(parsed))
        yield SFTPName(b"..", attrs=self._folder_attrs(VirtualPath(None, None)))
        if parsed.area is None:
            for area in Area:
                yield SFTPName(area.value.encode(), attrs=self._folder_attrs(VirtualPath(area, None)))
            return
        entries = await self._io(self._mailbox.list, parsed.area)
        await self._audit("list", f"mailbox {self._code} {parsed.area.value}/", f"{len(entries)} files")
        for entry in entries:
            attrs = SFTPAttrs(
                type=asyncssh.FILEXFER_TYPE_REGULAR,
                size=entry.size,
                permissions=stat.S_IFREG | 0o444,
                uid=0,
                gid=0,
                atime=int(entry.modified.timestamp()),
                mtime=int(entry.modified.timestamp()),
            )
            yield SFTPName(entry.name.encode(), attrs=attrs)

    # -- files ------------------------------------------------------------------------------------------------
    async def open(self, path: bytes, pflags: int, attrs: SFTPAttrs) -> object:
        parsed = self._parse(path)
        if parsed.area is None or parsed.name is None:
            raise asyncssh.SFTPFileIsADirectory(f"{parsed.text} is a folder")
        writing = bool(pflags & (asyncssh.FXF_WRITE | asyncssh.FXF_APPEND | asyncssh.FXF_CREAT | asyncssh.FXF_TRUNC))
        if not writing:
            handle = await self._io(self._mailbox.open_read, parsed.area, parsed.name)
            await self._audit("fetch", f"mailbox {self._code} {parsed.area.value}/{parsed.name}")
            return _ReadHandle(handle, parsed)
        if parsed.area is not Area.IN:
            raise asyncssh.SFTPPermissionDenied("files are deposited in /in only; /out is read-only")
        if pflags & (asyncssh.FXF_READ | asyncssh.FXF_APPEND):
            raise asyncssh.SFTPOpUnsupported("a deposit is written once, from the start (no append, no read-write)")
        upload = await self._io(self._platform.begin_upload, self._code, parsed.name)
        return _WriteHandle(upload)

    def open56(self, path: bytes, desired_access: int, flags: int, attrs: SFTPAttrs) -> NoReturn:
        raise asyncssh.SFTPOpUnsupported("SFTP versions 5 and 6 opens are not supported; use version 3")

    async def read(self, file_obj: object, offset: int, size: int) -> bytes:
        if not isinstance(file_obj, _ReadHandle):
            raise asyncssh.SFTPPermissionDenied("this handle is open for writing")
        handle = file_obj.handle

        def read_at() -> bytes:
            handle.seek(offset)
            data: bytes = handle.read(size)
            return data

        return await asyncio.to_thread(read_at)

    async def write(self, file_obj: object, offset: int, data: bytes) -> int:
        if not isinstance(file_obj, _WriteHandle):
            raise asyncssh.SFTPPermissionDenied("this handle is open for reading")
        try:
            return await self._io(file_obj.upload.write, offset, data)
        except asyncssh.SFTPError:
            await self._io(file_obj.upload.abort)  # an over-limit upload is dropped at once, not kept half-written
            raise

    async def close(self, file_obj: object) -> None:
        if isinstance(file_obj, _ReadHandle):
            file_obj.handle.close()
            return
        assert isinstance(file_obj, _WriteHandle)
        if self._interrupted():
            await self._io(file_obj.upload.abort)
            await self._audit("upload_interrupted", f"mailbox {self._code} in/{file_obj.upload.name}")
            return
        await self._io(self._platform.complete_upload, file_obj.upload, self._principal, Channel.SFTP)

    def fsync(self, file_obj: object) -> None:
        return None

    async def remove(self, path: bytes) -> None:
        parsed = self._parse(path)
        if parsed.area is None or parsed.name is None:
            _denied("removing a folder")
        await self._io(self._mailbox.remove, parsed.area, parsed.name)
        await self._audit("remove", f"mailbox {self._code} {parsed.area.value}/{parsed.name}")

    # -- everything else is refused ---------------------------------------------------------------------------
    def setstat(self, path: bytes, attrs: SFTPAttrs) -> NoReturn:
        _denied("changing attributes")

    def lsetstat(self, path: bytes, attrs: SFTPAttrs) -> NoReturn:
        _denied("changing attributes")

    def fsetstat(self, file_obj: object, attrs: SFTPAttrs) -> NoReturn:
        _denied("changing attributes")

    def mkdir(self, path: bytes, attrs: SFTPAttrs) -> NoReturn:
        _denied("creating a folder")

    def rmdir(self, path: bytes) -> NoReturn:
        _denied("removing a folder")

    def rename(self, oldpath: bytes, newpath: bytes) -> NoReturn:
        _denied("renaming")

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> NoReturn:
        _denied("renaming")

    def readlink(self, path: bytes) -> NoReturn:
        _denied("a symbolic link")

    def symlink(self, oldpath: bytes, newpath: bytes) -> NoReturn:
        _denied("a symbolic link")

    def link(self, oldpath: bytes, newpath: bytes) -> NoReturn:
        _denied("a hard link")

    def statvfs(self, path: bytes) -> NoReturn:
        raise asyncssh.SFTPOpUnsupported("statvfs is not supported")

    def fstatvfs(self, file_obj: object) -> NoReturn:
        raise asyncssh.SFTPOpUnsupported("statvfs is not supported")

    async def exit(self) -> None:
        return None


async def start_sftp_server(platform: PlatformContext, host: str, port: int) -> asyncssh.SSHAcceptor:
    """Listen for SFTP on ``host:port`` (port 0 picks a free port: read it with ``acceptor.get_port()``)."""
    host_key = await asyncio.to_thread(load_or_create_host_key, platform.settings.host_key_path)
    return await asyncssh.listen(
        host,
        port,
        server_host_keys=[host_key],
        server_factory=lambda: MailboxSSHServer(platform),
        sftp_factory=lambda chan: MailboxSFTPServer(chan, platform),
        allow_scp=False,
        agent_forwarding=False,
        allow_pty=False,
        x11_forwarding=False,
        login_timeout=60,
        keepalive_interval=30,
        encoding=None,
    )
