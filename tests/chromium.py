"""Headless Chromium for the browser tests: Debian's chromium and chromedriver (tests/system-packages.txt), started
the one way every browser test starts it (no sandbox as root, no GPU, no background networking on a closed network,
a fresh profile)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
)


def require_chromium() -> None:
    """Skip the calling module when Chromium is missing (a failure under CI=true: ``make test`` installs it)."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("headless Chromium tests need /usr/bin/chromium and /usr/bin/chromedriver", allow_module_level=True)


def chromium_options(profile: Path, language: str | None = None) -> Any:
    """The options every browser test uses; ``language`` ("fr-LU,fr") sets the browser's Accept-Language."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(argument)
    if language is not None:
        options.add_argument(f"--lang={language.split(',')[0]}")
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
    return options


@contextlib.contextmanager
def headless_chromium(profile: Path, page_load_timeout: float = 60, language: str | None = None) -> Iterator[Any]:
    """A Chrome WebDriver on a fresh profile folder, quit and the profile removed on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = chromium_options(profile, language)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(page_load_timeout)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
