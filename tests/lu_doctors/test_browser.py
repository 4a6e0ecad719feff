"""The doctors' device flat rates in headless Chromium, on the running platform (mailboxes, worker, CNS engine):
declaration → identifier → a PID fee note and third-party invoices → monthly statements → returns → what the shared
scanner has left; then the CNS agent's register."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.chromium import headless_chromium, require_chromium

from tierspayant.platform.launch import Launch, launched
from tierspayant.platform.runner import Addresses
from tierspayant.platform.settings import Settings, load_settings
from tierspayant.schemes.lu_doctors.examples import patient, sample_pdf

pytestmark = pytest.mark.browser


def make_settings(var_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"http_port": 0, "sftp_port": 0, "demo": False, **overrides}
    return load_settings(environ={}, var_dir=var_dir, database_url=None, **values)


require_chromium()

from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Launch, Addresses, Path]]:
    tmp = tmp_path_factory.mktemp("doctors")
    settings = make_settings(tmp / "var", demo=True, worker_poll_seconds=0.2)
    (tmp / "facture.pdf").write_bytes(sample_pdf("Facture acquittée", ("Échographe Sonora V8",)))
    (tmp / "livraison.pdf").write_bytes(sample_pdf("Bon de livraison signé", ("US-2024-000731",)))
    with launched(settings) as (launch, addresses):
        yield launch, addresses, tmp


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile"), 60) as driver:
        yield driver  # type: ignore[misc]


def login(driver: WebDriver, base: str, launch: Launch, username: str) -> None:
    demo = launch.scheme("lu_doctors").demo  # type: ignore[attr-defined]
    password = next(a.password for a in demo.accounts if a.username == username)
    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login").click()
    deadline = time.monotonic() + 30
    while "/login" in driver.current_url and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "/login" not in driver.current_url, f"{username} could not log in"


def submit(driver: WebDriver, css: str) -> None:
    """Click and wait until the next page replaced this one (after the POST's redirect)."""
    button = driver.find_element(By.CSS_SELECTOR, css)
    button.click()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            button.is_enabled()  # raises once the page it belonged to is gone
        except WebDriverException:  # stale element, or "node does not belong to the document"
            return
        time.sleep(0.1)
    raise AssertionError(f"{css}: the page did not change")


def flash_text(driver: WebDriver) -> str:
    return " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, ".flash"))


def set_value(driver: WebDriver, form: str, name: str, value: str) -> None:
    element = driver.find_element(By.CSS_SELECTOR, f"#{form} [name='{name}']")
    driver.execute_script("arguments[0].value = arguments[1]", element, value)


def fetch_until(driver: WebDriver, base: str, css: str, text: str) -> str:
    """Press "fetch the answers" until the worker has answered and ``text`` shows in ``css``."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        driver.get(base + "/doctors/devices")
        submit(driver, "#fetch")
        shown = driver.find_element(By.CSS_SELECTOR, css).text
        if text in shown:
            return shown
        time.sleep(0.5)
    raise AssertionError(f"{text!r} never appeared in {css}: {driver.find_element(By.CSS_SELECTOR, css).text}")


def bill(driver: WebDriver, base: str, mode: str, matricule: str, day: str, act: str) -> str:
    driver.get(base + "/doctors/devices")
    driver.find_element(By.CSS_SELECTOR, f"#bill [name='mode'][value='{mode}']").click()
    set_value(driver, "bill", "matricule", matricule)
    set_value(driver, "bill", "day", day)
    set_value(driver, "bill", "technical_act", act)
    submit(driver, "#bill button")
    return flash_text(driver)


def send_statement(driver: WebDriver, base: str, month: str) -> str:
    driver.get(base + "/doctors/devices")
    set_value(driver, "statement", "month", month)
    submit(driver, "#statement button")
    return flash_text(driver)


def test_declaration_to_what_the_device_has_left(platform: tuple[Launch, Addresses, Path], browser: WebDriver) -> None:
    launch, addresses, tmp = platform
    base = addresses.base_url
    login(browser, base, launch, "gyneco")
    browser.get(base + "/doctors/devices?lang=de")
    assert "Meine Geräte" in browser.find_element(By.TAG_NAME, "h1").text
    browser.get(base + "/doctors/devices?lang=fr")
    browser.find_element(By.CSS_SELECTOR, "#declare [name='invoice']").send_keys(str(tmp / "facture.pdf"))
    browser.find_element(By.CSS_SELECTOR, "#declare [name='delivery']").send_keys(str(tmp / "livraison.pdf"))
    submit(browser, "#declare button")
    assert "_MED_DECLAPP_01_" in flash_text(browser)
    devices = fetch_until(browser, base, "#devices", "registered")
    assert "ECHO0000001" in devices and "DF21 / DF22" in devices  # class 2: 42000 + two probes

    flash = bill(browser, base, "pid", patient(1), "2025-03-03", "6E21")
    assert "6E21, DF21" in flash
    assert "_MED_FACFORF_01_" in send_statement(browser, base, "2025-03")

    login(browser, base, launch, "echo")  # the colleague bills with the identifier of the shared scanner
    flash = bill(browser, base, "third_party", patient(2), "2025-03-05", "6E11")
    assert "DF21 (36.00 EUR)" in flash
    assert "_MED_FACFORF_01_" in send_statement(browser, base, "2025-03")
    claims = fetch_until(browser, base, "#claims", "paid")

    login(browser, base, launch, "gyneco")
    claims = fetch_until(browser, base, "#claims", "DF21 (pid) paid")
    assert "tiers_payant) paid" in claims and "36.00" in claims
    browser.get(base + "/doctors/devices?year=2025")
    row = browser.find_element(By.CSS_SELECTOR, "#devices tr[data-device='ECHO0000001']")
    assert row.find_element(By.CLASS_NAME, "used").text == "2 / 1800"
    assert row.find_element(By.CLASS_NAME, "left").text == "1798"
    assert row.find_element(By.CLASS_NAME, "amortisation").text == "8998"

    login(browser, base, launch, "cns-appareils")
    browser.get(base + "/doctors/register?lang=en&year=2025")
    register = browser.find_element(By.ID, "register").text
    assert "ECHO0000001" in register and "2 + 0" in register
    browser.get(base + "/fund/payments")
    assert re.search(r"\b72[.,]00\b", browser.find_element(By.TAG_NAME, "main").text)  # French by default: 72,00
