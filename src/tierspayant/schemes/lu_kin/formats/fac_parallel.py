"""A large FAC read and validated on every core: the file cut at invoice boundaries, one part per process.

``read_fac_lines(path)`` returns exactly what ``frames.fac_lines_frame(path)`` returns — the same header and
lines frame, or a ``FindingsError`` with the same findings (code, file, line, path, message) in the same order
(``tests/lu_kin_xml/test_parallel_frames.py`` compares the two). How:

1. This process checks what precedes the parts (size, encoding and hostile markers of the head, the root element
   as ``KinScan`` does) and cuts the file just after a ``</Facture>`` near each 1/n of its bytes
   (``core.parallel.split_points``).
2. Part *i* is parsed as a document of its own: ``L`` newlines (the lines before the part in the file), the root's
   start tag, the part's bytes, the root's end tag. The newlines sit in the prolog, where they make no node, so
   libxml2 numbers every line exactly as in the whole file — including its quirks past line 65,535, where an
   element's line is taken from its first child. Each part is checked for hostile markers before the parser sees
   it, validated item by item against the XSD (``KinScan._validate``: same messages, same element paths once the
   item index is shifted) and turned into its own invoice and line frames (``frames._cut_columns``).
   Part 0 goes to a pooled process at once; this process counts the newlines up to the next cut, hands on the
   next part, and parses the last part itself.
3. The parts are merged in file order: item indexes shifted, the invoice numbers checked for duplicates across
   the whole file (``XSD-DUPLICATE``, the line of the first use), the totals checked on the merged frames by the
   same function as the single pass (``frames._check_fac_totals``).

A cut is only a guess made on bytes; a part proves it: a part that does not parse on its own, or holds anything
but the expected top-level elements (text, unknown or misplaced elements, a root problem, a hostile marker, more
than ``MAX_FINDINGS`` problems), makes the whole file go through the single pass instead — its findings are then
the single pass's by construction. Small files, file contents given as bytes, and ``TIERSPAYANT_PROCESSES=1`` go
through the single pass directly.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import polars as pl
from lxml import etree

from tierspayant.core import parallel
from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.xmlsafe import (
    _MARKERS,
    Source,
    XmlLimits,
    check_source,
    may_hold_marker,
    safe_iterparse,
    source_name,
)
from tierspayant.schemes.lu_kin.formats.frames import (
    FAC_LINE_SCHEMA,
    _check_fac_totals,
    _cut_columns,
    _header,
    _invoice_values,
    fac_lines_frame,
)
from tierspayant.schemes.lu_kin.formats.models import FileHeader
from tierspayant.schemes.lu_kin.formats.scan import MAX_FINDINGS, KinScan, Part
from tierspayant.schemes.lu_kin.formats.xsd import lxml_schema

# Below this size the single pass is as fast as starting the parts (measured: a 1 MB FAC reads in ~0.1 s).
MIN_PARALLEL_BYTES: Final = 8 * 1024**2
_HEAD: Final = 1 << 20
_READ: Final = 1 << 16
_OVERLAP: Final = 64
# The last part is read in this process, the others send their frames back through a pipe (pickled, then unpickled
# here): the last part is given this much more of the file so that both finish together (measured on 2 cores).
LOCAL_SHARE: Final = 1.05
PRELOAD: Final = ("tierspayant.schemes.lu_kin.formats.fac_parallel",)


@dataclass
class ReadStats:
    """How the last ``read_fac_lines`` of this process went (benchmarks, logs)."""

    parts: int = 1
    fallback: str | None = None  # why the single pass read the file, when it did
    worker_peaks_mb: list[float] = field(default_factory=list)  # each part's own peak; the last part ran here
    worker_cpu: float = 0.0  # CPU seconds of the parts read in other processes (not in this one's process_time)


last_read = ReadStats()


# --- one part, in whichever process runs it ---


@dataclass(frozen=True)
class PartJob:
    path: str
    label: str
    start: int
    end: int
    lines_before: int  # newlines in the file before ``start``
    prefix: bytes  # b"" for part 0 (it starts at the file's first byte), else the root's start tag on one line
    suffix: bytes  # the root's end tag, b"" for the last part (it ends with the file)
    first: bool
    last: bool
    file_type: str
    layout: str
    namespace: str
    huge_tree: bool


@dataclass
class PartResult:
    fallback: str | None = None
    items: int = 0
    header: FileHeader | None = None
    declared: dict[str, tuple[str, int]] = field(default_factory=dict)
    findings: list[tuple[int, Finding]] = field(default_factory=list)  # (item index in the part, 0 = Entete, …)
    keys: list[tuple[int, str, int]] = field(default_factory=list)  # (item index, NumeroFacture, line)
    invoices: pl.DataFrame | None = None
    lines: pl.DataFrame | None = None
    peak_mb: float = 0.0
    cpu: float = 0.0

    # A pooled part's frames come back through a pipe: as LZ4-compressed Arrow IPC they are about a tenth of the
    # bytes and several times quicker to make and read than Polars' own pickling of them (measured on a part of the
    # 1M-line FAC: 9 MB against 97 MB).
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in _FRAMES:
            if isinstance(state[name], pl.DataFrame):
                buffer = io.BytesIO()
                state[name].write_ipc(buffer, compression="lz4")
                state[name] = buffer.getvalue()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in _FRAMES:
            if isinstance(state[name], bytes):
                state[name] = pl.read_ipc(io.BytesIO(state[name]))
        self.__dict__.update(state)


_FRAMES: Final = ("invoices", "lines")


class _Hostile(Exception):
    pass


class _PartStream(io.RawIOBase):
    """The part as a document: prolog newlines, root start tag, the file's bytes (each chunk checked for hostile
    markers before the parser gets it), root end tag."""

    def __init__(self, job: PartJob) -> None:
        super().__init__()
        self.job = job
        self.pieces = self._pieces()
        self.pending = b""

    def _pieces(self) -> Iterator[bytes]:
        job = self.job
        if job.prefix:
            remaining = job.lines_before
            while remaining > 0:
                step = min(remaining, _READ)
                yield b"\n" * step
                remaining -= step
            yield job.prefix
        with open(job.path, "rb") as stream:
            tail = b""
            if job.start >= _OVERLAP:
                stream.seek(job.start - _OVERLAP)
                tail = stream.read(_OVERLAP)
            stream.seek(job.start)
            remaining = job.end - job.start
            while remaining > 0:
                chunk = stream.read(min(_READ, remaining))
                if not chunk:
                    break
                # a marker inside the chunk, or across its start (the last bytes before it, and its first ones)
                seam = tail + chunk[:_OVERLAP]
                if (may_hold_marker(chunk) or may_hold_marker(seam)) and any(
                    marker in chunk or marker in seam for marker, _code, _message in _MARKERS
                ):
                    raise _Hostile
                tail = (tail + chunk)[-_OVERLAP:] if len(chunk) < _OVERLAP else chunk[-_OVERLAP:]
                remaining -= len(chunk)
                yield chunk
        if job.suffix:
            yield job.suffix

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self.pending:
            piece = next(self.pieces, None)
            if piece is None:
                return b""
            self.pending = piece
        if size is None or size < 0 or size >= len(self.pending):
            out, self.pending = self.pending, b""
        else:
            out, self.pending = self.pending[:size], self.pending[size:]
        return out


def read_part(job: PartJob, pooled: bool = True) -> PartResult:
    """Parse and validate one part (in a pooled process, whose peak is reset to give this part's own; or in this
    process, whose peak is left alone: then ``peak_mb`` is this process's peak so far)."""
    if pooled:
        parallel.reset_peak()
    cpu = time.process_time()
    stream = _PartStream(job)
    try:
        result = _walk(job, stream)
    except _Hostile:
        result = PartResult(fallback="hostile marker")
    except etree.XMLSyntaxError:
        result = PartResult(fallback="not well-formed")
    result.peak_mb = parallel.peak_mb()
    result.cpu = time.process_time() - cpu
    return result


def _walk(job: PartJob, stream: _PartStream) -> PartResult:
    scan = KinScan(b"", job.label, XmlLimits(huge_tree=job.huge_tree), expected_type="FAC")
    scan.label = job.label
    scan.file_type, scan.layout, scan.namespace = "FAC", job.layout, job.namespace  # type: ignore[assignment]
    ns = job.namespace
    header_tag, item_tag, trailer_tag = f"{{{ns}}}Entete", f"{{{ns}}}Facture", f"{{{ns}}}Totaux"
    kinds = {header_tag: "header", item_tag: "item", trailer_tag: "trailer"}
    schema = lxml_schema(job.file_type, job.layout)
    number_tag = f"{{{ns}}}NumeroFacture"
    result = PartResult()
    tokens: list[str] = []
    chunks: list[pl.Series] = []
    line_counts: list[int] = []
    source_lines: list[int] = []
    root: Any = None
    processed: Any = None
    seen: set[str] = set()  # the kinds met so far (a set: asked at every item)
    items = 0
    events = safe_iterparse(stream, events=("end",), tag=list(kinds), limits=scan.limits)  # type: ignore[arg-type]
    for _event, element in events:
        if root is None:
            root = element.getroottree().getroot()
            if job.first:
                scan._check_root(root)
                if scan.findings:
                    return PartResult(fallback="root element")
            if root.text and root.text.strip():
                return PartResult(fallback="text between elements")
        if element.getparent() is not root:
            top = element
            while top.getparent() is not root:
                top = top.getparent()
            if str(top.tag) not in kinds:
                return PartResult(fallback="unknown top-level element")
            continue  # validated with its enclosing top-level element
        previous = element.getprevious()
        if previous is not None:
            if previous is not processed or previous.getprevious() is not None:
                return PartResult(fallback="unexpected top-level element")
            if previous.tail and previous.tail.strip():
                return PartResult(fallback="text between elements")
            root.remove(previous)
        kind = kinds[str(element.tag)]
        if not _in_order(kind, seen, job):
            return PartResult(fallback=f"<{kind}> out of order")
        seen.add(kind)
        if kind == "item":
            items += 1
            position, path = items, f"/FAC/Facture[{items}]"
        elif kind == "header":
            position, path = 0, "/FAC/Entete"
        else:
            position, path = -1, "/FAC/Totaux"  # -1: after every item (fixed when merging)
        mark = len(scan.findings)
        valid = scan._validate(schema, element, path)
        line = element.sourceline or 0
        if valid and kind == "item":
            number = element.findtext(number_tag)
            if number is not None:
                result.keys.append((position, str(number), line))
            values = _invoice_values(element)
            tokens.extend(values)
            line_counts.append((len(values) - 6) // 9)
            source_lines.append(line)
            if len(tokens) >= 1_000_000:
                chunks.append(pl.Series("value", tokens, dtype=pl.String))
                tokens = []
        elif valid and kind == "header":
            result.header = _header(scan, Part("header", element, 0, line, path, valid))
        elif valid and kind == "trailer":
            result.declared = {
                str(child.tag).rsplit("}", 1)[-1]: (str(child.text).strip(), child.sourceline or 0) for child in element
            }
        if scan.stopped:
            return PartResult(fallback="too many findings")
        result.findings.extend((position, finding) for finding in scan.findings[mark:])
        element.clear(keep_tail=True)
        processed = element
    if root is None or len(root) != 1 or root[0] is not processed:
        return PartResult(fallback="unexpected top-level element")
    if processed.tail and processed.tail.strip():
        return PartResult(fallback="text between elements")
    if (job.first and "header" not in seen) or (job.last and "trailer" not in seen):
        return PartResult(fallback="incomplete part")
    result.items = items
    if not result.findings:
        chunks.append(pl.Series("value", tokens, dtype=pl.String))
        del tokens
        column = pl.concat(chunks, rechunk=True)
        chunks.clear()
        result.invoices, result.lines = _cut_columns(column, line_counts, source_lines)
    return result


def _in_order(kind: str, seen: set[str], job: PartJob) -> bool:
    """Part 0: Entete then items; middle parts: items; the last part: items then Totaux (one part: all three)."""
    if kind == "header":
        return job.first and not seen
    if kind == "item":
        return (not job.first or "header" in seen) and "trailer" not in seen
    return job.last and "trailer" not in seen and (not job.first or "item" in seen)


# --- the whole file ---


def read_fac_lines(
    source: Source,
    name: str | None = None,
    limits: XmlLimits = XmlLimits(),
    processes: int | None = None,
    min_bytes: int = MIN_PARALLEL_BYTES,
) -> tuple[FileHeader, pl.DataFrame]:
    """``fac_lines_frame`` on ``processes`` processes (default ``core.parallel.processes()``) when the file has at
    least ``min_bytes``: same header and frame, or ``FindingsError`` with the same findings."""
    global last_read
    count = processes if processes is not None else parallel.processes()
    label = source_name(source, name)
    reason = _not_parallel(source, count, limits, min_bytes)
    plan = None if reason else _plan(Path(source), label, count, limits)  # type: ignore[arg-type]
    if isinstance(plan, str) or plan is None:
        last_read = ReadStats(fallback=reason or plan)
        return fac_lines_frame(source, name, limits)
    results = _run(plan)
    if isinstance(results, str):
        last_read = ReadStats(parts=len(plan), fallback=results)
        return fac_lines_frame(source, name, limits)
    last_read = ReadStats(
        parts=len(plan), worker_peaks_mb=[r.peak_mb for r in results], worker_cpu=sum(r.cpu for r in results[:-1])
    )
    merged = _merge(plan, results, label)
    if isinstance(merged, str):
        last_read.fallback = merged
        return fac_lines_frame(source, name, limits)
    return merged


def _not_parallel(source: Source, count: int, limits: XmlLimits, min_bytes: int) -> str | None:
    if count < 2:
        return "one process"
    if isinstance(source, bytes):
        return "contents given as bytes"
    try:
        size = Path(source).stat().st_size
    except OSError:
        return "unreadable"
    if size < min_bytes:
        return "small file"
    if size > limits.max_bytes:
        return "over the size limit"
    return None


def _plan(path: Path, label: str, count: int, limits: XmlLimits) -> list[PartJob] | str:
    """The parts of the file, or why it is read in one pass."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        head = stream.read(_HEAD)
    if check_source(head, label, limits):
        return "refused head"
    start_tag = _root_start_tag(head)
    if start_tag is None:
        return "root start tag not found"
    tag_start, tag_end = start_tag
    scan = KinScan(path, label, limits, expected_type="FAC")
    with path.open("rb") as stream:
        root_tag = scan._root_tag(stream)
    if root_tag is None or not scan._check_root_tag(root_tag) or scan.findings:
        return "root element"
    assert scan.layout is not None and scan.namespace is not None
    raw = head[tag_start:tag_end]
    qname = raw[1:].split(None, 1)[0].rstrip(b">").rstrip(b"/")
    if raw.endswith(b"/>"):
        return "empty root"
    prefix = qname.split(b":")[0] + b":" if b":" in qname else b""
    cuts = parallel.split_points(path, tag_end, size, count, b"</" + prefix + b"Facture>", LOCAL_SHARE)
    if not cuts:
        return "no invoice boundary"
    one_line = raw.replace(b"\r", b" ").replace(b"\n", b" ").replace(b"\t", b" ")
    bounds = [0, *cuts, size]
    jobs = []
    for index in range(len(bounds) - 1):
        first, last = index == 0, index == len(bounds) - 2
        jobs.append(
            PartJob(
                path=str(path),
                label=label,
                start=bounds[index],
                end=bounds[index + 1],
                lines_before=0,  # known when the previous parts are counted (see _run)
                prefix=b"" if first else one_line,
                suffix=b"" if last else b"</" + qname + b">",
                first=first,
                last=last,
                file_type="FAC",
                layout=scan.layout,
                namespace=scan.namespace,
                huge_tree=limits.huge_tree,
            )
        )
    return jobs


def _root_start_tag(head: bytes) -> tuple[int, int] | None:
    """Offsets of the root element's start tag in the head of the file (prolog: XML declaration, comments, PIs)."""
    at = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while at < len(head) and head[at : at + 1] in (b" ", b"\t", b"\r", b"\n"):
            at += 1
        if head.startswith(b"<?", at):
            end = head.find(b"?>", at)
            if end < 0:
                return None
            at = end + 2
        elif head.startswith(b"<!--", at):
            end = head.find(b"-->", at)
            if end < 0:
                return None
            at = end + 3
        elif head.startswith(b"<", at) and not head.startswith(b"<!", at):
            break
        else:
            return None
    quote = 0
    for position in range(at + 1, len(head)):
        byte = head[position]
        if quote:
            if byte == quote:
                quote = 0
        elif byte in (0x22, 0x27):
            quote = byte
        elif byte == 0x3E:  # ">"
            return at, position + 1
    return None


def _run(jobs: list[PartJob]) -> list[PartResult] | str:
    """Part 0 to the pool at once; then, as the newlines before each cut are counted, the next parts; the last
    part in this process."""
    executor = parallel.pool(max(1, len(jobs) - 1), PRELOAD)
    futures: list[Future[PartResult]] = []
    lines_before = 0
    try:
        for index, job in enumerate(jobs):
            if index:
                lines_before += parallel.count_newlines(Path(job.path), jobs[index - 1].start, job.start)
                job = jobs[index] = replace(job, lines_before=lines_before)
            if index < len(jobs) - 1:
                futures.append(executor.submit(read_part, job))
        local = read_part(jobs[-1], pooled=False)
        results = [future.result() for future in futures] + [local]
    except BrokenProcessPool:
        parallel.discard(executor)
        return "a worker process died"
    for result in results:
        if result.fallback:
            return result.fallback
    return results


def _merge(jobs: list[PartJob], results: list[PartResult], label: str) -> tuple[FileHeader, pl.DataFrame] | str:
    """The parts in file order: one findings list as the single pass makes it, or the header and the lines frame."""
    ordered: list[tuple[int, int, Finding]] = []  # (global order key, sequence, finding)
    first_lines: dict[str, int] = {}
    offset = 0
    total_items = sum(result.items for result in results)
    if not total_items:
        return "no invoice"
    sequence = 0
    for result in results:
        for position, finding in result.findings:
            key = total_items + 1 if position < 0 else offset + position
            if position > 0 and finding.location and finding.location.startswith(f"/FAC/Facture[{position}]"):
                shifted = f"/FAC/Facture[{offset + position}]" + finding.location[len(f"/FAC/Facture[{position}]") :]
                finding = replace(finding, location=shifted)
            ordered.append((key, sequence, finding))
            sequence += 1
        for position, number, line in result.keys:
            if number in first_lines:
                message = (
                    f"NumeroFacture {number!r} appears more than once; it must be unique in the file "
                    f"(first at line {first_lines[number]})"
                )
                where = f"/FAC/Facture[{offset + position}]/NumeroFacture"
                ordered.append(
                    (
                        offset + position,
                        sequence,
                        Finding("XSD-DUPLICATE", message, file=label, line=line, location=where),
                    )
                )
                sequence += 1
            else:
                first_lines[number] = line
        offset += result.items
    if len(ordered) > MAX_FINDINGS:
        return "too many findings"
    if ordered:
        ordered.sort(key=lambda entry: (entry[0], entry[1]))
        raise FindingsError([finding for _key, _sequence, finding in ordered])
    header = results[0].header
    if header is None:
        return "no header"
    invoices, lines = _shifted_frames(results)
    scan = KinScan(Path(jobs[0].path), label, expected_type="FAC")
    _check_fac_totals(scan, invoices, lines, results[-1].declared)
    if scan.findings:
        raise FindingsError(list(scan.findings))
    return header, lines.select(list(FAC_LINE_SCHEMA))


def _shifted_frames(results: list[PartResult]) -> tuple[pl.DataFrame, pl.DataFrame]:
    invoices, lines = [], []
    offset = 0
    for result in results:
        assert result.invoices is not None and result.lines is not None
        shift = pl.col("invoice_index") + pl.lit(offset, dtype=pl.Int32)
        invoices.append(result.invoices.with_columns(shift.alias("invoice_index")))
        lines.append(result.lines.select(list(FAC_LINE_SCHEMA)).with_columns(shift.alias("invoice_index")))
        offset += result.items
        result.invoices = result.lines = None
    return pl.concat(invoices, rechunk=True), pl.concat(lines, rechunk=True)


def warm() -> None:
    """Start the reading processes now (a fund worker's set-up), not inside its first large FAC."""
    count = parallel.processes()
    if count > 1:
        parallel.warm(count - 1, PRELOAD)


__all__ = ["MIN_PARALLEL_BYTES", "ReadStats", "last_read", "read_fac_lines", "read_part", "warm"]
