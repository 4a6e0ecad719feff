"""The language of a printed document (mémoire, titre): French, German or English, from gettext catalogs beside this
module (``locale/<lang>/LC_MESSAGES/documents.po``, English message ids, compiled in memory when first used).

Which language: the patient's when the practice recorded one, else the language of the practice user who prints,
else French (the language of the official models, annexes 05–06). Dates follow the language; amounts stay printed as
stored and sent to the fund (``44.80``), and identifiers unchanged, so the patient reads what the fund decided.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE = Path(__file__).parent / "locale"
DOCUMENT_LANGUAGES: tuple[str, ...] = ("fr", "de", "en")
DEFAULT_LANGUAGE = "fr"
DATE_PATTERNS = {"fr": "dd/MM/yyyy", "de": "dd.MM.yyyy", "en": "dd/MM/yyyy"}


@cache
def _translations(language: str) -> NullTranslations:
    po_file = LOCALE / language / "LC_MESSAGES" / "documents.po"
    if not po_file.exists():  # English: the message ids
        return NullTranslations()
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


def document_language(*choices: str | None) -> str:
    """The first of ``choices`` (patient's, then user's) a document can be printed in, else French."""
    for choice in choices:
        if choice:
            short = choice.replace("-", "_").split("_")[0].lower()
            if short in DOCUMENT_LANGUAGES:
                return short
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Texts:
    """The words and dates of one document in one language: ``t("Date")``, ``t.day(d)``."""

    language: str = DEFAULT_LANGUAGE

    def __call__(self, message: str, **variables: Any) -> str:
        text = _translations(self.language).gettext(message)
        return text % variables if variables else text

    def plural(self, singular: str, plural: str, n: int) -> str:
        return _translations(self.language).ngettext(singular, plural, n) % {"num": n}

    def day(self, value: date | None) -> str:
        if value is None:
            return ""
        return format_date(value, DATE_PATTERNS[self.language], locale=self.language)


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is printed."""
    return message
