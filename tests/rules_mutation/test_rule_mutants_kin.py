"""The bounded rule-mutation run (see bounded.py) for KIN."""

from __future__ import annotations

from .bounded import (
    every_rule_fires_in_a_passing_rule_test,
    every_rule_parses_and_has_mutants,
    sampled_mutants_are_killed,
)

SCHEME = "tierspayant.schemes.lu_kin"


def test_sampled_mutants_of_every_rule_are_killed() -> None:
    sampled_mutants_are_killed(SCHEME)


def test_every_rule_fires_in_a_passing_rule_test() -> None:
    every_rule_fires_in_a_passing_rule_test(SCHEME)


def test_every_rule_parses_and_has_mutants() -> None:
    every_rule_parses_and_has_mutants(SCHEME)
