"""The practice's registration requests to the fund (seed 002, convention annex art. 3–4): a provider code for a
physiotherapist starting out (with the documents, PDF), access to electronic transmission, a performer joining or
leaving its joint-invoicing group. The fund decides; the practice reads the state of what it asked.

A request carries who asked (``applicant_label``): the practice's code and the user who sent it, so that the practice
finds its own requests among the fund's, and the fund's history says who asked.
"""

from __future__ import annotations

from dataclasses import dataclass

# What the practice's pages ask for a provider-code application (seed 002 "Documents to be sent to the CNS").
APPLICATION_DOCUMENTS = ("information_sheet", "authorisation", "identity", "bank_details")
CHANGES = ("join", "leave")
EMPLOYMENTS = ("employee", "freelance")
WAITING = frozenset({"pending", "declared"})  # the fund (or the member's signature) has not answered yet
DONE = frozenset({"granted", "confirmed"})


def applicant_label(practice_code: str, username: str) -> str:
    return f"{practice_code} · {username}"


def applicant_prefix(practice_code: str) -> str:
    return f"{practice_code} · "


@dataclass(frozen=True)
class Upload:
    """One document the user chose for a role (an empty choice is no document: the fund names it as missing)."""

    role: str
    file_name: str
    content: bytes


def chosen(uploads: list[Upload]) -> list[Upload]:
    return [u for u in uploads if u.file_name and u.content]


def state_of(status: str) -> str:
    """waiting | done | refused: what the practice must do next (wait, nothing, correct and ask again)."""
    if status in WAITING:
        return "waiting"
    return "done" if status in DONE else "refused"
