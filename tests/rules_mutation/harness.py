"""Run a scheme's rule tests with one rule replaced (a mutant) and see whether some test fails.

The rule tests are plain functions of the modules listed in ``RULE_TEST_MODULES`` (parametrized ones expanded;
those that need fixtures are left out). Every rule a DuckDB rule session runs goes through ``DuckDBRuleSession.run``:
a recorder put in its place notes which rules each test evaluated and which ones fired (returned findings), and
substitutes the mutated rule when one is injected. So a mutant runs only against the tests that evaluate its rule,
the tests where the rule fired first.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from _pytest.pathlib import ImportMode, import_path

from tierspayant.core.rules.engine import Rule, RuleSet, package_rules

from . import recording as session
from .equivalent import EQUIVALENT
from .mutants import Mutant, mutants, round_trip
from .spy import Recorder, Snapshot, recording, replay, replay_session

ROOT = Path(__file__).resolve().parents[2]

# scheme package → the test modules holding its rule tests (paths under tests/)
RULE_TEST_MODULES: dict[str, tuple[str, ...]] = {
    "tierspayant.schemes.lu_kin": (
        "fund/test_billing_rules.py",
        "fund/test_authorisation_rules.py",
        "fund/test_boundaries.py",
    ),
    "tierspayant.schemes.be_nursing": (
        "be_refac/test_rules.py",
        "be_refac/test_boundaries.py",
    ),
    "tierspayant.schemes.lu_doctors": (
        "lu_doctors/test_rules.py",
        "lu_doctors/test_boundaries.py",
    ),
}


# scheme package → the SQL macros its rules call (module:attribute), defined on the session snapshots replay on
MACROS: dict[str, str | None] = {
    "tierspayant.schemes.lu_kin": "tierspayant.schemes.lu_kin.rules_tables:MACROS",
    "tierspayant.schemes.be_nursing": None,
    "tierspayant.schemes.lu_doctors": "tierspayant.schemes.lu_doctors.fund.adjudication:MACROS",
}


def connector(scheme: str) -> Callable[[], Any]:
    source = MACROS.get(scheme)
    if source is None:
        return replay_session
    module, name = source.split(":")
    macros = getattr(importlib.import_module(module), name)
    return lambda: replay_session(macros)


def not_a_rule_case(function: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a test the harness must not run as a rule case (the guards that run the harness themselves)."""
    function.__dict__["not_a_rule_case"] = True
    return function


@dataclass(frozen=True)
class Case:
    name: str
    function: Callable[..., Any]
    kwargs: dict[str, Any]

    def run(self) -> object:
        return self.function(**self.kwargs)


def _module(path: Path) -> Any:
    """The test module as pytest imports it (--import-mode=importlib): the very module object of this session when
    pytest has imported it already, so that its recorded results can be matched to its functions."""
    return import_path(path, mode=ImportMode.importlib, root=ROOT, consider_namespace_packages=False)


def _parameter_sets(function: Callable[..., Any]) -> list[tuple[str, dict[str, Any]]] | None:
    """The calls pytest would make of ``function`` (its parametrize marks), or None if it needs a fixture."""
    calls: list[tuple[str, dict[str, Any]]] = [("", {})]
    for mark in reversed(getattr(function, "pytestmark", [])):
        if mark.name != "parametrize":
            continue
        names = mark.args[0]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        ids = mark.kwargs.get("ids")
        options = []
        for index, value in enumerate(mark.args[1]):
            values = value.values if hasattr(value, "values") and hasattr(value, "marks") else value
            values = (values,) if len(names) == 1 and not hasattr(value, "marks") else tuple(values)
            label = ids[index] if isinstance(ids, Sequence) else str(index)
            options.append((label, dict(zip(names, values, strict=True))))
        calls = [(f"{a}-{b}".strip("-"), {**x, **y}) for (a, x), (b, y) in itertools.product(calls, options)]
    wanted = set(inspect.signature(function).parameters)
    if any(wanted != set(kwargs) for _, kwargs in calls):
        return None
    return calls


