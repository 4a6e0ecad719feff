"""The full rule-mutation sweep (``make mutate``): every mutant of every rule of every scheme; lists the survivors.

Run from tests/: ``python -m rules_mutation [scheme-package …]``. Exit status 1 when a mutant survives, a rule's
round trip through sqlglot changes its findings, a rule test fails, or an EQUIVALENT entry is stale.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from .equivalent import EQUIVALENT
from .harness import RULE_TEST_MODULES, sweep


def main(argv: list[str]) -> int:
    schemes = argv or list(RULE_TEST_MODULES)
    bad = 0
    for scheme in schemes:
        started = time.perf_counter()
        report = sweep(scheme, progress=lambda line: print(f"  … {line}", file=sys.stderr, flush=True))
        counts = Counter(o.status for o in report.outcomes)
        rules = len({o.mutant.rule_id for o in report.outcomes})
        equivalent = sum(
            1 for name in EQUIVALENT if name.split(":", 1)[0] in {o.mutant.rule_id for o in report.outcomes}
        )
        print(
            f"{scheme}: {rules} rules, {len(report.outcomes)} mutants: {counts['killed']} killed, "
            f"{counts['survived']} survived, {counts['error']} errors; {equivalent} declared equivalent "
            f"(not run) — {time.perf_counter() - started:.1f} s"
        )
        for outcome in report.outcomes:
            if outcome.status != "killed":
                print(f"  {outcome.status.upper()}: {outcome.mutant.name}  ({outcome.by})")
        for rule_id, why in report.round_trip_failures.items():
            print(f"  ROUND TRIP CHANGES {rule_id}: {why}")
        for case, why in report.base_failures.items():
            print(f"  RULE TEST FAILS: {case}: {why}")
        for name in report.stale_equivalents:
            print(f"  STALE EQUIVALENT ENTRY: {name}")
        bad += counts["survived"] + counts["error"] + len(report.round_trip_failures)
        bad += len(report.base_failures) + len(report.stale_equivalents)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
