"""Several replies to one sending written at once, on both cores — byte for byte what :func:`write_reply` writes.

A 920098 and a 920900 (or a 920099) each return every record of the sending with an 450-character error part:
for a million records that is 1.6 GB per reply, and writing it is most of REFAC's own floor. Here the annotated
replies share one pass over the records: each chunk of the received file's records gets its neutral error part
once (one ``bytes.replace``), a copy is patched for each reply that has something to say in that chunk, and the
chunk goes to that reply's writer thread. A file write releases the GIL, so the two files are written on both
cores while the next chunk is prepared; chunks are small (a few MB, reused by the allocator: no fresh pages to
fault in) and the queues are short, so memory stays bounded whatever the file's size.

Each file is written to a temporary name beside its destination and renamed into place only when every reply of
the call is complete: a failure anywhere leaves none of them behind. Replies whose body is not the received bytes
as read (a damaged file, no source bytes) and replies without a body (931000, 920999) are written by
:func:`write_reply` itself.
"""

from __future__ import annotations

import os
import queue
import tempfile
import threading
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl

from tierspayant.schemes.be_nursing.formats.columnar import format_records
from tierspayant.schemes.be_nursing.formats.frames import Sending
from tierspayant.schemes.be_nursing.formats.reply_draft import ReplyDraft, patch_draft
from tierspayant.schemes.be_nursing.formats.reply_writer import (
    ANNOTATED_KINDS,
    ERROR_ZONES,
    LINE,
    NEUTRAL_ERROR_PART,
    REPLY_KINDS,
    SETTLEMENT,
    TOTALS_RECORDS,
    RecordErrors,
    ReplyHeader,
    _error_zones,
    _records_in_source,
    _segments,
    _settlement_records,
    _text,
    errors_frame,
    write_reply,
)
from tierspayant.schemes.be_nursing.formats.zones import (
    RECORD_LENGTH,
    REPLY_ERROR_OFFSET,
    REPLY_ERROR_PART,
    REPLY_RECORD_LENGTH,
)

CHUNK_RECORDS = 8_192  # ~2.9 MB read, ~6.6 MB written per chunk
QUEUE_CHUNKS = 3  # per writer: how far production may run ahead of the disk
_DONE = None


@dataclass(frozen=True)
class ReplyRequest:
    """One reply to write: its kind, what it says per record, its header fields, where it goes."""

    kind: str
    errors: RecordErrors
    header: ReplyHeader | None
    destination: Path


@dataclass
class _Patches:
    """The error parts of one reply's records with something to say: row (0-based, in the main body) → bytes."""

    rows: list[int]
    parts: list[bytes]


def write_replies(
    original: Sending, requests: Sequence[ReplyRequest], source: bytes = b"", draft: ReplyDraft | None = None
) -> list[Path]:
    """Write every reply of ``requests`` (in any order of kinds); returns their paths in the same order. An
    annotated reply takes a copy of ``draft`` (its body written ahead) when one fits, else is written in one pass."""
    for request in requests:
        if request.kind not in REPLY_KINDS:
            raise ValueError(f"not a reply message: {request.kind}")
    said = [errors_frame(r.errors) for r in requests]  # every reply checked before anything is written
    body = _shared_body(original, source)
    shared = [i for i, r in enumerate(requests) if r.kind in ANNOTATED_KINDS] if body is not None else []
    if body is None or not shared:
        if draft is not None:
            draft.discard()
        pairs = zip(requests, said, strict=True)
        return [write_reply(r.kind, original, s, r.header, r.destination, source) for r, s in pairs]
    temporaries: dict[int, Path] = {}
    try:
        for index, request in enumerate(requests):
            if index not in shared:
                temporaries[index] = _temporary(request.destination)
                write_reply(request.kind, original, said[index], request.header, temporaries[index], source)
        streamed = []
        for index in shared:
            head = _head(original, requests[index])
            copy = draft.take(len(head), body.main.height) if draft is not None else None
            if draft is None or copy is None:
                streamed.append(index)
                continue
            temporaries[index] = copy
            patch = _patches(body.main, said[index])
            patch_draft(copy, head, patch.rows, patch.parts, _tail(requests[index], body.totals), draft.body_size)
        writers = []
        for index in streamed:
            writers.append(_Writer(requests[index].destination))
            temporaries[index] = writers[-1].temporary
        if streamed:
            chosen = [requests[i] for i in streamed]
            _write_shared(chosen, [said[i] for i in streamed], writers, body, source, original)
        for index, request in enumerate(requests):
            os.replace(temporaries[index], request.destination)
    except BaseException:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)
        raise
    finally:
        if draft is not None:
            draft.discard()
    return [r.destination for r in requests]


def draft_replies(original: Sending, source: bytes, folder: Path) -> ReplyDraft | None:
    """Start writing the annotated replies' common body of ``original`` ahead, in ``folder`` (the replies' own);
    None when the records are not the received bytes as read (the replies are then written record by record)."""
    body = _shared_body(original, source)
    if body is None:
        return None
    head = _text(_segments(SETTLEMENT, original, ReplyHeader()))
    return ReplyDraft(source, body.start, body.main.height, len(head), folder)


