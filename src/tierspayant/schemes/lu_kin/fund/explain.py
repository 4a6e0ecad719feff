"""Explanations of findings: the rule that made each, what the rule checks, and the reference data it read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tierspayant.core.findings import Finding
from tierspayant.schemes.lu_kin.reference import ReferenceSet
from tierspayant.schemes.lu_kin.rules_tables import kin_rules


@dataclass(frozen=True)
class Explanation:
    """One finding explained: the rule that made it, what the rule checks, and the reference data it read."""

    code: str
    label: str
    rule: str
    description: str
    level: str
    effect: str
    where: str | None
    detail: str | None
    reference_tables: list[str]
    reference_version: str | None
    history_tables: list[str] = field(default_factory=list)  # the fund's own data the rule read (titres, ledger…)


# The fund's own data a rule may read (fetched once per file), as opposed to the batch and the reference tables.
HISTORY_TABLES = frozenset({"titres", "titre_acts", "ledger", "insured", "affiliations", "providers", "memberships"})


def explain_findings(
    findings: Sequence[Finding], version: str | None, reference: ReferenceSet | None
) -> list[Explanation]:
    """Explain rule findings (message "label: detail") and intake findings (their message) alike."""
    rules = {rule.id: rule for rule in kin_rules()}
    labels: dict[str, str] = {}
    reference_names: set[str] = set()
    if reference is not None:
        labels = dict(reference["anomalies"].select("code", "label").iter_rows())
        reference_names = {*reference.tables, "act_categories"}
    explained = []
    for finding in findings:
        rule = rules.get(finding.rule or "")
        label, _, detail = finding.message.partition(": ") if rule else (labels.get(finding.code, ""), "", "")
        explained.append(
            Explanation(
                code=finding.code,
                label=label or labels.get(finding.code, finding.code),
                rule=finding.rule or "intake",
                description=rule.description if rule else finding.message,
                level=rule.level.value if rule else "file",
                effect=finding.effect.value,
                where=finding.location,
                detail=detail or (None if rule else finding.message),
                reference_tables=sorted(t for t in (rule.tables if rule else ()) if t in reference_names),
                reference_version=version,
                history_tables=sorted(t for t in (rule.tables if rule else ()) if t in HISTORY_TABLES),
            )
        )
    return explained
