"""XSD and content errors come back as findings with the file, the line, the element path and a plain message."""

from __future__ import annotations

import re

import pytest

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.schemes.lu_kin import examples
from tierspayant.schemes.lu_kin.formats.reader import iter_file, read_file, validate_file

FAC = examples.example("FAC").decode()
DEMAUT = examples.example("DEMAUT").decode()
RETAUT = examples.example("RETAUT").decode()
RETFAC = examples.example("RETFAC").decode()


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    at = -1
    for _ in range(occurrence):
        at = text.index(fragment, at + 1)
    return text[:at].count("\n") + 1


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def replace_nth(text: str, old: str, new: str, occurrence: int) -> str:
    at = -1
    for _ in range(occurrence):
        at = text.index(old, at + 1)
    return text[:at] + new + text[at + len(old) :]


def test_bad_date_in_the_third_invoice_line() -> None:
    bad = replace_nth(FAC, "<DatePrestation>2024-03-15", "<DatePrestation>2024-02-30", 1)
    finding = only(validate_file(bad.encode(), "fac.xml"))
    assert finding.code == "XSD-DATE"
    assert finding.location == "/FAC/Facture[1]/Ligne[3]/DatePrestation"
    assert finding.line == line_of(bad, "2024-02-30")
    assert finding.file == "fac.xml"
    assert "'2024-02-30' is not a real date" in finding.message


@pytest.mark.parametrize(
    ("old", "new", "occurrence", "code", "location", "words"),
    [
        (
            "<CodeActe>ZK21</CodeActe>",
            "<CodeActe>zk21</CodeActe>",
            1,
            "XSD-FORMAT",
            "/FAC/Facture[2]/Ligne[1]/CodeActe",
            "an act code",
        ),
        ("<Caisse>CMFEP</Caisse>", "<Caisse>XYZ</Caisse>", 1, "XSD-CODE", "/FAC/Facture[2]/Caisse", "CNS, CMFEP"),
        (
            "<MontantTarif>29.87",
            "<MontantTarif>-29.87",
            2,
            "XSD-NUMBER",
            "/FAC/Facture[1]/Ligne[2]/MontantTarif",
            "at least 0",
        ),
        (
            "<Participation>8.96<",
            "<Participation>8.961<",
            1,
            "XSD-NUMBER",
            "/FAC/Facture[1]/Ligne[1]/Participation",
            "more than 2 decimals",
        ),
        (
            "<CategorieLieu>02</CategorieLieu>",
            "",
            1,
            "XSD-MISSING",
            "/FAC/Facture[2]/Ligne[4]/MontantTarif",
            "<CategorieLieu> is missing",
        ),
        (
            "<TotalTarif>",
            "<Remise>1</Remise><TotalTarif>",
            2,
            "XSD-UNEXPECTED",
            "/FAC/Facture[2]/Remise",
            "<Remise> is not allowed here",
        ),
        (
            "<NumeroLigne>4</NumeroLigne>",
            "<NumeroLigne>3</NumeroLigne>",
            2,
            "XSD-DUPLICATE",
            "/FAC/Facture[2]/Ligne[4]",
            "NumeroLigne '3'",
        ),
        (
            "<Matricule>1979122003208</Matricule>",
            "<Matricule>197912200320</Matricule>",
            1,
            "XSD-FORMAT",
            "/FAC/Facture[2]/Matricule",
            "13 digits",
        ),
        ("<Facture>", '<Facture statut="urgent">', 2, "XSD-ATTRIBUTE", "/FAC/Facture[2]", "statut"),
        (
            "<DatePrestation>2024-03-12</DatePrestation>",
            "<DatePrestation/>",
            1,
            "XSD-DATE",
            "/FAC/Facture[2]/Ligne[1]/DatePrestation",
            "'' is not a real date",
        ),
    ],
    ids=[
        "pattern",
        "enumeration",
        "negative",
        "decimals",
        "missing",
        "unexpected",
        "duplicate-line",
        "matricule",
        "attribute",
        "empty-date",
    ],
)
def test_xsd_errors_are_translated(old: str, new: str, occurrence: int, code: str, location: str, words: str) -> None:
    bad = replace_nth(FAC, old, new, occurrence)
    finding = only(validate_file(bad.encode(), "fac.xml"))
    assert (finding.code, finding.location) == (code, location)
    assert words in finding.message
    assert finding.line is not None


def test_every_error_of_a_file_is_reported_in_one_pass() -> None:
    bad = replace_nth(FAC, "<DatePrestation>2024-03-15", "<DatePrestation>2024-13-15", 1)
    bad = replace_nth(bad, "<CodeActe>ZK21</CodeActe>", "<CodeActe>z</CodeActe>", 2)
    findings = validate_file(bad.encode(), "fac.xml")
    assert [f.location for f in findings] == [
        "/FAC/Facture[1]/Ligne[3]/DatePrestation",
        "/FAC/Facture[2]/Ligne[2]/CodeActe",
    ]


def test_duplicate_invoice_numbers_across_the_file() -> None:
    bad = FAC.replace("MH-2024-03-002", "MH-2024-03-001")
    finding = only(validate_file(bad.encode(), "fac.xml"))
    assert finding.code == "XSD-DUPLICATE" and finding.location == "/FAC/Facture[2]/NumeroFacture"
    assert f"first at line {line_of(bad, '<Facture>')}" in finding.message


def test_duplicate_request_and_document_in_a_demaut() -> None:
    bad = DEMAUT.replace("DA-2024-0002", "DA-2024-0001")
    found = {(f.code, f.location) for f in validate_file(bad.encode(), "d.xml")}
    assert found == {
        ("XSD-DUPLICATE", "/DEMAUT/Demande[2]/IdDemande"),
        ("XSD-DUPLICATE", "/DEMAUT/Demande[2]/NomFichier"),
    }


