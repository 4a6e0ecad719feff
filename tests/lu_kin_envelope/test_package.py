"""KIN packages: build → read round trip through the real XML reader, and every refusal with its finding."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from kin_envelope_files import demaut_with_scans, kin_name
from kin_envelope_pdfs import scan_pdf

from tierspayant.core.envelope import ZipLimits
from tierspayant.core.findings import Effect, FindingsError
from tierspayant.schemes.lu_kin.examples import example, example_model
from tierspayant.schemes.lu_kin.formats.package import build_package, package_name, read_package


def zip_of(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def refused(data: bytes, name: str) -> list[tuple[str, str | None]]:
    with pytest.raises(FindingsError) as raised:
        read_package(data, name)
    return [(f.code, f.location) for f in raised.value.findings if f.effect != Effect.INFORM]


@pytest.fixture(scope="module")
def demaut() -> tuple[str, bytes, dict[str, bytes]]:
    return demaut_with_scans()


def test_round_trip(demaut: tuple[str, bytes, dict[str, bytes]]) -> None:
    xml_name, xml, documents = demaut
    data = build_package(xml_name, xml, documents)
    package = read_package(data, package_name(xml_name))
    assert package.xml_name == xml_name
    assert package.xml == xml
    assert package.documents == documents
    assert package.file_name.file_type == "DEMAUT"
    assert package.file_name.extension == "zip"
    assert package.name == xml_name.replace(".xml", ".zip")
    assert [f for f in package.findings if f.effect != Effect.INFORM] == []


def test_read_from_a_path_and_refused_unread_when_too_large(
    demaut: tuple[str, bytes, dict[str, bytes]], tmp_path: Path
) -> None:
    xml_name, xml, documents = demaut
    path = tmp_path / package_name(xml_name)
    path.write_bytes(build_package(xml_name, xml, documents))
    assert read_package(path, path.name).documents == documents
    with pytest.raises(FindingsError) as raised:
        read_package(path, path.name, ZipLimits(max_archive_bytes=path.stat().st_size - 1))
    assert [f.code for f in raised.value.findings] == ["ZIP-ARCHIVE-TOO-LARGE"]


def test_build_is_deterministic(demaut: tuple[str, bytes, dict[str, bytes]]) -> None:
    xml_name, xml, documents = demaut
    assert build_package(xml_name, xml, documents) == build_package(xml_name, xml, dict(reversed(documents.items())))


def test_fac_package_without_documents() -> None:
    model = example_model("FAC")
    xml_name = kin_name(model.header)
    package = read_package(build_package(xml_name, example("FAC"), {}), package_name(xml_name))
    assert package.documents == {}


def test_missing_document(demaut: tuple[str, bytes, dict[str, bytes]]) -> None:
    xml_name, xml, documents = demaut
    first = sorted(documents)[0]
    with pytest.raises(FindingsError) as raised:
        build_package(xml_name, xml, {k: v for k, v in documents.items() if k != first})
    [finding] = raised.value.findings
    assert finding.code == "PKG-DOCUMENT-MISSING"
    assert finding.location == f"request DA-2024-0001, prescription {first}"


def test_unreferenced_document(demaut: tuple[str, bytes, dict[str, bytes]]) -> None:
    xml_name, xml, documents = demaut
    with pytest.raises(FindingsError) as raised:
        build_package(xml_name, xml, {**documents, "EXTRA.pdf": scan_pdf([250])})
    assert [(f.code, f.location) for f in raised.value.findings] == [("PKG-DOCUMENT-UNREFERENCED", "EXTRA.pdf")]


def test_swapped_documents_fail_the_hash(demaut: tuple[str, bytes, dict[str, bytes]]) -> None:
    xml_name, xml, documents = demaut
    first, second = sorted(documents)[:2]
    swapped = {**documents, first: documents[second], second: documents[first]}
    with pytest.raises(FindingsError) as raised:
        build_package(xml_name, xml, swapped)
    assert [f.code for f in raised.value.findings] == ["PKG-DOCUMENT-HASH", "PKG-DOCUMENT-HASH"]


def test_bad_scan_is_named_with_its_package() -> None:
    xml_name, xml, documents = demaut_with_scans({2: 150})
    data = zip_of([(xml_name, xml), *documents.items()])
    name = package_name(xml_name)
    with pytest.raises(FindingsError) as raised:
        read_package(data, name)
    [finding] = raised.value.findings
    assert finding.code == "PDF-RESOLUTION"
    assert finding.file == f"{name}/ORD-DA-2024-0003.pdf"


def test_xml_named_unlike_the_package(demaut: tuple[str, bytes, dict[str, bytes]]) -> None:
    xml_name, xml, documents = demaut
    data = zip_of([("demaut.xml", xml), *documents.items()])
    assert ("PKG-XML-NAME", "demaut.xml") in refused(data, package_name(xml_name))


def test_package_name_must_be_a_kin_zip_name(demaut: tuple[str, bytes, dict[str, bytes]]) -> None:
    xml_name, xml, documents = demaut
    data = zip_of([(xml_name, xml), *documents.items()])
    assert [code for code, _ in refused(data, "upload.zip")] == ["KIN-NAME-FORMAT", "PKG-XML-NAME"]
    assert [code for code, _ in refused(data, xml_name)] == ["PKG-NAME"]  # same stem, wrong extension


def test_members(demaut: tuple[str, bytes, dict[str, bytes]]) -> None:
    xml_name, xml, documents = demaut
    name = package_name(xml_name)
    assert refused(zip_of(list(documents.items())), name) == [("PKG-NO-XML", None)]
    two = zip_of([(xml_name, xml), ("other.xml", xml), *documents.items()])
    assert ("PKG-SEVERAL-XML", None) in refused(two, name)
    extra = zip_of([(xml_name, xml), *documents.items(), ("notes.txt", b"hello")])
    assert refused(extra, name) == [("PKG-UNEXPECTED-MEMBER", "notes.txt")]
    nested = zip_of([(xml_name, xml), *[(f"scans/{k}", v) for k, v in documents.items()]])
    codes = [code for code, _ in refused(nested, name)]
    assert codes.count("PKG-MEMBER-PATH") == len(documents)
    assert codes.count("PKG-DOCUMENT-MISSING") == len(documents)


def test_name_and_content_disagree(demaut: tuple[str, bytes, dict[str, bytes]]) -> None:
    xml_name, xml, documents = demaut
    other = xml_name.replace("DA202403A", "DA202403B")
    data = zip_of([(other, xml), *documents.items()])
    assert refused(data, package_name(other)) == [("KIN-NAME-CONTENT", "reference")]
    as_fac = xml_name.replace("_DEMAUT_", "_FAC_")
    data = zip_of([(as_fac, xml), *documents.items()])
    assert ("KIN-NAME-CONTENT", "file type") in refused(data, package_name(as_fac))


def test_invalid_xml_is_reported_by_the_reader(demaut: tuple[str, bytes, dict[str, bytes]]) -> None:
    xml_name, xml, documents = demaut
    broken = xml.replace(b"<Matricule>", b"<Matricule>X", 1)
    findings = refused(zip_of([(xml_name, broken), *documents.items()]), package_name(xml_name))
    assert findings and all(code.startswith("XSD") for code, _ in findings)


def test_hostile_xml_inside_a_package(demaut: tuple[str, bytes, dict[str, bytes]]) -> None:
    xml_name, xml, documents = demaut
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + xml.split(b"?>", 1)[1]
    with pytest.raises(FindingsError) as raised:
        read_package(zip_of([(xml_name, hostile), *documents.items()]), package_name(xml_name))
    assert raised.value.findings
    assert all("root:" not in f.message for f in raised.value.findings)
    assert "XML-DTD" in [f.code for f in raised.value.findings]
    assert all(f.file == f"{package_name(xml_name)}/{xml_name}" for f in raised.value.findings)


def test_hostile_zip_keeps_the_name_findings(demaut: tuple[str, bytes, dict[str, bytes]]) -> None:
    xml_name, xml, _ = demaut
    data = zip_of([(xml_name, xml), ("../evil.pdf", b"x")])
    assert refused(data, "bad name.zip") == [("KIN-NAME-FORMAT", "name"), ("ZIP-PATH-TRAVERSAL", "../evil.pdf")]
