"""The rules of a call's life, free of I/O: which status callback counts, and how a call ended.

Twilio's status callbacks may come twice or out of order (each is its own HTTP request). A
status only ever moves a call forward: a callback ranked at or below the call's current one
changes nothing. The outcome is derived from facts that only accumulate (an operator answered,
a voicemail was left, the caller asked for an operator), so a late fact can move it forward —
missed → voicemail — and never back.
"""
from __future__ import annotations

from dataclasses import dataclass

# Twilio's CallStatus values in the order a call passes through them; the end states share a rank.
STATUS_RANK = {
    "queued": 1, "initiated": 2, "ringing": 3, "in-progress": 4,
    "completed": 5, "busy": 5, "no-answer": 5, "failed": 5, "canceled": 5,
}
END_STATUSES = frozenset(status for status, rank in STATUS_RANK.items() if rank == 5)
# <Dial>'s DialCallStatus: an operator picked up.
DIAL_ANSWERED = frozenset({"completed", "answered"})
INBOUND_OUTCOMES = ("abandoned", "missed", "voicemail", "answered")
OUTBOUND_OUTCOMES = ("reached", "no_answer", "busy", "failed", "wrong_number")
# Outcomes that leave someone waiting for a call back.
NEEDS_CALLBACK = frozenset({"missed", "voicemail"})


def moves_forward(current_rank: int, status: str) -> bool:
    """True if `status` is news for a call whose last applied status had `current_rank`."""
    rank = STATUS_RANK.get(status)
    return rank is not None and rank > current_rank


@dataclass(frozen=True)
class CallFacts:
    answered: bool
    voicemail: bool
    operator_requested: bool


def inbound_outcome(facts: CallFacts) -> str:
    """answered > voicemail > missed (asked for an operator, nobody came) > abandoned in the menu."""
    if facts.answered:
        return "answered"
    if facts.voicemail:
        return "voicemail"
    if facts.operator_requested:
        return "missed"
    return "abandoned"


def outbound_outcome(status: str, reached: bool) -> str:
    """How a call back went: reached only if the applicant's leg was bridged; else why not."""
    if reached:
        return "reached"
    return {"busy": "busy", "failed": "failed"}.get(status, "no_answer")


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds // 60}:{seconds % 60:02d}"
