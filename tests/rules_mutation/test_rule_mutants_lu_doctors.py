"""The bounded rule-mutation run (see bounded.py) for the Luxembourg doctors' flat rates."""

from __future__ import annotations

from .bounded import scheme_tests

SCHEME = "tierspayant.schemes.lu_doctors"

(
    test_sampled_mutants_of_every_rule_are_killed,
    test_every_rule_fires_in_a_passing_rule_test,
    test_every_rule_parses_and_has_mutants,
) = scheme_tests(SCHEME)
