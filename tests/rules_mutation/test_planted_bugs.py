"""The five bugs planted by the outside review of issue 17 (all passed the suite then): each must now fail a test.

The rule bugs are written as edits of the shipped SQL and run like mutants against their scheme's rule tests; the
threshold bug raises the REFAC 5 % threshold to 5.25 % and runs the threshold test.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tierspayant.core.rules.engine import package_rules
from tierspayant.schemes.be_nursing.mutuality import decision

from .harness import RULE_TEST_MODULES, baseline, cases, run_mutant
from .mutants import Mutant

KIN = "tierspayant.schemes.lu_kin"
REFAC = "tierspayant.schemes.be_nursing"

# (scheme, rule, text of its SQL, what the bug puts in its place)
PLANTED = [
    pytest.param(REFAC, "service_outside_commitment_period", "first_service_date < insurability_start_date OR ", "",
                 id="refac-commitment-period-lower-bound-removed"),
    pytest.param(KIN, "bill_titre_validity", "NOT BETWEEN t.valid_from AND t.valid_to", "< t.valid_from",
                 id="kin-titre-validity-upper-bound-removed"),
    pytest.param(KIN, "bill_affiliation", "BETWEEN a.valid_from AND a.valid_to", "<= a.valid_to",
                 id="kin-affiliation-lower-bound-removed"),
    pytest.param(KIN, "bill_affiliation", "EXISTS (SELECT 1 FROM insured i WHERE i.matricule = l.matricule)", "TRUE",
                 id="kin-affiliation-insured-known-guard-removed"),
]  # fmt: skip


@pytest.mark.parametrize(("scheme", "rule_id", "text", "bug"), PLANTED)
def test_planted_rule_bug_is_caught(scheme: str, rule_id: str, text: str, bug: str) -> None:
    rule = package_rules(scheme).get(rule_id)
    assert text in rule.sql, "the rule changed: update the planted bug"
    buggy = Mutant(rule_id, "planted", text, rule.sql.replace(text, bug))
    all_cases = cases(RULE_TEST_MODULES[scheme])
    outcome = run_mutant(buggy, replace(rule), all_cases, baseline(all_cases, run_missing=False))
    assert outcome.status == "killed", outcome


def test_threshold_raised_to_5_25_percent_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    threshold_cases = [
        case
        for case in cases(("be_refac/test_propagation_decision.py",))
        if case.function.__name__ == "test_five_percent_threshold_on_both_sides"
    ]
    assert threshold_cases
    for case in threshold_cases:
        case.run()  # all pass on the real threshold
    monkeypatch.setattr(decision, "THRESHOLD_PERCENT", Decimal("5.25"))
    failing = []
    for case in threshold_cases:
        try:
            case.run()
        except AssertionError:
            failing.append(case.name)
    assert failing, "no threshold test fails with the threshold at 5.25 %"
