"""Side questions and ways out while a flow waits for an answer: nobody gets trapped.

Listed first in the router. While the eligibility check, application linking or a poll's
comment waits for typed text, a message is, in this order:

1. an answer the flow can read (or the wizard's own "назад"/"отмена") → the flow takes it;
2. a natural way out ("не хочу", "керек емес", "потом", "menu", …) → the flow is left;
3. a language's name ("казакша") → the language changes and the question is asked again;
4. a confident FAQ match → answered, then the flow's question is asked again (a complaint
   or an appeal leaves the flow: their answers are buttons that file one); from the second
   such question in a row the person has moved on: the answer comes whole, with its
   follow-ups and a button back to the flow, and the flow's question is not repeated;
5. otherwise the flow says it did not understand — and at the second such reply in a
   row the bot offers the way out and an operator instead.

Commands interrupt any flow as they always did (the router gives them to their flows); the
menu then offers to continue the flow that was left half-way (`flow:continue`).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from core.messages import Button, ContentType
from core.payloads import MenuChoice, MenuItem, Payload
from handlers import csat, eligibility, interrupts, menu, status, survey
from handlers.language_guess import typed_choice
from handlers.routing import Flow, SkipHandler
from handlers.turn import Turn
from storage.models import ConversationMode

MISSES_BEFORE_HELP = 2
SIDE_ANSWERS_BEFORE_PAUSE = 2  # questions beside the flow's in a row: then it stops asking its own
# Inside a flow a side answer must be surer than the FAQ's own threshold: a wrong answer
# there costs the person their place. One word ("what") is not a question, but "привет" is.
SIDE_ANSWER_SCORE = 0.45
_ONE_WORD_TOPICS = ("greeting", "thanks", "human")
# Intents the matcher may find that are actions rather than answers.
_ACTIONS = ("human", "check_eligibility", "my_status")
# Answers that are their buttons ("press «File a complaint» below"): the person has changed
# course, so the flow is left and the answer comes whole.
_CHANGES_COURSE = ("complaint", "appeal")


class FlowAction(Payload, prefix="flow"):
    """`flow:leave` and `flow:continue`: leave the flow left half-way, or go on with it."""

    action: Literal["leave", "continue"]


@dataclass(frozen=True)
class Pending:
    """A flow that can wait for typed text, as this module needs to see it."""

    name: str
    awaiting: Callable[[Turn], bool]   # its question is on screen: text is meant for it
    resumable: Callable[[Turn], bool]  # started and not finished (its question may be gone)
    accepts: Callable[[Turn, str], bool]
    repeat: Callable[[Turn], None]
    leave: Callable[[Turn], None]
    # Its answer typed after the "I don't understand" message, which took its question's place
    # (a flow whose `awaiting` reads its buttons on screen; the status flow's reads its step).
    take: Callable[[Turn], Awaitable[None]] | None = None
    exits_first: bool = False  # free-text answers (comments): a way out is never an answer


def _nothing(_turn: Turn) -> None:
    return None


def _resume_wizard(turn: Turn) -> None:
    turn.say_key("elig.resume")
    eligibility.repeat_question(turn)


PENDING = (
    Pending("eligibility", eligibility.is_active, eligibility.resumable, eligibility.accepts_text,
            eligibility.repeat_question, eligibility.leave, take=eligibility.take_text),
    Pending("status", status.is_active, status.is_active, status.accepts_text, status.repeat_question, status.leave),
    # A poll's comment is free text: anything is an answer but a way out. Leaving it is the
    # same as its Skip button (nothing to store); its question is gone from the screen then.
    Pending("csat", csat.awaits_comment, csat.awaits_comment, lambda _t, _x: True, _nothing, _nothing,
            exits_first=True),
    Pending("survey", survey.awaits_answer, survey.awaits_answer, lambda _t, _x: True, _nothing, _nothing,
            exits_first=True),
)


def awaiting(turn: Turn) -> Pending | None:
    """The flow whose question is on screen, or whose "I don't understand" message is; none
    while an operator has the conversation."""
    if turn.contact.mode == ConversationMode.human:
        return None
    found = next((pending for pending in PENDING if pending.awaiting(turn)), None)
    if found is None and turn.on_screen(FlowAction(action="leave")):
        found = resumable(turn)  # the "I don't understand" message offers to leave it
    if found is None and turn.on_screen(FlowAction(action="continue")):
        paused = resumable(turn)  # a side answer that paused it offers to go on with it
        if paused is not None and _count(turn, paused, "side_answers") >= SIDE_ANSWERS_BEFORE_PAUSE:
            found = paused
    return found


def resumable(turn: Turn) -> Pending | None:
    """A flow left half-way (eligibility check, application linking) that could go on."""
    return next((pending for pending in PENDING[:2] if pending.resumable(turn)), None)


flow = Flow("side_questions", guard=lambda turn: awaiting(turn) is not None)
# The ways out and back offered in menus and in the "I don't understand" message.
choices = Flow("side_questions.choices")


def continue_button(turn: Turn) -> Button:
    return turn.button("flow.continue_button", FlowAction(action="continue"))


def _continue_if_resumable(turn: Turn) -> Button | None:
    # A check or a linking left half-way (a command, a side trip): offer to go on.
    return continue_button(turn) if resumable(turn) is not None else None


menu.LEADING_BUTTONS.append(_continue_if_resumable)


@flow.text()
async def interrupt(turn: Turn) -> None:
    pending = awaiting(turn)
    if pending is None or turn.inbound.content_type == ContentType.contact:
        raise SkipHandler
    text = turn.inbound.text or ""
    exit_now = interrupts.is_exit(text)
    if not (pending.exits_first and exit_now) and pending.accepts(turn, text):
        _forget_counts(turn)
        if pending.take is not None and not pending.awaiting(turn):
            await pending.take(turn)  # answered after "I don't understand": the flow takes it here
            return
        raise SkipHandler  # an answer: the flow takes it
    if exit_now:
        await _leave(turn, pending)
        return
    if (lang := typed_choice(text)) is not None:
        turn.contact.language = lang
        turn.consultation.language = lang
        turn.say_key("language.set")
        _repeat(turn, pending)
        return
    if await _side_answer(turn, pending, text):
        return
    misses = _one_more(turn, pending, "flow_misses")
    if misses < MISSES_BEFORE_HELP:
        raise SkipHandler  # the flow asks again in its own words
    _forget_counts(turn)
    turn.set_outcome("not_understood")
    turn.say_key("flow.stuck", [
        turn.button("flow.leave_button", FlowAction(action="leave")),
        turn.button("menu.operator", MenuChoice(item=MenuItem.operator)),
        continue_button(turn),
    ])


def _here(turn: Turn, pending: Pending) -> str:
    return f"{pending.name}:{turn.state.get('step') or ''}"


def _count(turn: Turn, pending: Pending, key: str) -> int:
    """How many `key` (misunderstood answers, side questions) at the flow's current
    question. Counted per question: an answer by button moves the flow on and starts afresh."""
    record = turn.state.get(key) or {}
    return int(record.get("count", 0)) if record.get("at") == _here(turn, pending) else 0


def _one_more(turn: Turn, pending: Pending, key: str) -> int:
    count = _count(turn, pending, key) + 1
    turn.update_state(**{key: {"at": _here(turn, pending), "count": count}})
    return count


def _forget_counts(turn: Turn) -> None:
    turn.update_state(flow_misses=None, side_answers=None)


def _repeat(turn: Turn, pending: Pending) -> None:
    turn.say_key("flow.resume")
    pending.repeat(turn)


async def _leave(turn: Turn, pending: Pending) -> None:
    pending.leave(turn)
    _forget_counts(turn)
    await menu.show_menu(turn, intro_key="flow.left")


async def _side_answer(turn: Turn, pending: Pending, text: str) -> bool:
    """Answer a confident FAQ match and ask the flow's question again; False if none."""
    from handlers import faq, handoff

    matcher = turn.services.faq
    result = matcher.match(text) if matcher is not None else None
    topic = result.topic if result is not None and result.score >= SIDE_ANSWER_SCORE else None
    if topic is None or (len(text.split()) < 2 and topic not in _ONE_WORD_TOPICS):
        return False
    if topic == "human":
        await handoff.escalate(turn)  # the flow stays saved; the menu offers to continue later
        return True
    if topic == "my_status" and pending.name != "status":
        await status.start(turn)
        return True
    if topic in _ACTIONS:
        _repeat(turn, pending)  # already where the person asks to be
        return True
    if topic in _CHANGES_COURSE:
        pending.leave(turn)
        _forget_counts(turn)
        await faq.answer_topic(turn, topic)
        return True
    if _one_more(turn, pending, "side_answers") >= SIDE_ANSWERS_BEFORE_PAUSE:
        await faq.answer_topic(turn, topic, leading=[continue_button(turn)])
        return True
    await faq.answer_topic(turn, topic, with_buttons=False)
    _repeat(turn, pending)
    return True


@choices.button(FlowAction, action="leave")
async def on_leave(turn: Turn, _data: FlowAction) -> None:
    pending = resumable(turn)
    if pending is not None:
        pending.leave(turn)
    _forget_counts(turn)
    await menu.show_menu(turn, intro_key="flow.left")


@choices.button(FlowAction, action="continue")
async def on_continue(turn: Turn, _data: FlowAction) -> None:
    pending = resumable(turn)
    _forget_counts(turn)
    if pending is None:
        await menu.show_menu(turn)
    elif pending.name == "eligibility":
        _resume_wizard(turn)
    else:
        pending.repeat(turn)
