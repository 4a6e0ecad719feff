"""Turn libxml2's XSD messages into plain-language findings a physiotherapist's software editor can act on.

Finding codes (documented in docs/kin-formats.md):
``XSD-MISSING`` a required element is absent, ``XSD-UNEXPECTED`` an element is not allowed there,
``XSD-FORMAT`` a value has the wrong form (pattern, length), ``XSD-DATE`` not a real date / not YYYY-MM-DD,
``XSD-NUMBER`` not a number / wrong number of decimals / out of range, ``XSD-CODE`` not one of the allowed codes,
``XSD-DUPLICATE`` a value that must be unique is repeated, ``XSD-TEXT`` text where only elements may be,
``XSD-ATTRIBUTE`` a missing or wrong attribute, ``XSD`` anything else (the libxml2 message is kept).
"""

from __future__ import annotations

import re
from typing import Final

# What each element must look like, in words (mirrors the XSD types in xsd/01/common.xsd).
_PROVIDER = "a provider code: 8 digits, not all zeros"
EXPECTED_FORM: Final[dict[str, str]] = {
    "Emetteur": "a provider code (8 digits, not all zeros) or a fund (CNS, CMFEP, CMFEC, EMCFL, AAA)",
    "Facturier": _PROVIDER,
    "CodePrescripteur": _PROVIDER,
    "CodeExecutant": _PROVIDER,
    "Matricule": "a matricule: 13 digits, the first not 0",
    "Reference": "1 to 30 letters, digits, '.' or '-'",
    "ReferenceOrigine": "1 to 30 letters, digits, '.' or '-'",
    "IdDemande": "1 to 30 letters, digits, '.', '-' or '/'",
    "NumeroFacture": "1 to 30 letters, digits, '.', '-' or '/'",
    "TitreId": "a titre identifier: up to 30 capital letters, digits or '-'",
    "CodeActe": "an act code: 2 to 10 capital letters or digits",
    "CategorieLieu": "a place-of-service category: 1 to 4 capital letters or digits",
    "Code": "an anomaly code: 1 to 10 capital letters, digits or '-'",
    "NomFichier": "a PDF file name without folders, ending in .pdf",
    "Sha256": "64 lower-case hexadecimal characters",
    "Libelle": "text of 1 to 200 characters",
    "Remarque": "text of 1 to 1000 characters",
    "Motivation": "text of 1 to 1000 characters",
}
_AMOUNT = "an amount in euros: digits, a point, at most 2 decimals, not negative (e.g. 29.87)"

_ELEMENT = re.compile(r"^Element '(?:\{[^}]*\})?([^']+)'(?:, attribute '([^']+)')?: ")
_QNAME = re.compile(r"\{[^}]*\}")
_VALUE = re.compile(r"The value '([^']*)'|'([^']*)' is not a valid value")


def _plain_names(text: str) -> str:
    """``( {urn:…}Ligne, {urn:…}TotalTarif )`` → ``<Ligne> or <TotalTarif>``."""
    names = [name.strip() for name in _QNAME.sub("", text).strip(" ().").split(",") if name.strip()]
    return " or ".join(f"<{name}>" for name in names)


def _value(message: str) -> str | None:
    match = _VALUE.search(message)
    if not match:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


