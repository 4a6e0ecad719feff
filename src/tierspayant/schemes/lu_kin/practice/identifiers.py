"""Identifier checks as the practice needs them: normalise or refuse with a Finding that says why."""

from __future__ import annotations

from datetime import date

from tierspayant.core.identifiers.matricule import check_matricule
from tierspayant.core.identifiers.provider import ProviderCodeError, normalize_provider_code
from tierspayant.schemes.lu_kin.practice.refusals import refuse


def provider_code(value: str, what: str) -> str:
    """The 8-position provider code, or a ``PRA-PROVIDER-CODE`` refusal naming the field (``what``)."""
    try:
        return normalize_provider_code(value)
    except ProviderCodeError as error:
        refuse("PRA-PROVIDER-CODE", f"{what} {value!r}: {error}", location=what)


def matricule(value: str, birth_date: date | None = None) -> str:
    """The 13-digit matricule, or a ``PRA-MATRICULE`` refusal with every reason the check found."""
    check = check_matricule(value)
    if not check.valid:
        refuse("PRA-MATRICULE", f"matricule {value!r} is not valid: {'; '.join(check.reasons)}", location="matricule")
    if birth_date is not None and check.details.get("birth_date") not in (None, birth_date.isoformat()):
        refuse(
            "PRA-MATRICULE",
            f"matricule {check.normalized} starts with birth date {check.details['birth_date']}, "
            f"but the patient's birth date is {birth_date.isoformat()}",
            location="birth_date",
        )
    return check.normalized