def _head(original: Sending, request: ReplyRequest) -> bytes:
    return _text(_segments(request.kind, original, request.header or ReplyHeader()))


def _tail(request: ReplyRequest, totals: list[str]) -> bytes:
    """What closes an annotated reply after its records: the settlement records, or the totals as received."""
    if request.kind == SETTLEMENT:
        return _text(_settlement_records(request.header or ReplyHeader()))
    return _text(totals) if totals else b""


def _temporary(destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    os.close(handle)
    return Path(name)


@dataclass(frozen=True)
class _Body:
    """The main records (all but 95/96), where they start in the received bytes, and the totals' lines."""

    main: pl.DataFrame
    start: int
    totals: list[str]


def _shared_body(original: Sending, source: bytes) -> _Body | None:
    """The main records when they can be taken from ``source`` as read (else None)."""
    raw = original.raw.select("record_index", "record_type", "line")
    totals_rows = raw.with_row_index("_row").filter(pl.col("record_type").is_in(TOTALS_RECORDS))["_row"]
    main_count = raw.height - totals_rows.len()
    lines = raw["line"]
    exact = bool(((lines.str.len_bytes() == RECORD_LENGTH) & (lines.str.len_chars() == RECORD_LENGTH)).all())
    totals_last = totals_rows.len() == 0 or int(totals_rows.min()) == main_count  # type: ignore[arg-type]
    if not (exact and totals_last and main_count):
        return None
    main = raw.head(main_count)
    start = _records_in_source(source, main["line"])
    if start is None:
        return None
    return _Body(main, start, raw.tail(totals_rows.len())["line"].to_list())


def _patches(main: pl.DataFrame, errors: pl.DataFrame) -> _Patches:
    with_errors = main.with_row_index("_row").join(_error_zones(errors), on="record_index", how="inner").sort("_row")
    parts = format_records(REPLY_ERROR_PART, with_errors.select(ERROR_ZONES), with_check=False)
    return _Patches(with_errors["_row"].to_list(), [p.encode("ascii", errors="replace") for p in parts.to_list()])


def _write_shared(
    requests: list[ReplyRequest],
    said: list[pl.DataFrame],
    writers: list[_Writer],
    body: _Body,
    source: bytes,
    original: Sending,
) -> None:
    main, start = body.main, body.start
    patches = [_patches(main, s) for s in said]
    for writer, request in zip(writers, requests, strict=True):
        writer.start(_head(original, request))
    try:
        count = main.height
        for first in range(0, count, CHUNK_RECORDS):
            size = min(CHUNK_RECORDS, count - first)
            neutral = source[start + first * LINE : start + (first + size) * LINE].replace(
                b"\n", NEUTRAL_ERROR_PART + b"\n"
            )
            for writer, patch in zip(writers, patches, strict=True):
                writer.put(_patched(neutral, first, size, patch))
        for writer, request in zip(writers, requests, strict=True):
            tail = _tail(request, body.totals)
            if tail:
                writer.put(tail)
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    failures = [error for writer in writers if (error := writer.finish()) is not None]
    if failures:
        raise failures[0]


def _patched(neutral: bytes, first: int, count: int, patches: _Patches) -> bytes | bytearray:
    low = bisect_left(patches.rows, first)
    high = bisect_left(patches.rows, first + count)
    if low == high:
        return neutral
    out = bytearray(neutral)
    width = REPLY_RECORD_LENGTH + 1
    size = len(NEUTRAL_ERROR_PART)
    for row, part in zip(patches.rows[low:high], patches.parts[low:high], strict=True):
        at = (row - first) * width + REPLY_ERROR_OFFSET
        out[at : at + size] = part
    return out


class _Writer:
    """One reply file written by its own thread from a short queue of chunks."""

    def __init__(self, destination: Path) -> None:
        self.temporary = _temporary(destination)
        self._queue: queue.Queue[bytes | bytearray | None] = queue.Queue(QUEUE_CHUNKS)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"reply {destination.name}", daemon=True)
        self._aborted = threading.Event()

    def start(self, head: bytes) -> None:
        self._queue.put(head)
        self._thread.start()

    def put(self, chunk: bytes | bytearray) -> None:
        if self._error is None:
            self._queue.put(chunk)

    def _run(self) -> None:
        try:
            with self._open() as out:
                while (chunk := self._queue.get()) is not _DONE:
                    if self._error is None and not self._aborted.is_set():
                        out.write(chunk)
        except BaseException as error:  # reported to the producer by finish(); keep draining so it never blocks
            self._error = error
            while self._queue.get() is not _DONE:
                pass

    def _open(self) -> BinaryIO:
        return open(self.temporary, "wb")

    def abort(self) -> None:
        self._aborted.set()
        self._queue.put(_DONE)
        self._thread.join()

    def finish(self) -> BaseException | None:
        self._queue.put(_DONE)
        self._thread.join()
        return self._error
