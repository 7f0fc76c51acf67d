"""Turning verdicts into words: reason messages and next steps, in the chosen language.

Message ids live in locales/<lang>/LC_MESSAGES/eligibility.po. Reason and step params
keep dates as `date` and lists as codes until rendering, so one verdict can be shown in
any language (dates via Babel, document and region names via the catalogue).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, Protocol

from core.dates import format_day
from eligibility.rules import Reason, Rules, Verdict

__all__ = [
    "Step",
    "format_day",
    "next_steps",
    "next_steps_keys",
    "render_reason",
    "render_step",
    "render_text",
    "verdict_header_key",
    "window_phase",
]


class TranslatorLike(Protocol):
    def t(self, lang: str | None, key: str, **params: object) -> str: ...

    def language(self, lang: str | None) -> str: ...


@dataclass(frozen=True)
class Step:
    """A next-step message: gettext id plus params (same conventions as `Reason`)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


def _join(items: list[str], conjunction: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def render_text(key: str, params: Mapping[str, Any], lang: str | None, translator: TranslatorLike) -> str:
    lang = translator.language(lang)
    values: dict[str, object] = {}
    for name, value in params.items():
        if isinstance(value, date):
            values[name] = format_day(value, lang)
        elif name == "documents":
            names = [translator.t(lang, f"elig.doc.{code}") for code in value]
            values[name] = _join(names, translator.t(lang, "elig.list.and"))
        elif name == "regions":
            names = [translator.t(lang, f"elig.region_in.{code}") for code in value]
            values[name] = _join(names, translator.t(lang, "elig.list.or"))
        else:
            values[name] = value
    return translator.t(lang, key, **values)


def render_reason(reason: Reason, lang: str | None, translator: TranslatorLike) -> str:
    return render_text(reason.key, reason.params, lang, translator)


def render_step(step: Step, lang: str | None, translator: TranslatorLike) -> str:
    return render_text(step.key, step.params, lang, translator)


def verdict_header_key(verdict: Verdict, phase: str = "open") -> str:
    """The verdict's first line; out of the window "you can apply!" becomes "you meet the criteria"."""
    if verdict.verdict != "not_eligible" and not accepting(phase):
        return f"elig.verdict.{verdict.verdict}_closed"
    return f"elig.verdict.{verdict.verdict}"


def _window_step(rules: Rules, phase: str, website: str) -> Step:
    window = {"opens": rules.opens, "closes": rules.closes}
    if phase == "not_announced":
        return Step("elig.next.not_announced", {"website": website})
    if phase == "before":
        return Step("elig.next.window_opens", window)
    if phase == "closed":
        # Never a promise the calendar has closed: the next season, and an offer to be told.
        return Step("elig.next.window_closed_notify", {**window, "website": website})
    return Step("elig.next.deadline", window)


def window_phase(rules: Rules, today: date, announced: bool = True) -> str:
    """not_announced | before | open | closed (core.season.Calendar says the same)."""
    if not announced:
        return "not_announced"
    if today < rules.opens:
        return "before"
    return "closed" if today > rules.closes else "open"


def accepting(phase: str) -> bool:
    return phase in ("before", "open")


def next_steps(
    verdict: Verdict,
    rules: Rules,
    *,
    website: str,
    today: date,
    announced: bool = True,
) -> list[Step]:
    """What to tell the person after the verdict, in order.

    Eligible: the online form, the window/deadline, documents to have ready.
    Needs documents: which to get first, then the same. Not eligible: FAQ and operator.
    `today`: the date in the programme's zone (a conversation's `Turn.today`).
    """
    if verdict.verdict == "not_eligible":
        return [Step("elig.next.faq"), Step("elig.next.operator")]
    phase = window_phase(rules, today, announced)
    steps = []
    if verdict.verdict == "needs_documents":
        steps.append(Step("elig.next.get_documents", {"documents": verdict.missing_documents}))
    if accepting(phase):
        steps.append(Step("elig.next.apply_online", {"website": website}))
    steps.append(_window_step(rules, phase, website))
    # Needs documents: the first step already names the missing ones, the rest are at hand.
    if rules.documents and verdict.verdict != "needs_documents":
        steps.append(Step("elig.next.documents", {"documents": rules.documents}))
    steps.append(Step("elig.next.operator_help"))
    return steps


def next_steps_keys(verdict: Verdict, rules: Rules, today: date) -> list[str]:
    return [step.key for step in next_steps(verdict, rules, website="", today=today)]
