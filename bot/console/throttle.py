"""Console login throttling, per account and per client address.

After `free` failures each further failure doubles the wait before the next attempt counts
(1 s, 2 s, 4 s … up to `max_delay`); `lock_after` failures lock the key for `lock_for`. An
attempt made while a key waits or is locked is refused without checking the password — so
a guesser learns nothing and costs no scrypt. A success clears the account's record (the
address's too). State lives in this process: bounded and forgotten after the lock time.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

MAX_KEYS = 50_000


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0
    locked_until: float = 0.0


class LoginThrottle:
    def __init__(self, *, free: int = 3, max_delay: float = 30.0, lock_after: int = 10,
                 address_lock_after: int = 30, lock_for: float = 15 * 60,
                 clock: Callable[[], float] = time.monotonic):
        self.free, self.max_delay, self.lock_for = free, max_delay, lock_for
        self.lock_after = {"account": lock_after, "address": address_lock_after}
        self.clock = clock
        self._records: OrderedDict[tuple[str, str], _Record] = OrderedDict()

    @classmethod
    def from_settings(cls, settings) -> "LoginThrottle":
        return cls(free=settings.login_free_failures, max_delay=settings.login_max_delay_seconds,
                   lock_after=settings.login_lock_failures, address_lock_after=settings.login_address_lock_failures,
                   lock_for=settings.login_lock_minutes * 60)

    def _keys(self, name: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("account", (name or "").strip().casefold()[:64])]
        if address:
            keys.append(("address", address))
        return keys

    def _wait(self, record: _Record, kind: str, now: float) -> float:
        if record.locked_until > now:
            return record.locked_until - now
        over = record.failures - self.free
        if over < 0:
            return 0.0
        delay = min(self.max_delay, 2.0 ** over)
        return max(0.0, record.last + delay - now)

    def retry_after(self, name: str, address: str | None) -> float:
        """Seconds until an attempt for this account from this address may be tried (0: now)."""
        now = self.clock()
        self._forget_old(now)
        waits = [self._wait(record, key[0], now) for key in self._keys(name, address)
                 if (record := self._records.get(key)) is not None]
        return max(waits, default=0.0)

    def failed(self, name: str, address: str | None) -> None:
        now = self.clock()
        for key in self._keys(name, address):
            record = self._records.pop(key, None) or _Record()
            record.failures += 1
            record.last = now
            if record.failures >= self.lock_after[key[0]]:
                record.locked_until = now + self.lock_for
            self._records[key] = record  # most recent last
        while len(self._records) > MAX_KEYS:
            self._records.popitem(last=False)

    def succeeded(self, name: str, address: str | None) -> None:
        for key in self._keys(name, address):
            self._records.pop(key, None)

    def locked(self, name: str, address: str | None) -> bool:
        now = self.clock()
        return any(record.locked_until > now for key in self._keys(name, address)
                   if (record := self._records.get(key)) is not None)

    def _forget_old(self, now: float) -> None:
        horizon = max(self.lock_for, self.max_delay)
        while self._records:
            key, record = next(iter(self._records.items()))
            if record.locked_until > now or now - record.last < horizon:
                break
            self._records.popitem(last=False)

    def __len__(self) -> int:
        return len(self._records)
