"""Files the fund hands back (notifications, RETAUT, RETFAC), written so that nobody ever sees half a file.

Return files are first written into a hidden staging folder inside the outbox (same file system, so the final move
is an atomic rename); the service publishes them only after the database transaction has committed. A crash before
the commit leaves no visible file; a crash between commit and publication leaves the staged files, which the next
processing of the same file (recognised as a duplicate) publishes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from tierspayant.core.crashpoints import declare, reach

ONE_PUBLISHED = declare("outbox.one-published", "the first staged file published, the others still staged")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
STAGING_PREFIX = ".staging-"


def safe_name(name: str) -> str:
    """A file name made only of letters, digits, '.', '_' and '-' (a deposit's name comes from outside)."""
    cleaned = _UNSAFE.sub("_", name).lstrip(".")
    return cleaned[:200] or "unnamed"


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def write_json(path: Path, data: dict[str, Any]) -> Path:
    return write_atomic(path, (json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n").encode())


def staging_folder(outbox: Path, key: str) -> Path:
    """The hidden folder of ``outbox`` where the return files of ``key`` wait for their commit."""
    return outbox / f"{STAGING_PREFIX}{key}"


class Staging:
    """A hidden folder of the outbox where return files wait for the commit; ``publish`` moves them into place."""

    def __init__(self, outbox: Path, key: str | None = None) -> None:
        self.outbox = outbox
        self.folder = staging_folder(outbox, key or uuid.uuid4().hex)
        self._names: list[str] = []
        self.published: list[Path] = []

    def __enter__(self) -> Self:
        self.outbox.mkdir(parents=True, exist_ok=True)
        self.folder.mkdir(exist_ok=True)
        return self

    def path(self, name: str) -> Path:
        safe = safe_name(name)
        self._names.append(safe)
        return self.folder / safe

    @property
    def names(self) -> list[str]:
        """The names of the files staged so far."""
        return list(self._names)

    def publish(self) -> list[Path]:
        for name in self._names:
            staged = self.folder / name
            if staged.exists():
                staged.chmod(0o644)
                os.replace(staged, self.outbox / name)
                self.published.append(self.outbox / name)
                if len(self._names) > 1:
                    reach(ONE_PUBLISHED)
        return self.published

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def publish_leftovers(outbox: Path, key: str) -> list[Path]:
    """Move the files a crashed run staged under ``key`` into the outbox (after their transaction committed)."""
    folder = staging_folder(outbox, key)
    moved: list[Path] = []
    if folder.is_dir():
        for staged in sorted(folder.iterdir()):
            if staged.name.startswith("."):  # a file being written when the run died, never a staged one
                continue
            os.replace(staged, outbox / staged.name)
            moved.append(outbox / staged.name)
        shutil.rmtree(folder, ignore_errors=True)
    return moved
