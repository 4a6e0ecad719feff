"""The pages' languages: gettext catalogs (Babel), Jinja2's i18n extension, and dates and amounts in the locale.

Each catalog is a folder ``locale/<lang>/LC_MESSAGES/messages.po``: the platform's own (next to this module) and one
per scheme (``schemes/<scheme>/platform/locale/``, found next to the scheme's ``templates/``). The ``.po`` files are
compiled in memory when first used, so there is no build step; messages of a scheme's catalog override the
platform's. Message ids are the English text, so English needs no catalog.

Which language a request gets, for a logged-in user: the one kept on the account (the switch in ``base.html``, only
the languages of the user's scheme; audited), else one chosen in this browser while logged out (session, cookie),
else the browser's ``Accept-Language`` among the scheme's languages, else the scheme's first (French for Luxembourg
and Belgium). Anonymous pages (the login page): the switch's choice, kept in
the session and a long-lived cookie, else ``Accept-Language`` among the platform's languages, else French.

The API is small: :func:`translations_for`, :func:`install` (on a Jinja2 environment), :func:`gettext` (``_``) for
messages made in Python, and the request dependency :data:`RequestLocale`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations
from fastapi import Depends, Request
from jinja2 import Environment
from starlette.types import ASGIApp, Receive, Scope, Send

HERE = Path(__file__).parent
PLATFORM_LANGUAGES: tuple[str, ...] = ("fr", "de", "en", "nl")
DEFAULT_LANGUAGE = "fr"
COOKIE = "tierspayant_lang"
SESSION_KEY = "lang"

_catalog_folders: list[Path] = [HERE / "locale"]
_scheme_languages: dict[str, tuple[str, ...]] = {}


def add_catalog(folder: Path) -> None:
    """A scheme's ``locale/`` folder; its messages win over the platform's."""
    if folder not in _catalog_folders and folder.is_dir():
        _catalog_folders.append(folder)
        translations_for.cache_clear()


def add_scheme(name: str, languages: Iterable[str], templates: Path | None) -> None:
    """Called by the application for each registered scheme: its languages, and its catalog beside its templates."""
    _scheme_languages[name] = tuple(languages)
    if templates is not None:
        add_catalog(templates.parent / "locale")


def languages_of(scheme: str | None) -> tuple[str, ...]:
    return _scheme_languages.get(scheme or "", PLATFORM_LANGUAGES)


def _compiled(po_file: Path, locale: str) -> Translations:
    with po_file.open("rb") as source:
        catalog = read_po(source, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


@cache
def translations_for(locale: str) -> NullTranslations:
    """Every catalog's messages for ``locale`` merged (platform first, schemes over it); English is the ids."""
    merged: Translations | None = None
    for folder in _catalog_folders:
        po_file = folder / locale / "LC_MESSAGES" / "messages.po"
        if not po_file.exists():
            continue
        compiled = _compiled(po_file, locale)
        merged = compiled if merged is None else merged.merge(compiled)
    return merged if merged is not None else NullTranslations()


@dataclass
class _Current:
    """The language of the request being served. One mutable object per request, so that a dependency running in a
    worker thread (its own copy of the context) can still refine it once the user is known."""

    locale: str = DEFAULT_LANGUAGE
    chosen: bool = False  # the user picked it: the scheme's default does not override it
    extra: dict[str, Any] = field(default_factory=dict)


_current: ContextVar[_Current | None] = ContextVar("tierspayant_locale", default=None)


def current_locale() -> str:
    holder = _current.get()
    return DEFAULT_LANGUAGE if holder is None else holder.locale


def _negotiate(header: str, available: Iterable[str]) -> str | None:
    wanted = []
    for part in header.split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            weight = 0.0
        if tag and tag != "*" and weight > 0:
            wanted.append((weight, tag.strip().replace("-", "_")))
    wanted.sort(key=lambda pair: -pair[0])
    try:
        found = Locale.negotiate([tag for _, tag in wanted], list(available), sep="_")
    except (UnknownLocaleError, ValueError):
        return None
    return None if found is None else str(found)


def chosen_language(session: Mapping[str, Any] | None, cookies: Mapping[str, str]) -> str | None:
    choice = (session or {}).get(SESSION_KEY) or cookies.get(COOKIE)
    return choice if isinstance(choice, str) and choice in PLATFORM_LANGUAGES else None


class LocaleMiddleware:
    """Sets the request's language before the pages run (inside the session middleware, which it reads)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        session = scope.get("session")
        choice = chosen_language(session, request.cookies)
        if choice is not None:
            holder = _Current(choice, chosen=True)
        else:
            negotiated = _negotiate(request.headers.get("accept-language", ""), PLATFORM_LANGUAGES)
            holder = _Current(negotiated or DEFAULT_LANGUAGE)
        token = _current.set(holder)
        scope.setdefault("state", {})["locale_holder"] = holder
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)


def settle_for_scheme(request: Request, scheme: str | None, language: str | None = None) -> None:
    """Once the user is known, among the languages of the user's scheme: the one kept on the account, else the one
    chosen in this browser before (session, cookie), else the browser's ``Accept-Language``, else the scheme's first.
    A user of no scheme (an administrator) reads the account's language, else what the anonymous pages show."""
    holder: _Current | None = getattr(request.state, "locale_holder", None)
    if holder is None:
        return
    languages = languages_of(scheme)
    if language is not None and language in languages:
        holder.locale, holder.chosen = language, True
        return
    if scheme is None or (holder.chosen and holder.locale in languages):
        return
    negotiated = _negotiate(request.headers.get("accept-language", ""), languages)
    holder.locale, holder.chosen = negotiated or languages[0], False


