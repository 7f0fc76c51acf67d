"""The satisfaction poll after a consultation: a 1–5 rating, then an optional comment.

The question arrives through the outbox (feedback.service) with buttons
`csat:<consultation id>:<1-5>`. A late answer still counts; a rating may be changed once;
the comment is the free text right after the rating, or the Skip button.
"""
from __future__ import annotations

from core.privacy import mask_personal
from core.payloads import MenuChoice, MenuItem
from feedback.payloads import CsatAnswer
from feedback.polls import awaited_skip, csat_comment_buttons
from feedback.surveys import SCALE
from handlers import menu
from handlers.routing import Flow
from handlers.turn import Turn
from storage.feedback import FEEDBACK_OUTCOME, MAX_SCORE_CHANGES, CsatRequest

MAX_COMMENT = 2000


def mark_feedback(turn: Turn) -> None:
    """A consultation that is only an answer to a poll gets no poll of its own."""
    if turn.consultation.outcome is None:
        turn.set_outcome(FEEDBACK_OUTCOME)


def _back(turn: Turn):
    return [turn.button("menu.back", MenuChoice(item=MenuItem.main))]


def awaited_comment(turn: Turn) -> CsatAnswer | None:
    """The Skip button of the comment question, when that question was shown last."""
    return awaited_skip(turn.state.get("buttons"), CsatAnswer)


def awaits_comment(turn: Turn) -> bool:
    return awaited_comment(turn) is not None


flow = Flow("csat", active=awaits_comment)


async def _request(turn: Turn, consultation_id: int) -> CsatRequest | None:
    request = await turn.uow.csat_requests.for_consultation(consultation_id)
    # Only the person asked may answer: payloads can be typed by anyone.
    return request if request is not None and request.contact_id == turn.contact.id else None


@flow.button(CsatAnswer)
async def on_button(turn: Turn, data: CsatAnswer) -> None:
    request = await _request(turn, data.consultation)
    if request is None or not (data.skipped or data.answer in SCALE):
        await menu.show_menu(turn)
        return
    mark_feedback(turn)
    if data.skipped:
        turn.say_key("csat.thanks", _back(turn))
        return
    score = int(data.answer)
    now = turn.now
    comment_buttons = csat_comment_buttons(turn.services.translator, turn.lang, request.consultation_id)
    if request.score is None:
        request.score, request.status, request.answered_at = score, "answered", now
        turn.say_key("csat.ask_comment", comment_buttons)
    elif request.score == score:
        turn.say_key("csat.thanks", _back(turn))
    elif request.score_changes < MAX_SCORE_CHANGES:
        request.score, request.answered_at = score, now
        request.score_changes += 1
        if request.comment:
            turn.say_key("csat.changed", _back(turn))
        else:
            turn.say_key("csat.changed_ask_comment", comment_buttons)
    else:
        turn.say_key("csat.change_limit", _back(turn))


@flow.text()
async def on_comment(turn: Turn) -> None:
    """The free text right after the rating: its comment."""
    awaited = awaited_comment(turn)
    request = await _request(turn, awaited.consultation) if awaited else None
    if request is None:
        await menu.show_menu(turn)
        return
    mark_feedback(turn)
    request.comment = mask_personal(turn.inbound.text.strip())[:MAX_COMMENT] or None
    turn.say_key("csat.thanks_comment", _back(turn))
