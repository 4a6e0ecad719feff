"""Mutants of a rule: its SQL parsed with sqlglot, changed at one place, written back as DuckDB SQL.

Operators (issue 17): flip each comparison (< ↔ <=, > ↔ >=); drop each conjunct of a WHERE or a HAVING (it becomes
TRUE) and each disjunct of an OR inside a WHERE (it becomes FALSE); for each BETWEEN (which is two conjuncts) drop
each bound and shift each bound by one day, both ways (`+ INTERVAL 1 DAY`, `- INTERVAL 1 DAY`). A mutant is killed
when some test of the rule fails with it; one that no test notices is a survivor: a boundary that no test pins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import sqlglot
from sqlglot import exp

from tierspayant.core.rules.engine import Rule

DIALECT = "duckdb"
# Names that sqlglot reads as keywords but the rules use as DuckDB macros: hidden while parsing, put back after.
_ALIASES = {"percent(": "tp_macro_percent("}

_FLIPS: dict[type[exp.Expression], type[exp.Expression]] = {
    exp.LT: exp.LTE,
    exp.LTE: exp.LT,
    exp.GT: exp.GTE,
    exp.GTE: exp.GT,
}


@dataclass(frozen=True)
class Mutant:
    rule_id: str
    kind: str  # flip, drop_conjunct, drop_disjunct, drop_bound, shift_bound
    description: str
    sql: str

    @property
    def name(self) -> str:
        return f"{self.rule_id}: {self.kind}: {self.description}"

    def applied_to(self, rule: Rule) -> Rule:
        return replace(rule, sql=self.sql)


def parse(sql: str) -> exp.Expression:
    for name, alias in _ALIASES.items():
        sql = sql.replace(name, alias)
    return sqlglot.parse_one(sql, dialect=DIALECT)


def render(tree: exp.Expression) -> str:
    sql = tree.sql(dialect=DIALECT)
    for name, alias in _ALIASES.items():
        sql = sql.replace(alias.upper(), name).replace(alias, name)
    return sql


def round_trip(rule: Rule) -> Rule:
    """The rule as sqlglot writes it back, unchanged in meaning: it must pass every test (checks the renderer)."""
    return replace(rule, sql=render(parse(rule.sql)))


def _short(node: exp.Expression, width: int = 90) -> str:
    text = " ".join(render(node).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _nth(tree: exp.Expression, kind: type[exp.Expression], index: int) -> exp.Expression:
    return list(tree.find_all(kind))[index]


def _conjuncts(node: exp.Expression) -> list[exp.Expression]:
    """The operands of an AND chain, looking through parentheses."""
    inner = node.unnest()
    if isinstance(inner, exp.And):
        return _conjuncts(inner.left) + _conjuncts(inner.right)
    return [node]


def _disjuncts(node: exp.Expression) -> list[exp.Expression]:
    inner = node.unnest()
    if isinstance(inner, exp.Or):
        return _disjuncts(inner.left) + _disjuncts(inner.right)
    return [node]


def _one_day(bound: exp.Expression, sign: int) -> exp.Expression:
    day = exp.Interval(this=exp.Literal.string("1"), unit=exp.var("DAY"))
    operation = exp.Add if sign > 0 else exp.Sub
    return exp.paren(operation(this=bound.copy(), expression=day), copy=False)


Edit = Callable[[exp.Expression], None]


def _sites(tree: exp.Expression) -> Iterator[tuple[str, str, Edit]]:
    """(kind, description, edit) for each mutation site; ``edit`` changes a fresh copy of ``tree`` in place."""
    for index, node in enumerate(tree.find_all(exp.LT, exp.LTE, exp.GT, exp.GTE)):
        # find_all with several kinds keeps one traversal order: locate the node again by its position in it
        def flip(copy: exp.Expression, index: int = index) -> None:
            target = list(copy.find_all(exp.LT, exp.LTE, exp.GT, exp.GTE))[index]
            target.replace(_FLIPS[type(target)](this=target.this.copy(), expression=target.expression.copy()))

        flipped = _FLIPS[type(node)](this=node.this.copy(), expression=node.expression.copy())
        yield "flip", f"{_short(node)}  →  {_short(flipped)}", flip

    for h_index, having in enumerate(tree.find_all(exp.Having)):  # a HAVING is the WHERE of the groups
        for c_index, conjunct in enumerate(_conjuncts(having.this)):

            def drop_having(copy: exp.Expression, h: int = h_index, c: int = c_index) -> None:
                _conjuncts(_nth(copy, exp.Having, h).this)[c].replace(exp.true())

            yield "drop_conjunct", f"HAVING … {_short(conjunct)} …  →  TRUE", drop_having

    for w_index, where in enumerate(tree.find_all(exp.Where)):
        conjuncts = _conjuncts(where.this)
        for c_index, conjunct in enumerate(conjuncts):

            def drop(copy: exp.Expression, w: int = w_index, c: int = c_index) -> None:
                _conjuncts(_nth(copy, exp.Where, w).this)[c].replace(exp.true())

            yield "drop_conjunct", f"WHERE … {_short(conjunct)} …  →  TRUE", drop
        for o_index, either in enumerate(where.find_all(exp.Or)):
            if isinstance(either.parent, exp.Or):
                continue  # the top of an OR chain lists all its disjuncts
            for d_index, disjunct in enumerate(_disjuncts(either)):

                def drop_or(copy: exp.Expression, w: int = w_index, o: int = o_index, d: int = d_index) -> None:
                    chain = list(_nth(copy, exp.Where, w).find_all(exp.Or))[o]
                    _disjuncts(chain)[d].replace(exp.false())

                yield "drop_disjunct", f"… OR {_short(disjunct)} OR …  →  FALSE", drop_or

    for b_index, between in enumerate(tree.find_all(exp.Between)):
        low, high = between.args["low"], between.args["high"]
        subject = _short(between.this, 40)

        def drop_low(copy: exp.Expression, b: int = b_index) -> None:
            node = _nth(copy, exp.Between, b)
            node.replace(exp.LTE(this=node.this.copy(), expression=node.args["high"].copy()))

        def drop_high(copy: exp.Expression, b: int = b_index) -> None:
            node = _nth(copy, exp.Between, b)
            node.replace(exp.GTE(this=node.this.copy(), expression=node.args["low"].copy()))

        yield "drop_bound", f"{subject} BETWEEN [{_short(low, 40)} dropped] AND {_short(high, 40)}", drop_low
        yield "drop_bound", f"{subject} BETWEEN {_short(low, 40)} AND [{_short(high, 40)} dropped]", drop_high
        for bound in ("low", "high"):
            for sign in (1, -1):

                def shift(copy: exp.Expression, b: int = b_index, bound: str = bound, sign: int = sign) -> None:
                    node = _nth(copy, exp.Between, b)
                    node.set(bound, _one_day(node.args[bound], sign))

                shown = _short(between.args[bound], 40)
                yield "shift_bound", f"{subject} BETWEEN … {shown} {'+' if sign > 0 else '-'} 1 day …", shift


def mutants(rule: Rule) -> list[Mutant]:
    """Every mutant of ``rule``, in a stable order (the order of the query's text). The same text at two places (a
    condition repeated in a CASE of the detail and in the WHERE) gives two mutants: the later ones are numbered."""
    tree = parse(rule.sql)
    found: list[Mutant] = []
    seen: dict[str, int] = {}
    for kind, description, edit in _sites(tree):
        copy = tree.copy()
        edit(copy)
        key = f"{kind}: {description}"
        seen[key] = seen.get(key, 0) + 1
        shown = description if seen[key] == 1 else f"{description}  [#{seen[key]}]"
        found.append(Mutant(rule.id, kind, shown, render(copy)))
    return found
