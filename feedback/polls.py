"""How a poll question looks: its text and buttons, in the contact's language.

Shared by the services that queue the first question (through the outbox) and the
handlers that ask the next one in a conversation. Payloads: `csat:<consultation>:<1-5|skip>`
and `survey:<survey>:<question>:<value|skip>`, all within Telegram's 64 bytes.
"""
from __future__ import annotations

from core.i18n import Translator
from core.messages import Button
from feedback.surveys import SCALE, Question, Survey, pick


def csat_question(translator: Translator, lang: str, consultation_id: int) -> tuple[str, list[Button]]:
    buttons = [Button(translator.t(lang, f"csat.score.{score}"), f"csat:{consultation_id}:{score}")
               for score in SCALE]
    return translator.t(lang, "csat.question"), buttons


def csat_comment_buttons(translator: Translator, lang: str, consultation_id: int) -> list[Button]:
    return [Button(translator.t(lang, "csat.skip"), f"csat:{consultation_id}:skip")]


def survey_question(translator: Translator, lang: str, survey: Survey, question: Question
                    ) -> tuple[str, list[Button]]:
    number = [q.id for q in survey.questions].index(question.id) + 1
    text = translator.t(lang, "survey.question_header", number=number, total=len(survey.questions),
                        text=pick(question.text, lang))
    prefix = f"survey:{survey.id}:{question.id}:"
    if question.kind == "scale":
        buttons = [Button(translator.t(lang, f"csat.score.{score}"), f"{prefix}{score}") for score in SCALE]
    elif question.kind == "choice":
        buttons = [Button(pick(choice.text, lang), prefix + choice.id) for choice in question.choices]
    else:
        text += "\n\n" + translator.t(lang, "survey.type_answer")
        buttons = []
    # Every question may be left out: a partly answered survey keeps what was given.
    buttons.append(Button(translator.t(lang, "survey.skip"), prefix + "skip"))
    return text, buttons


def awaited_text(buttons: list[list[str]] | None, prefix: str) -> str | None:
    """The skip payload among the last offered buttons that starts with `prefix`, if any.

    The engine keeps the last offered buttons in the contact's state and replaces them on
    every turn, so "the previous message asked for free text" needs no state of its own.
    """
    for _title, payload in buttons or []:
        if payload.startswith(prefix) and payload.endswith(":skip"):
            return payload
    return None
