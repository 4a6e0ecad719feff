"""A nurse's month in headless Chromium (Selenium + chromedriver), the files crossing the platform's mailbox and the
mutuality's engine behind it (the real worker): insurability consultation → visits → sending → 920900 → correction of
the rejected line → next sending accepted; then the mutuality agent's payments and payment letter. Screenshots go to
``test-artifacts/be_platform/``.

The month's routine visits (a first visit and a hygiene care a day) are in the group's software already (recorded
through its ledger, as an import would); the visits of the evening that goes wrong are typed in the calendar."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tests.chromium import headless_chromium, require_chromium

from tierspayant.platform.launch import Launch, launched
from tierspayant.platform.runner import Addresses
from tierspayant.platform.settings import load_settings
from tierspayant.schemes.be_nursing.nurse.visits import Visit, VisitBook
from tierspayant.schemes.be_nursing.platform.runtime import NursingRuntime

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "be_platform"
PATIENT = "85010100214"
NURSE, EVENING_NURSE = "10234567001", "10234568002"

require_chromium()

from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Launch, Addresses]]:
    var = tmp_path_factory.mktemp("be-web") / "var"
    settings = load_settings(environ={}, var_dir=var, http_port=0, sftp_port=0, demo=True, worker_poll_seconds=0.2)
    with launched(settings) as started:
        yield started


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile"), 90) as chrome:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield chrome  # type: ignore[misc]


class Browser:
    def __init__(self, driver: WebDriver, launch: Launch, addresses: Addresses) -> None:
        self.driver, self.launch, self.base = driver, launch, addresses.base_url
        runtime = launch.scheme("be_nursing")
        assert isinstance(runtime, NursingRuntime) and runtime.demo is not None and runtime.nurse is not None
        self.runtime = runtime
        self.passwords = {a.username: a.password for a in runtime.demo.accounts}

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def login(self, username: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/login")
        self.driver.find_element(By.ID, "username").send_keys(username)
        self.driver.find_element(By.ID, "password").send_keys(self.passwords[username])
        self.click(By.ID, "login")

    def click(self, by: str, selector: str) -> None:
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(by, selector).click()
        self.until(lambda: _stale(old) and self.driver.execute_script("return document.readyState") == "complete",
                   f"the page after clicking {selector}")

    def set(self, selector: str, value: str) -> None:
        field = self.driver.find_element(By.CSS_SELECTOR, selector)
        self.driver.execute_script("arguments[0].value = arguments[1]", field, value)

    def until(self, condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.3)
        raise AssertionError(f"{what} did not happen in {timeout} s")

    def collect_until(self, condition: Callable[[], bool], what: str) -> None:
        """Collect the mailbox's answers until the worker has answered (it polls every 0.2 s)."""
        def collected() -> bool:
            self.click(By.ID, "collect")
            return condition()
        self.until(collected, what)

    def text(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def shot(self, name: str) -> None:
        self.driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def _stale(element: object) -> bool:
    try:
        element.is_enabled()  # type: ignore[attr-defined]
    except WebDriverException:
        return True
    return False


def test_a_nurses_month_in_the_browser(driver: WebDriver, platform: tuple[Launch, Addresses]) -> None:
    b = Browser(driver, *platform)
    ledger = b.runtime.nurse.ledger  # type: ignore[union-attr]
    b.login("infirmiere")

    # 1. insurability consultation from the patients page; the 801900 lands on the patient
    b.open("/nurse")
    b.set(f"#patient-{PATIENT} input[name='day']", "2025-03-03")
    b.click(By.CSS_SELECTOR, f"#patient-{PATIENT} button.consult")
    b.collect_until(lambda: "2025-04-01" in driver.find_element(By.ID, f"patient-{PATIENT}").text,
                    "the insurability answer")
    b.shot("01-insurability")

    # 2. the month: routine visits already in the software, the evening's visits typed in the calendar
    group = b.runtime.nurse.group  # type: ignore[union-attr]
    patient = next(p for p in ledger.patients() if p.niss == PATIENT)
    routine = [Visit(patient=PATIENT, date=date(2025, 3, 3) + timedelta(days=n), time=900 + 5 * k, nurse=NURSE,
                     code=code, amount=Decimal(amount),
                     eid_read_at=datetime(2025, 3, 3, 9, 1) + timedelta(days=n))
               for n in range(20) for k, (code, amount) in enumerate(((425014, "18.51"), (425110, "10.23")))]
    ledger.record_book(VisitBook(group=group, patients=[patient], visits=routine))
    b.open("/nurse/visits?month=2025-03")
    for field, value in (("niss", PATIENT), ("time", "19:00"), ("nurse", EVENING_NURSE), ("code", "425014"),
                         ("amount", "18.51")):
        b.set(f"#record-visit [name='{field}']", value)
    b.set("#record-visit [name='day']", "2025-03-10")
    b.click(By.CSS_SELECTOR, "#record-visit button[type='submit']")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#day-2025-03-10 .visit")) == 3
    b.shot("02-calendar")

    # 3. the sending, after the confirmation
    b.open("/nurse/sending")
    b.set("#send-form [name='period']", "202503")
    driver.find_element(By.ID, "confirm").click()
    b.click(By.ID, "send")
    assert "/nurse/replies" in driver.current_url
    b.collect_until(lambda: "502255" in b.text(), "the settlement 920900")
    assert "10234567001" in driver.find_element(By.ID, "lines").text  # zone 149: who billed the first visit
    b.shot("03-settlement")

    # 4. the rejected line corrected into a second basic visit
    b.open("/nurse/corrections")
    row = driver.find_element(By.CSS_SELECTOR, "#to-correct tbody tr")
    reference = row.get_attribute("id").removeprefix("correct-")  # type: ignore[union-attr]
    b.set(f"#correct-{reference} input[name='code']", "425036")
    b.click(By.CSS_SELECTOR, f"#correct-{reference} button.correct")
    assert "Rien à corriger" in b.text()
    b.shot("04-corrected")

    # 5. the next sending: accepted whole
    b.open("/nurse/sending")
    driver.find_element(By.ID, "confirm").click()
    b.click(By.ID, "send")
    b.collect_until(lambda: [s.status for s in ledger.sending_rows()] == ["settled", "settled"],
                    "the second settlement")
    b.open("/nurse/replies?sending=2")
    lines = driver.find_element(By.ID, "lines").text
    assert "502255" not in lines
    assert lines.count("acceptée par la mutualité") == 3  # the statuses read in French (issue 10)
    b.shot("05-accepted")

    # 6. the mutuality agent: payments in reception order and the payment letter
    b.login("mutualite")
    b.open("/mutuality/payments")
    payments = driver.find_elements(By.CSS_SELECTOR, "#payments tbody tr")
    assert [r.find_element(By.TAG_NAME, "td").text for r in payments] == ["1", "2"]
    b.click(By.LINK_TEXT, "Lettre de paiement")
    assert "Montant payé" in b.text()
    b.shot("06-payment-letter")
