"""How a poll question looks: its text and buttons, in the contact's language.

Shared by the services that queue the first question (through the outbox) and the
handlers that ask the next one in a conversation. Payloads: `csat:<consultation>:<1-5|skip>`
and `survey:<survey>:<question>:<value|skip>`, all within Telegram's 64 bytes.
"""
from __future__ import annotations

from typing import TypeVar

from core.i18n import Translator
from core.messages import Button
from feedback.payloads import SKIP, CsatAnswer, SurveyAnswer
from feedback.surveys import SCALE, Question, Survey, pick

P = TypeVar("P", CsatAnswer, SurveyAnswer)


def csat_question(translator: Translator, lang: str, consultation_id: int) -> tuple[str, list[Button]]:
    buttons = [Button(translator.t(lang, f"csat.score.{score}"),
                      CsatAnswer(consultation=consultation_id, answer=score).pack()) for score in SCALE]
    return translator.t(lang, "csat.question"), buttons


def csat_comment_buttons(translator: Translator, lang: str, consultation_id: int) -> list[Button]:
    return [Button(translator.t(lang, "csat.skip"), CsatAnswer(consultation=consultation_id, answer=SKIP).pack())]


def survey_question(translator: Translator, lang: str, survey: Survey, question: Question
                    ) -> tuple[str, list[Button]]:
    number = [q.id for q in survey.questions].index(question.id) + 1
    text = translator.t(lang, "survey.question_header", number=number, total=len(survey.questions),
                        text=pick(question.text, lang))

    def answer(value: object) -> str:
        return SurveyAnswer(survey=survey.id, question=question.id, value=str(value)).pack()

    if question.kind == "scale":
        # The question's own scale: "how easy" answers in ease, "how clear" in clarity.
        buttons = [Button(pick(question.scale.labels[score], lang) if question.scale else
                          translator.t(lang, f"csat.score.{score}"), answer(score)) for score in SCALE]
    elif question.kind == "choice":
        buttons = [Button(pick(choice.text, lang), answer(choice.id)) for choice in question.choices]
    else:
        text += "\n\n" + translator.t(lang, "survey.type_answer")
        buttons = []
    # Every question may be left out: a partly answered survey keeps what was given.
    buttons.append(Button(translator.t(lang, "survey.skip"), answer(SKIP)))
    return text, buttons


def awaited_skip(buttons: list[list[str]] | None, payload_type: type[P]) -> P | None:
    """The Skip button of `payload_type` among the last offered buttons, if any: the
    question on screen awaits free text (a CSAT comment, a survey's text answer).

    The engine keeps the last offered buttons in the contact's state and replaces them on
    every turn, so "the previous message asked for free text" needs no state of its own.
    """
    for _title, payload in buttons or []:
        data = payload_type.parse(payload)
        if data is not None and data.skipped:
            return data
    return None
