"""One rule text for every engine: SQLGlot carries a DuckDB query to Spark SQL, inlining the scheme's macros, and
says which constructs would not give the same answer there.

Rules are written in DuckDB's dialect (``Rule.sql``); a rule may declare its own text for another engine
(``dialects:`` in the rules file) when a construct has no faithful translation.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlglot
from sqlglot import exp

from tierspayant.core.rules.model import Macro, Rule

SOURCE_DIALECT = "duckdb"
MAX_MACRO_DEPTH = 8

# Aggregates whose result depends on the order rows reach them (or, for arg_min / min_by, on which of two tied rows
# comes first): engines feed rows in different orders, and ``list(x ORDER BY y)`` loses its ORDER BY on Spark.
ORDER_DEPENDENT_AGGREGATES: tuple[type[exp.Expr], ...] = (
    exp.ArrayAgg, exp.GroupConcat, exp.First, exp.Last, exp.AnyValue, exp.ArgMin, exp.ArgMax,
)  # fmt: skip
ORDER_DEPENDENT_NAMES = frozenset(
    {"list", "array_agg", "string_agg", "group_concat", "listagg", "first", "last", "any_value", "arbitrary",
     "arg_min", "arg_max", "argmin", "argmax", "min_by", "max_by", "collect_list"}
)  # fmt: skip
# Window functions that need an ORDER BY in their window to mean anything.
ORDER_SENSITIVE_WINDOWS: tuple[type[exp.Expr], ...] = (
    exp.FirstValue, exp.LastValue, exp.NthValue, exp.RowNumber, exp.Rank, exp.DenseRank, exp.Lag, exp.Lead,
    exp.PercentRank, exp.CumeDist, exp.Ntile,
)  # fmt: skip
# Same name, different result type: DuckDB's date_trunc of a DATE is a DATE, Spark's is a TIMESTAMP.
TYPE_TRAPS: dict[type[exp.Expr], str] = {
    exp.DateTrunc: "date_trunc gives a DATE on DuckDB and a TIMESTAMP on Spark",
    exp.TimestampTrunc: "date_trunc gives a DATE on DuckDB and a TIMESTAMP on Spark",
}


def parse(sql: str) -> exp.Expr:
    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
    if tree is None:  # an empty text; Rule already refuses it
        raise ValueError("empty query")
    return tree


def rule_sql(rule: Rule, dialect: str, macros: Iterable[Macro] = ()) -> str:
    """The rule's query for ``dialect``: the one declared for it in the rules file, else the DuckDB text with the
    macros inlined, transpiled."""
    declared = rule.declared_sql(dialect)
    if declared is not None:
        return declared
    try:
        return inline_macros(parse(rule.sql), macros).sql(dialect=dialect)
    except sqlglot.errors.SqlglotError as exc:
        raise RuntimeError(f"rule {rule.id}: cannot translate its SQL to {dialect}: {exc}") from exc


def inline_macros(tree: exp.Expr, macros: Iterable[Macro]) -> exp.Expr:
    """Replace each call of a macro by its body (parameters bound to the call's arguments), nested calls too."""
    by_name = {macro.name.lower(): macro for macro in macros}
    if not by_name:
        return tree
    for _ in range(MAX_MACRO_DEPTH):
        calls = [node for node in tree.find_all(exp.Anonymous) if str(node.this).lower() in by_name]
        if not calls:
            return tree
        for call in calls:
            macro = by_name[str(call.this).lower()]
            if len(call.expressions) != len(macro.params):
                raise ValueError(f"macro {macro.name} takes {len(macro.params)} argument(s)")
            bound = dict(zip(macro.params, call.expressions, strict=True))
            body = parse(f"SELECT {macro.body}").expressions[0]

            def bind(node: exp.Expr, bound: dict[str, exp.Expr] = bound) -> exp.Expr:
                if isinstance(node, exp.Column) and not node.table and node.name in bound:
                    return exp.Paren(this=bound[node.name].copy())  # an argument keeps its own precedence
                return node

            replacement = exp.Paren(this=body.transform(bind))
            if call is tree:
                tree = replacement
            else:
                call.replace(replacement)
    raise ValueError("macros nested too deep (a macro calling itself?)")


def portability_problems(sql: str) -> list[str]:
    """What in ``sql`` would make two engines disagree: order-dependent aggregates, order-sensitive window functions
    without an ORDER BY, functions whose result type differs. Empty when the query is portable."""
    tree = parse(sql)
    problems: list[str] = []
    for node in tree.walk():
        if isinstance(node, ORDER_DEPENDENT_AGGREGATES) or (
            isinstance(node, exp.Anonymous) and str(node.this).lower() in ORDER_DEPENDENT_NAMES
        ):
            problems.append(f"order-dependent aggregate {node.sql(dialect=SOURCE_DIALECT)}")
        elif isinstance(node, exp.AggFunc) and node.find(exp.Order):
            problems.append(f"aggregate ordered inside its call {node.sql(dialect=SOURCE_DIALECT)}")
        elif isinstance(node, exp.Window) and isinstance(node.this, ORDER_SENSITIVE_WINDOWS):
            if not _window_is_ordered(node):
                problems.append(f"window function without ORDER BY {node.sql(dialect=SOURCE_DIALECT)}")
        elif type(node) in TYPE_TRAPS:
            problems.append(TYPE_TRAPS[type(node)])
    return problems


def _window_is_ordered(window: exp.Window) -> bool:
    if window.args.get("order") is not None:
        return True
    name = window.args.get("alias")
    select = window.find_ancestor(exp.Select)
    if name is None or select is None:
        return False
    for named in select.args.get("windows") or []:
        if named.name == name.name or str(named.this) == name.name:
            return named.args.get("order") is not None
    return False
