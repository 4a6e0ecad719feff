"""One rule for provider codes: the identifiers module, the layout-01 XSD (lxml and xmlschema) and the models agree."""

from __future__ import annotations

from functools import cache

import pydantic
import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.core.identifiers.provider import normalize_provider_code, provider_code_problem
from tierspayant.schemes.lu_kin import examples
from tierspayant.schemes.lu_kin.formats.models import FileHeader
from tierspayant.schemes.lu_kin.formats.reader import validate_file
from tierspayant.schemes.lu_kin.formats.xsd import xsd_path

FAC = examples.example("FAC").decode()
FACTURIER = FAC[FAC.index("<Facturier>") : FAC.index("</Facturier>") + len("</Facturier>")]

# Near misses on purpose: 7–9 characters, capitals, zeros, a non-ASCII digit.
candidates = st.text(alphabet="0123456789AZ\u0661", min_size=7, max_size=9) | st.sampled_from(
    ["00000000", "00000001", "1234567A", "ABCDEFGH", "12345678", "99999999"]
)


@cache
def independent_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(xsd_path("FAC")))


def fac_with_facturier(code: str) -> str:
    return FAC.replace(FACTURIER, f"<Facturier>{code}</Facturier>", 1)


def header_accepts(code: str) -> bool:
    try:
        FileHeader(file_type="FAC", sender=code, billing_provider=code, reference="R1", send_date="2024-04-02")
    except pydantic.ValidationError:
        return False
    return True


@settings(max_examples=50, deadline=None)
@given(candidates)
def test_the_xsd_and_the_models_refuse_what_the_identifiers_module_refuses(code: str) -> None:
    valid = provider_code_problem(code) is None
    if valid:  # the file form is the normalised form
        assert normalize_provider_code(code) == code
    findings = validate_file(fac_with_facturier(code).encode(), "fac.xml")
    assert (not any(f.location == "/FAC/Entete/Facturier" for f in findings)) == valid, findings
    assert independent_schema().is_valid(fac_with_facturier(code)) == valid
    assert header_accepts(code) == valid


@pytest.mark.parametrize("code", ["1234567A", "00000000", "1234567"])
def test_a_refused_code_gets_a_plain_finding(code: str) -> None:
    findings = validate_file(fac_with_facturier(code).encode(), "fac.xml")
    findings = [f for f in findings if f.location == "/FAC/Entete/Facturier"]
    assert [f.code for f in findings] == ["XSD-FORMAT"]
    assert "a provider code: 8 digits, not all zeros" in findings[0].message
