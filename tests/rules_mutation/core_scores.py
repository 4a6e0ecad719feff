"""Mutation score per module from ``mutmut results --all true`` on stdin (``make mutate``; docs/testing.md)."""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict

_LINE = re.compile(r"^\s*(?P<name>[\w.ǁ]+?)\.x[_ǁ]\S*__mutmut_\d+:\s*(?P<status>.+?)\s*$")


def scores(lines: list[str]) -> dict[str, Counter[str]]:
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for line in lines:
        found = _LINE.match(line)
        if found:
            by_module[found["name"]][found["status"]] += 1
    return by_module


def main() -> None:
    print(f"{'module':<55} {'mutants':>7} {'killed':>6} {'survived':>8} {'no tests':>8} {'other':>5} {'score':>6}")
    total: Counter[str] = Counter()
    for module, counts in sorted(scores(sys.stdin.read().splitlines()).items()):
        total.update(counts)
        _row(module, counts)
    _row("all", total)


def _row(module: str, counts: Counter[str]) -> None:
    n = sum(counts.values())
    killed, survived, untested = counts["killed"], counts["survived"], counts["no tests"]
    other = n - killed - survived - untested
    print(f"{module:<55} {n:>7} {killed:>6} {survived:>8} {untested:>8} {other:>5} {100 * killed / n:>5.1f}%")


if __name__ == "__main__":
    main()
