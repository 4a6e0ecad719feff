"""Named crash points, for the recovery tests: ``TIERSPAYANT_CRASH_AT=<name>`` kills the process at that point.

Each step boundary of a deposit's processing declares a point (``AFTER_COMMIT = declare("kin.committed", ...)``)
and reaches it (``reach(AFTER_COMMIT)``). When the variable names a point, reaching it sends SIGKILL to the process
itself — nothing is flushed, no ``finally`` runs, as when the machine loses power. When the variable is unset (always,
in production), ``reach`` is one comparison with ``None``. The tests list every declared point of an engine with
``declared("kin.")`` so that a new boundary is tested as soon as it is declared.
"""

from __future__ import annotations

import os
import signal

ENV = "TIERSPAYANT_CRASH_AT"
_TARGET: str | None = os.environ.get(ENV) or None
_DECLARED: dict[str, str] = {}


def declare(name: str, where: str) -> str:
    """Declare a crash point (``engine.step``) with a sentence saying where it is; returns its name."""
    _DECLARED[name] = where
    return name


def reach(name: str) -> None:
    """The processing reached ``name``: die here if the environment asks for it."""
    if _TARGET is not None and name == _TARGET:
        os.kill(os.getpid(), signal.SIGKILL)


def declared(prefix: str = "") -> dict[str, str]:
    """The declared points whose name starts with ``prefix`` (name → where), in declaration order."""
    return {name: where for name, where in _DECLARED.items() if name.startswith(prefix)}
