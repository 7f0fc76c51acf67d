"""One error vocabulary and one retry policy for every message the bot sends.

A channel answers one attempt with a `SendOutcome` (bot/channels/base.py). What that means
for the message is decided here only, whichever road it took (a reply, an operator's answer,
a notification from the outbox):

    sent           → journal `sent`
    forbidden      → journal `unreachable` (the user blocked the bot), never retried
    window_closed  → journal `failed` 63016 (WhatsApp's 24-hour window); the outbox retries
                     once with a template when one is configured
    bad_request    → journal `failed`, never retried
    rate_limited   → wait `retry_after`, try again (the outbox does not count it as an attempt)
    server_error, network_error → exponential backoff, at most `max_attempts` attempts
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from core.messages import SendOutcome

# Journal statuses of a finished attempt (storage.repositories.DELIVERY_RANK ranks them).
SENT, UNREACHABLE, FAILED = "sent", "unreachable", "failed"
TRANSIENT = frozenset({"rate_limited", "server_error", "network_error"})
ERROR_CODE_LENGTH = 32  # messages.error_code


@dataclass(frozen=True)
class Verdict:
    """What one attempt means: a final journal status, or try again after `retry_in` seconds."""

    status: str | None  # sent | unreachable | failed; None while a retry is due
    retry_in: float | None = None
    counts_attempt: bool = True
    error: str | None = None

    @property
    def final(self) -> bool:
        return self.status is not None


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 600.0
    jitter: float = 0.0  # ±fraction, so that many queued messages do not retry in step

    def backoff(self, attempts: int) -> float:
        seconds = min(self.backoff_base * 2 ** max(attempts - 1, 0), self.backoff_max)
        if self.jitter:
            seconds *= random.uniform(1 - self.jitter, 1 + self.jitter)
        return seconds

    def judge(self, outcome: SendOutcome, attempts: int) -> Verdict:
        """`attempts`: how many attempts were made, this one included."""
        kind = outcome.kind
        error = (outcome.error or kind)[:ERROR_CODE_LENGTH]
        if kind == "sent":
            return Verdict(SENT)
        if kind == "forbidden":
            return Verdict(UNREACHABLE, error=error)
        if kind == "rate_limited" and attempts < self.max_attempts:
            return Verdict(None, retry_in=outcome.retry_after or 1.0, counts_attempt=False, error=error)
        if kind in TRANSIENT and attempts < self.max_attempts:
            return Verdict(None, retry_in=self.backoff(attempts), error=error)
        return Verdict(FAILED, error=error)
