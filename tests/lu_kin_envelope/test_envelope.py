"""ZIP envelope: hostile archives crafted here, each refused with the right finding; nothing touches the disk."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierspayant.core.envelope import ZipLimits, ZipMember, read_zip, sniff_archive
from tierspayant.core.findings import FindingsError

MiB = 1024 * 1024


def make_zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for entry, data in entries:
            info = entry if isinstance(entry, zipfile.ZipInfo) else zipfile.ZipInfo(entry)
            info.compress_type = method
            archive.writestr(info, data)
    return buffer.getvalue()


def patch_headers(data: bytes, *, flags_or: int = 0, file_size: int | None = None) -> bytes:
    """Rewrite the general-purpose flags and/or the uncompressed size in every local and central header."""
    patched = bytearray(data)
    position = 0
    while (position := patched.find(b"PK\x03\x04", position)) >= 0:
        (flags,) = struct.unpack_from("<H", patched, position + 6)
        struct.pack_into("<H", patched, position + 6, flags | flags_or)
        if file_size is not None:
            struct.pack_into("<L", patched, position + 22, file_size)
        position += 4
    position = 0
    while (position := patched.find(b"PK\x01\x02", position)) >= 0:
        (flags,) = struct.unpack_from("<H", patched, position + 8)
        struct.pack_into("<H", patched, position + 8, flags | flags_or)
        if file_size is not None:
            struct.pack_into("<L", patched, position + 24, file_size)
        position += 4
    return bytes(patched)


def refused(data: bytes | Path, limits: ZipLimits = ZipLimits()) -> list[tuple[str, str | None]]:
    with pytest.raises(FindingsError) as raised:
        read_zip(data, "package.zip", limits)
    for finding in raised.value.findings:
        assert finding.file == "package.zip"
        assert finding.message
    return [(finding.code, finding.location) for finding in raised.value.findings]


@pytest.fixture(autouse=True)
def nothing_written(tmp_path: Path) -> object:
    """Every test runs in an empty directory that must still be empty afterwards."""
    before = os.getcwd()
    os.chdir(tmp_path)
    yield
    os.chdir(before)
    assert list(tmp_path.iterdir()) == []


def test_good_archive_read_in_memory_in_order() -> None:
    data = make_zip([("b.xml", b"<a/>"), ("docs/", b""), ("a.pdf", b"%PDF-1.7 ...")])
    members = read_zip(data, "package.zip")
    assert members == [ZipMember("b.xml", b"<a/>"), ZipMember("a.pdf", b"%PDF-1.7 ...")]


def test_stored_entries_are_read_too() -> None:
    data = make_zip([("a.txt", b"hello")], method=zipfile.ZIP_STORED)
    assert read_zip(data, "package.zip") == [ZipMember("a.txt", b"hello")]


def test_path_argument(tmp_path: Path) -> None:
    path = tmp_path / "in.zip"
    path.write_bytes(make_zip([("a.txt", b"x")]))
    assert read_zip(path, "package.zip") == [ZipMember("a.txt", b"x")]
    path.unlink()


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ("../evil.xml", "ZIP-PATH-TRAVERSAL"),
        ("docs/../../evil.xml", "ZIP-PATH-TRAVERSAL"),
        ("/etc/cron.d/evil", "ZIP-ABSOLUTE-PATH"),
        ("C:/Windows/evil.dll", "ZIP-WINDOWS-PATH"),
        ("docs\\evil.pdf", "ZIP-WINDOWS-PATH"),
        ("evil\n.pdf", "ZIP-NAME-UNSAFE"),
    ],
)
def test_unsafe_names(entry: str, code: str) -> None:
    findings = refused(make_zip([("ok.xml", b"<a/>"), (entry, b"x")]))
    assert code in [c for c, _ in findings]
    assert all(location != "ok.xml" for _, location in findings)


def test_nul_byte_in_name() -> None:
    # zipfile cuts names at NUL when writing, so the byte is put into both headers afterwards
    data = make_zip([("evilX.pdf", b"x")]).replace(b"evilX.pdf", b"evil\x00.pdf")
    assert refused(data) == [("ZIP-NAME-UNSAFE", "evil\\x00.pdf")]


def test_windows_traversal_gives_both_findings() -> None:
    codes = [code for code, _ in refused(make_zip([("..\\..\\evil.exe", b"x")]))]
    assert codes == ["ZIP-WINDOWS-PATH", "ZIP-PATH-TRAVERSAL"]


def test_symlink() -> None:
    link = zipfile.ZipInfo("passwd.pdf")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    assert refused(make_zip([(link, b"/etc/passwd")])) == [("ZIP-SYMLINK", "passwd.pdf")]


def test_special_file() -> None:
    fifo = zipfile.ZipInfo("pipe")
    fifo.external_attr = 0o010644 << 16
    assert refused(make_zip([(fifo, b"")])) == [("ZIP-SPECIAL-FILE", "pipe")]


def test_duplicate_names() -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = make_zip([("a.pdf", b"1"), ("a.pdf", b"2")])
    assert refused(data) == [("ZIP-DUPLICATE", "a.pdf")]


def test_case_insensitive_duplicates() -> None:
    findings = refused(make_zip([("Scan.PDF", b"1"), ("scan.pdf", b"2")]))
    assert findings == [("ZIP-DUPLICATE", "scan.pdf")]


def test_too_many_entries() -> None:
    data = make_zip([(f"{index}.pdf", b"x") for index in range(6)])
    assert refused(data, ZipLimits(max_entries=5)) == [("ZIP-TOO-MANY-ENTRIES", None)]
    assert len(read_zip(data, "package.zip", ZipLimits(max_entries=6))) == 6


def test_entry_and_total_size_limits() -> None:
    data = make_zip([("a.pdf", os.urandom(3000)), ("b.pdf", os.urandom(3000))])
    assert refused(data, ZipLimits(max_entry_bytes=2999)) == [
        ("ZIP-ENTRY-TOO-LARGE", "a.pdf"),
        ("ZIP-ENTRY-TOO-LARGE", "b.pdf"),
    ]
    assert refused(data, ZipLimits(max_total_bytes=5999)) == [("ZIP-TOTAL-TOO-LARGE", None)]


def test_archive_size_limit(tmp_path: Path) -> None:
    data = make_zip([("a.pdf", os.urandom(5000))])
    assert refused(data, ZipLimits(max_archive_bytes=1000)) == [("ZIP-ARCHIVE-TOO-LARGE", None)]
    path = tmp_path / "big.zip"
    path.write_bytes(data)
    assert refused(path, ZipLimits(max_archive_bytes=1000)) == [("ZIP-ARCHIVE-TOO-LARGE", None)]
    path.unlink()


def test_bomb_by_ratio() -> None:
    data = make_zip([("bomb.xml", b"\0" * (20 * MiB))])
    assert len(data) < 100_000
    assert refused(data) == [("ZIP-RATIO", "bomb.xml")]


def test_small_compressible_entries_are_not_bombs() -> None:
    # 500 kB of blanks compresses ~1000:1 but stays under the ratio floor
    assert read_zip(make_zip([("blank.xml", b" " * 500_000)]), "package.zip")[0].data == b" " * 500_000


def test_bomb_lying_about_its_size_is_stopped_while_inflating() -> None:
    honest = make_zip([("bomb.xml", b"\0" * (20 * MiB))])
    lying = patch_headers(honest, file_size=1000)  # declares 1000 bytes: passes the size and ratio checks
    assert refused(lying) == [("ZIP-SIZE-MISMATCH", "bomb.xml")]


def test_entry_smaller_than_declared() -> None:
    lying = patch_headers(make_zip([("a.xml", b"<a>" * 100)]), file_size=500)
    assert refused(lying) == [("ZIP-SIZE-MISMATCH", "a.xml")]


def test_encrypted_flag() -> None:
    data = patch_headers(make_zip([("a.pdf", b"secret")]), flags_or=0x1)
    assert refused(data) == [("ZIP-ENCRYPTED", "a.pdf")]


def test_nested_archive_by_name_and_by_content() -> None:
    inner = make_zip([("x.pdf", b"x")])
    findings = refused(make_zip([("inner.zip", inner), ("innocent.pdf", inner), ("a.tar.gz", b"not really")]))
    assert findings == [
        ("ZIP-NESTED-ARCHIVE", "inner.zip"),
        ("ZIP-NESTED-ARCHIVE", "a.tar.gz"),
    ]  # by name first: nothing is inflated while the archive is already refused
    findings = refused(make_zip([("innocent.pdf", inner)]))
    assert findings == [("ZIP-NESTED-ARCHIVE", "innocent.pdf")]


def test_other_compression_methods_refused() -> None:
    data = make_zip([("a.xml", b"<a/>" * 100)], method=zipfile.ZIP_BZIP2)
    assert refused(data) == [("ZIP-METHOD", "a.xml")]


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.1])
def test_truncated_archive(keep: float) -> None:
    data = make_zip([("a.pdf", os.urandom(2000)), ("b.pdf", os.urandom(2000))])
    findings = refused(data[: int(len(data) * keep)])
    assert findings == [("ZIP-CORRUPT", None)]


def test_not_a_zip() -> None:
    assert refused(b"%PDF-1.7 not a zip") == [("ZIP-CORRUPT", None)]


def test_damaged_data_crc() -> None:
    data = bytearray(make_zip([("a.txt", b"hello world")], method=zipfile.ZIP_STORED))
    position = data.find(b"hello world")
    data[position] = ord("j")
    assert refused(bytes(data)) == [("ZIP-CORRUPT", "a.txt")]


def test_damaged_deflate_stream() -> None:
    data = bytearray(make_zip([("a.bin", os.urandom(5000))]))
    start = 30 + len("a.bin")
    data[start : start + 40] = b"\xff" * 40
    codes = [code for code, _ in refused(bytes(data))]
    assert codes == ["ZIP-CORRUPT"]


def test_overlapping_entries() -> None:
    # two central-directory records pointing at the same local entry: the "better zip bomb" construction
    data = make_zip([("a.xml", b"<a/>" * 10)])
    central = data.find(b"PK\x01\x02")
    end = data.find(b"PK\x05\x06")
    record = data[central:end]
    second = bytearray(record)
    second[46:51] = b"b.xml"  # same header offset, other name
    eocd = bytearray(data[end:])
    struct.pack_into("<HHL", eocd, 8, 2, 2, len(record) * 2)
    crafted = data[:central] + record + bytes(second) + bytes(eocd)
    codes = [code for code, _ in refused(crafted)]
    assert "ZIP-OVERLAP" in codes


def test_local_name_differs_from_central_name() -> None:
    data = bytearray(make_zip([("a.pdf", b"x")]))
    data[30:35] = b"z.exe"  # the local header's copy of the name
    assert refused(bytes(data)) == [("ZIP-NAME-MISMATCH", "a.pdf")]


def test_several_problems_are_all_reported() -> None:
    link = zipfile.ZipInfo("link.pdf")
    link.external_attr = 0o120777 << 16
    codes = [code for code, _ in refused(make_zip([("../x.pdf", b"1"), ("/y.pdf", b"2"), (link, b"z")]))]
    assert codes == ["ZIP-PATH-TRAVERSAL", "ZIP-ABSOLUTE-PATH", "ZIP-SYMLINK"]


safe_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}\.(pdf|xml)", fullmatch=True)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(safe_names, st.binary(max_size=2000), min_size=1, max_size=6).filter(
        lambda entries: len({name.casefold() for name in entries}) == len(entries)
    ),
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
)
def test_safe_archives_read_back_exactly(entries: dict[str, bytes], method: int) -> None:
    entries = {name: data for name, data in entries.items() if sniff_archive(data) is None}
    data = make_zip(list(entries.items()), method=method)
    assert read_zip(data, "package.zip") == [ZipMember(name, content) for name, content in entries.items()]
