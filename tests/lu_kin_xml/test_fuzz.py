"""Damaged files never crash the readers: every outcome is a list of findings or a FindingsError."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin import examples
from tierspayant.schemes.lu_kin.formats.frames import fac_lines_frame
from tierspayant.schemes.lu_kin.formats.reader import read_file, validate_file

EXAMPLES = {file_type: examples.example(file_type) for file_type in ("DEMAUT", "RETAUT", "FAC", "RETFAC")}


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    data = bytearray(EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))])
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        at = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[at] = draw(st.sampled_from(b"<>/&;\"'x0.-9 \n\x00\xff"))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "insert":
            data[at:at] = draw(st.sampled_from([b"<X/>", b"</Ligne>", b"&amp;", b"<!--c-->", b"<Ligne>", b"\xc3"]))
        else:
            del data[at:]
        if not data:
            break
    return bytes(data)


@settings(max_examples=50, deadline=None)
@given(damaged())
def test_damaged_files_give_findings_never_crashes(data: bytes) -> None:
    findings = validate_file(data, "damaged.xml")
    assert all(f.file == "damaged.xml" and f.code and f.message for f in findings)
    try:
        model = read_file(data, "damaged.xml")
    except FindingsError as error:
        assert error.findings
    else:
        assert findings == [], "read_file accepted what validate_file refused"
        assert model.header.file_type in EXAMPLES
    if data.lstrip().startswith(b"<?xml") and b"urn:lu:cns:kin:fac:01" in data:
        with pytest.raises(FindingsError) if findings else nullcontext():
            fac_lines_frame(data, "damaged.xml")
