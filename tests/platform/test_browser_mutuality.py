"""A Belgian mutuality's agent in headless Chromium: the intake shows the nurses' 920000 sendings (and only
those: the CNS's physiotherapy files are another fund's), a rejected sending's findings with the rule that raised
each and its official label, and the register of sending numbers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date

import pytest
from tests.chromium import headless_chromium, require_chromium

from tierspayant.platform.audit import Channel
from tierspayant.platform.deposits import FINAL_STATUSES, DepositInfo
from tierspayant.platform.launch import Launch, launched
from tierspayant.platform.runner import Addresses
from tierspayant.schemes.be_nursing.examples import niss_for
from tierspayant.schemes.be_nursing.formats.messages import write_920000
from tierspayant.schemes.be_nursing.formats.naming import sending_name
from tierspayant.schemes.be_nursing.platform.demo import GROUP, PERIOD, demo_sending

from .conftest import make_settings

pytestmark = pytest.mark.browser

require_chromium()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402


def deposit(launch: Launch, name: str, data: bytes) -> DepositInfo:
    nurse = launch.context.accounts.principal("infirmiere")
    assert nurse is not None
    deposit_id = launch.context.deposit_bytes(nurse, GROUP, name, data, Channel.API)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = launch.context.deposits.get(deposit_id)
        if found is not None and found.status in FINAL_STATUSES:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{name} was not processed")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Launch, Addresses, list[DepositInfo]]]:
    tmp = tmp_path_factory.mktemp("mutuality")
    settings = make_settings(tmp / "var", demo=True, worker_poll_seconds=0.2)
    with launched(settings) as (launch, addresses):
        clean_name = sending_name(GROUP, PERIOD, 1)
        clean = deposit(launch, clean_name, write_920000(demo_sending(1), tmp / clean_name).read_bytes())
        # A patient the mutuality does not know: every line of that invoice is rejected (200742), 50 % → 920099.
        model = demo_sending(2)
        stranger = model.invoices[1].model_copy(update={"niss": niss_for(date(1977, 7, 7), 321)})
        model = model.model_copy(update={"invoices": [model.invoices[0], stranger]})
        wrong_name = sending_name(GROUP, PERIOD, 2)
        wrong = deposit(launch, wrong_name, write_920000(model, tmp / wrong_name).read_bytes())
        yield launch, addresses, [clean, wrong]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile"), 60) as driver:
        yield driver  # type: ignore[misc]


def login(driver: WebDriver, base: str, launch: Launch, username: str) -> None:
    demo = launch.scheme("be_nursing").demo  # type: ignore[attr-defined]
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


def test_the_mutuality_agent_sees_the_sendings_and_their_findings(
    platform: tuple[Launch, Addresses, list[DepositInfo]], browser: WebDriver
) -> None:
    launch, addresses, (clean, wrong) = platform
    assert (clean.status.value, wrong.status.value) == ("accepted", "refused")
    login(browser, addresses.base_url, launch, "mutualite")

    browser.get(addresses.base_url + "/fund")
    rows = browser.find_elements(By.CSS_SELECTOR, "#intake tbody tr")
    names = {row.find_elements(By.TAG_NAME, "td")[3].text for row in rows}
    assert names == {clean.name, wrong.name}  # the nurses' sendings only

    browser.get(f"{addresses.base_url}/fund/deposits/{wrong.id}")
    findings = browser.find_element(By.ID, "explanations").text
    assert "200742" in findings and "Bénéficiaire" in findings  # the official code with its French label
    assert "beneficiary_unknown" in findings  # the rule that raised it, beside what it checks
    summary = browser.find_element(By.ID, "summary").text
    assert "920099" in summary

    navigation = browser.find_element(By.CSS_SELECTOR, "header nav").text
    assert "Patients" not in navigation and "Prescriptions" not in navigation  # no physiotherapy pages
    browser.find_element(By.CSS_SELECTOR, "header nav a[href='/mutuality/sendings']").click()
    register = browser.find_element(By.ID, "sendings").text
    assert clean.name in register and wrong.name in register and "920900" in register and "920099" in register


def test_the_cns_agent_does_not_see_the_nurses_sendings(
    platform: tuple[Launch, Addresses, list[DepositInfo]], browser: WebDriver
) -> None:
    launch, addresses, (clean, _) = platform
    kin_demo = launch.scheme("lu_kin").demo  # type: ignore[attr-defined]
    password = next(a.password for a in kin_demo.accounts if a.username == "agent")
    browser.delete_all_cookies()
    browser.get(addresses.base_url + "/login")
    browser.find_element(By.ID, "username").send_keys("agent")
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "login").click()
    deadline = time.monotonic() + 30
    while "/login" in browser.current_url and time.monotonic() < deadline:
        time.sleep(0.2)
    browser.get(f"{addresses.base_url}/fund/deposits/{clean.id}")
    assert browser.find_elements(By.ID, "summary") == []  # another fund's deposit: not shown
