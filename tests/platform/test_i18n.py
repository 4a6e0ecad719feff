"""The pages' languages: catalogs complete, the language of a request (choice, scheme, browser), locale formats,
and a person's error page instead of JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from tierspayant.core.findings import FindingsError
from tierspayant.platform.launch import Launch, assemble
from tierspayant.platform.web import i18n

from .conftest import make_settings
from .test_web import client_for, csrf

WEB = Path(i18n.__file__).parent
SRC = WEB.parents[1]
MAPPING = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
# Pages a Belgian mutuality agent sees: they exist in Dutch too.
BELGIAN_VISIBLE = (
    "base.html",
    "login.html",
    "error.html",
    "fund_",
    "macros.html",
    "__init__.py",
    "fund_pages.py",
    "auth_pages.py",
    "common.py",
    "i18n.py",
)


def messages(folder: Path) -> dict[str, str]:
    """msgid → the file it comes from, extracted from the sources as pybabel does (an independent reading)."""
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(folder), MAPPING, keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, filename)
    return found


def catalog(folder: Path, language: str) -> dict[str, str]:
    with (folder / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return {
            (m.id if isinstance(m.id, str) else m.id[0]): (m.string if isinstance(m.string, str) else m.string[0])
            for m in read_po(source)
            if m.id
        }


@pytest.mark.parametrize("language", ["fr", "de"])
def test_every_platform_message_is_translated(language: str) -> None:
    wanted = messages(WEB)
    assert len(wanted) > 100
    translated = catalog(WEB / "locale", language)
    untranslated = sorted(m for m in wanted if not translated.get(m))
    assert untranslated == []


def test_the_pages_a_belgian_agent_sees_are_in_dutch() -> None:
    wanted = {m for m, source in messages(WEB).items() if Path(source).name.startswith(BELGIAN_VISIBLE)}
    translated = catalog(WEB / "locale", "nl")
    assert "Incoming files" in wanted and "Log in" in wanted
    assert sorted(m for m in wanted if not translated.get(m)) == []


def test_translations_are_merged_and_english_is_the_ids() -> None:
    assert i18n.translations_for("fr").gettext("Log in") == "Se connecter"
    assert i18n.translations_for("de").gettext("Log in") == "Anmelden"
    assert i18n.translations_for("nl").gettext("Log in") == "Aanmelden"
    assert i18n.translations_for("en").gettext("Log in") == "Log in"


def test_amounts_and_dates_follow_the_locale() -> None:
    holder = i18n._Current("fr")
    token = i18n._current.set(holder)
    try:
        assert i18n.format_amount(Decimal("1234.5")) == "1\u202f234,50"
        assert i18n.format_day(date(2025, 3, 7)) == "7 mars 2025"
        holder.locale = "de"
        assert i18n.format_amount(Decimal("1234.5")) == "1.234,50"
        assert i18n.format_day(date(2025, 3, 7)) == "07.03.2025"
        assert i18n.format_euros(Decimal("20.91")) == "20,91\xa0€"
        holder.locale = "en"
        assert i18n.format_amount(Decimal("1234.5")) == "1,234.50"
    finally:
        i18n._current.reset(token)


@pytest.fixture(scope="module")
def launch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launch]:
    assembled = assemble(make_settings(tmp_path_factory.mktemp("i18n") / "var", demo=True))
    yield assembled
    assembled.close()


def test_anonymous_pages_follow_the_browser_then_french(launch: Launch) -> None:
    client = TestClient(launch.app)
    assert "Se connecter" in client.get("/login").text
    assert "Anmelden" in client.get("/login", headers={"Accept-Language": "de-LU,de;q=0.9"}).text
    assert "Aanmelden" in client.get("/login", headers={"Accept-Language": "nl-BE"}).text
    assert "Se connecter" in client.get("/login", headers={"Accept-Language": "pt-PT"}).text  # not offered


def test_a_luxembourg_practice_reads_its_browser_language_among_the_scheme_s_else_french(launch: Launch) -> None:
    client = client_for(launch, "cabinet")
    client.cookies.delete("tierspayant_lang")
    assert '<html lang="fr">' in client.get("/practice").text  # no preference: the scheme's default
    assert '<html lang="de">' in client.get("/practice", headers={"Accept-Language": "de-LU,de;q=0.9"}).text
    assert '<html lang="en">' in client.get("/practice", headers={"Accept-Language": "en-US"}).text
    page = client.get("/practice", headers={"Accept-Language": "nl-BE,pt;q=0.5"})  # not a Luxembourg language
    assert '<html lang="fr">' in page.text and "Se déconnecter" in page.text


def test_the_chosen_language_is_kept_on_the_account_and_after_logging_out(launch: Launch) -> None:
    client = client_for(launch, "cabinet")
    client.cookies.delete("tierspayant_lang")
    page = client.get("/practice")
    try:
        chosen = client.post("/language", data={"csrf": csrf(page.text), "language": "de", "back": "/practice"})
        assert chosen.status_code == 303 and chosen.headers["location"] == "/practice"
        assert "Abmelden" in client.get("/practice").text
        client.post("/logout", data={"csrf": csrf(client.get("/practice").text)})
        assert "Anmelden" in client.get("/login").text
        principal = launch.context.accounts.principal("cabinet")
        assert principal is not None and principal.language == "de"
        # Another browser (no cookie, a French browser) logging in as the same user reads German: the account's.
        other = client_for(launch, "cabinet")
        other.cookies.delete("tierspayant_lang")
        page = other.get("/practice", headers={"Accept-Language": "fr-LU"})
        assert '<html lang="de">' in page.text and "Abmelden" in page.text
        events = [e for e in launch.context.audit.entries(actor="cabinet") if e.action == "language"]
        assert events and events[0].detail.endswith("→ de")
    finally:
        launch.context.accounts.set_language("cabinet", None)


def test_a_language_the_scheme_does_not_offer_is_refused_and_audited(launch: Launch) -> None:
    client = client_for(launch, "cabinet")
    client.cookies.delete("tierspayant_lang")
    page = client.get("/practice")
    refused = client.post("/language", data={"csrf": csrf(page.text), "language": "nl", "back": "/practice"})
    assert refused.status_code == 303
    principal = launch.context.accounts.principal("cabinet")
    assert principal is not None and principal.language is None
    after = client.get("/practice").text
    assert '<html lang="fr">' in after and "pas proposée pour votre compte" in after
    assert any(e.action == "language refused" for e in launch.context.audit.entries(actor="cabinet"))


def test_a_language_the_scheme_does_not_offer_falls_back_to_its_first(launch: Launch) -> None:
    client = client_for(launch, "cabinet")
    client.cookies.set("tierspayant_lang", "nl")
    assert '<html lang="fr">' in client.get("/practice").text


def test_the_switch_offers_only_the_scheme_s_languages(launch: Launch) -> None:
    client = client_for(launch, "cabinet")
    page = client.get("/practice").text
    switch = page.split('id="language"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)"', switch) == ["fr", "de", "en"]


def test_the_store_refuses_a_language_outside_the_scheme(launch: Launch) -> None:
    with pytest.raises(FindingsError, match="not offered"):
        launch.context.accounts.set_language("cabinet", "nl")


def test_an_unknown_address_gets_a_page_not_json(launch: Launch) -> None:
    client = TestClient(launch.app)
    page = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "Page introuvable" in page.text and 'class="card error-page"' in page.text
    api = client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    program = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert program.status_code == 404 and program.json() == {"detail": "Not Found"}


KIN_PLATFORM = SRC / "schemes" / "lu_kin" / "platform"


@pytest.mark.parametrize("language", ["fr", "de"])
def test_every_kin_page_message_is_translated(language: str) -> None:
    wanted = messages(KIN_PLATFORM)
    assert len(wanted) > 150
    translated = {**catalog(WEB / "locale", language), **catalog(KIN_PLATFORM / "locale", language)}
    assert sorted(m for m in wanted if not translated.get(m)) == []


def test_the_practice_pages_are_in_french_with_names_not_codes(launch: Launch) -> None:
    client = client_for(launch, "cabinet")
    client.cookies.delete("tierspayant_lang")
    for path, french in [
        ("/practice", "Vue d'ensemble"),
        ("/practice/patients", "Ajouter un patient"),
        ("/practice/prescriptions", "Enregistrer une ordonnance"),
        ("/practice/requests", "Demandes d'autorisation et titres"),
        ("/practice/sessions", "Enregistrer une séance"),
        ("/practice/billing", "Facturation mensuelle"),
        ("/practice/returns", "Lignes contestées par la caisse"),
        ("/practice/reconciliation", "Rapprochement"),
        ("/practice/documents", "Documents à imprimer"),
    ]:
        page = client.get(path)
        assert page.status_code == 200 and french in page.text, path
        shown = re.sub(r"<[^>]+>", " ", page.text.split("<main>")[1])  # what a person reads, not the form values
        assert "COMMON" not in shown, path  # categories by their names
