"""Brute-force throttling of password logins (web, API tokens, SFTP), per account name and per source address.

Each key (the account name as typed, and the client's address) may fail ``free`` times; then it is locked, first
for ``first_lock`` seconds, doubling with every further failure up to ``max_lock``. While a key is locked no password
is checked at all — even the right one is refused — so a guesser learns nothing, and the answer is the same whether
the account exists or not (the key is the name typed, never looked up). The address limit is higher than the
account's (many people may share an address). A success forgets the account's failures, not the address's (one
valid account must not reset a guesser's count). Failures are forgotten after ``forget_after`` quiet seconds.

The clock is injected (``clock``), so tests step time instead of sleeping. The state is in memory: a restart
forgets it, which only gives a guesser a fresh ``free`` attempts per restart.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    free: int
    first_lock: float = 30.0
    max_lock: float = 3600.0


ACCOUNT_LIMITS = Limits(free=5)
ADDRESS_LIMITS = Limits(free=20)


@dataclass
class _Failures:
    count: int
    last: float


class Throttled(Exception):
    """Too many failed logins: try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int, key: str) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after
        self.key = key


class LoginThrottle:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        account: Limits = ACCOUNT_LIMITS,
        address: Limits = ADDRESS_LIMITS,
        forget_after: float = 24 * 3600.0,
        max_keys: int = 100_000,
    ) -> None:
        self.clock = clock
        self._limits = {"account": account, "address": address}
        self._forget_after = forget_after
        self._max_keys = max_keys
        self._failures: dict[tuple[str, str], _Failures] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("account", username.strip().lower()[:64])]
        if address:
            keys.append(("address", address))
        return keys

    def _locked_for(self, key: tuple[str, str], now: float) -> float:
        failures = self._failures.get(key)
        limits = self._limits[key[0]]
        if failures is None or failures.count < limits.free:
            return 0.0
        lock = min(limits.first_lock * float(2 ** (failures.count - limits.free)), limits.max_lock)
        return max(0.0, failures.last + lock - now)

    def check(self, username: str, address: str | None) -> None:
        """Raise :class:`Throttled` when the account name or the address is locked."""
        now = self.clock()
        with self._lock:
            for key in self._keys(username, address):
                wait = self._locked_for(key, now)
                if wait > 0:
                    raise Throttled(math.ceil(wait), key[0])

    def failure(self, username: str, address: str | None) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) >= self._max_keys:
                self._forget(now)
            for key in self._keys(username, address):
                failures = self._failures.get(key)
                if failures is None or now - failures.last > self._forget_after:
                    failures = self._failures[key] = _Failures(0, now)
                failures.count += 1
                failures.last = now

    def success(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("account", username.strip().lower()[:64]), None)

    def _forget(self, now: float) -> None:
        stale = [key for key, f in self._failures.items() if now - f.last > self._forget_after]
        for key in stale or list(self._failures)[: self._max_keys // 10]:  # a flood: drop the oldest tenth
            del self._failures[key]
