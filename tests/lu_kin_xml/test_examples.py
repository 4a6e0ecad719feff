"""The example files are valid against their XSD, by lxml and by xmlschema (an independent implementation)."""

from __future__ import annotations

import pytest
import xmlschema
from lxml import etree

from tierspayant.schemes.lu_kin import examples
from tierspayant.schemes.lu_kin.formats.xsd import FILE_TYPES, lxml_schema, xsd_path


@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_example_is_valid_for_both_validators(file_type: str) -> None:
    data = examples.example(file_type)
    schema = lxml_schema(file_type)
    assert schema.validate(etree.fromstring(data)), schema.error_log
    xmlschema.XMLSchema(str(xsd_path(file_type))).validate(data.decode())


def test_unknown_example_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown KIN file type"):
        examples.example("XYZ")
