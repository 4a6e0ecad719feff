"""Hostile input is refused before parsing, with the right finding code, and nothing is resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.core.xmlsafe import XmlLimits, check_source, parse_document
from tierspayant.schemes.lu_kin import examples
from tierspayant.schemes.lu_kin.formats.frames import fac_lines_frame
from tierspayant.schemes.lu_kin.formats.reader import iter_file, read_file, validate_file

FAC = examples.example("FAC")
BODY = FAC.split(b"?>", 1)[1]  # the document without its XML declaration

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE FAC [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<FAC xmlns="urn:lu:cns:kin:fac:01" Layout="01"><Entete><Emetteur>&lol9;</Emetteur></Entete></FAC>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE FAC [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<FAC xmlns="urn:lu:cns:kin:fac:01" Layout="01"><Entete><Emetteur>&xxe;</Emetteur></Entete></FAC>"""

EXTERNAL_DTD = b'<?xml version="1.0"?>\n<!DOCTYPE FAC SYSTEM "http://127.0.0.1:9/kin.dtd">' + BODY

XINCLUDE = FAC.replace(
    b"<Entete>",
    b'<Entete><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>',
)


def codes(findings: list) -> set[str]:  # type: ignore[type-arg]
    return {f.code for f in findings}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (BILLION_LAUGHS, {"XML-DTD", "XML-ENTITY"}),
        (EXTERNAL_ENTITY, {"XML-DTD", "XML-ENTITY"}),
        (EXTERNAL_DTD, {"XML-DTD"}),
        (XINCLUDE, {"XML-XINCLUDE"}),
    ],
    ids=["billion-laughs", "external-entity", "external-dtd", "xinclude"],
)
def test_hostile_documents_are_refused_unresolved(data: bytes, expected: set[str]) -> None:
    findings = validate_file(data, "hostile.xml")
    assert codes(findings) == expected
    text = " ".join(str(f) for f in findings)
    assert "lollol" not in text and "root:" not in text  # nothing was expanded or read
    assert all(f.file == "hostile.xml" and f.line is not None for f in findings)
    for read in (read_file, iter_file, fac_lines_frame):
        with pytest.raises(FindingsError) as caught:
            read(data, "hostile.xml")
        assert codes(caught.value.findings) == expected
    with pytest.raises(FindingsError):
        parse_document(data, "hostile.xml")


def test_the_dtd_line_is_given() -> None:
    [dtd, entity] = sorted(validate_file(EXTERNAL_ENTITY, "x.xml"), key=lambda f: f.code)
    assert (dtd.code, dtd.line) == ("XML-DTD", 2)
    assert (entity.code, entity.line) == ("XML-ENTITY", 2)


def test_a_marker_split_across_scan_chunks_is_found(tmp_path: Path) -> None:
    # The XInclude namespace straddles the 1 MiB boundary of the pre-scan.
    marker = b"http://www.w3.org/2001/XInclude"
    declaration, opening = b"<?xml version='1.0'?>\n", b'<a xmlns:xi="'
    filler = (1 << 20) - 10 - len(declaration) - len(b"<!---->") - len(opening)
    data = declaration + b"<!--" + b"x" * filler + b"-->" + opening + marker + b'"/>'
    path = tmp_path / "big.xml"
    path.write_bytes(data)
    assert data.index(marker) < (1 << 20) < data.index(marker) + len(marker)
    assert codes(check_source(path)) == {"XML-XINCLUDE"}


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "fac.xml"
    path.write_bytes(FAC)
    [finding] = validate_file(path, limits=XmlLimits(max_bytes=1000))
    assert finding.code == "XML-SIZE" and finding.file == "fac.xml"
    assert validate_file(path) == []  # the default limit (2 GB) lets it through


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (FAC.decode().encode("utf-16"), "XML-ENCODING"),
        (FAC.replace(b"encoding='UTF-8'", b"encoding='ISO-8859-1'"), "XML-ENCODING"),
        (b"", "XML-MALFORMED"),
    ],
    ids=["utf-16", "latin-1", "empty"],
)
def test_encoding_and_empty(data: bytes, code: str) -> None:
    assert codes(validate_file(data, "x.xml")) == {code}


def test_truncated_file_gives_the_line() -> None:
    cut = FAC[: len(FAC) // 2]
    [finding] = validate_file(cut, "cut.xml")
    assert finding.code == "XML-MALFORMED"
    assert finding.line is not None and finding.line >= cut.count(b"\n")
    assert "truncated" in finding.message


def test_not_well_formed_gives_the_line() -> None:
    broken = FAC.replace(b"<Caisse>CNS</Caisse>", b"<Caisse>CNS</Caise>")
    [finding] = validate_file(broken, "broken.xml")
    expected_line = FAC[: FAC.index(b"<Caisse>CNS")].count(b"\n") + 1
    assert (finding.code, finding.line) == ("XML-MALFORMED", expected_line)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'<?xml version="1.0"?><Foo xmlns="urn:x"/>', "XML-ROOT"),
        (BODY.replace(b' xmlns="urn:lu:cns:kin:fac:01"', b""), "XML-ROOT"),
        (BODY.replace(b"urn:lu:cns:kin:fac:01", b"urn:lu:cns:kin:demaut:01"), "XML-ROOT"),
        (BODY.replace(b"urn:lu:cns:kin:fac:01", b"urn:lu:cns:kin:fac:03"), "XML-LAYOUT"),
        (BODY.replace(b'Layout="01"', b'Layout="02"'), "XML-LAYOUT"),
        (BODY.replace(b' Layout="01"', b""), "XSD-ATTRIBUTE"),
    ],
    ids=["foreign-root", "no-namespace", "namespace-of-another-type", "unknown-layout", "layout-mismatch", "no-layout"],
)
def test_wrong_root_namespace_or_layout(data: bytes, code: str) -> None:
    findings = validate_file(data, "x.xml")
    assert code in codes(findings), findings
    assert all(f.location and f.location.startswith("/") for f in findings)


def test_expected_type_mismatch_is_refused() -> None:
    [finding] = validate_file(FAC, "x.xml", expected_type="DEMAUT")
    assert finding.code == "XML-ROOT" and "expected a DEMAUT file" in finding.message


def test_every_marker_carries_a_sign_the_quick_search_looks_for() -> None:
    # The quick search may only say "no marker here" when none can be: each marker must hold one of its signs.
    from tierspayant.core.xmlsafe import _MARKERS, may_hold_marker

    for marker, _code, _message in _MARKERS:
        assert may_hold_marker(marker)
        assert may_hold_marker(b"<Facture>" + marker + b"</Facture>")
    assert not may_hold_marker(BODY)  # an ordinary KIN file takes the quick path
    assert may_hold_marker(BODY.replace(b"<Entete>", b"<!-- a comment --><Entete>"))  # then the markers decide
    assert not check_source(BODY.replace(b"<Entete>", b"<!-- a comment --><Entete>"), "comment.xml")
