"""Mutants that no test can kill because they mean the same as the rule (equivalent mutants), each with the reason.

Keyed by ``Mutant.name``. The sweep leaves them out and reports an entry that no longer matches a mutant (stale).
"""

from __future__ import annotations

EQUIVALENT: dict[str, str] = {}
