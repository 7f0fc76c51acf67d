"""Stage surveys defined by managers in config/surveys.yaml, and sending them.

A survey has questions (`scale` 1–5 with the labels of a named scale, `choice` with choice
ids, `text`), texts in kk/ru/en, tags saying what a scale question measures for the report,
an audience (application statuses and/or contacts who did an eligibility check) and an
optional `send_at` (local time); `zhasbot surveys send ID` sends it at once. Each contact
gets a survey once: the response row is UNIQUE per (survey, contact) and the outbox row's
dedup key is `survey:<id>:<contact>`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.clock import default_zone
from core.config import ConfigError, config_file, line_of, load_mapping
from core.i18n import LANGUAGES
from core.messages import MAX_PAYLOAD_BYTES
from feedback.payloads import SKIP, SurveyAnswer
from storage.reporting import SURVEY_TAGS

KINDS = ("scale", "choice", "text")
ID_PATTERN = re.compile(r"^[a-z0-9_]{1,24}$")
SCALE = (1, 2, 3, 4, 5)


class SurveyConfigError(ConfigError):
    """surveys.yaml is malformed; the message names file, line, survey and problem."""


def _texts(value: Any, where: str) -> dict[str, str]:
    if isinstance(value, str):
        return {lang: value for lang in LANGUAGES}
    if not isinstance(value, dict) or not value:
        raise SurveyConfigError(f"{where}: needs texts in kk, ru, en")
    missing = [lang for lang in LANGUAGES if not value.get(lang)]
    if missing:
        raise SurveyConfigError(f"{where}: no text in {', '.join(missing)}")
    return {str(lang): str(text) for lang, text in value.items()}


def pick(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("ru") or next(iter(texts.values()), "")


@dataclass(frozen=True)
class Choice:
    id: str
    text: dict[str, str]


@dataclass(frozen=True)
class Scale:
    """Five labelled answers, and the word stem (per language) a question using it must ask
    about, so that "How easy was it?" never gets "very satisfied" buttons."""

    id: str
    labels: dict[int, dict[str, str]]
    asks: dict[str, str]


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: dict[str, str]
    choices: tuple[Choice, ...] = ()
    scale: Scale | None = None
    tags: tuple[str, ...] = ()

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Survey:
    id: str
    title: dict[str, str]
    intro: dict[str, str]
    questions: tuple[Question, ...]
    statuses: tuple[str, ...] = ()
    eligibility_checked: bool = False
    verdicts: tuple[str, ...] = ()
    send_at: datetime | None = None  # aware, from the local time in the file

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def after(self, question_id: str | None) -> Question | None:
        """The question after `question_id` (the first one for None)."""
        ids = [q.id for q in self.questions]
        index = 0 if question_id is None else ids.index(question_id) + 1
        return self.questions[index] if index < len(ids) else None


@dataclass
class SurveyCatalogue:
    surveys: dict[str, Survey] = field(default_factory=dict)

    def get(self, survey_id: str) -> Survey | None:
        return self.surveys.get(survey_id)

    def tagged(self) -> dict[str, list[tuple[str, str]]]:
        """Report tag → the (survey id, question id) pairs that carry it."""
        found: dict[str, list[tuple[str, str]]] = {tag: [] for tag in SURVEY_TAGS}
        for survey in self.surveys.values():
            for question in survey.questions:
                for tag in question.tags:
                    found[tag].append((survey.id, question.id))
        return found


def parse_scales(data: Any, where: str) -> dict[str, Scale]:
    if not isinstance(data, dict):
        raise SurveyConfigError(f"{where}: `scales` must map a scale id to its five labels")
    scales = {}
    for scale_id, item in data.items():
        here = f"{where}: scales.{scale_id}"
        if not isinstance(item, dict) or sorted(k for k in item if k != "asks") != list(SCALE):
            raise SurveyConfigError(f"{here}: needs labels for 1, 2, 3, 4 and 5 and `asks`")
        labels = {score: _texts(item[score], f"{here}.{score}") for score in SCALE}
        scales[str(scale_id)] = Scale(str(scale_id), labels, _texts(item.get("asks"), f"{here}.asks"))
    return scales


def _scale_of(q: dict[str, Any], text: dict[str, str], scales: dict[str, Scale], where: str) -> Scale:
    scale = scales.get(str(q.get("scale", "")))
    if scale is None:
        raise SurveyConfigError(f"{where}: a scale question names its scale ({', '.join(scales) or 'none defined'})")
    for lang in LANGUAGES:
        if scale.asks[lang].casefold() not in text[lang].casefold():
            raise SurveyConfigError(f"{where}: the {lang} text does not ask about what scale {scale.id!r} "
                                    f"measures («{scale.asks[lang]}…»): its answers would not fit the question")
    return scale


def _payload_fits(survey_id: str, question: Question) -> None:
    for value in [c.id for c in question.choices] + [SKIP, "5"]:
        try:
            SurveyAnswer(survey=survey_id, question=question.id, value=value).pack()
        except ValueError:
            raise SurveyConfigError(
                f"survey {survey_id}: ids of question {question.id} do not make button data (at most "
                f"{MAX_PAYLOAD_BYTES} bytes of letters, digits, '_', '.', '-'); shorten them") from None


def parse_surveys(data: dict[str, Any], zone: ZoneInfo, where: str | Path = "surveys.yaml") -> SurveyCatalogue:
    catalogue = SurveyCatalogue()
    scales = parse_scales((data or {}).get("scales") or {}, str(where))
    items = (data or {}).get("surveys") or []
    for index, item in enumerate(items):
        try:
            _parse_survey(catalogue, item, f"surveys[{index}]", zone, scales)
        except SurveyConfigError as exc:
            if exc.path is not None:
                raise
            raise SurveyConfigError(where, exc.problem, line_of(items, index)) from None
    return catalogue


def _parse_survey(catalogue: SurveyCatalogue, item: Any, here: str, zone: ZoneInfo,
                  scales: dict[str, Scale]) -> None:
    """Add one survey to `catalogue`; parse_surveys adds file and line to its errors."""
    if not isinstance(item, dict) or not ID_PATTERN.match(str(item.get("id", ""))):
        raise SurveyConfigError(f"{here}: needs an id of 1–24 lowercase letters, digits or _")
    survey_id = str(item["id"])
    if survey_id in catalogue.surveys:
        raise SurveyConfigError(f"{here}: survey id {survey_id!r} is used twice")
    questions = []
    for q_index, q in enumerate(item.get("questions") or []):
        q_here = f"{here} ({survey_id}) question {q_index + 1}"
        if not isinstance(q, dict) or not ID_PATTERN.match(str(q.get("id", ""))):
            raise SurveyConfigError(f"{q_here}: needs an id of lowercase letters, digits or _")
        kind = q.get("type", "scale")
        if kind not in KINDS:
            raise SurveyConfigError(f"{q_here}: type must be one of {', '.join(KINDS)}")
        choices = tuple(Choice(str(c.get("id")), _texts(c.get("text"), f"{q_here} choice"))
                        for c in q.get("choices") or [])
        if kind == "choice" and not choices:
            raise SurveyConfigError(f"{q_here}: a choice question needs choices")
        if any(not ID_PATTERN.match(c.id) or c.id == "skip" for c in choices):
            raise SurveyConfigError(f"{q_here}: choice ids are lowercase letters, digits or _ (not 'skip')")
        text = _texts(q.get("text"), q_here)
        tags = tuple(str(tag) for tag in q.get("tags") or [])
        if any(tag not in SURVEY_TAGS for tag in tags):
            raise SurveyConfigError(f"{q_here}: tags are {', '.join(SURVEY_TAGS)}")
        if tags and kind != "scale":
            raise SurveyConfigError(f"{q_here}: only scale questions carry report tags")
        scale = _scale_of(q, text, scales, q_here) if kind == "scale" else None
        question = Question(str(q["id"]), kind, text, choices, scale, tags)
        _payload_fits(survey_id, question)
        questions.append(question)
    if not questions:
        raise SurveyConfigError(f"{here} ({survey_id}): has no questions")
    if len({q.id for q in questions}) != len(questions):
        raise SurveyConfigError(f"{here} ({survey_id}): question ids must differ")
    audience = item.get("audience") or {}
    statuses = tuple(str(s) for s in audience.get("statuses") or [])
    checked = bool(audience.get("eligibility_checked"))
    if not statuses and not checked:
        raise SurveyConfigError(f"{here} ({survey_id}): audience needs statuses and/or eligibility_checked: true")
    send_at = item.get("send_at")
    if send_at is not None:
        try:
            moment = send_at if isinstance(send_at, datetime) else datetime.fromisoformat(str(send_at))
        except ValueError:
            raise SurveyConfigError(f"{here} ({survey_id}): send_at must look like 2026-10-25 11:00") from None
        send_at = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    catalogue.surveys[survey_id] = Survey(
        id=survey_id, title=_texts(item.get("title"), f"{here} title"),
        intro=_texts(item.get("intro") or item.get("title"), f"{here} intro"), questions=tuple(questions),
        statuses=statuses, eligibility_checked=checked,
        verdicts=tuple(str(v) for v in audience.get("verdicts") or []), send_at=send_at)


def load_surveys(path: Path | None = None, zone: ZoneInfo | None = None) -> SurveyCatalogue:
    """surveys.yaml (the shipped one by default); no file means no surveys."""
    path = Path(path) if path else config_file("surveys.yaml")
    if not path.exists():
        return SurveyCatalogue()
    return parse_surveys(load_mapping(path, error=SurveyConfigError), zone or default_zone(), path)
