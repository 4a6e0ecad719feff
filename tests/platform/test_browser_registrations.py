"""Registrations in headless Chromium, in French (issue 16): a practice applies for a provider code for a new
physiotherapist with her PDF documents (a first try with an image instead of a PDF is refused at once), the fund agent
grants the code, the practice requests electronic access, the agent accords it and reads the credentials once (they log
in over the real SFTP server; a second view is refused), the practice declares her joining its group from 12 March;
then the group's next FAC is paid for her only from that date (her session of 11 March is refused, K209).

The fund's clock is set to 1 March 2024, the day the story is played (the example FAC is of March 2024)."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import paramiko
import pytest
from reportlab.pdfgen import canvas
from tests.chromium import headless_chromium, require_chromium
from tests.fund.files import demaut_package
from tests.fund.test_registrations import fac_with_performer

from tierspayant.platform.launch import Launch, launched
from tierspayant.platform.runner import Addresses
from tierspayant.schemes.lu_kin.formats.models import Retfac
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.platform.runtime import KinRuntime

from .conftest import make_settings

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "platform"
FOUR = ("information_sheet", "authorisation", "identity", "bank_details")

require_chromium()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


def kin(launch: Launch) -> KinRuntime:
    runtime = launch.scheme("lu_kin")
    assert isinstance(runtime, KinRuntime)
    return runtime


def pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Launch, Addresses]]:
    settings = make_settings(tmp_path_factory.mktemp("web-registrations") / "var", demo=True)
    with launched(settings) as started:
        desk = kin(started[0]).registrations
        desk.clock = lambda: datetime(2024, 3, 1, 9, 0)
        yield started


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile"), 60, language="fr-LU,fr") as driver:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield driver


def _stale(element: Any) -> bool:
    from selenium.common.exceptions import WebDriverException

    try:
        element.is_enabled()
    except WebDriverException:
        return True
    return False


class Pages:
    def __init__(self, driver: WebDriver, launch: Launch, addresses: Addresses) -> None:
        self.driver, self.launch, self.addresses = driver, launch, addresses
        demo = kin(launch).demo
        self.passwords = {a.username: a.password for a in demo.accounts}

    def open(self, path: str) -> None:
        self.driver.get(self.addresses.base_url + path)

    def login(self, username: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/login")
        self.driver.find_element(By.ID, "username").send_keys(username)
        self.driver.find_element(By.ID, "password").send_keys(self.passwords[username])
        self.click(By.ID, "login")
        assert "/login" not in self.driver.current_url, self.flashes()

    def fill(self, form: str, values: dict[str, str]) -> None:
        for name, value in values.items():
            field = self.driver.find_element(By.CSS_SELECTOR, f"#{form} [name='{name}']")
            if field.tag_name == "select":
                Select(field).select_by_value(value)
            elif field.get_attribute("type") in ("date", "file") and not value.startswith("/"):
                self.driver.execute_script("arguments[0].value = arguments[1]", field, value)
            else:
                if field.get_attribute("type") != "file":
                    field.clear()
                field.send_keys(value)

    def confirm_and_submit(self, form: str) -> None:
        """Tick "Je confirme" (the act has legal effect), then submit."""
        self.driver.find_element(By.CSS_SELECTOR, f"#{form} input[name='confirmed']").click()
        self.click(By.CSS_SELECTOR, f"#{form} button[type='submit']")

    def click(self, by: str, selector: str) -> None:
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(by, selector).click()
        self.until(lambda: _stale(old) and self.driver.execute_script("return document.readyState") == "complete")

    def until(self, condition: Callable[[], bool], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.2)
        raise AssertionError(f"the next page did not come in {timeout} s; flashes: {self.flashes()}")

    def flashes(self) -> list[str]:
        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, "p.flash")]

    def text(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    def shot(self, name: str) -> None:
        self.driver.save_screenshot(str(ARTIFACTS / f"registrations-{name}.png"))


@pytest.fixture(scope="module")
def pages(browser: WebDriver, platform: tuple[Launch, Addresses]) -> Pages:
    return Pages(browser, *platform)


def documents(folder: Path, image_for: str | None = None) -> dict[str, str]:
    paths = {}
    for role in FOUR:
        path = folder / (f"{role}.png" if role == image_for else f"{role}.pdf")
        path.write_bytes(b"\x89PNG\r\n\x1a\n" if role == image_for else pdf(f"Anna Neu — {role}"))
        paths[role] = str(path.resolve())
    return paths


def test_a_new_physiotherapist_is_registered_and_paid_in_the_group_from_the_declared_date(
    pages: Pages, tmp_path: Path
) -> None:
    # The practice applies; an image instead of the identity document is refused at once, with the reason.
    pages.login("cabinet")
    pages.open("/practice/registrations")
    assert pages.driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert "Demander un code prestataire" in pages.text()
    bad = tmp_path / "bad"
    bad.mkdir()
    pages.fill("apply", {"name": "Anna Neu", **documents(bad, "identity")})
    pages.confirm_and_submit("apply")
    assert any("refusée d'emblée" in f and "REG-DOC-NOT-PDF" in f for f in pages.flashes()), pages.flashes()
    pages.fill("apply", {"name": "Anna Neu", **documents(tmp_path)})
    pages.confirm_and_submit("apply")
    assert any("Demande envoyée à la caisse" in f for f in pages.flashes()), pages.flashes()
    pages.shot("01-applied")

    # The fund agent grants the code.
    pages.login("agent")
    pages.open("/fund/registrations")
    assert "Demandes postales des assurés" in pages.text()
    row = pages.driver.find_element(By.XPATH, "//table[@id='pending']//tr[td[contains(., 'Anna Neu')]]//a")
    pages.click(By.LINK_TEXT, row.text)
    assert len(pages.driver.find_elements(By.CSS_SELECTOR, "#documents a")) == 4
    pages.fill("decide", {"grant": "yes"})
    pages.confirm_and_submit("decide")
    granted = re.search(r"Code prestataire (\d{8}) accordé", " ".join(pages.flashes()))
    assert granted is not None, pages.flashes()
    code = granted.group(1)
    pages.shot("02-granted")

    # The practice sees the code and asks for electronic access for it.
    pages.login("cabinet")
    pages.open("/practice/registrations")
    assert f"Anna Neu ({code})" in pages.text()
    pages.fill("access", {"code": code})
    pages.confirm_and_submit("access")
    assert any("Demande d'accès électronique envoyée" in f for f in pages.flashes()), pages.flashes()

    # The agent accords it and reads the credentials, once.
    pages.login("agent")
    pages.open("/fund/registrations")
    row = pages.driver.find_element(
        By.XPATH, f"//table[@id='pending']//tr[td[contains(., 'accès électronique')] and td[contains(., '{code}')]]//a"
    )
    access_url = f"/fund/registrations/{row.text}"
    pages.click(By.LINK_TEXT, row.text)
    pages.fill("decide-access", {"grant": "yes"})
    pages.confirm_and_submit("decide-access")
    assert any("Accès accordé" in f for f in pages.flashes()), pages.flashes()
    pages.click(By.CSS_SELECTOR, "#issue-credentials button")
    username = pages.driver.find_element(By.ID, "credentials-username").text
    password = pages.driver.find_element(By.ID, "credentials-password").text
    assert username == f"kin{code}" and len(password) >= 20
    pages.shot("03-credentials")
    pages.open(access_url)
    assert "jamais affichés deux fois" in pages.text() and password not in pages.driver.page_source
    transport = paramiko.Transport(("127.0.0.1", pages.addresses.sftp_port))
    try:
        transport.connect(username=username, password=password)
        sftp = paramiko.SFTPClient.from_transport(transport)
        assert sftp is not None and sorted(sftp.listdir("/")) == ["in", "out"]
        sftp.close()
    finally:
        transport.close()

    # The practice declares her joining its group, in advance, from 12 March.
    pages.login("cabinet")
    pages.open("/practice/registrations")
    pages.fill("declare", {"member_code": code, "change": "join", "on_date": "2024-03-12", "employment": "employee"})
    pages.confirm_and_submit("declare")
    assert any("Déclaration enregistrée" in f for f in pages.flashes()), pages.flashes()
    members = pages.driver.find_element(By.ID, "members").text
    assert code in members and "12 mars 2024" in members
    pages.shot("04-declared")

    # The group's next FAC: her sessions of 11, 13, 15 and 18 March; only those from the 12th are paid.
    fund = kin(pages.launch).fund.service
    demaut = fund.process(demaut_package(tmp_path), tmp_path / "out", datetime(2024, 3, 7, 9, 30))
    retaut = read_file(next(p for p in demaut.written if "_RETAUT_" in p.name))
    titres = {d.matricule: d.titre_id for d in retaut.decisions if d.titre_id}
    outcome = fund.process(fac_with_performer(tmp_path, titres, code), tmp_path / "out", datetime(2024, 4, 2, 9, 30))
    retfac = read_file(next(p for p in outcome.written if "_RETFAC_" in p.name))
    assert isinstance(retfac, Retfac)
    day = {1: 11, 2: 13, 3: 15, 4: 18}
    lines = retfac.invoices[0].lines
    assert [day[line.line_number] for line in lines if "K209" in [a.code for a in line.anomalies]] == [11]
    assert [day[line.line_number] for line in lines if line.amount_covered > 0] == [13, 15, 18]
