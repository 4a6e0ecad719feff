"""Hardened XML input, shared by every XML reader of the project.

Every file from outside is hostile until checked. Before anything is parsed, ``check_source`` refuses:

- a file over the size limit (default 2 GB, configurable) — ``XML-SIZE``;
- an encoding other than UTF-8 (a UTF-16 file would hide the markers below from a byte scan) — ``XML-ENCODING``;
- a document type declaration (``<!DOCTYPE``: DTDs, internal subsets, external DTD references) — ``XML-DTD``;
- an entity declaration (``<!ENTITY``: billion laughs, external entities such as ``file:///etc/passwd``) —
  ``XML-ENTITY``;
- XInclude (the ``http://www.w3.org/2001/XInclude`` namespace anywhere in the file) — ``XML-XINCLUDE``.

The scan reads the whole file in chunks (a memchr-speed ``bytes.find``; markers split across two chunks are caught
by an overlap), so nothing declared anywhere is ever resolved. Then the parser itself is closed as well
(``resolve_entities=False``, ``no_network=True``, ``load_dtd=False``, no DTD validation, ``huge_tree`` only when
asked): belt and braces. Not-well-formed or truncated XML gives ``XML-MALFORMED`` with the line number.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from lxml import etree

from tierspayant.core.findings import Finding, FindingsError

DEFAULT_MAX_BYTES: Final = 2 * 1024**3
_CHUNK: Final = 1 << 20
_OVERLAP: Final = 64  # longer than the longest marker
XINCLUDE_NS: Final = b"http://www.w3.org/2001/XInclude"
# Markers, as bytes of a UTF-8 (or ASCII) document. Case matters: XML keywords are case-sensitive.
_MARKERS: Final[tuple[tuple[bytes, str, str], ...]] = (
    (
        b"<!DOCTYPE",
        "XML-DTD",
        "the file carries a document type declaration (DTD); KIN files must not have one — remove the <!DOCTYPE …>",
    ),
    (
        b"<!ENTITY",
        "XML-ENTITY",
        "the file declares XML entities; they are refused without being expanded (entity expansion and external "
        "entities are a known attack)",
    ),
    (
        XINCLUDE_NS,
        "XML-XINCLUDE",
        "the file uses XInclude; including other documents is refused (nothing was included)",
    ),
)
# What every marker holds and a document seldom does: a window holding none of these holds no marker. Searching them
# (a single byte goes by memchr) is several times quicker than searching each marker over a large file.
_SIGNS: Final = (b"!", XINCLUDE_NS)
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")


@dataclass(frozen=True, slots=True)
class XmlLimits:
    """Limits for one XML input. ``huge_tree`` lifts libxml2's own limits (text nodes > 10 MB, depth > 256)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    huge_tree: bool = False


Source = Path | str | bytes


