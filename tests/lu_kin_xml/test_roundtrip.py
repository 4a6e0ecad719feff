"""Write → read → equal, for every file type, with hypothesis-generated content; every file written is valid for
lxml and for xmlschema (an independent XSD implementation) and is byte for byte what the lxml oracle writes (one
generated model serves every check: generating it is most of the cost)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tierspayant.schemes.lu_kin.formats.models import KinFile
from tierspayant.schemes.lu_kin.formats.reader import iter_file, read_file, validate_file
from tierspayant.schemes.lu_kin.formats.writer import to_bytes, write_file
from tierspayant.schemes.lu_kin.formats.xsd import lxml_schema, xsd_path

from . import lxml_oracle
from .strategies import FILES


@cache
def independent_schema(file_type: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(xsd_path(file_type)))


def assert_valid_for_both(file_type: str, data: bytes) -> None:
    schema = lxml_schema(file_type)
    assert schema.validate(etree.fromstring(data)), schema.error_log
    independent_schema(file_type).validate(data.decode("utf-8"))


@pytest.mark.parametrize("file_type", list(FILES))
def test_round_trip(file_type: str) -> None:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(FILES[file_type])
    def check(model: KinFile) -> None:
        data = to_bytes(model)
        assert data == lxml_oracle.to_bytes(model)  # lxml vouches for the templates' escaping and layout
        assert_valid_for_both(file_type, data)
        assert validate_file(data, "generated.xml") == []
        assert read_file(data, "generated.xml") == model

    check()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=st.one_of(*FILES.values()))
def test_round_trip_through_a_file_and_the_streaming_reader(tmp_path: Path, model: KinFile) -> None:
    path = tmp_path / "kin.xml"
    write_file(model, path)
    header, items = iter_file(path)
    assert header == model.header
    assert list(items) == list(
        getattr(model, {"DEMAUT": "requests", "RETAUT": "decisions"}.get(header.file_type, "invoices"))
    )
    assert [p.name for p in tmp_path.iterdir()] == ["kin.xml"]  # no temporary file left behind