def cases(module_names: Sequence[str]) -> list[Case]:
    found: list[Case] = []
    for module_name in module_names:
        path = ROOT / "tests" / module_name
        if not path.exists():
            continue  # a listed module that does not exist (yet) holds no case
        module = _module(path)
        for name, function in vars(module).items():
            if not name.startswith("test_") or not inspect.isfunction(function):
                continue
            if function.__dict__.get("not_a_rule_case"):
                continue
            calls = _parameter_sets(function)
            for label, kwargs in calls or []:
                found.append(Case(f"{module_name}::{name}[{label}]".replace("[]", ""), function, kwargs))
    return found


@dataclass(frozen=True)
class Baseline:
    """Each case with the rules it evaluated and the rules that fired in it (all cases pass on the real rules)."""

    evaluated: dict[str, frozenset[str]]
    fired: dict[str, frozenset[str]]
    failures: dict[str, str]
    snapshots: dict[str, list[Snapshot]] = field(default_factory=dict)  # by case, when asked for


def baseline(
    all_cases: Sequence[Case],
    snapshot: frozenset[str] = frozenset(),
    run_missing: bool = True,
    reuse_records: bool | None = None,
) -> Baseline:
    """Read from the records of this pytest session where the case already passed in it; the others are run here
    (or, with ``run_missing`` false, left unknown: a mutant then runs them after the known ones). With ``snapshot``
    every case is run here to keep the inputs of those rules, unless ``reuse_records`` (then only the cases without
    a record are, and only they have snapshots)."""
    evaluated: dict[str, frozenset[str]] = {}
    fired: dict[str, frozenset[str]] = {}
    failures: dict[str, str] = {}
    snapshots: dict[str, list[Snapshot]] = {}
    reuse = not snapshot if reuse_records is None else reuse_records
    for case in all_cases:
        record = session.recorded(case.function, case.kwargs)
        if record is not None and reuse:
            evaluated[case.name], fired[case.name] = record.evaluated, record.fired
            continue
        if not run_missing:
            continue
        recorder = Recorder(snapshot=snapshot)
        with recording(recorder):
            try:
                case.run()
            except Exception as exc:  # a failing case: recorded, its rules are not counted as covered
                failures[case.name] = f"{type(exc).__name__}: {exc}"
                continue
        evaluated[case.name] = frozenset(recorder.evaluated)
        fired[case.name] = frozenset(recorder.fired)
        snapshots[case.name] = recorder.snapshots
    return Baseline(evaluated, fired, failures, snapshots)


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    status: str  # killed, survived, error (the mutant's SQL does not run: a fault of the generator)
    by: str  # the case that killed it, or the error


def run_mutant(mutant: Mutant, rule: Rule, all_cases: Sequence[Case], base: Baseline, con: Any = None) -> Outcome:
    """Run the cases that evaluate the rule (those where it fires first) with the mutant in its place, until one
    fails. With snapshots (and a connection ``con`` to replay them on), a case whose every evaluation of the rule
    gives the same findings under the mutant is known to pass and is not run."""

    def order(case: Case) -> tuple[bool, bool]:  # tests naming the rule first, those where it fires first among them
        named = rule.id in _source(case.function) or any(
            isinstance(v, str) and v == rule.id for v in case.kwargs.values()
        )
        return not named, rule.id not in base.fired.get(case.name, ())

    relevant = [c for c in all_cases if c.name not in base.evaluated or rule.id in base.evaluated[c.name]]
    relevant.sort(key=order)
    injected = mutant.applied_to(rule)
    for case in relevant:
        taken = [s for s in base.snapshots.get(case.name, []) if s.rule_id == rule.id]
        if con is not None and taken and all(replay(s, injected, con) for s in taken):
            continue
        with recording(Recorder(inject=injected)):
            try:
                case.run()
            except AssertionError:
                return Outcome(mutant, "killed", case.name)
            except RuntimeError as exc:
                if str(exc).startswith(f"rule {rule.id} failed"):
                    return Outcome(mutant, "error", str(exc).splitlines()[0])
                return Outcome(mutant, "killed", case.name)
            except Exception:
                return Outcome(mutant, "killed", case.name)
    return Outcome(mutant, "survived", f"{len(relevant)} case(s) ran")


