"""KIN file names: build → parse round trip, and one clear message per malformed part."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.formats.naming import FILE_TYPES, KinFileName, check_name

GOOD = "F12345678202403_KIN_FAC_01_20240405_REF-2024.03"


def test_parse_good_name() -> None:
    name = KinFileName.parse(GOOD + ".xml")
    assert name.provider_code == "12345678"
    assert (name.year, name.month) == (2024, 3)
    assert name.legal_frame == "KIN"
    assert name.file_type == "FAC"
    assert name.layout == "01"
    assert name.send_date == date(2024, 4, 5)
    assert name.reference == "REF-2024.03"
    assert name.extension == "xml"
    assert name.stem == GOOD
    assert name.build() == GOOD + ".xml"


@pytest.mark.parametrize(("suffix", "extension"), [("", None), (".zip", "zip"), (".ZIP", "zip"), (".Xml", "xml")])
def test_optional_extension(suffix: str, extension: str | None) -> None:
    parsed = KinFileName.parse(GOOD + suffix)
    assert parsed.extension == extension
    assert parsed.stem == GOOD
    assert parsed.with_extension(None).build() == GOOD


def _codes(name: str) -> list[str]:
    return [finding.code for finding in check_name(name)]


@pytest.mark.parametrize(
    ("name", "code", "fragment"),
    [
        ("G12345678202403_KIN_FAC_01_20240405_R1", "KIN-NAME-PREFIX", "starts with 'F'"),
        ("F1234567A202403_KIN_FAC_01_20240405_R1", "KIN-NAME-PROVIDER", "8 digits, found '1234567A'"),
        ("F00000000202403_KIN_FAC_01_20240405_R1", "KIN-NAME-PROVIDER", "all zeros"),
        ("F12345678002403_KIN_FAC_01_20240405_R1", "KIN-NAME-YEAR", "4 digits, found '0024'"),
        ("F12345678202413_KIN_FAC_01_20240405_R1", "KIN-NAME-MONTH", "01–12, found '13'"),
        ("F12345678202400_KIN_FAC_01_20240405_R1", "KIN-NAME-MONTH", "01–12, found '00'"),
        ("F12345678202403_KINE_FAC_01_20240405_R1", "KIN-NAME-FRAME", "'KIN', found 'KINE'"),
        ("F12345678202403_KIN_FACT_01_20240405_R1", "KIN-NAME-TYPE", "found 'FACT'"),
        ("F12345678202403_KIN_fac_01_20240405_R1", "KIN-NAME-TYPE", "(in capitals)"),
        ("F12345678202403_KIN_FAC_1_20240405_R1", "KIN-NAME-LAYOUT", "2 digits, found '1'"),
        ("F12345678202403_KIN_FAC_03_20240405_R1", "KIN-NAME-LAYOUT", "layout 03 is not known"),
        ("F12345678202403_KIN_FAC_01_2024045_R1", "KIN-NAME-SEND-DATE", "8 digits"),
        ("F12345678202403_KIN_FAC_01_20240230_R1", "KIN-NAME-SEND-DATE", "day 30 does not exist in February 2024"),
        ("F12345678202403_KIN_FAC_01_20241301_R1", "KIN-NAME-SEND-DATE", "month 13 does not exist"),
        ("F12345678202403_KIN_FAC_01_20240405_", "KIN-NAME-REFERENCE", "empty"),
        ("F12345678202403_KIN_FAC_01_20240405_" + "R" * 31, "KIN-NAME-REFERENCE", "at most 30 characters"),
        ("F12345678202403_KIN_FAC_01_20240405_R 1", "KIN-NAME-REFERENCE", "found ' '"),
        ("F12345678202403_KIN_FAC_01_20240405_R_1", "KIN-NAME-REFERENCE", "found '_'"),
        ("F12345678202403_KIN_FAC_01_20240405_R1.pdf", "KIN-NAME-EXTENSION", "found .pdf"),
        ("F12345678202403_KIN_FAC_01_20240405", "KIN-NAME-FORMAT", "6 parts separated by '_'"),
        ("F123456782024_KIN_FAC_01_20240405_R1", "KIN-NAME-FORMAT", "found 13"),
        ("dir/F12345678202403_KIN_FAC_01_20240405_R1", "KIN-NAME-FORMAT", "without a directory"),
    ],
)
def test_each_malformed_part_has_its_own_message(name: str, code: str, fragment: str) -> None:
    findings = check_name(name)
    assert [f.code for f in findings] == [code], findings
    assert fragment in findings[0].message
    assert findings[0].file == name
    with pytest.raises(FindingsError) as raised:
        KinFileName.parse(name)
    assert raised.value.findings == findings


def test_two_digit_year_gets_the_annex_hint() -> None:
    [finding] = check_name("F123456782403_KIN_FAC_01_20240405_R1")
    assert "the annex 02 table says CHAR(2)" in finding.message


def test_several_wrong_parts_give_several_findings() -> None:
    assert _codes("F12345678202413_KIN_BILL_03_20240231_R1") == [
        "KIN-NAME-MONTH",
        "KIN-NAME-TYPE",
        "KIN-NAME-LAYOUT",
        "KIN-NAME-SEND-DATE",
    ]


def test_constructor_refuses_wrong_parts() -> None:
    with pytest.raises(FindingsError) as raised:
        KinFileName(
            provider_code="1234",
            year=24,
            month=13,
            file_type="XYZ",
            send_date=date(2024, 1, 1),
            reference="a_b",
            extension="pdf",
        )
    codes = [f.code for f in raised.value.findings]
    assert codes == [
        "KIN-NAME-PROVIDER",
        "KIN-NAME-YEAR",
        "KIN-NAME-MONTH",
        "KIN-NAME-TYPE",
        "KIN-NAME-REFERENCE",
        "KIN-NAME-EXTENSION",
    ]


providers = st.from_regex(r"[0-9]{8}", fullmatch=True).filter(lambda code: int(code) != 0)
references = st.from_regex(r"[A-Za-z0-9.\-]{1,30}", fullmatch=True)


@given(
    provider=providers,
    year=st.integers(min_value=1000, max_value=9999),
    month=st.integers(min_value=1, max_value=12),
    file_type=st.sampled_from(FILE_TYPES),
    send_date=st.dates(min_value=date(1000, 1, 1)),
    reference=references,
    extension=st.sampled_from([None, "xml", "zip"]),
)
def test_build_parse_round_trip(
    provider: str, year: int, month: int, file_type: str, send_date: date, reference: str, extension: str | None
) -> None:
    name = KinFileName(
        provider_code=provider,
        year=year,
        month=month,
        file_type=file_type,
        send_date=send_date,
        reference=reference,
        extension=extension,
    )
    built = name.build()
    assert KinFileName.parse(built) == name
