"""Mutants that no test can kill because they mean the same as the rule (equivalent mutants), each with the reason.

Keyed by ``Mutant.name``. The sweep leaves them out and reports an entry that no longer matches a mutant (stale).
"""

from __future__ import annotations

EQUIVALENT: dict[str, str] = {
    "bill_amount_within_tariff: drop_conjunct: WHERE … NOT p.fund_cents IS NULL …  →  TRUE": (
        "without a fund share the remaining comparison asked_cents > NULL is NULL, which selects nothing either"
    ),
    "bill_amounts_match_tariff: drop_conjunct: WHERE … NOT p.official_tariff_cents IS NULL …  →  TRUE": (
        "without an official tariff the official insured share is NULL too (pricing derives it from the tariff): "
        "tariff <> NULL is NULL and insured <> coalesce(NULL, insured) is false, so nothing is selected either"
    ),
    "bill_sessions_authorised: flip: a.sessions_paid + COUNT(*) > a.sessions  →  "
    "a.sessions_paid + COUNT(*) >= a.sessions": (
        "over_limit only narrows which titres are ranked; a titre exactly at its limit has no line with "
        "sessions_paid + nth > sessions, which the final WHERE requires"
    ),
}
