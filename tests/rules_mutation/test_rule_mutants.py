"""Checks of the rule-mutation machinery that span every scheme (the per-scheme runs: test_rule_mutants_*.py)."""

from __future__ import annotations

from tierspayant.core.rules.engine import package_rules

from .equivalent import EQUIVALENT
from .harness import RULE_TEST_MODULES


def test_every_scheme_has_its_bounded_run() -> None:
    from pathlib import Path

    here = Path(__file__).parent
    declared = {
        line.split('"')[1]
        for path in here.glob("test_rule_mutants_*.py")
        for line in path.read_text().splitlines()
        if line.startswith("SCHEME = ")
    }
    assert declared == set(RULE_TEST_MODULES)


def test_equivalent_mutants_name_real_rules_and_say_why() -> None:
    ids = {rule.id for scheme in RULE_TEST_MODULES for rule in package_rules(scheme)}
    for name, reason in EQUIVALENT.items():
        assert name.split(":", 1)[0] in ids, name
        assert len(reason) > 20, name
