"""Eligibility rules of the season (config/programme.yaml, section `eligibility:`) and
their evaluation against one person's answers.

Pure Python: the wizard (any channel), the CLI and reports share it. Every failed
criterion is reported, so a person learns everything that stands in the way at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

from core.config import error_at
from core.programme import ProgrammeConfigError

__all__ = [
    "CRITERIA",
    "DOCUMENTS",
    "REGIONS",
    "STUDYING",
    "Answers",
    "Reason",
    "Rules",
    "Verdict",
    "age_on",
    "anniversary",
    "evaluate",
]

REGIONS = ("almaty", "mangystau", "other")
STUDYING = ("no", "part-time", "full-time")
DOCUMENTS = ("id", "registration", "neet")
CRITERIA = (
    "duplicate",
    "citizenship",
    "age",
    "region",
    "employment",
    "education",
    "training",
    "documents",
)
VERDICTS = ("eligible", "not_eligible", "needs_documents")

_SECTION_KEYS = {
    "min_age", "max_age", "age_counted_on", "regions", "neet", "documents",
    "application_window",
}
_NEET_KEYS = {"employed_allowed", "studying_allowed", "training_allowed"}
_WINDOW_KEYS = {"opens", "closes"}


# ---------------------------------------------------------------- configuration


def _fail(key: str, problem: str) -> ValueError:
    return ValueError(f"eligibility.{key}: {problem}")


def _mapping(value: Any, key: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(key, f"expected a mapping, got {type(value).__name__}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _fail(f"{key}.{unknown[0]}" if key else unknown[0], "unknown key (typo?)")
    missing = sorted(allowed - set(value))
    if missing:
        raise _fail(f"{key}.{missing[0]}" if key else missing[0], "missing")
    return value


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(key, f"expected a whole number, got {value!r}")
    return value


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(key, f"expected true or false, got {value!r}")
    return value


def _date(value: Any, key: str) -> date:
    if isinstance(value, datetime):
        raise _fail(key, f"expected a date (YYYY-MM-DD) without a time, got {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail(key, f"expected a date YYYY-MM-DD, got {value!r}")


def _codes(value: Any, key: str, allowed: Iterable[str], *, non_empty: bool) -> tuple[str, ...]:
    allowed = tuple(allowed)
    if not isinstance(value, (list, tuple)):
        raise _fail(key, f"expected a list, got {value!r}")
    codes = []
    for item in value:
        if isinstance(item, bool):
            # YAML reads an unquoted no/yes as a boolean.
            raise _fail(key, f'{item!r} is a boolean: write it in quotes, e.g. "no"')
        if item not in allowed:
            raise _fail(key, f"unknown value {item!r}; expected one of {', '.join(allowed)}")
        if item not in codes:
            codes.append(item)
    if non_empty and not codes:
        raise _fail(key, "must not be empty")
    return tuple(codes)


@dataclass(frozen=True)
class Rules:
    min_age: int
    max_age: int
    age_counted_on: date
    regions: tuple[str, ...]
    employed_allowed: bool
    studying_allowed: frozenset[str]
    training_allowed: bool
    documents: tuple[str, ...]
    opens: date
    closes: date

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> "Rules":
        """Build the rules from the `eligibility:` section; ValueError names the bad key."""
        section = _mapping(section, "", _SECTION_KEYS)
        neet = _mapping(section["neet"], "neet", _NEET_KEYS)
        window = _mapping(section["application_window"], "application_window", _WINDOW_KEYS)
        rules = cls(
            min_age=_int(section["min_age"], "min_age"),
            max_age=_int(section["max_age"], "max_age"),
            age_counted_on=_date(section["age_counted_on"], "age_counted_on"),
            regions=_codes(section["regions"], "regions", REGIONS, non_empty=True),
            employed_allowed=_bool(neet["employed_allowed"], "neet.employed_allowed"),
            studying_allowed=frozenset(
                _codes(neet["studying_allowed"], "neet.studying_allowed", STUDYING, non_empty=True)
            ),
            training_allowed=_bool(neet["training_allowed"], "neet.training_allowed"),
            documents=_codes(section["documents"], "documents", DOCUMENTS, non_empty=False),
            opens=_date(window["opens"], "application_window.opens"),
            closes=_date(window["closes"], "application_window.closes"),
        )
        if not 0 < rules.min_age <= rules.max_age:
            raise _fail("max_age", f"expected 0 < min_age <= max_age, got {rules.min_age}..{rules.max_age}")
        if "no" not in rules.studying_allowed:
            raise _fail("neet.studying_allowed", 'must include "no": the programme is for NEET youth')
        if rules.opens > rules.closes:
            raise _fail("application_window.closes", "is before application_window.opens")
        return rules


# ---------------------------------------------------------------- answers and verdict


@dataclass(frozen=True)
class Answers:
    citizen: bool
    birth_date: date
    region: str  # "almaty" | "mangystau" | "other"
    employed: bool
    studying: str  # "no" | "part-time" | "full-time"
    training: bool
    documents: frozenset[str]  # subset of DOCUMENTS the person already has
    applied_already: bool = False

    def __post_init__(self) -> None:
        if self.region not in REGIONS:
            raise ValueError(f"region must be one of {REGIONS}, got {self.region!r}")
        if self.studying not in STUDYING:
            raise ValueError(f"studying must be one of {STUDYING}, got {self.studying!r}")
        documents = frozenset(self.documents)
        unknown = documents - set(DOCUMENTS)
        if unknown:
            raise ValueError(f"unknown documents {sorted(unknown)}; expected {DOCUMENTS}")
        object.__setattr__(self, "documents", documents)


@dataclass(frozen=True)
class Reason:
    """One failed criterion; `key` is the gettext id of its plain-words message and
    `params` fill it (dates as `date`, `documents`/`regions` as tuples of codes —
    `eligibility.texts.render_reason` turns them into words of the chosen language)."""

    criterion: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    verdict: str  # "eligible" | "not_eligible" | "needs_documents"
    reasons: list[Reason]
    age: int
    missing_documents: tuple[str, ...] = ()

    @property
    def criteria(self) -> list[str]:
        return [reason.criterion for reason in self.reasons]


def anniversary(birth_date: date, years: int) -> date:
    """The day a person born on `birth_date` turns `years` old.

    Someone born on 29 February turns a year older on 28 February in common years: a
    period ending in a month without the matching day ends on that month's last day.
    """
    year = birth_date.year + years
    try:
        return birth_date.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def age_on(birth_date: date, on_date: date) -> int:
    """Full years of age on `on_date` (the birthday itself counts as reached)."""
    age = on_date.year - birth_date.year
    if on_date < anniversary(birth_date, age):
        age -= 1
    return age


def evaluate(rules: Rules, answers: Answers) -> Verdict:
    """Check every criterion; missing documents alone give "needs_documents"."""
    counted_on = rules.age_counted_on
    age = age_on(answers.birth_date, counted_on)
    reasons: list[Reason] = []

    if answers.applied_already:
        reasons.append(Reason("duplicate", "elig.reason.applied_already"))
    if not answers.citizen:
        reasons.append(Reason("citizenship", "elig.reason.not_citizen"))
    if age < rules.min_age:
        reasons.append(Reason("age", "elig.reason.age_under", {
            "age": age,
            "date": counted_on,
            "min_age": rules.min_age,
            "adult_date": anniversary(answers.birth_date, rules.min_age),
        }))
    elif age > rules.max_age:
        over_age = rules.max_age + 1
        reasons.append(Reason("age", "elig.reason.age_over", {
            "age": age,
            "date": counted_on,
            "max_age": rules.max_age,
            "over_age": over_age,
            "over_date": anniversary(answers.birth_date, over_age),
        }))
    if answers.region not in rules.regions:
        reasons.append(Reason("region", "elig.reason.region", {"regions": rules.regions}))
    if answers.employed and not rules.employed_allowed:
        reasons.append(Reason("employment", "elig.reason.employed"))
    if answers.studying not in rules.studying_allowed:
        key = "elig.reason.studying_" + answers.studying.replace("-", "_")
        reasons.append(Reason("education", key))
    if answers.training and not rules.training_allowed:
        reasons.append(Reason("training", "elig.reason.training"))

    missing = tuple(doc for doc in rules.documents if doc not in answers.documents)
    if missing:
        reasons.append(Reason("documents", "elig.reason.documents", {"documents": missing}))

    if any(reason.criterion != "documents" for reason in reasons):
        verdict = "not_eligible"
    elif missing:
        verdict = "needs_documents"
    else:
        verdict = "eligible"
    return Verdict(verdict=verdict, reasons=reasons, age=age, missing_documents=missing)


def rules_from_programme(programme: dict[str, Any], path: Path) -> Rules:
    """The `eligibility:` section as Rules; a bad value is an error at its line."""
    try:
        return Rules.from_config(programme.get("eligibility") or {})
    except ValueError as exc:
        # Rules name the bad key ("eligibility.neet.employed_allowed: …"): find its line.
        node: Any = programme
        key: Any = "eligibility"
        for part in str(exc).split(":", 1)[0].split("."):
            if isinstance(node, dict) and part in node:
                if isinstance(node[part], dict):
                    node, key = node[part], None
                else:
                    key = part
                    break
        raise error_at(path, node, key, str(exc), ProgrammeConfigError) from None
