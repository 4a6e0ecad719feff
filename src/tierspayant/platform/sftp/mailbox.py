"""Mailboxes on disk, seen by a client as a tiny virtual tree: ``/``, ``/in``, ``/out`` and the files in them.

Layout of one mailbox (``<root>/<provider code>/``):
- ``in/``        complete deposits waiting for the worker (a file appears here only when its upload is finished)
- ``out/``       what the fund returns (notifications, RETAUT, RETFAC), written atomically by the worker
- ``.incoming/`` uploads in progress under a random temporary name, invisible to clients and to the worker

Client paths are parsed, never joined blindly: ``..`` is resolved on the virtual tree and refused above its root,
only ``in``/``out`` and plain file names exist, files are opened with ``O_NOFOLLOW`` and must be regular files,
and the area folders must be real folders (a symlink planted on disk is refused, not followed).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from tierspayant.platform.accounts import PROVIDER_CODE

INCOMING = ".incoming"
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW


class Area(StrEnum):
    IN = "in"
    OUT = "out"


class MailboxErrorKind(StrEnum):
    NOT_FOUND = "not_found"
    DENIED = "denied"
    EXISTS = "exists"
    TOO_LARGE = "too_large"
    QUOTA = "quota"
    BAD_NAME = "bad_name"


class MailboxError(Exception):
    """A refused mailbox operation; ``kind`` says which refusal (the SFTP and API layers map it to their codes)."""

    def __init__(self, kind: MailboxErrorKind, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class VirtualPath:
    """A parsed client path: the root (area and name None), an area folder, or a file in an area."""

    area: Area | None
    name: str | None

    @property
    def text(self) -> str:
        if self.area is None:
            return "/"
        return f"/{self.area.value}" if self.name is None else f"/{self.area.value}/{self.name}"


@dataclass(frozen=True, slots=True)
class FileEntry:
    name: str
    size: int
    modified: datetime


@dataclass(frozen=True, slots=True)
class CompletedUpload:
    mailbox: str
    name: str
    path: Path
    size: int
    sha256: str


def parse_path(raw: str | bytes) -> VirtualPath:
    """Parse a client path; relative paths start at the mailbox root (the client's home)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MailboxError(MailboxErrorKind.BAD_NAME, "path is not UTF-8") from exc
    if "\x00" in raw or "\\" in raw:
        raise MailboxError(MailboxErrorKind.DENIED, "path contains a NUL or a backslash")
    # ``..`` is resolved on the virtual tree only (never by the file system); climbing above the root is refused.
    parts: list[str] = []
    for part in raw.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise MailboxError(MailboxErrorKind.DENIED, "'..' above the mailbox root is refused")
            parts.pop()
        else:
            parts.append(part)
    if not parts:
        return VirtualPath(None, None)
    try:
        area = Area(parts[0])
    except ValueError as exc:
        raise MailboxError(MailboxErrorKind.NOT_FOUND, f"no such folder: /{parts[0]} (only /in and /out)") from exc
    if len(parts) == 1:
        return VirtualPath(area, None)
    if len(parts) > 2:
        raise MailboxError(MailboxErrorKind.NOT_FOUND, "no sub-folders in a mailbox")
    return VirtualPath(area, check_name(parts[1]))


def check_name(name: str) -> str:
    if not FILE_NAME.match(name):
        raise MailboxError(
            MailboxErrorKind.BAD_NAME,
            f"file name {name!r} refused: letters, digits, '.', '_', '-' only, not starting with '.', max 200",
        )
    return name


class Mailboxes:
    """All mailboxes under one root folder; tracks bytes of uploads in flight so parallel uploads share the quota."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._inflight: dict[str, int] = {}
        self._publish_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def ensure(self, provider_code: str) -> Mailbox:
        """Create the mailbox folders if needed (mode 0700) and return it."""
        self._check_code(provider_code)
        base = self.root / provider_code
        for folder in (base, base / Area.IN.value, base / Area.OUT.value, base / INCOMING):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.get(provider_code)

    def get(self, provider_code: str) -> Mailbox:
        self._check_code(provider_code)
        base = self.root / provider_code
        for folder in (base, base / Area.IN.value, base / Area.OUT.value, base / INCOMING):
            try:
                info = folder.lstat()
            except FileNotFoundError as exc:
                raise MailboxError(MailboxErrorKind.NOT_FOUND, f"no mailbox for {provider_code}") from exc
            if not stat.S_ISDIR(info.st_mode):
                raise MailboxError(MailboxErrorKind.DENIED, f"{folder.name} of mailbox {provider_code} is not a folder")
        return Mailbox(self, provider_code, base)

    def codes(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            entry.name
            for entry in os.scandir(self.root)
            if entry.is_dir(follow_symlinks=False) and PROVIDER_CODE.match(entry.name)
        )

    def _publish_lock(self, code: str) -> threading.Lock:
        with self._lock:
            return self._publish_locks.setdefault(code, threading.Lock())

    def _reserve(self, code: str, delta: int) -> int:
        with self._lock:
            self._inflight[code] = self._inflight.get(code, 0) + delta
            return self._inflight[code]

    @staticmethod
    def _check_code(provider_code: str) -> None:
        if not PROVIDER_CODE.match(provider_code):
            raise MailboxError(MailboxErrorKind.BAD_NAME, f"not a provider code: {provider_code!r}")


class Mailbox:
    def __init__(self, owner: Mailboxes, code: str, base: Path) -> None:
        self._owner = owner
        self.code = code
        self.base = base

    def folder(self, area: Area) -> Path:
        return self.base / area.value

    @property
    def incoming(self) -> Path:
        return self.base / INCOMING

    def usage(self) -> int:
        """Bytes used by ``in/`` and ``out/`` (uploads in progress are counted by the in-flight tally)."""
        total = 0
        for folder in (self.folder(Area.IN), self.folder(Area.OUT)):
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
        return total

    def list(self, area: Area) -> list[FileEntry]:
        """Regular files with a valid name, oldest first (temporary and planted odd entries are not shown)."""
        entries = []
        with os.scandir(self.folder(area)) as scan:
            for entry in scan:
                if entry.is_file(follow_symlinks=False) and FILE_NAME.match(entry.name):
                    info = entry.stat(follow_symlinks=False)
                    entries.append(FileEntry(entry.name, info.st_size, datetime.fromtimestamp(info.st_mtime, UTC)))
        return sorted(entries, key=lambda e: (e.modified, e.name))

    def path_of(self, area: Area, name: str) -> Path:
        return self.folder(area) / check_name(name)

    def stat(self, area: Area, name: str) -> os.stat_result:
        try:
            info = self.path_of(area, name).lstat()
        except FileNotFoundError as exc:
            raise MailboxError(MailboxErrorKind.NOT_FOUND, f"no such file: /{area.value}/{name}") from exc
        if not stat.S_ISREG(info.st_mode):
            raise MailboxError(MailboxErrorKind.DENIED, f"/{area.value}/{name} is not a regular file")
        return info

    def open_read(self, area: Area, name: str) -> BinaryIO:
        """Open a file for reading, refusing symlinks and anything that is not a regular file."""
        path = self.path_of(area, name)
        try:
            descriptor = os.open(path, _READ_FLAGS)
        except FileNotFoundError as exc:
            raise MailboxError(MailboxErrorKind.NOT_FOUND, f"no such file: /{area.value}/{name}") from exc
        except OSError as exc:  # ELOOP: a symlink
            raise MailboxError(MailboxErrorKind.DENIED, f"/{area.value}/{name} cannot be opened") from exc
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            raise MailboxError(MailboxErrorKind.DENIED, f"/{area.value}/{name} is not a regular file")
        return os.fdopen(descriptor, "rb")

    def remove(self, area: Area, name: str) -> None:
        """Only collected files in ``out/`` may be removed by the owner; ``in/`` belongs to the worker."""
        if area is not Area.OUT:
            raise MailboxError(MailboxErrorKind.DENIED, "files in /in cannot be removed (they are being processed)")
        self.stat(area, name)
        self.path_of(area, name).unlink()

    def begin_upload(self, name: str, quota_bytes: int, max_file_bytes: int) -> Upload:
        """Start an upload into ``in/``: data goes to a hidden temporary file, renamed into ``in/`` on commit."""
        check_name(name)
        if self.path_of(Area.IN, name).exists():
            raise MailboxError(MailboxErrorKind.EXISTS, f"/in/{name} already exists and waits to be processed")
        temp = self.incoming / f"{secrets.token_hex(8)}.part"
        descriptor = os.open(temp, _CREATE_FLAGS, 0o600)
        return Upload(self, name, temp, os.fdopen(descriptor, "wb"), quota_bytes, max_file_bytes)

    def purge_incoming(self) -> int:
        """Remove leftovers of uploads interrupted by a stop (call when no upload is in flight)."""
        removed = 0
        with os.scandir(self.incoming) as entries:
            for entry in entries:
                if entry.name.endswith(".part") and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed += 1
        return removed

    def _reserve(self, delta: int) -> int:
        return self._owner._reserve(self.code, delta)

    def _publish_lock(self) -> threading.Lock:
        return self._owner._publish_lock(self.code)


class Upload:
    """One file being uploaded: limits checked on every write, atomically published on commit."""

    def __init__(
        self, mailbox: Mailbox, name: str, temp: Path, handle: BinaryIO, quota_bytes: int, max_file_bytes: int
    ) -> None:
        self.mailbox = mailbox
        self.name = name
        self.temp = temp
        self._handle = handle
        self._quota = quota_bytes
        self._max_file = max_file_bytes
        # Usage of everything else at start; this upload's own bytes are counted as it grows.
        self._base_usage = mailbox.usage()
        self.size = 0
        self._closed = False

    def write(self, offset: int, data: bytes) -> int:
        end = offset + len(data)
        if end > self._max_file:
            raise MailboxError(
                MailboxErrorKind.TOO_LARGE, f"{self.name}: file larger than the limit of {self._max_file} bytes"
            )
        growth = max(0, end - self.size)
        if growth:
            inflight_others = self.mailbox._reserve(growth) - end
            if self._base_usage + inflight_others + end > self._quota:
                self.mailbox._reserve(-growth)
                raise MailboxError(MailboxErrorKind.QUOTA, f"mailbox {self.mailbox.code} is over its quota")
            self.size = end
        self._handle.seek(offset)
        return self._handle.write(data)

    def commit(self, before_publish: Callable[[CompletedUpload], None] | None = None) -> CompletedUpload:
        """Flush, hash and publish the file in ``in/`` (never overwriting one waiting there).

        ``before_publish`` runs just before the file becomes visible in ``in/`` (the platform records the deposit
        there, so the worker never sees a file without its record); if it raises, nothing is published.
        """
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            digest = hashlib.sha256()
            size = 0
            with open(self.temp, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
                    size += len(chunk)
            target = self.mailbox.path_of(Area.IN, self.name)
            completed = CompletedUpload(self.mailbox.code, self.name, target, size, digest.hexdigest())
            with self.mailbox._publish_lock():
                if target.exists():
                    raise MailboxError(MailboxErrorKind.EXISTS, f"/in/{self.name} already exists")
                if before_publish is not None:
                    before_publish(completed)
                os.link(self.temp, target)  # a hard link never replaces an existing name, unlike rename
            return completed
        finally:
            self._finish()

    def abort(self) -> None:
        self._finish()

    def _finish(self) -> None:
        if self._closed:
            return
        self._closed = True
        if not self._handle.closed:
            self._handle.close()
        self.temp.unlink(missing_ok=True)
        self.mailbox._reserve(-self.size)
