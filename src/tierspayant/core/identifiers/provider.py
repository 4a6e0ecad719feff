"""Luxembourg provider codes (code prestataire) and prescriber codes (code prescripteur).

A provider code has 8 positions (annex 02 of the KIN cahier des charges: "code prestataire à 8 positions"). Public
CCSS schemas type it either as an integer 100000–99999999 or as a string of 5–8 characters; both forms are accepted
here and normalised to 8 digits by adding leading zeros. No check-digit algorithm is published, so a well-formed
code can only be proven to exist against the CNS list (``known=``).
A prescriber code is the doctor's individual provider code: same shape, checked against the CNS list of
prescribers when one is given.
"""

from __future__ import annotations

from collections.abc import Collection

from tierspayant.core.identifiers.base import IdentifierCheck, digits_only, is_ascii_digits

PROVIDER_KIND = "LU provider code"
PRESCRIBER_KIND = "LU prescriber code"
LENGTH = 8
MIN_TEXT_LENGTH = 5
MIN_INTEGER = 100_000
MAX_INTEGER = 99_999_999


class ProviderCodeError(ValueError):
    """The value cannot be read as a provider code; the message says exactly why."""


def normalize_provider_code(value: str | int) -> str:
    """The 8-position form of a provider code given as a 5–8 character string or as an integer 100000–99999999.

    Blanks around the value and spaces, dots or dashes typed inside it are ignored.
    Raises ``ProviderCodeError`` saying what is wrong otherwise.
    """
    if isinstance(value, bool):  # bool is an int subclass: True must not become "00000001"
        raise ProviderCodeError(f"a provider code is a number or a string, not the boolean {value}")
    if isinstance(value, int):
        if not MIN_INTEGER <= value <= MAX_INTEGER:
            raise ProviderCodeError(f"as an integer a provider code is {MIN_INTEGER}–{MAX_INTEGER}, got {value}")
        return f"{value:0{LENGTH}d}"
    text = digits_only(value, " .-")
    if not text:
        raise ProviderCodeError("the provider code is empty")
    if not is_ascii_digits(text):
        strange = sorted({c for c in text if not (c.isascii() and c.isdigit())})
        raise ProviderCodeError(
            f"a provider code has only digits; found {', '.join(repr(c) for c in strange)} in {value!r}"
        )
    if not MIN_TEXT_LENGTH <= len(text) <= LENGTH:
        raise ProviderCodeError(
            f"a provider code has {MIN_TEXT_LENGTH}–{LENGTH} digits (8 positions, leading zeros may be left out), "
            f"{value!r} has {len(text)}"
        )
    padded = text.zfill(LENGTH)
    if int(padded) == 0:
        raise ProviderCodeError("a provider code cannot be all zeros")
    return padded


def provider_code_problem(code: str) -> str | None:
    """Why ``code`` is not a provider code in the form KIN files and file names carry it, or None when it is.

    That form is the normalised one: exactly 8 ASCII digits, not all zeros (``normalize_provider_code(code) == code``).
    The layout-01 XSD type ``CodePrestataireType`` states the same rule; a test keeps the two in step.
    """
    if len(code) != LENGTH or not is_ascii_digits(code):
        return f"a provider code has {LENGTH} digits, found {code!r}"
    if int(code) == 0:
        return "a provider code cannot be all zeros"
    return None


def _check(kind: str, text: str, known: Collection[str] | None, list_name: str) -> IdentifierCheck:
    try:
        normalized = normalize_provider_code(text)
    except ProviderCodeError as error:
        return IdentifierCheck(kind, text, digits_only(text, " .-"), False, [str(error)], {})
    details: dict[str, str] = {}
    if normalized != text.strip():
        details["normalized_from"] = text.strip()
    reasons: list[str] = []
    if known is not None:
        if normalized in known:
            details["listed"] = f"yes, in the {list_name}"
        else:
            reasons.append(f"{normalized} is not in the {list_name}")
    return IdentifierCheck(kind, text, normalized, not reasons, reasons, details)


def check_provider_code(text: str, known: Collection[str] | None = None) -> IdentifierCheck:
    """Check the shape of a provider code and, when ``known`` (8-digit codes) is given, that it is listed."""
    return _check(PROVIDER_KIND, text, known, "list of provider codes")


def check_prescriber_code(text: str, known: Collection[str] | None = None) -> IdentifierCheck:
    """Check a prescriber code: a provider code, listed in the CNS list of prescribers when ``known`` is given."""
    return _check(PRESCRIBER_KIND, text, known, "CNS list of prescribers")
