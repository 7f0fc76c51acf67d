"""Stage surveys in the conversation: one question at a time, buttons or free text.

The first question arrives through the outbox (feedback.service.send_survey); each
answer is stored at once (a partly answered survey keeps what was given) and the next
question follows. Payloads: `survey:<survey>:<question>:<value|skip>`; a free-text
question takes the next message (its Skip button marks it as awaited).
"""
from __future__ import annotations

from core.privacy import mask_personal
from core.payloads import MenuChoice, MenuItem
from feedback.payloads import SurveyAnswer
from feedback.polls import awaited_skip, survey_question
from feedback.surveys import SCALE, Question, Survey, SurveyCatalogue
from handlers import menu
from handlers.csat import mark_feedback
from handlers.routing import Flow
from handlers.turn import Turn
from storage.feedback import SurveyResponse

MAX_TEXT = 2000


def catalogue(turn: Turn) -> SurveyCatalogue:
    return turn.services.surveys


async def _find(turn: Turn, survey_id: str, question_id: str
                ) -> tuple[Survey, Question, SurveyResponse] | None:
    survey = catalogue(turn).get(survey_id)
    question = survey.question(question_id) if survey else None
    if question is None:
        return None
    response = await turn.uow.surveys.response(survey_id, turn.contact.id)
    return (survey, question, response) if response is not None else None


def awaited_answer(turn: Turn) -> SurveyAnswer | None:
    """The Skip button of a free-text question, when that question was shown last."""
    return awaited_skip(turn.state.get("buttons"), SurveyAnswer)


def awaits_answer(turn: Turn) -> bool:
    return awaited_answer(turn) is not None


flow = Flow("survey", active=awaits_answer)


@flow.button(SurveyAnswer)
async def on_button(turn: Turn, data: SurveyAnswer) -> None:
    value = data.value
    found = await _find(turn, data.survey, data.question)
    if found is None:
        turn.say_key("survey.unavailable")
        await menu.show_menu(turn)
        return
    survey, question, response = found
    now = turn.now
    if not data.skipped:
        if question.kind == "scale" and value.isdigit() and int(value) in SCALE:
            await turn.uow.surveys.save_answer(response, question.id, "scale", score=int(value),
                                                        value=value, now=now)
        elif question.kind == "choice" and question.choice(value) is not None:
            await turn.uow.surveys.save_answer(response, question.id, "choice", score=None,
                                                        value=value, now=now)
        else:  # a stale or hand-typed payload: ask this question again
            _ask(turn, survey, question)
            return
    mark_feedback(turn)
    _ask_next(turn, survey, question, response, now)


@flow.text()
async def on_text(turn: Turn) -> None:
    """The answer to a free-text question."""
    awaited = awaited_answer(turn)
    found = await _find(turn, awaited.survey, awaited.question) if awaited else None
    if found is None or found[1].kind != "text":
        await menu.show_menu(turn)
        return
    survey, question, response = found
    now = turn.now
    text = mask_personal(turn.inbound.text.strip())[:MAX_TEXT]
    if text:
        await turn.uow.surveys.save_answer(response, question.id, "text", score=None, value=text, now=now)
    mark_feedback(turn)
    _ask_next(turn, survey, question, response, now)


def _ask(turn: Turn, survey: Survey, question: Question) -> None:
    text, buttons = survey_question(turn.services.translator, turn.lang, survey, question)
    turn.say(text, buttons)


def _ask_next(turn: Turn, survey: Survey, question: Question, response: SurveyResponse, now) -> None:
    following = survey.after(question.id)
    if following is not None:
        _ask(turn, survey, following)
        return
    if response.completed_at is None:
        response.completed_at = now
    turn.say_key("survey.thanks", [turn.button("menu.back", MenuChoice(item=MenuItem.main))])
