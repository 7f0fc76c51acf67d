"""The buttons of the polls: what a CSAT or survey answer carries.

Built by feedback.polls (the first question goes out through the outbox) and parsed by
the handlers that take the answers; a payload on a message sent weeks ago still parses.
"""
from __future__ import annotations

from typing import Literal

from core.payloads import Payload

SKIP = "skip"


class CsatAnswer(Payload, prefix="csat"):
    """`csat:<consultation id>:<1-5|skip>`."""

    consultation: int
    answer: Literal["skip"] | int

    @property
    def skipped(self) -> bool:
        return self.answer == SKIP


class SurveyAnswer(Payload, prefix="survey"):
    """`survey:<survey>:<question>:<scale value|choice id|skip>`."""

    survey: str
    question: str
    value: str

    @property
    def skipped(self) -> bool:
        return self.value == SKIP
