"""Check-digit algorithms used by the identifiers: Luhn (mod 10), Verhoeff (dihedral group D5) and mod 97.

Small pure functions over strings of ASCII digits; the callers check the shape first.
"""

from __future__ import annotations


def luhn_check_digit(payload: str) -> int:
    """The Luhn digit to append to ``payload``: double every second digit from the right, starting with the last."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def luhn_valid(number: str) -> bool:
    """True when the last digit of ``number`` is the Luhn digit of the others."""
    return len(number) >= 2 and luhn_check_digit(number[:-1]) == int(number[-1])


# Verhoeff tables: multiplication in D5, the position permutation, and the inverse.
_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_VERHOEFF_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def verhoeff_check_digit(payload: str) -> int:
    """The Verhoeff digit to append to ``payload`` (catches every single-digit error and adjacent transposition)."""
    check = 0
    for position, char in enumerate(reversed(payload)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[(position + 1) % 8][int(char)]]
    return _VERHOEFF_INV[check]


def verhoeff_valid(number: str) -> bool:
    """True when the last digit of ``number`` is the Verhoeff digit of the others."""
    return len(number) >= 2 and verhoeff_check_digit(number[:-1]) == int(number[-1])


def mod97_check(number: int) -> int:
    """``97 - number mod 97``: the Belgian national-number check (a result of 0 cannot occur, it would be 97)."""
    return 97 - number % 97
