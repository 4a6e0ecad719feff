"""The bounded rule-mutation run of `make test`: a sample of mutants per rule (the full sweep is `make mutate`).

Every rule of every scheme, at most PER_RULE mutants (of different kinds, the same ones every run), each run against
the rule tests of its scheme; each must make one of them fail. The tests' results of this session are reused (which
rules each test evaluated and saw fire); the rule tests without a result here (pytest-xdist ran them in another
worker) are run once, keeping each rule's inputs, so that a mutant is first replayed on those inputs and only the
tests whose findings it changes are run again. A mutant stops at the first test that fails.

One test module per scheme (test_rule_mutants_*.py) calls these checks, so that pytest-xdist (one worker per
module) runs the schemes side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from tierspayant.core.rules.engine import package_rules

from .harness import RULE_TEST_MODULES, Baseline, baseline, cases, sweep
from .mutants import mutants, round_trip

PER_RULE = 2


@cache
def scheme_baseline(scheme: str) -> Baseline:
    """One baseline per scheme and worker, shared by the checks below."""
    rule_ids = frozenset(rule.id for rule in package_rules(scheme))
    return baseline(cases(RULE_TEST_MODULES[scheme]), snapshot=rule_ids, reuse_records=True)


def sampled_mutants_are_killed(scheme: str) -> None:
    report = sweep(scheme, per_rule=PER_RULE, base=scheme_baseline(scheme))
    assert {o.mutant.rule_id for o in report.outcomes} == {r.id for r in package_rules(scheme)}
    assert [o.mutant.name for o in report.outcomes if o.status != "killed"] == []
    assert report.stale_equivalents == []


def every_rule_fires_in_a_passing_rule_test(scheme: str) -> None:
    """Read from the findings the engine returned while the rule tests ran (this session's records, or run here)."""
    base = scheme_baseline(scheme)
    assert base.failures == {}
    fired = set().union(*base.fired.values())
    assert {rule.id for rule in package_rules(scheme)} - fired == set()


def every_rule_parses_and_has_mutants(scheme: str) -> None:
    for rule in package_rules(scheme):
        assert round_trip(rule).sql.strip(), rule.id
        assert mutants(rule), rule.id


def scheme_tests(scheme: str) -> tuple[Callable[[], None], Callable[[], None], Callable[[], None]]:
    """The three tests of one scheme's module, bound to that scheme (pytest collects them by their module names)."""

    def test_sampled_mutants_of_every_rule_are_killed() -> None:
        sampled_mutants_are_killed(scheme)

    def test_every_rule_fires_in_a_passing_rule_test() -> None:
        every_rule_fires_in_a_passing_rule_test(scheme)

    def test_every_rule_parses_and_has_mutants() -> None:
        every_rule_parses_and_has_mutants(scheme)

    return (
        test_sampled_mutants_of_every_rule_are_killed,
        test_every_rule_fires_in_a_passing_rule_test,
        test_every_rule_parses_and_has_mutants,
    )