def source_name(source: Source, name: str | None = None) -> str:
    """The name findings use: the given name, else the file name, else ``<bytes>``."""
    if name:
        return name
    if isinstance(source, bytes):
        return "<bytes>"
    return Path(source).name


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _check_head(head: bytes, name: str) -> list[Finding]:
    """Encoding checks on the first bytes."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00"):
        return [Finding("XML-ENCODING", "the file is UTF-16/UTF-32 encoded; KIN files are UTF-8", file=name, line=1)]
    if b"\x00" in head[:4]:
        return [Finding("XML-ENCODING", "the file is not UTF-8 text (NUL bytes at its start)", file=name, line=1)]
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    match = _DECLARED_ENCODING.match(body)
    if match and match.group(1).decode("ascii").upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        declared = match.group(1).decode("ascii")
        return [
            Finding("XML-ENCODING", f"the file declares encoding {declared!r}; KIN files are UTF-8", file=name, line=1)
        ]
    return []


def _chunks(source: Source) -> Iterator[bytes]:
    if isinstance(source, bytes):
        for start in range(0, len(source), _CHUNK):
            yield source[start : start + _CHUNK]
        return
    with open(source, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk


def may_hold_marker(data: bytes) -> bool:
    """False when ``data`` certainly holds none of the hostile markers (True: look for the markers themselves)."""
    return any(sign in data for sign in _SIGNS)


def check_source(source: Source, name: str | None = None, limits: XmlLimits = XmlLimits()) -> list[Finding]:
    """Findings that forbid parsing ``source`` at all (empty list: it may be parsed with ``safe_iterparse``)."""
    label = source_name(source, name)
    if isinstance(source, bytes):
        size = len(source)
    else:
        try:
            size = Path(source).stat().st_size
        except OSError as exc:
            return [Finding("XML-READ", f"cannot read the file: {exc.strerror or exc}", file=label)]
    if size > limits.max_bytes:
        return [
            Finding(
                "XML-SIZE",
                f"the file has {size:,} bytes, over the limit of {limits.max_bytes:,}; it was not read",
                file=label,
            )
        ]
    if size == 0:
        return [Finding("XML-MALFORMED", "the file is empty", file=label, line=1)]
    findings: list[Finding] = []
    seen: set[str] = set()
    tail = b""
    lines_before = 0  # newlines in the chunks already scanned (minus the overlap kept in ``tail``)
    for index, chunk in enumerate(_chunks(source)):
        if index == 0:
            findings.extend(_check_head(chunk[:1024], label))
            if findings:
                return findings
        window = tail + chunk
        for marker, code, message in _MARKERS if may_hold_marker(window) else ():
            if code in seen:
                continue
            at = window.find(marker)
            if at >= 0:
                seen.add(code)
                findings.append(Finding(code, message, file=label, line=lines_before + _line_of(window, at)))
        tail = window[-_OVERLAP:]
        lines_before += window.count(b"\n") - tail.count(b"\n")
    return findings


def safe_parser_options(limits: XmlLimits = XmlLimits()) -> dict[str, Any]:
    """Keyword arguments closing an lxml parser / iterparse to DTDs, entities and the network."""
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": limits.huge_tree,
        "remove_comments": True,
        "remove_pis": True,
    }


def safe_parser(limits: XmlLimits = XmlLimits()) -> etree.XMLParser:
    """A closed lxml parser (use after ``check_source``)."""
    return etree.XMLParser(**safe_parser_options(limits))


def open_source(source: Source) -> IO[bytes]:
    """A binary stream over the source (the caller closes it)."""
    if isinstance(source, bytes):
        return io.BytesIO(source)
    return open(source, "rb")


def safe_iterparse(
    stream: IO[bytes], events: tuple[str, ...] = ("end",), tag: Any = None, limits: XmlLimits = XmlLimits()
) -> Any:
    """lxml ``iterparse`` over ``stream`` with every door closed (use after ``check_source``)."""
    options = safe_parser_options(limits)
    return etree.iterparse(stream, events=events, tag=tag, **options)


def _line_count(source: Source) -> int:
    return sum(chunk.count(b"\n") for chunk in _chunks(source)) + 1


def malformed_finding(exc: etree.XMLSyntaxError, name: str, source: Source | None = None) -> Finding:
    """A not-well-formed / truncated document as a finding with its line number.

    With ``source``, an error on the last line is reported as a truncated file (an interrupted transfer is the
    usual cause, and the fix — send the file again — differs from fixing the XML).
    """
    line = exc.lineno if exc.lineno else None
    message = (exc.msg or str(exc)).strip()
    message = re.sub(r",? line \d+, column \d+$", "", message)
    truncated = "Premature end of data" in message
    if source is not None and line is not None and not truncated:
        truncated = line >= _line_count(source)
    if truncated:
        return Finding("XML-MALFORMED", f"the file ends too early (truncated?): {message}", file=name, line=line)
    return Finding("XML-MALFORMED", f"not well-formed XML: {message}", file=name, line=line)


def parse_document(source: Source, name: str | None = None, limits: XmlLimits = XmlLimits()) -> etree._Element:
    """Parse a whole (small) document safely; ``FindingsError`` when it is hostile or malformed."""
    label = source_name(source, name)
    findings = check_source(source, name, limits)
    if findings:
        raise FindingsError(findings)
    with open_source(source) as stream:
        try:
            return etree.parse(stream, safe_parser(limits)).getroot()
        except etree.XMLSyntaxError as exc:
            raise FindingsError([malformed_finding(exc, label, source)]) from None


__all__ = [
    "DEFAULT_MAX_BYTES",
    "XmlLimits",
    "check_source",
    "malformed_finding",
    "may_hold_marker",
    "open_source",
    "parse_document",
    "safe_iterparse",
    "safe_parser",
    "safe_parser_options",
    "source_name",
]
