"""The scheme-neutral rule engine: rules are declared data, evaluated set-at-a-time over a whole batch."""

from tierspayant.core.rules.engine import Rule, RuleSet, evaluate, load_rules

__all__ = ["Rule", "RuleSet", "evaluate", "load_rules"]
