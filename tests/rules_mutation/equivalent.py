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
    "bill_sessions_authorised: drop_conjunct: HAVING … a.sessions_paid + COUNT(*) > a.sessions …  →  TRUE": (
        "over_limit only narrows which titres are ranked; a titre under its limit has no line with "
        "sessions_paid + nth > sessions (nth never exceeds its count), which the final WHERE requires"
    ),
    # lu_doctors: lines get act_type and tariff_cents from the same nomenclature row (both NULL when none is valid)
    "official_amount: drop_conjunct: WHERE … NOT act_type IS NULL …  →  TRUE": (
        "act_type is NULL only when no nomenclature row is valid on the service date, and then tariff_cents is NULL "
        "too: amount_cents <> NULL is NULL, which selects nothing either"
    ),
    "third_party_flat_rates_only: drop_conjunct: WHERE … NOT act_type IS NULL …  →  TRUE": (
        "with act_type NULL the remaining act_type <> 'device_flat_rate' is NULL, which selects nothing either"
    ),
    "device_declared: drop_disjunct: … OR l.device_id IS NULL OR …  →  FALSE": (
        "a NULL device_id matches no register row (d.device_id = NULL is NULL), so NOT EXISTS selects the line anyway; "
        "the remark is chosen by the CASE, which the mutant leaves as it is"
    ),
    "third_party_technical_act: drop_disjunct: … OR l.technical_act IS NULL OR …  →  FALSE": (
        "a NULL technical act matches no device_acts row (da.act_code = NULL is NULL), so the NOT EXISTS on "
        "device_acts selects the line anyway; the remark is chosen by the CASE, unchanged"
    ),
    "third_party_technical_act: drop_disjunct: … OR l.fee_note_ref IS NULL OR …  →  FALSE": (
        "a NULL fee note matches no patient_acts row (p.fee_note_id = NULL is NULL), so the NOT EXISTS on "
        "patient_acts selects the line anyway; the remark is chosen by the CASE, unchanged"
    ),
    "pid_technical_act: drop_conjunct: WHERE … l.mode = 'pid' …  →  TRUE  [#2]": (
        "the technical acts (CTE tech) are joined to PID flat rates by invoice number, and the mode is the invoice's: "
        "a file cannot hold two invoices with one number (FACFORF.xsd UniqueFacture, checked on every read), so a "
        "third-party invoice's acts never meet a PID flat rate"
    ),
}
