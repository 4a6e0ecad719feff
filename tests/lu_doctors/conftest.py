"""Records which rules each passing test evaluated and saw fire (read by the rule guards and tests/rules_mutation)."""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.append(_TESTS)  # rules_mutation: the recorder and the rule-mutation harness shared by the rule tests

from rules_mutation.recording import pytest_runtest_logreport, record_rules  # noqa: E402

__all__ = ["pytest_runtest_logreport", "record_rules"]
