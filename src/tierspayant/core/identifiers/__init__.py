"""Identifiers: LU matricule, LU provider and prescriber codes, BE national number (NISS), and ``identify``.

``identify(value)`` tells which identifier a value can be, by its shape, and checks it as each candidate kind.
"""

from __future__ import annotations

from tierspayant.core.identifiers import matricule, niss, provider
from tierspayant.core.identifiers.base import IdentifierCheck, digits_only, is_ascii_digits

__all__ = ["IdentifierCheck", "identify"]

UNKNOWN_KIND = "unknown"


def identify(value: str) -> list[IdentifierCheck]:
    """Every identifier kind ``value`` can be, each checked; ambiguous shapes give several candidates.

    The most plausible kind comes first: a valid candidate before an invalid one.
    """
    normalized = digits_only(value)
    if not is_ascii_digits(normalized):
        return [
            _unknown(
                value,
                normalized,
                "not an identifier this tool knows: they are all made of digits "
                "(spaces, dots, dashes and slashes between them are ignored)",
            )
        ]
    length = len(normalized)
    if length == matricule.LENGTH:
        candidates = [matricule.check_matricule(value)]
    elif length == niss.LENGTH:
        candidates = [niss.check_niss(value)]
    elif provider.MIN_TEXT_LENGTH <= length <= provider.LENGTH:
        candidates = [provider.check_provider_code(value), provider.check_prescriber_code(value)]
    else:
        return [
            _unknown(
                value,
                normalized,
                f"{length} digits fit no known identifier: LU matricule has 13, BE NISS 11, "
                "LU provider / prescriber codes 5–8",
            )
        ]
    return sorted(candidates, key=lambda check: not check.valid)


def _unknown(value: str, normalized: str, reason: str) -> IdentifierCheck:
    return IdentifierCheck(UNKNOWN_KIND, value, normalized, False, [reason])
