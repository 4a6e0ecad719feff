"""``identify``: which identifier a value is, including ambiguous shapes."""

from __future__ import annotations

from tierspayant.core.identifiers import identify


def test_matricule_shape() -> None:
    [check] = identify("1990093012358")
    assert (check.kind, check.valid) == ("LU matricule", True)


def test_invalid_matricule_is_still_a_matricule_candidate() -> None:
    [check] = identify("1990093012350")
    assert check.kind == "LU matricule"
    assert not check.valid


def test_niss_shape() -> None:
    [check] = identify("85.07.30-033.28")
    assert (check.kind, check.valid) == ("BE NISS", True)


def test_provider_shape_is_ambiguous() -> None:
    kinds = {check.kind for check in identify("90812100")}
    assert kinds == {"LU provider code", "LU prescriber code"}


def test_unknown_length() -> None:
    [check] = identify("123456789012")
    assert check.kind == "unknown"
    assert not check.valid
    assert "12 digits fit no known identifier" in check.reasons[0]


def test_not_digits() -> None:
    [check] = identify("hello")
    assert check.kind == "unknown"
    assert not check.valid