def translate(message: str, known_elements: frozenset[str] = frozenset()) -> tuple[str, str]:
    """One libxml2 schema message → (finding code, plain-language message).

    ``known_elements``: the names the file type declares. libxml2 says "<B> is not expected, expected <A>" both
    when <A> is missing and when <B> is extra; a known <B> means <A> is most likely missing.
    """
    match = _ELEMENT.match(message)
    element = match.group(1) if match else None
    attribute = match.group(2) if match else None
    rest = message[match.end() :] if match else message
    rest = rest.strip()
    value = _value(rest)
    where = f"<{element}>" if element else "the element"

    if attribute is not None or "attribute" in rest.lower():
        if "is required but missing" in rest:
            name = re.search(r"attribute '([^']+)'", rest)
            return "XSD-ATTRIBUTE", f"{where} needs the attribute {name.group(1) if name else ''}".rstrip()
        if attribute == "Layout" or "Layout" in rest:
            return "XSD-ATTRIBUTE", f"{where} Layout {value!r} is not a layout this schema describes (expected '01')"
        if "is not allowed" in rest:
            return "XSD-ATTRIBUTE", f"{where} has an attribute that is not allowed: {_QNAME.sub('', rest)}"
        return "XSD-ATTRIBUTE", f"{where}: wrong attribute: {_QNAME.sub('', rest)}"

    if "Missing child element(s)" in rest:
        expected = rest.split("Expected is", 1)[-1]
        return "XSD-MISSING", f"{where} is incomplete: {_plain_names(expected)} is missing"
    if "This element is not expected" in rest:
        if "Expected is" in rest:
            expected = _plain_names(rest.split("Expected is", 1)[-1].replace("one of", ""))
            if element in known_elements:
                return "XSD-MISSING", f"{expected} is missing: found {where} where {expected} was expected"
            return "XSD-UNEXPECTED", f"{where} is not allowed here; expected {expected}"
        return "XSD-UNEXPECTED", f"{where} is not allowed here (nothing more is expected at this place)"
    if "Character content other than whitespace is not allowed" in rest:
        return "XSD-TEXT", f"{where} contains text; only elements are allowed inside it"
    if "Duplicate key-sequence" in rest:
        key = re.search(r"Duplicate key-sequence \[(.*?)\]", rest)
        shown = key.group(1) if key else "?"
        constraint = re.search(r"identity-constraint '(?:\{[^}]*\})?([A-Za-z]+?)(?:Retour)?Unique'", rest)
        field = constraint.group(1) if constraint else "a value"
        return "XSD-DUPLICATE", f"{field} {shown} is used by more than one {where}; it must be unique"
    if "[facet 'enumeration']" in rest:
        allowed = re.search(r"set \{(.*)\}", rest)
        choices = allowed.group(1).replace("'", "") if allowed else "the listed codes"
        return "XSD-CODE", f"{where} {value!r} is not an allowed value; expected one of {choices}"
    if "[facet 'fractionDigits']" in rest:
        return "XSD-NUMBER", f"{where} {value!r} has more than 2 decimals; expected {_AMOUNT}"
    if "[facet 'minInclusive']" in rest or "[facet 'maxInclusive']" in rest:
        limit = re.search(r"allowed \('([^']*)'\)", rest)
        bound = "at least" if "minInclusive" in rest else "at most"
        return "XSD-NUMBER", f"{where} {value!r} is out of range; it must be {bound} {limit.group(1) if limit else ''}"
    if "[facet 'totalDigits']" in rest:
        return "XSD-NUMBER", f"{where} {value!r} has too many digits"
    if "[facet 'pattern']" in rest or "[facet 'maxLength']" in rest or "[facet 'minLength']" in rest:
        form = EXPECTED_FORM.get(element or "", _AMOUNT if _looks_like_amount(element) else None)
        expected = f"; expected {form}" if form else ""
        shown = "an empty value" if value == "" else repr(value)
        return "XSD-FORMAT", f"{where} {shown} has the wrong form{expected}"
    if "is not a valid value of the atomic type" in rest or "is not a valid value of the union type" in rest:
        if "DateType" in rest or "xs:date" in rest or (element or "").startswith(("Date", "Valide")):
            return "XSD-DATE", f"{where} {value!r} is not a real date in the form YYYY-MM-DD"
        if element in EXPECTED_FORM:
            return "XSD-FORMAT", f"{where} {value!r} has the wrong form; expected {EXPECTED_FORM[element]}"
        if _looks_like_amount(element):
            return "XSD-NUMBER", f"{where} {value!r} is not a valid amount; expected {_AMOUNT}"
        return "XSD-NUMBER", f"{where} {value!r} is not a valid number"
    return "XSD", f"{where}: {_QNAME.sub('', rest)}" if element else _QNAME.sub("", message)


def _looks_like_amount(element: str | None) -> bool:
    return (
        bool(element)
        and element is not None
        and (element.startswith(("Montant", "Total", "Taux")) or element == "Participation")
    )


__all__ = ["EXPECTED_FORM", "translate"]
