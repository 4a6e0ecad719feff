"""The scheme-neutral rule engine: rules are declared data, evaluated set-at-a-time over a whole batch on DuckDB
(in-process, the default) or Apache Spark (``TIERSPAYANT_RULES_ENGINE=spark``)."""

from tierspayant.core.rules.backend import RuleSession, configure, open_session, selected_engine
from tierspayant.core.rules.engine import Macro, Rule, RuleSet, evaluate, load_rules

__all__ = ["Macro", "Rule", "RuleSession", "RuleSet", "configure", "evaluate", "load_rules", "open_session",
           "selected_engine"]  # fmt: skip
