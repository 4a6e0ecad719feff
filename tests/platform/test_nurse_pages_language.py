"""The Belgian nurse's and mutuality agent's pages read in French and in Dutch: statuses of visits, sendings, answers
and messages in words of the page's language, not the stored English codes (which stay in the CSS classes); the
catalogs hold every message of the Belgian pages in both languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from tests.be_platform.test_nurse_pages import NURSE, OTHER_NURSE, PATIENT, login, post, process, visit

from tierspayant.platform.launch import Launch, assemble
from tierspayant.platform.settings import load_settings
from tierspayant.platform.web import i18n

WEB = Path(i18n.__file__).parent
BE_PLATFORM = WEB.parents[1] / "schemes" / "be_nursing" / "platform"
# the stored codes a person must not read on a French or Dutch page
ENGLISH = re.compile(r"\b(pending|invoiced|rejected|accepted|cancelled|settled|acknowledged|informative|imported|"
                     r"kept|billed|paid|requeued)\b")  # fmt: skip


@pytest.fixture(scope="module")
def launch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launch]:
    var = tmp_path_factory.mktemp("nurse-language") / "var"
    assembled = assemble(load_settings(environ={}, var_dir=var, http_port=0, sftp_port=0, demo=True))
    client = login(assembled, "infirmiere")
    post(client, "/nurse", "/nurse/insurability", {"niss": PATIENT, "day": "2025-03-03"})
    process(assembled)
    post(client, "/nurse", "/nurse/collect", {})
    for day in range(3, 6):
        visit(client, f"2025-03-{day:02d}", "09:00", NURSE, "425014", "18.51")
    visit(client, "2025-03-03", "19:00", OTHER_NURSE, "425014", "18.51")  # billed twice: rejected (920099)
    post(client, "/nurse/sending", "/nurse/sending", {"period": "202503", "confirm": "yes"})
    process(assembled)
    post(client, "/nurse/replies", "/nurse/collect", {})
    yield assembled
    assembled.close()


def shown(client: TestClient, path: str) -> str:
    """What a person reads in the page's main part (no tags, no attribute values)."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text.split("<main", 1)[1]))


NURSE_PAGES = ["/nurse", "/nurse/visits?month=2025-03", "/nurse/sending", "/nurse/replies", "/nurse/corrections",
               "/nurse/reconciliation"]  # fmt: skip
AGENT_PAGES = ["/mutuality/sendings", "/mutuality/messages", "/mutuality/payments"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["à envoyer", "rejetée par la mutualité", "renvoyé pour correction (920099)", "importé",
                "lignes à renvoyer", "facturé"]),
        ("nl", ["te versturen", "verworpen door het ziekenfonds", "teruggestuurd ter verbetering (920099)",
                "ingelezen", "opnieuw te versturen lijnen", "gefactureerd"]),
    ],
)  # fmt: skip
def test_the_nurse_reads_statuses_in_her_language(launch: Launch, language: str, words: list[str]) -> None:
    client = login(launch, "infirmiere", language)
    texts = {path: shown(client, path) for path in NURSE_PAGES}
    everything = " ".join(texts.values())
    for word in words:
        assert word in everything, (language, word)
    for path, text in texts.items():
        assert ENGLISH.findall(text) == [], (language, path)
    calendar = client.get("/nurse/visits?month=2025-03").text
    assert 'class="visit status-pending"' in calendar and 'class="visit status-rejected"' in calendar  # the codes


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["Registre des numéros d'envoi", "Reçu le", "renvoyé pour correction", "acceptée par la mutualité"]),
        ("nl", ["Register van verzendingsnummers", "Ontvangen op", "teruggestuurd ter verbetering",
                "aanvaard door het ziekenfonds"]),
    ],
)  # fmt: skip
def test_the_mutuality_agent_reads_them_in_hers(launch: Launch, language: str, words: list[str]) -> None:
    agent = login(launch, "mutualite", language)
    texts = {path: shown(agent, path) for path in AGENT_PAGES}
    everything = " ".join(texts.values())
    for word in words:
        assert word in everything, (language, word)
    for path, text in texts.items():
        assert ENGLISH.findall(text) == [], (language, path)
    if language == "nl":
        assert "Reçu le" not in everything and "Aucun envoi" not in everything  # no French left on a Dutch page


def _catalog(folder: Path, language: str) -> dict[str, str]:
    with (folder / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return {(m.id if isinstance(m.id, str) else m.id[0]): (m.string if isinstance(m.string, str) else m.string[0])
                for m in read_po(source) if m.id}  # fmt: skip


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_belgian_page_message_is_translated(language: str) -> None:
    wanted = {
        (message if isinstance(message, str) else message[0])
        for _f, _l, message, _c, _x in extract_from_dir(
            str(BE_PLATFORM),
            [("**.py", "python"), ("**/templates/**.html", "jinja2")],
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
        )
    }
    translated = {**_catalog(WEB / "locale", language), **_catalog(BE_PLATFORM / "locale", language)}
    assert "to send" in wanted and "rejected by the mutuality" in wanted
    assert sorted(m for m in wanted if not translated.get(m)) == []