def test_declared_totals_must_match_the_lines() -> None:
    bad = FAC.replace("<TotalDemande>83.64</TotalDemande>", "<TotalDemande>83.65</TotalDemande>", 1)
    assert bad != FAC
    findings = validate_file(bad.encode(), "fac.xml")
    assert {f.code for f in findings} == {"KIN-TOTAL"}
    assert findings[0].location == "/FAC/Facture[1]"
    assert "total_asked is 83.65 but the content gives 83.64" in findings[0].message


def test_declared_file_counts_must_match() -> None:
    bad = FAC.replace("<NombreLignes>8</NombreLignes>", "<NombreLignes>9</NombreLignes>")
    finding = only(validate_file(bad.encode(), "fac.xml"))
    assert (finding.code, finding.location) == ("KIN-TOTAL", "/FAC/Totaux/NombreLignes")
    assert finding.line == line_of(bad, "<NombreLignes>")
    with pytest.raises(FindingsError):
        read_file(bad.encode())


def test_retaut_counts_by_outcome() -> None:
    bad = RETAUT.replace("<NombreRefus>1</NombreRefus>", "<NombreRefus>2</NombreRefus>")
    finding = only(validate_file(bad.encode(), "r.xml"))
    assert (finding.code, finding.location) == ("KIN-TOTAL", "/RETAUT/Controle/NombreRefus")


def test_model_rule_beyond_the_xsd_is_a_finding() -> None:
    # Covered above asked passes the XSD (both are amounts) but not the model.
    bad = RETFAC.replace(
        "<MontantPrisEnCharge>20.91</MontantPrisEnCharge>", "<MontantPrisEnCharge>99.00</MontantPrisEnCharge>", 1
    )
    findings = validate_file(bad.encode(), "r.xml")
    assert findings and findings[0].code in ("KIN-CONSISTENCY", "KIN-TOTAL")
    assert any("exceeds amount_asked" in f.message for f in findings)


@pytest.mark.parametrize(
    ("old", "new", "code", "words"),
    [
        ("  <Totaux>", "  <Foo/>\n  <Totaux>", "XSD-UNEXPECTED", "<Foo> is not allowed"),
        ("  <Totaux>", "  stray text\n  <Totaux>", "XSD-TEXT", "stray text"),
        ("<Entete>", "<Entete>", "", ""),
    ],
    ids=["unknown-top-level-element", "top-level-text", "unchanged"],
)
def test_top_level_structure(old: str, new: str, code: str, words: str) -> None:
    findings = validate_file(FAC.replace(old, new, 1).encode(), "fac.xml")
    if not code:
        assert findings == []
        return
    finding = only(findings)
    assert finding.code == code and words in finding.message


def test_missing_trailer_and_items() -> None:
    start, end = FAC.index("  <Facture>"), FAC.index("</FAC>")
    findings = validate_file((FAC[:start] + FAC[end:]).encode(), "fac.xml")
    assert {(f.code, f.message) for f in findings} == {
        ("XSD-MISSING", "<FAC> has no <Facture>; at least one is required"),
        ("XSD-MISSING", "<FAC> ends without <Totaux>"),
    }


def test_trailer_before_items_is_out_of_order() -> None:
    totals = FAC[FAC.index("  <Totaux>") : FAC.index("</FAC>")]
    moved = FAC.replace(totals, "").replace("  <Facture>", totals + "  <Facture>", 1)
    codes = {f.code for f in validate_file(moved.encode(), "fac.xml")}
    assert "XSD-UNEXPECTED" in codes


def test_iter_file_raises_on_the_first_bad_item_after_the_good_ones() -> None:
    bad = replace_nth(FAC, "<CodeActe>ZK21</CodeActe>", "<CodeActe>z</CodeActe>", 1)
    header, items = iter_file(bad.encode(), "fac.xml")
    assert header.reference == "FA202403"
    first = next(items)
    assert first.invoice_number == "MH-2024-03-001"
    with pytest.raises(FindingsError) as caught:
        next(items)
    assert caught.value.findings[0].location == "/FAC/Facture[2]/Ligne[1]/CodeActe"


def test_valid_examples_have_no_findings() -> None:
    for text in (FAC, DEMAUT, RETAUT, RETFAC):
        assert validate_file(text.encode(), "example.xml") == []


def test_an_empty_retfac_must_say_why() -> None:
    start, end = RETFAC.index("  <Facture>"), RETFAC.index("  <Totaux>")
    empty = RETFAC[:start] + RETFAC[end:]
    empty = re.sub(r"<(NombreFactures|NombreLignes)>\d+<", r"<\1>0<", empty)
    empty = re.sub(r"<(TotalDemande|TotalPrisEnCharge|TotalConteste)>[0-9.]+<", r"<\1>0.00<", empty)
    finding = only(validate_file(empty.encode(), "r.xml"))
    assert (finding.code, finding.location) == ("KIN-CONSISTENCY", "/RETFAC")
    with pytest.raises(FindingsError):
        read_file(empty.encode())


def test_top_level_elements_wrapped_in_an_unknown_element() -> None:
    start, end = FAC.index("  <Entete>"), FAC.index("</FAC>")
    wrapped = FAC[:start] + "<Paquet>" + FAC[start:end] + "</Paquet>" + FAC[end:]
    finding = only(validate_file(wrapped.encode(), "fac.xml"))  # refused at once: no whole-file tree in memory
    assert (finding.code, finding.location, finding.line) == ("XSD-UNEXPECTED", "/FAC/Paquet", 3)