@cache
def _source(function: Callable[..., Any]) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return ""


def sample(found: Sequence[Mutant], per_rule: int) -> list[Mutant]:
    """At most ``per_rule`` mutants, of different kinds where possible, chosen by a stable hash (same every run)."""
    ranked = sorted(found, key=lambda m: hashlib.sha256(m.name.encode()).hexdigest())
    chosen: list[Mutant] = []
    for mutant in ranked:  # first one of each kind, then the rest
        if len(chosen) < per_rule and mutant.kind not in {c.kind for c in chosen}:
            chosen.append(mutant)
    for mutant in ranked:
        if len(chosen) < per_rule and mutant not in chosen:
            chosen.append(mutant)
    return chosen


@dataclass(frozen=True)
class Report:
    scheme: str
    outcomes: list[Outcome]
    round_trip_failures: dict[str, str]
    base_failures: dict[str, str]
    stale_equivalents: list[str]  # EQUIVALENT entries of this scheme's rules that match no mutant any more

    def with_status(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]


def sweep(
    scheme: str,
    per_rule: int | None = None,
    rule_ids: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
    base: Baseline | None = None,
) -> Report:
    """Every mutant (or a sample of ``per_rule``) of every rule of ``scheme`` against the scheme's rule tests.
    ``base``: the cases' baseline when the caller has it (with snapshots, mutants are replayed on them first)."""
    rules: RuleSet = package_rules(scheme)
    all_cases = cases(RULE_TEST_MODULES[scheme])
    chosen = [rule for rule in rules if rule_ids is None or rule.id in rule_ids]
    # the full sweep keeps each rule's inputs to replay its mutants alone; a sample reads this session's records
    full = per_rule is None
    if base is None:
        base = baseline(all_cases, frozenset(r.id for r in chosen) if full else frozenset(), run_missing=full)
    if progress is not None:
        progress(f"{scheme}: {len(all_cases)} rule tests run once ({len(base.failures)} failed)")
    con = connector(scheme)() if full or base.snapshots else None
    outcomes: list[Outcome] = []
    trip_failures: dict[str, str] = {}
    generated: set[str] = set()
    killed_equivalents: list[str] = []
    for rule in chosen:
        if full:  # the rule as sqlglot writes it back must pass every test, or mutants would die for nothing
            unchanged = Mutant(rule.id, "round_trip", "unchanged", round_trip(rule).sql)
            identity = run_mutant(unchanged, rule, all_cases, base, con)
            if identity.status != "survived":
                trip_failures[rule.id] = identity.by
                continue
        every = mutants(rule)
        generated.update(m.name for m in every)
        found = [m for m in every if m.name not in EQUIVALENT]
        for mutant in sample(found, per_rule) if per_rule is not None else found:
            outcomes.append(run_mutant(mutant, rule, all_cases, base, con))
        if full:  # a declared equivalent that a test kills is not equivalent: its entry is stale
            for mutant in (m for m in every if m.name in EQUIVALENT):
                if run_mutant(mutant, rule, all_cases, base, con).status == "killed":
                    killed_equivalents.append(mutant.name)
        if progress is not None:
            progress(f"{rule.id}: {sum(1 for o in outcomes if o.mutant.rule_id == rule.id)} mutants")
    ids = {rule.id for rule in chosen}
    stale = [name for name in EQUIVALENT if name.split(":", 1)[0] in ids and name not in generated]
    stale += killed_equivalents
    return Report(scheme, outcomes, trip_failures, base.failures, stale)
