"""ZIP envelopes from outside, read safely in memory (shared by every scheme).

``read_zip`` returns the members of an archive or raises ``FindingsError`` with one finding per problem. Nothing is
ever written to disk. Checked: archive size; entry count; entry names (path traversal ``..``, absolute paths, drive
letters and backslashes, control characters, duplicates — also those differing only by case); symlinks and other
special files; encryption; compression method (stored or deflate only); declared sizes per entry and in total;
compression ratio; entries overlapping each other (the "overlapping files" bomb); then, while decompressing, the
real output is capped at the declared size (a bomb that lies about its size is stopped, not inflated), and the CRC is
checked; nested archives (by name and by content) are refused.

Decompression is done here from the raw entry bytes with ``zlib`` and ``max_length`` rather than through
``zipfile.ZipFile.open``, so that an entry producing more than it declares is *detected* and named, not silently cut.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tierspayant.core.findings import Finding, FindingsError

MiB = 1024 * 1024
RULE = "ZIP envelope"

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_FLAG_ENCRYPTED = 0x0001
_FLAG_STRONG_ENCRYPTION = 0x0040
_FLAG_UTF8 = 0x0800
_S_IFMT, _S_IFREG, _S_IFDIR, _S_IFLNK = 0o170000, 0o100000, 0o040000, 0o120000
_DRIVE = re.compile(r"^[A-Za-z]:")
ARCHIVE_EXTENSIONS = (".zip", ".jar", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".zst", ".cab", ".arj")
# (magic bytes, offset, what it is): content sniffing catches an archive hidden under an innocent name
_ARCHIVE_MAGIC = (
    (b"PK\x03\x04", 0, "ZIP"),
    (b"PK\x05\x06", 0, "ZIP (empty)"),
    (b"PK\x07\x08", 0, "ZIP (spanned)"),
    (b"\x1f\x8b", 0, "gzip"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7-Zip"),
    (b"Rar!\x1a\x07", 0, "RAR"),
    (b"BZh", 0, "bzip2"),
    (b"\xfd7zXZ\x00", 0, "xz"),
    (b"\x28\xb5\x2f\xfd", 0, "zstd"),
    (b"MSCF", 0, "cabinet"),
    (b"ustar", 257, "tar"),
)


@dataclass(frozen=True)
class ZipLimits:
    """How much an archive may hold. The ratio is only checked above ``ratio_floor_bytes`` (a few hundred kB of
    blanks compress 1000:1 and are harmless)."""

    max_archive_bytes: int = 512 * MiB
    max_entries: int = 10_000
    max_entry_bytes: int = 256 * MiB
    max_total_bytes: int = 1024 * MiB
    max_ratio: float = 200.0  # a generated 100 000-line FAC deflates about 50:1; zeros about 1000:1
    ratio_floor_bytes: int = 1 * MiB


@dataclass(frozen=True)
class ZipMember:
    """One file of the archive, in memory."""

    name: str
    data: bytes


def _finding(code: str, archive: str, entry: str | None, message: str) -> Finding:
    return Finding(code=code, message=message, file=archive, location=entry, rule=RULE)


def _name_findings(info: zipfile.ZipInfo, archive: str) -> list[Finding]:
    raw = info.orig_filename  # before zipfile cuts it at a NUL byte
    shown = raw.replace("\x00", "\\x00")
    findings: list[Finding] = []
    if not raw.strip("/"):
        findings.append(_finding("ZIP-NAME-UNSAFE", archive, shown, "an entry has an empty name"))
    if any(ord(char) < 32 or ord(char) == 127 for char in raw):
        findings.append(_finding("ZIP-NAME-UNSAFE", archive, shown, "the entry name contains control characters"))
    if "\\" in raw or _DRIVE.match(raw):
        message = "the entry name uses a Windows drive letter or backslashes; only relative '/' paths are accepted"
        findings.append(_finding("ZIP-WINDOWS-PATH", archive, shown, message))
    if raw.startswith("/"):
        findings.append(_finding("ZIP-ABSOLUTE-PATH", archive, shown, "the entry name is an absolute path"))
    if ".." in re.split(r"[/\\]", raw):
        message = "the entry name contains '..': it would be written outside the destination (path traversal)"
        findings.append(_finding("ZIP-PATH-TRAVERSAL", archive, shown, message))
    return findings


def _kind_findings(info: zipfile.ZipInfo, archive: str, limits: ZipLimits) -> list[Finding]:
    name = info.orig_filename
    findings: list[Finding] = []
    file_type = (info.external_attr >> 16) & _S_IFMT
    if file_type == _S_IFLNK:
        findings.append(_finding("ZIP-SYMLINK", archive, name, "the entry is a symbolic link; links are refused"))
    elif file_type not in (0, _S_IFREG, _S_IFDIR):
        message = f"the entry is a special file (mode {file_type:o}), not a regular file"
        findings.append(_finding("ZIP-SPECIAL-FILE", archive, name, message))
    if info.flag_bits & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION):
        findings.append(_finding("ZIP-ENCRYPTED", archive, name, "the entry is encrypted; send it unencrypted"))
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        message = f"compression method {info.compress_type} is not accepted (only stored and deflate)"
        findings.append(_finding("ZIP-METHOD", archive, name, message))
    if name.lower().endswith(ARCHIVE_EXTENSIONS):
        message = "the entry is itself an archive; nested archives are refused"
        findings.append(_finding("ZIP-NESTED-ARCHIVE", archive, name, message))
    if info.file_size > limits.max_entry_bytes:
        message = f"the entry declares {info.file_size} bytes, over the limit of {limits.max_entry_bytes}"
        findings.append(_finding("ZIP-ENTRY-TOO-LARGE", archive, name, message))
    if info.file_size > limits.ratio_floor_bytes:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            message = (
                f"the entry expands {ratio:.0f} times ({info.compress_size} → {info.file_size} bytes), over the limit "
                f"of {limits.max_ratio:.0f}: refused as a zip bomb"
            )
            findings.append(_finding("ZIP-RATIO", archive, name, message))
    return findings


def _duplicate_findings(infos: list[zipfile.ZipInfo], archive: str) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[str, str] = {}
    for info in infos:
        name = info.orig_filename
        key = str(PurePosixPath(name.rstrip("/"))).casefold()
        first = seen.get(key)
        if first is None:
            seen[key] = name
        elif first == name:
            findings.append(_finding("ZIP-DUPLICATE", archive, name, "the entry name appears more than once"))
        else:
            message = f"the entry name differs only by case (or form) from {first!r}; they would overwrite each other"
            findings.append(_finding("ZIP-DUPLICATE", archive, name, message))
    return findings


def sniff_archive(data: bytes) -> str | None:
    """The kind of archive ``data`` starts like (by its magic bytes), or None."""
    for magic, offset, kind in _ARCHIVE_MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return kind
    return None


def _inflate(info: zipfile.ZipInfo, data: bytes, archive: str) -> tuple[bytes | None, int, list[Finding]]:
    """(content, end offset of the entry's data, findings) for one entry, reading its raw bytes."""
    name = info.orig_filename
    offset = info.header_offset
    header = data[offset : offset + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
        return None, offset, [_finding("ZIP-CORRUPT", archive, name, "the entry's local header is missing or damaged")]
    fields = _LOCAL_HEADER.unpack(header)
    flags, name_length, extra_length = fields[2], fields[9], fields[10]
    local_name_bytes = data[offset + _LOCAL_HEADER.size : offset + _LOCAL_HEADER.size + name_length]
    # compare bytes, each header read with its own encoding flag: writers may set the UTF-8 flag in one header only
    central_name_bytes = name.encode("utf-8" if info.flag_bits & _FLAG_UTF8 else "cp437", errors="replace")
    local_name = local_name_bytes.decode("utf-8" if flags & _FLAG_UTF8 else "cp437", errors="replace")
    start = offset + _LOCAL_HEADER.size + name_length + extra_length
    end = start + info.compress_size
    findings: list[Finding] = []
    if local_name_bytes != central_name_bytes and local_name != name:
        message = f"the entry's local header names it {local_name!r}: two names for one entry are refused"
        findings.append(_finding("ZIP-NAME-MISMATCH", archive, name, message))
    if end > len(data):
        findings.append(_finding("ZIP-CORRUPT", archive, name, "the archive is truncated inside this entry"))
        return None, end, findings
    raw = data[start:end]
    if info.compress_type == zipfile.ZIP_STORED:
        content = raw
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            # never produce more than declared + 1 byte: the extra byte proves the declaration false
            content = inflater.decompress(raw, info.file_size + 1)
        except zlib.error as error:
            findings.append(_finding("ZIP-CORRUPT", archive, name, f"the compressed data is damaged ({error})"))
            return None, end, findings
        if len(content) > info.file_size:
            message = (
                f"the entry inflates to more than the {info.file_size} bytes it declares (a zip bomb lying about its "
                "size): decompression stopped"
            )
            findings.append(_finding("ZIP-SIZE-MISMATCH", archive, name, message))
            return None, end, findings
        if not inflater.eof:
            findings.append(_finding("ZIP-CORRUPT", archive, name, "the compressed data ends too early (truncated)"))
            return None, end, findings
    if len(content) != info.file_size:
        message = f"the entry holds {len(content)} bytes but declares {info.file_size}"
        findings.append(_finding("ZIP-SIZE-MISMATCH", archive, name, message))
        return None, end, findings
    if zlib.crc32(content) != info.CRC:
        findings.append(_finding("ZIP-CORRUPT", archive, name, "the entry's CRC does not match its content"))
        return None, end, findings
    return content, end, findings


def read_zip(data: bytes | Path, name: str, limits: ZipLimits = ZipLimits()) -> list[ZipMember]:
    """The files of a ZIP archive (directories left out), or ``FindingsError`` with every problem found."""
    size = data.stat().st_size if isinstance(data, Path) else len(data)  # a file too large is never read
    if size > limits.max_archive_bytes:
        message = f"the archive has {size} bytes, over the limit of {limits.max_archive_bytes}"
        raise FindingsError([_finding("ZIP-ARCHIVE-TOO-LARGE", name, None, message)])
    if isinstance(data, Path):
        data = data.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError, OSError) as error:
        message = f"not a readable ZIP archive (corrupt or truncated): {error}"
        raise FindingsError([_finding("ZIP-CORRUPT", name, None, message)]) from None
    if len(infos) > limits.max_entries:
        message = f"the archive has {len(infos)} entries, over the limit of {limits.max_entries}"
        raise FindingsError([_finding("ZIP-TOO-MANY-ENTRIES", name, None, message)])

    findings: list[Finding] = []
    for info in infos:
        findings += _name_findings(info, name)
        findings += _kind_findings(info, name, limits)
    findings += _duplicate_findings(infos, name)
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_bytes:
        message = f"the entries declare {total} bytes in total, over the limit of {limits.max_total_bytes}"
        findings.append(_finding("ZIP-TOTAL-TOO-LARGE", name, None, message))
    if findings:  # refuse before inflating anything
        raise FindingsError(findings)

    members: list[ZipMember] = []
    previous_end, previous_name = 0, ""
    for info in sorted(infos, key=lambda item: item.header_offset):
        if info.header_offset < previous_end:
            message = f"the entry overlaps {previous_name!r} in the archive (an overlapping-entries zip bomb)"
            findings.append(_finding("ZIP-OVERLAP", name, info.orig_filename, message))
            continue
        content, previous_end, entry_findings = _inflate(info, data, name)
        previous_name = info.orig_filename
        findings += entry_findings
        if content is None or info.is_dir():
            continue
        nested = sniff_archive(content)
        if nested:
            message = f"the entry is a {nested} archive (by its content); nested archives are refused"
            findings.append(_finding("ZIP-NESTED-ARCHIVE", name, info.orig_filename, message))
        members.append(ZipMember(info.orig_filename, content))
    if findings:
        raise FindingsError(findings)
    order = {info.orig_filename: index for index, info in enumerate(infos)}
    return sorted(members, key=lambda member: order[member.name])