def request_locale(request: Request) -> str:
    holder: _Current | None = getattr(request.state, "locale_holder", None)
    return DEFAULT_LANGUAGE if holder is None else holder.locale


RequestLocale = Annotated[str, Depends(request_locale)]


# -- messages ---------------------------------------------------------------------------------------------------


def gettext(message: str, **variables: Any) -> str:
    """The message in the current request's language; ``%(name)s`` placeholders filled from ``variables``."""
    text = translations_for(current_locale()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations_for(current_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


_ = gettext


def gettext_in(locale: str, message: str, **variables: Any) -> str:
    """The message in a given language (documents printed for a patient whose language is known)."""
    text = translations_for(locale).gettext(message)
    return text % variables if variables else text


# -- formats ----------------------------------------------------------------------------------------------------


def format_day(value: date | datetime | str | None, format: str = "medium") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.date()
    return babel_format_date(value, format=format, locale=current_locale())


def format_moment(value: datetime | None, format: str = "short") -> str:
    if value is None:
        return ""
    return babel_format_datetime(value, format=format, locale=current_locale())


def format_amount(value: Decimal | float | int | str | None) -> str:
    """An amount with two decimals in the locale's notation (``1 234,50`` in French), no currency sign."""
    if value is None or value == "":
        return ""
    return format_decimal(Decimal(str(value)), format="#,##0.00", locale=current_locale())


def format_euros(value: Decimal | float | int | str | None) -> str:
    if value is None or value == "":
        return ""
    return format_currency(Decimal(str(value)), "EUR", locale=current_locale())


def N_(message: str) -> str:
    """Marks a message for extraction; translated later, where it is shown (labels kept in tables)."""
    return message


STATUS_LABELS = {
    "received": N_("received"),
    "processing": N_("processing"),
    "accepted": N_("accepted"),
    "refused": N_("refused"),
    "duplicate": N_("duplicate"),
    "error": N_("error"),
}
ROLE_LABELS = {
    "provider": N_("provider"),
    "assistant": N_("assistant"),
    "fund_agent": N_("fund agent"),
    "administrator": N_("administrator"),
}
SUMMARY_LABELS = {  # the deposit summaries the schemes' engines give (fund_deposit.html)
    "items": N_("items"),
    "accepted": N_("accepted"),
    "refused": N_("refused"),
    "suspended": N_("suspended"),
    "reduced": N_("reduced"),
    "asked": N_("amount asked"),
    "covered": N_("amount covered"),
    "contested": N_("amount contested"),
    "acknowledged_on": N_("acknowledged on"),
    "payment_due_on": N_("payment due on"),
    "reference_version": N_("reference data version"),
    "reply": N_("reply"),
    "replies": N_("replies"),
    "lines": N_("lines"),
    "accepted_lines": N_("accepted lines"),
    "rejected_lines": N_("rejected lines"),
    "accepted_amount": N_("accepted amount"),
    "rejected_amount": N_("rejected amount"),
    "error_percentage": N_("error percentage"),
    "sending_number": N_("sending number"),
}
RIGHT_LABELS = {"read": N_("read"), "prepare": N_("prepare"), "send": N_("send")}


def _label(labels: Mapping[str, str]) -> Any:
    def label(value: object) -> str:
        key = str(getattr(value, "value", value) or "")
        return gettext(labels[key]) if key in labels else key.replace("_", " ")

    return label


def install(env: Environment) -> None:
    """Jinja2's i18n extension with ``_``/``gettext``/``ngettext`` reading the request's language, and the filters
    ``day``, ``moment``, ``amount``, ``euros``; ``current_locale()`` and ``languages`` for the language switch."""
    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: translations_for(current_locale()).gettext(message),
        lambda singular, plural, n: translations_for(current_locale()).ngettext(singular, plural, n),
        newstyle=True,  # Jinja fills the %(name)s placeholders and escapes them
    )
    env.filters["day"] = format_day
    env.filters["moment"] = format_moment
    env.filters["amount"] = format_amount
    env.filters["euros"] = format_euros
    env.filters["right_label"] = _label(RIGHT_LABELS)
    env.globals["status_label"] = _label(STATUS_LABELS)
    env.globals["role_label"] = _label(ROLE_LABELS)
    env.globals["summary_label"] = _label(SUMMARY_LABELS)
    env.globals["right_label"] = _label(RIGHT_LABELS)
    env.globals["current_locale"] = current_locale
    env.globals["languages_of"] = languages_of
    env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    env.globals["scheme_nav"] = scheme_nav


def scheme_nav(user: Any) -> list[Any]:
    """The navigation links the schemes give this user (see ``Scheme.navigation``)."""
    from tierspayant.platform.accounts import Role
    from tierspayant.platform.schemes import navigation_for

    if user is None:
        return []
    if user.role in (Role.PROVIDER, Role.ASSISTANT):
        return navigation_for(user.scheme, "provider")
    if user.role is Role.FUND_AGENT:
        return navigation_for(user.scheme, "fund")
    return []


LANGUAGE_NAMES = {"fr": "Français", "de": "Deutsch", "en": "English", "nl": "Nederlands"}


def remember_choice(request: Request, response: Any, language: str) -> None:
    """The language switch: kept in the session and in a year-long cookie (it survives logging out)."""
    if language not in PLATFORM_LANGUAGES:
        return
    request.session[SESSION_KEY] = language
    response.set_cookie(COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
