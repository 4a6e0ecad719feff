"""Commands of the ``id`` group: tell what an identifier is and whether it is valid."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import typer

from tierspayant.commands.output import JSON_OPTION, print_json, print_table
from tierspayant.core.identifiers import IdentifierCheck, identify
from tierspayant.core.identifiers.matricule import check_matricule
from tierspayant.core.identifiers.niss import check_niss
from tierspayant.core.identifiers.provider import check_prescriber_code, check_provider_code

app = typer.Typer(no_args_is_help=True)


class Kind(StrEnum):
    AUTO = "auto"
    MATRICULE = "matricule"
    PROVIDER = "provider"
    PRESCRIBER = "prescriber"
    NISS = "niss"


_CHECKERS: dict[Kind, Callable[[str], IdentifierCheck]] = {
    Kind.MATRICULE: check_matricule,
    Kind.PROVIDER: check_provider_code,
    Kind.PRESCRIBER: check_prescriber_code,
    Kind.NISS: check_niss,
}


def _candidates(value: str, kind: Kind) -> list[IdentifierCheck]:
    return identify(value) if kind is Kind.AUTO else [_CHECKERS[kind](value)]


@app.command("check")
def check(
    values: list[str] = typer.Argument(..., help="Identifiers to check (quote values that contain spaces)."),
    kind: Kind = typer.Option(Kind.AUTO, "--kind", help="Check as this kind instead of guessing from the shape."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Say, for each VALUE, which identifier it is (every candidate kind when the shape is ambiguous), whether it
    is valid, and why not: LU matricule (13 digits: date, Luhn, Verhoeff), LU provider / prescriber code (8
    positions; 5–8 digits accepted), BE national number NISS / BIS (11 digits, mod 97).

    Exit status 0 only when every value is valid as at least one of its candidate kinds."""
    results = [(value, _candidates(value, kind)) for value in values]
    all_valid = all(any(candidate.valid for candidate in candidates) for _, candidates in results)
    if as_json:
        print_json(
            [
                {
                    "value": value,
                    "valid": any(candidate.valid for candidate in candidates),
                    "candidates": [candidate.to_dict() for candidate in candidates],
                }
                for value, candidates in results
            ]
        )
    else:
        rows = []
        for value, candidates in results:
            for candidate in candidates:
                explanation = "; ".join(candidate.reasons) or ", ".join(
                    f"{key.replace('_', ' ')}: {text}" for key, text in candidate.details.items()
                )
                rows.append(
                    [
                        value,
                        candidate.kind,
                        "valid" if candidate.valid else "INVALID",
                        candidate.normalized,
                        explanation,
                    ]
                )
        print_table("Identifiers", ["value", "kind", "result", "normalized", "why / what it says"], rows)
    raise typer.Exit(0 if all_valid else 1)
