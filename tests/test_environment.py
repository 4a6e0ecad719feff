"""The test environment itself: under CI=true a skip is a failure (except a declared not-applicable one), and the
system-package installer reads its list (comments, blank lines) and leaves its stamp when nothing is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
INNER_TESTS = """
import pytest
import conftest

pytestmark = pytest.mark.filterwarnings("ignore")

def test_runs():
    assert True

def test_missing_tool():
    pytest.skip("sometool is not installed")

@pytest.mark.skipif(True, reason="a service is down")
def test_marked():
    pass

def test_does_not_apply():
    conftest.not_applicable("no invalid input for this operation")

@pytest.mark.xfail(reason="known")
def test_expected_failure():
    assert False

def test_storage(database_url):  # runs on SQLite; PostgreSQL is unreachable on port 1
    assert database_url
"""
MODULE_SKIP = """
import pytest
pytest.skip("headless browser missing", allow_module_level=True)
def test_never():
    pass
"""


def run_inner(folder: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    """Our conftest.py in a scratch folder with a few skipping tests, run by a real pytest in a subprocess."""
    (folder / "conftest.py").write_text((TESTS / "conftest.py").read_text())
    (folder / "test_inner.py").write_text(INNER_TESTS)
    (folder / "test_module_skip.py").write_text(MODULE_SKIP)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TIERSPAYANT_TEST_PG_URL"] = "postgresql+psycopg://postgres@127.0.0.1:1/test"  # nothing listens there
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", str(folder)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_skips_stay_skips_outside_ci(tmp_path: Path) -> None:
    result = run_inner(tmp_path, ci=None)
    assert result.returncode == 0, result.stdout
    assert "2 passed, 5 skipped, 1 xfailed" in result.stdout


def test_skips_fail_under_ci_except_not_applicable(tmp_path: Path) -> None:
    result = run_inner(tmp_path, ci="true")
    assert result.returncode == 1, result.stdout
    out = result.stdout
    # the skipif mark and the database_url fixture act in the setup phase: their failures are reported as errors
    assert "1 failed, 2 passed, 1 skipped, 1 xfailed, 3 errors" in out, out
    assert "ERROR test_inner.py::test_storage[postgresql] - skipped under CI=true" in out
    assert "PostgreSQL not reachable" in out
    assert "FAILED test_inner.py::test_missing_tool" in out
    assert "ERROR test_inner.py::test_marked" in out
    assert "NotApplicable: not applicable: no invalid input for this operation" in out
    assert "ERROR test_module_skip.py" in out
    assert "skipped under CI=true, where a skip is a failure: sometool is not installed" in out


def test_installer_reads_the_list_and_stamps_when_nothing_is_missing(tmp_path: Path) -> None:
    listing = tmp_path / "packages.txt"
    listing.write_text("# a comment line\n\ncoreutils   # always installed on Debian\n  dpkg\n")
    stamp = tmp_path / "venv" / ".system-packages"
    result = subprocess.run(
        ["sh", str(TESTS / "install-system-packages.sh"), str(listing), str(stamp)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert stamp.exists()


def test_the_list_names_the_tools_the_skipping_tests_need() -> None:
    listed = {line.split("#")[0].strip() for line in (TESTS / "system-packages.txt").read_text().splitlines()} - {""}
    assert {"chromium", "chromium-driver", "openssh-client", "poppler-utils"} <= listed
