"""In headless Chromium: a practice user switches the pages to German with the header's language chooser; the pages
speak German, the choice is kept on the account (a fresh browser, a French one, still reads German after logging
in) and the patient's mémoire d'honoraires, opened from the browser, is printed in German."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from tests.chromium import headless_chromium, require_chromium

from tierspayant.platform.launch import Launch, launched
from tierspayant.platform.runner import Addresses
from tierspayant.schemes.lu_kin.practice.domain import PathologyCategory
from tierspayant.schemes.lu_kin.practice.prescriptions import PrescribedAct, PrescriptionInput
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput
from tierspayant.schemes.lu_kin.practice.titres import PaperTitre
from tierspayant.schemes.lu_kin.titre import make_titre_id

from .conftest import make_settings

pytestmark = pytest.mark.browser
require_chromium()

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

PATIENT = "1990093012358"  # a demo patient
PAPER = make_titre_id(2026, 5151)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Launch, Addresses]]:
    settings = make_settings(tmp_path_factory.mktemp("web-de") / "var", demo=True, worker_poll_seconds=0.2)
    with launched(settings) as started:
        yield started


def sessions_on_a_paper_titre(launch: Launch) -> tuple[str, int]:
    """Two sessions this month on a titre the patient brought on paper: a mémoire to print, no fund needed."""
    runtime = launch.scheme("lu_kin")
    practice, demo = runtime.practice, runtime.demo
    assert demo is not None
    reference = practice.reference.reference
    today = practice.today()
    start = today.replace(day=1)
    prescription = practice.add_prescription(
        PrescriptionInput(
            matricule=PATIENT,
            prescriber_code=str(reference["prescribers"]["prescriber_code"][0]),
            prescribed_on=start - timedelta(days=5),
            pathology_category=PathologyCategory.COMMON,
            acts=[PrescribedAct("ZK11", 8)],
            performer_code="70023456",
            place_category=str(reference["places"]["place_code"][0]),
            scan=demo.sample_scan.read_bytes(),
            scan_name="scan.pdf",
        )
    )
    practice.record_paper_titre(
        PaperTitre(PAPER, prescription.id, start - timedelta(days=3), start, start + timedelta(days=90),
                   Decimal("70.00"), {"ZK11": 8})
    )  # fmt: skip
    days = sorted({start, today})
    for day in days:
        practice.add_session(SessionInput(PAPER, day))
    return f"{today:%Y-%m}", len(days)


def wait(condition: object, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return
        except StaleElementReferenceException:  # the page was replaced between finding an element and reading it
            pass
        time.sleep(0.3)
    raise AssertionError(f"{what} did not happen in {timeout} s")


def test_a_user_switches_to_german_and_prints_a_german_memoire(
    platform: tuple[Launch, Addresses], tmp_path_factory: pytest.TempPathFactory
) -> None:
    launch, addresses = platform
    demo = launch.scheme("lu_kin").demo
    assert demo is not None
    password = next(a.password for a in demo.accounts if a.username == "cabinet")
    month, sessions = sessions_on_a_paper_titre(launch)

    def log_in(driver: object) -> None:
        driver.get(addresses.base_url + "/login")  # type: ignore[attr-defined]
        driver.find_element(By.ID, "username").send_keys("cabinet")  # type: ignore[attr-defined]
        driver.find_element(By.ID, "password").send_keys(password)  # type: ignore[attr-defined]
        driver.find_element(By.ID, "login").click()  # type: ignore[attr-defined]
        wait(lambda: "/login" not in driver.current_url, "the login")  # type: ignore[attr-defined]

    try:
        with headless_chromium(tmp_path_factory.mktemp("profile-fr"), 60, language="fr-LU,fr") as driver:
            log_in(driver)
            assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
            offered = [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#language option")]
            assert offered == ["fr", "de", "en"]  # the scheme's languages only
            Select(driver.find_element(By.ID, "language")).select_by_value("de")
            driver.find_element(By.ID, "choose-language").click()
            wait(lambda: driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de", "German pages")
            body = driver.find_element(By.TAG_NAME, "body").text
            assert "Abmelden" in body and "Se déconnecter" not in body
            driver.get(addresses.base_url + "/practice/requests")
            assert "Genutzte / genehmigte Sitzungen" in driver.find_element(By.ID, "titres").text
            assert "Papier, per Post: kein tiers payant" in driver.find_element(By.ID, "titres").text

        # Another browser, a French one: the account's language wins.
        with headless_chromium(tmp_path_factory.mktemp("profile-fr2"), 60, language="fr-LU,fr") as driver:
            log_in(driver)
            assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
            memoire = launch.scheme("lu_kin").practice.pdf_dir / f"memoire-{month}-{PATIENT}.pdf"
            driver.get(f"{addresses.base_url}/practice/documents/memoire/{PATIENT}/{month}.pdf")
            wait(memoire.exists, "the mémoire's printing")
            text = " ".join(" ".join(page.extract_text() for page in PdfReader(memoire).pages).split())
            assert "Honorarnote" in text and "Von der geschützten Person zu zahlender Betrag" in text
            assert f"{sessions} Sitzung(en)" in text and PAPER in text and "Mémoire d'honoraires" not in text
    finally:
        launch.context.accounts.set_language("cabinet", None)
    events = [e for e in launch.context.audit.entries(actor="cabinet") if e.action == "language"]
    assert events and events[0].detail.endswith("→ de")
