"""The eDocuments pages "my documents" through HTTP: login, languages, the patient's claim, the doctor's view of
what assistants prepared on the doctor's behalf; then the same in headless Chromium."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from tests.chromium import CHROMEDRIVER, CHROMIUM, chromium_options
from tests.conftest import not_applicable

from tierspayant.schemes.lu_doctors.edocuments.api import create_app
from tierspayant.schemes.lu_doctors.edocuments.model import Status
from tierspayant.schemes.lu_doctors.practice.feenotes_digital import Right

from .conftest import TOKENS, Parties
from .helpers import ADULT
from .test_walk import consultation
from .world import World, build_world


@pytest.fixture
def world(parties: Parties, other_url: Callable[[str], str]) -> Iterator[World]:
    built = build_world(parties, other_url, {ADULT: True})
    built.doctor.grant("paul.assistant", set(Right))
    built.doctor.issue(consultation(built, "FN-1"))
    built.assistant.issue(consultation(built, "FN-2", paid=False))
    yield built
    built.close()


def _login(world: World, token: str) -> None:
    response = world.parties.http.post("/my/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("lang", "title", "available"),
    [
        ("fr", "Mes documents", "disponible"),
        ("de", "Meine Dokumente", "verfügbar"),
        ("en", "My documents", "available"),
    ],
)
def test_patient_page_in_three_languages(world: World, lang: str, title: str, available: str) -> None:
    _login(world, "t-patient")
    page = world.parties.http.get(f"/my/documents?lang={lang}").text
    assert title in page and available in page and "FN-1" in page and "FN-2" in page


def test_patient_claims_from_the_page(world: World) -> None:
    _login(world, "t-patient")
    http = world.parties.http
    [fn1] = [d for d in world.parties.client("t-patient").documents() if d.fee_note_number == "FN-1"]
    response = http.post(f"/my/documents/{fn1.receipt}/submit", follow_redirects=True)
    assert "Demande de remboursement envoyée" in response.text
    assert world.parties.client("t-patient").document(fn1.receipt).status is Status.SUBMITTED
    again = http.post(f"/my/documents/{fn1.receipt}/submit")
    assert again.status_code == 409 and "EDOC-ALREADY" in again.text
    [fn2] = [d for d in world.parties.client("t-patient").documents() if d.fee_note_number == "FN-2"]
    assert "EDOC-UNPAID" in http.post(f"/my/documents/{fn2.receipt}/submit").text
    assert http.get(f"/my/documents/{fn1.receipt}/pdf").content.startswith(b"%PDF")


def test_doctor_sees_invoices_prepared_on_behalf(world: World) -> None:
    _login(world, "t-doctor")
    page = world.parties.http.get("/my/documents?lang=en").text
    on_behalf = page.split('id="on-behalf"')[1]
    assert "FN-2" in on_behalf and "paul.assistant" in on_behalf and "FN-1" not in on_behalf


def test_unknown_token_and_no_login(world: World) -> None:
    assert world.parties.http.post("/my/login", data={"token": "nope"}).status_code == 401
    world.parties.http.cookies.clear()
    assert world.parties.http.get("/my/documents", follow_redirects=False).headers["location"] == "/my/login"


@pytest.mark.browser
def test_browser_patient_and_doctor(world: World, tmp_path: Path) -> None:
    if world.parties.vault.engine.dialect.name != "sqlite":
        not_applicable("the pages are the same on PostgreSQL (checked through HTTP above); one browser run is enough")
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs /usr/bin/chromium and /usr/bin/chromedriver (tests/system-packages.txt)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    config = uvicorn.Config(create_app(world.parties.vault, TOKENS), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    options = chromium_options(tmp_path / "chromium-profile")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    wait = WebDriverWait(driver, 20)
    try:
        base = f"http://127.0.0.1:{port}"
        driver.get(f"{base}/my/login?lang=de")
        driver.find_element(By.ID, "token").send_keys("t-patient")
        driver.find_element(By.ID, "sign-in").click()
        wait.until(lambda d: d.find_elements(By.ID, "doc-FN-1"))
        assert "Meine Dokumente" in driver.find_element(By.TAG_NAME, "h1").text
        row = driver.find_element(By.ID, "doc-FN-1")
        assert row.find_element(By.CLASS_NAME, "status").text == "verfügbar"
        row.find_element(By.CLASS_NAME, "submit").click()
        wait.until(lambda d: d.find_elements(By.ID, "message"))
        assert "Erstattungsantrag gesendet" in driver.find_element(By.ID, "message").text
        status = driver.find_element(By.ID, "doc-FN-1").find_element(By.CLASS_NAME, "status").text
        assert status == "Erstattung beantragt"
        driver.find_element(By.ID, "logout").click()
        wait.until(lambda d: d.find_elements(By.ID, "token"))  # the logout's answer arrived (it sets the language)
        driver.get(f"{base}/my/login?lang=en")
        driver.find_element(By.ID, "token").send_keys("t-doctor")
        driver.find_element(By.ID, "sign-in").click()
        wait.until(lambda d: d.find_elements(By.ID, "on-behalf"))
        assert (
            driver.find_element(By.ID, "doc-FN-1").find_element(By.CLASS_NAME, "status").text == "reimbursement claimed"
        )
        assert "paul.assistant" in driver.find_element(By.ID, "on-behalf").text
    finally:
        driver.quit()
        server.should_exit = True
        thread.join(timeout=10)
