"""How the practice side says no: a :class:`FindingsError` carrying one clear Finding (codes ``PRA-…``)."""

from __future__ import annotations

from typing import NoReturn

from tierspayant.core.findings import Effect, Finding, FindingsError


def refuse(code: str, message: str, *, location: str | None = None, file: str | None = None) -> NoReturn:
    raise FindingsError([Finding(code=code, message=message, location=location, file=file, rule=code)])


def warning(code: str, message: str, *, location: str | None = None) -> Finding:
    """A warning shown to the user: the action went through, but somebody should look (effect ``inform``)."""
    return Finding(code=code, message=message, location=location, rule=code, effect=Effect.INFORM)
