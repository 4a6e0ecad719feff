"""The annotated replies' common body, written ahead on the other core while the mutuality still checks the file.

A 920098, 920099 or 920900 returns every record of the sending followed by its 450-character error part; for a
million records that is 1.6 GB per reply, and what goes into it is only known once the rules, the propagation and
the decision are done — which use one core. Most of those bytes, though, are known as soon as the file is read:
every record followed by the *neutral* error part. A :class:`ReplyDraft` writes that body, after a hole the size of
the reply's header, into hidden files beside the replies (one thread per copy; a file write releases the GIL).
:func:`~tierspayant.schemes.be_nursing.formats.reply_files.write_replies` then only writes each reply's header into
the hole, its error parts over the neutral ones (through a memory map: a few hundred bytes at each line with
something to say) and its closing records, and renames it into place — byte for byte what it would have written in
one pass.

Two copies are drafted: an accepted sending with errors gets two annotated replies (920098 and 920900); a copy that
turns out not to be needed is removed before anything is committed. A draft that failed, or whose shape does not fit
the replies asked for, is simply not used.
"""

from __future__ import annotations

import mmap
import os
import threading
import uuid
from pathlib import Path
from typing import BinaryIO

from tierspayant.schemes.be_nursing.formats.reply_writer import LINE, NEUTRAL_ERROR_PART
from tierspayant.schemes.be_nursing.formats.zones import REPLY_ERROR_OFFSET, REPLY_RECORD_LENGTH

COPIES = 2  # a 920098 and a 920900: the most annotated replies one sending gets
CHUNK_RECORDS = 8_192  # ~2.9 MB read, ~6.6 MB written per write
PATCH_WINDOW = 64 * 1024 * 1024  # bytes of a reply mapped at once while its error parts are written
DRAFT_PREFIX = ".draft-"  # hidden: never published with the staged replies


class ReplyDraft:
    """``COPIES`` files holding the neutral body of ``count`` main records at offset ``head_size``."""

    def __init__(self, source: bytes, start: int, count: int, head_size: int, folder: Path) -> None:
        self.head_size = head_size
        self.count = count
        self.body_size = count * (REPLY_RECORD_LENGTH + 1)
        folder.mkdir(parents=True, exist_ok=True)
        self._paths = [folder / f"{DRAFT_PREFIX}{uuid.uuid4().hex}" for _ in range(COPIES)]
        self._errors: list[BaseException | None] = [None] * COPIES
        self._taken = [False] * COPIES
        self.used = 0  # copies that became a reply
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._write, args=(i, source, start), name=f"reply draft {i}", daemon=True)
            for i in range(COPIES)
        ]
        for thread in self._threads:
            thread.start()

    def _write(self, index: int, source: bytes, start: int) -> None:
        try:
            with self._open(self._paths[index]) as out:
                out.seek(self.head_size)
                for first in range(0, self.count, CHUNK_RECORDS):
                    if self._stop.is_set():
                        return
                    size = min(CHUNK_RECORDS, self.count - first)
                    chunk = source[start + first * LINE : start + (first + size) * LINE]
                    out.write(chunk.replace(b"\n", NEUTRAL_ERROR_PART + b"\n"))
        except BaseException as error:  # reported by take(); the replies are then written in one pass
            self._errors[index] = error

    def _open(self, path: Path) -> BinaryIO:
        return open(path, "wb")

    def take(self, head_size: int, count: int) -> Path | None:
        """A finished copy for one reply (waits for it), or None when none is left or its shape is not this one's."""
        if head_size != self.head_size or count != self.count:
            return None
        for index, path in enumerate(self._paths):
            if self._taken[index]:
                continue
            self._threads[index].join()
            self._taken[index] = True
            if self._errors[index] is None and not self._stop.is_set() and path.exists():
                self.used += 1
                return path
            path.unlink(missing_ok=True)
        return None

    def discard(self) -> None:
        """Stop the copies not taken and remove them (their bytes never reach a reply)."""
        self._stop.set()
        for index, path in enumerate(self._paths):
            if not self._taken[index]:
                self._threads[index].join()
                self._taken[index] = True
                path.unlink(missing_ok=True)


def patch_draft(path: Path, head: bytes, rows: list[int], parts: list[bytes], tail: bytes, body_size: int) -> None:
    """Turn a drafted copy into one reply: its header into the hole, its error parts over the neutral ones, its
    closing records after the body (and nothing after them)."""
    with open(path, "r+b") as out:
        os.pwrite(out.fileno(), head, 0)
        os.pwrite(out.fileno(), tail, len(head) + body_size)
        os.truncate(out.fileno(), len(head) + body_size + len(tail))
        _patch(out.fileno(), len(head), rows, parts)


def _patch(fd: int, head_size: int, rows: list[int], parts: list[bytes]) -> None:
    """Each part over its row's neutral error part, through a memory map of one window of the file at a time (a
    whole-file map would count every touched page of 1.6 GB in the process's resident memory)."""
    width = REPLY_RECORD_LENGTH + 1
    size = len(NEUTRAL_ERROR_PART)
    file_size = os.fstat(fd).st_size
    index = 0
    while index < len(rows):
        first = head_size + rows[index] * width + REPLY_ERROR_OFFSET
        window = first - first % mmap.ALLOCATIONGRANULARITY
        length = min(max(PATCH_WINDOW, first + size - window), file_size - window)
        with mmap.mmap(fd, length, offset=window) as view:
            while index < len(rows):
                at = head_size + rows[index] * width + REPLY_ERROR_OFFSET - window
                if at + size > length:
                    break
                view[at : at + size] = parts[index]
                index += 1
