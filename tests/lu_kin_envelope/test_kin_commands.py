"""``tierspayant kin validate`` and ``kin example`` through the real readers, writers and checks."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from kin_envelope_files import demaut_with_scans, kin_name
from typer.testing import CliRunner

from tierspayant.cli import app
from tierspayant.schemes.lu_kin.examples import example, example_model
from tierspayant.schemes.lu_kin.formats.package import build_package, package_name

runner = CliRunner()
TYPES = ["DEMAUT", "RETAUT", "FAC", "RETFAC"]


def validate(*paths: Path) -> tuple[int, list[dict[str, object]]]:
    result = runner.invoke(app, ["kin", "validate", "--json", *map(str, paths)])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("file_type", TYPES)
def test_example_is_valid_under_its_name(tmp_path: Path, file_type: str) -> None:
    path = tmp_path / kin_name(example_model(file_type).header)
    result = runner.invoke(app, ["kin", "example", file_type.lower(), "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == example(file_type)
    code, report = validate(path)
    assert code == 0, report
    assert report == [{"file": str(path), "valid": True, "findings": []}]


def test_example_to_stdout() -> None:
    result = runner.invoke(app, ["kin", "example", "FAC"])
    assert result.exit_code == 0
    assert result.stdout_bytes == example("FAC")


def test_example_unknown_type() -> None:
    assert runner.invoke(app, ["kin", "example", "INVOICE"]).exit_code == 2


def test_wrong_name_and_content_mismatch(tmp_path: Path) -> None:
    wrong = tmp_path / "fac.xml"
    wrong.write_bytes(example("FAC"))
    mislabelled = tmp_path / kin_name(example_model("FAC").header).replace("_FAC_", "_DEMAUT_")
    mislabelled.write_bytes(example("FAC"))
    code, report = validate(wrong, mislabelled)
    assert code == 1
    # a file saved under another name is checked under the name its header gives it, and told so
    derived = kin_name(example_model("FAC").header)
    assert report[0]["valid"] is True
    [info] = report[0]["findings"]  # type: ignore[misc]
    assert info["code"] == "KIN-NAME-DERIVED" and info["effect"] == "inform" and derived[:16] in info["message"]
    findings = report[1]["findings"]
    assert [(f["code"], f["location"]) for f in findings] == [("KIN-NAME-CONTENT", "file type")]  # type: ignore[index]


def test_the_readme_example_runs_as_written(tmp_path: Path) -> None:
    """README: ``tierspayant kin example FAC > fac.xml`` then ``tierspayant kin validate fac.xml``."""
    fac = tmp_path / "fac.xml"
    fac.write_bytes(runner.invoke(app, ["kin", "example", "FAC"]).stdout_bytes)
    result = runner.invoke(app, ["kin", "validate", str(fac)])
    assert result.exit_code == 0, result.output


def test_a_name_given_is_the_name_checked(tmp_path: Path) -> None:
    fac = tmp_path / "fac.xml"
    fac.write_bytes(example("FAC"))
    right = kin_name(example_model("FAC").header)
    assert runner.invoke(app, ["kin", "validate", "--name", right, str(fac)]).exit_code == 0
    wrong = right.replace("_FAC_", "_DEMAUT_")
    assert runner.invoke(app, ["kin", "validate", "--name", wrong, str(fac)]).exit_code == 1
    garbage = tmp_path / "notes.xml"
    garbage.write_bytes(b"<notes/>")
    code, report = validate(garbage)  # no header to name it by: the name is refused as before
    assert code == 1 and "KIN-NAME-FORMAT" in [f["code"] for f in report[0]["findings"]]  # type: ignore[index]


def test_one_invalid_file_makes_exit_one(tmp_path: Path) -> None:
    good = tmp_path / kin_name(example_model("RETAUT").header)
    good.write_bytes(example("RETAUT"))
    bad = tmp_path / kin_name(example_model("FAC").header)
    bad.write_bytes(example("FAC").replace(b"<Matricule>", b"<Matricule>0", 1))
    code, report = validate(good, bad)
    assert code == 1
    assert [item["valid"] for item in report] == [True, False]
    [finding] = report[1]["findings"]  # type: ignore[misc]
    assert finding["file"] == bad.name
    assert finding["line"] is not None
    assert finding["code"].startswith("XSD")


def test_package_valid_and_refused(tmp_path: Path) -> None:
    xml_name, xml, documents = demaut_with_scans()
    package = tmp_path / package_name(xml_name)
    package.write_bytes(build_package(xml_name, xml, documents))
    assert validate(package) == (0, [{"file": str(package), "valid": True, "findings": []}])

    bad_name, bad_xml, bad_documents = demaut_with_scans({0: 600})
    refused = tmp_path / "refused" / package_name(bad_name)
    refused.parent.mkdir()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(bad_name, bad_xml)
        for name, data in bad_documents.items():
            archive.writestr(name, data)
    refused.write_bytes(buffer.getvalue())
    code, report = validate(refused)
    assert code == 1
    [finding] = report[0]["findings"]  # type: ignore[misc]
    assert finding["code"] == "PDF-RESOLUTION"
    assert finding["location"].startswith("page 1, image")


def test_missing_file(tmp_path: Path) -> None:
    code, report = validate(tmp_path / "nope.xml")
    assert code == 1
    assert report[0]["findings"][0]["code"] == "FILE-NOT-FOUND"  # type: ignore[index]


def test_table_output(tmp_path: Path) -> None:
    path = tmp_path / "fac.xml"
    path.write_bytes(example("FAC").replace(b"<Reference>", b"<Reference>TOO-LONG-" + b"X" * 40, 1))
    result = runner.invoke(app, ["kin", "validate", str(path)])
    assert result.exit_code == 1
    assert "KIN-NAME-FORMAT" in result.stdout


def test_hostile_xml_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / kin_name(example_model("FAC").header)
    body = example("FAC").split(b"?>", 1)[1]
    path.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + body)
    code, report = validate(path)
    assert code == 1
    codes = [f["code"] for f in report[0]["findings"]]  # type: ignore[union-attr]
    assert "XML-DTD" in codes
    assert "root:" not in json.dumps(report)


def test_hostile_zip_refused(tmp_path: Path) -> None:
    xml_name, xml, _ = demaut_with_scans()
    path = tmp_path / package_name(xml_name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(xml_name, xml)
        archive.writestr("../../etc/evil.pdf", b"x")
    path.write_bytes(buffer.getvalue())
    code, report = validate(path)
    assert code == 1
    assert [(f["code"], f["location"]) for f in report[0]["findings"]] == [  # type: ignore[union-attr]
        ("ZIP-PATH-TRAVERSAL", "../../etc/evil.pdf")
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nothing extracted
