"""The web interface in headless Chromium (Selenium + chromedriver), in French as a Luxembourg practice reads it: a
newcomer's month of physiotherapy billing with the files really crossing the SFTP mailbox, a line the fund refuses,
corrected for the next bill, and a mémoire that says what the fund decided; then the assistant's, the fund agent's
and the administrator's views. Screenshots go to ``test-artifacts/platform/``."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.chromium import headless_chromium, require_chromium

from tierspayant.platform.launch import Launch, launched
from tierspayant.platform.runner import Addresses

from .conftest import make_settings

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "platform"
NEW_PATIENT = ("1979122003208", "Muller", "Anne", "1979-12-20", "CMFEP")

require_chromium()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Launch, Addresses]]:
    settings = make_settings(tmp_path_factory.mktemp("web") / "var", demo=True, worker_poll_seconds=0.2)
    with launched(settings) as started:
        yield started


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    with headless_chromium(profile, 60, language="fr-LU,fr") as driver:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield driver


class Pages:
    def __init__(self, driver: WebDriver, launch: Launch, addresses: Addresses) -> None:
        self.driver = driver
        self.launch = launch
        self.base = addresses.base_url
        demo = launch.scheme("lu_kin").demo
        self.passwords = {a.username: a.password for a in demo.accounts} if demo else {}

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def login(self, username: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/login")
        self.driver.find_element(By.ID, "username").send_keys(username)
        self.driver.find_element(By.ID, "password").send_keys(self.passwords[username])
        self.driver.find_element(By.ID, "login").click()
        self.until(lambda: "/login" not in self.driver.current_url, f"{username}'s login", timeout=30)

    def fill(self, form: str, values: dict[str, str]) -> None:
        for name, value in values.items():
            field = self.driver.find_element(By.CSS_SELECTOR, f"#{form} [name='{name}']")
            if field.tag_name == "select":
                Select(field).select_by_value(value)
            elif field.get_attribute("type") == "date":
                # Typing into a date input depends on the browser's locale; set the ISO value directly.
                self.driver.execute_script("arguments[0].value = arguments[1]", field, value)
            else:
                field.clear()
                field.send_keys(value)

    def send(self) -> None:
        """Tick "I confirm" (sending has legal effect), then send."""
        self.driver.find_element(By.CSS_SELECTOR, "form.confirm input[name='confirmed']").click()
        self.click(By.CSS_SELECTOR, "button.send")

    def submit(self, form: str) -> None:
        self.click(By.CSS_SELECTOR, f"#{form} button[type='submit']")

    def click(self, by: str, selector: str) -> None:
        """Click, then wait for the next page (a form post answers with a redirect to a fresh page)."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(by, selector).click()
        self.until(
            lambda: _stale(old) and self.driver.execute_script("return document.readyState") == "complete",
            f"the page after clicking {selector}",
            timeout=60,
        )

    def flashes(self) -> list[str]:
        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, "p.flash")]

    def shot(self, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def until(
        self, condition: Callable[[], bool], what: str, timeout: float = 60.0, refresh: Callable[[], None] | None = None
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if refresh is not None:
                refresh()
            time.sleep(0.3)
        raise AssertionError(f"{what} did not happen in {timeout} s; flashes: {self.flashes()}")

    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text


def _stale(element: object) -> bool:
    """True once the element's page is gone (Chromium says so in two ways, depending on timing)."""
    from selenium.common.exceptions import WebDriverException

    try:
        element.is_enabled()  # type: ignore[attr-defined]
    except WebDriverException:  # stale element, or "node does not belong to the document"
        return True
    return False


@pytest.fixture(scope="module")
def pages(browser: WebDriver, platform: tuple[Launch, Addresses]) -> Pages:
    return Pages(browser, *platform)


def pdf_amount(text: str, label: str) -> Decimal:
    match = re.search(re.escape(label) + r"\s*([0-9]+\.[0-9]{2}) EUR", text)
    assert match is not None, f"{label!r} not on the mémoire"
    return Decimal(match.group(1))


def page_amount(text: str) -> Decimal:
    """An amount as the French page shows it (``1 234,50``)."""
    return Decimal(text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", "."))


def test_a_month_of_physiotherapy_billing(pages: Pages) -> None:
    launch = pages.launch
    practice = launch.scheme("lu_kin").practice
    today = practice.today()
    # Log in with the printed demo credentials; the practice's pages are in French.
    pages.open("/")
    assert "/login" in pages.driver.current_url
    pages.login("cabinet")
    assert pages.driver.current_url.endswith("/practice")
    assert pages.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert "Vue d'ensemble" in pages.text()
    pages.shot("01-overview")

    # A new patient.
    pages.open("/practice/patients")
    matricule, last, first, born, fund = NEW_PATIENT
    pages.fill("add-patient", {"matricule": matricule, "last_name": last, "first_name": first, "birth_date": born,
                               "fund": fund})  # fmt: skip
    pages.submit("add-patient")
    assert any("ajouté" in f for f in pages.flashes()), pages.flashes()
    assert matricule in pages.text()  # the patient's own page
    pages.shot("02-patient")
    # The same matricule again is refused, with a link to that patient; what was typed stays in the form.
    pages.open("/practice/patients")
    pages.fill("add-patient", {"matricule": matricule, "last_name": "Autre", "first_name": "Anne", "birth_date": born,
                               "fund": fund})  # fmt: skip
    pages.submit("add-patient")
    assert any("PRA-PATIENT-EXISTS" in f for f in pages.flashes()), pages.flashes()
    assert pages.driver.find_element(By.LINK_TEXT, "Ouvrir ce patient")
    assert (
        pages.driver.find_element(By.CSS_SELECTOR, "#add-patient [name='last_name']").get_attribute("value") == "Autre"
    )

    # Her prescription, with the scan uploaded; the prescriber chosen by name.
    pages.open("/practice/prescriptions")
    pages.fill(
        "add-prescription",
        {"matricule": matricule, "prescribed_on": (today - timedelta(days=2)).isoformat(),
         "pathology_category": "COMMON", "act_code": "ZK11", "sessions": "8", "performer_code": "70023456"},
    )  # fmt: skip
    assert launch.scheme("lu_kin").demo is not None
    pages.driver.find_element(By.CSS_SELECTOR, "#add-prescription [name='scan']").send_keys(
        str(launch.scheme("lu_kin").demo.sample_scan)
    )
    pages.submit("add-prescription")
    assert any("enregistrée" in f for f in pages.flashes()), pages.flashes()
    assert "pathologie courante" in pages.driver.find_element(By.ID, "prescriptions").text
    pages.shot("03-prescriptions")

    # Build the authorisation request and send it through the SFTP mailbox, after confirming.
    pages.open("/practice/requests")
    pages.click(By.ID, "build-request")
    assert any("Demande préparée" in f for f in pages.flashes()), pages.flashes()
    pages.send()
    assert any("envoyé par la boîte SFTP" in f for f in pages.flashes()), pages.flashes()

    # The titre arrives: receive until the fund's RETAUT is in.
    def receive() -> None:
        pages.click(By.ID, "receive")

    pages.until(lambda: "MULLER Anne" in pages.driver.find_element(By.ID, "titres").text, "the titre's arrival",
                refresh=receive)  # fmt: skip
    pages.shot("04-titre-arrived")

    # Two sessions; the second one entered with the wrong act (the titre covers ZK11 only): the fund will refuse it.
    for day, act in ((today - timedelta(days=1), ""), (today - timedelta(days=2), "ZK16")):
        pages.open(f"/practice/sessions?month={day:%Y-%m}")
        titre_option = next(
            o
            for o in pages.driver.find_elements(By.CSS_SELECTOR, "#add-session [name='titre'] option")
            if "MULLER" in o.text.upper()
        )
        titre = titre_option.get_attribute("value") or ""
        pages.fill("add-session", {"titre": titre, "performed_on": day.isoformat(), "act_code": act})
        pages.submit("add-session")
        assert any("enregistrée sur le titre" in f for f in pages.flashes()), pages.flashes()
    calendar = pages.driver.find_element(By.ID, "calendar").text
    assert "MULLER Anne · ZK11" in calendar or "MULLER Anne · ZK16" in calendar  # the patient's name, not a code
    pages.shot("05-sessions-calendar")

    # The monthly bill, sent through the mailbox; the RETFAC comes back with the second session refused.
    pages.open("/practice/billing")
    pages.fill("bill", {"month": f"{today:%Y-%m}"})
    pages.submit("bill")
    assert any("Facture mensuelle" in f for f in pages.flashes()), pages.flashes()
    pages.send()
    assert any("envoyé par la boîte SFTP" in f for f in pages.flashes()), pages.flashes()
    pages.open("/practice/returns")
    pages.until(lambda: "RETFAC" in pages.driver.find_element(By.ID, "returns").text, "the RETFAC's arrival",
                refresh=receive)  # fmt: skip
    contested = pages.driver.find_element(By.ID, "contested").text
    assert "K206" in contested and "MULLER Anne" in contested and "à corriger et refacturer" in contested
    pages.shot("06-returns")

    # Correct and re-bill: the act was ZK11; the session goes on the next monthly bill.
    pages.click(By.CSS_SELECTOR, "a.correct-rebill")
    assert "K206" in pages.driver.find_element(By.ID, "fund-decision").text
    pages.fill("correct-session", {"act_code": "ZK11"})
    pages.submit("correct-session")
    assert any("prochaine facture mensuelle" in f for f in pages.flashes()), pages.flashes()
    pages.open("/practice/returns")
    assert "corrigé, sur la prochaine FAC" in pages.driver.find_element(By.ID, "contested").text
    pages.shot("07-corrected")

    # The reconciliation, and a mémoire that says what the fund decided (read back from the PDF it opened).
    pages.open(f"/practice/reconciliation?month={today:%Y-%m}")
    bars = pages.driver.find_elements(By.CSS_SELECTOR, "#month-chart svg rect[data-series='facturé']")
    assert bars and all(float(b.get_attribute("data-value") or 0) > 0 for b in bars)
    row = next(r for r in pages.driver.find_elements(By.CSS_SELECTOR, "#reconciliation tbody tr") if "MULLER" in r.text)
    cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
    covered, owed = page_amount(cells[3]), page_amount(cells[6])
    assert covered > 0 and owed > 0
    pages.shot("08-reconciliation")
    pages.open(f"/practice/patients/{matricule}")
    pages.driver.find_element(By.PARTIAL_LINK_TEXT, "mémoire d'honoraires").click()
    memoire = practice.pdf_dir / f"memoire-{today:%Y-%m}-{matricule}.pdf"
    pages.until(memoire.exists, "the mémoire's printing", timeout=30)
    pages.driver.switch_to.window(pages.driver.window_handles[-1])
    pages.driver.close()
    pages.driver.switch_to.window(pages.driver.window_handles[0])
    text = "\n".join(page.extract_text() for page in PdfReader(memoire).pages)
    assert pdf_amount(text, "Prise en charge statutaire par la caisse") == covered
    assert pdf_amount(text, "Montant à payer par la personne protégée") == owed
    assert "Refusée — sera présentée à nouveau" in " ".join(text.split())
    pages.open(f"/practice/reconciliation?month={today:%Y-%m}")
    row = next(r for r in pages.driver.find_elements(By.CSS_SELECTOR, "#reconciliation tbody tr") if "MULLER" in r.text)
    assert page_amount(row.find_elements(By.TAG_NAME, "td")[7].text) == 0  # nothing more to invoice


def test_an_unknown_address_shows_a_page(pages: Pages) -> None:
    pages.open("/practice/no-such-page")
    assert "Page introuvable" in pages.text() and "detail" not in pages.text()


def test_the_assistant_prepares_but_cannot_send(pages: Pages) -> None:
    pages.login("secretariat")
    pages.open("/practice/billing")
    assert pages.driver.find_elements(By.ID, "build-bill")  # may prepare
    assert not pages.driver.find_elements(By.CSS_SELECTOR, "button.send")  # may not send
    pages.open("/admin/audit")
    assert "Accès refusé" in pages.text()


def test_the_fund_agent_sees_intake_anomalies_and_payments(pages: Pages) -> None:
    pages.login("agent")
    assert pages.driver.current_url.endswith("/fund")
    intake = pages.driver.find_element(By.ID, "intake").text
    assert "DEMAUT" in intake and "FAC" in intake and "accepté" in intake
    pages.shot("09-fund-intake")
    pages.click(By.PARTIAL_LINK_TEXT, "_KIN_FAC_")
    assert "Décisions et montants" in pages.text()
    pages.open("/fund/payments")
    assert pages.driver.find_elements(By.CSS_SELECTOR, "#payments-chart svg rect[data-series='amount due']")
    pages.shot("10-fund-payments")
    pages.open("/practice/patients")
    assert "Accès refusé" in pages.text()


def test_the_administrator_reads_the_audit_log(pages: Pages) -> None:
    pages.login("admin")
    assert pages.driver.current_url.endswith("/admin/audit")
    assert pages.driver.find_elements(By.CSS_SELECTOR, "nav.pager a[rel='next']")  # one page at a time
    pages.open("/admin/audit?subject=practice+patients")
    assert "cabinet" in pages.driver.find_element(By.ID, "audit").text
    pages.open("/admin/audit?subject=deposit")
    assert "agent" in pages.driver.find_element(By.ID, "audit").text
    pages.open("/admin/audit?action=refused")
    log = pages.driver.find_element(By.ID, "audit").text
    assert "PRA-PATIENT-EXISTS" in log  # the refused action is kept too
    pages.shot("11-audit-log")
