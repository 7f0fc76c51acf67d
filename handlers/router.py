"""Which flow answers an inbound message: the flows in precedence order.

Each flow module declares what it handles (handlers.routing); the first route that takes
a message answers it. Commands, buttons, media and text never compete, so the order
decides only between flows that want the same kind of message:

* typed text: the wizard's own words and answers while its question is on screen, then
  STOP/START, then the flows awaiting text (a poll's comment, status linking), then "меню"
  and "частые вопросы" typed, then the FAQ;
* any message while an operator has the conversation (silence), or before a language is
  known (the language question), ahead of every ordinary flow;
* the menu last: it also takes the commands and payloads nobody declared.
"""
from __future__ import annotations

from handlers import (csat, eligibility, faq, forget, handoff, language, media, menu, optout, season, side_questions,
                      status, survey)
from core.messages import ContentType
from handlers.routing import Router
from handlers.turn import Turn

ROUTER = Router(
    side_questions.flow,  # a way out or a side question while a flow waits for typed text
    eligibility.answers,  # "стоп"/"назад" inside the wizard are the wizard's, not the opt-out's
    optout.flow,          # STOP/START anywhere else, even with an operator or before a language
    handoff.human_mode,   # an operator has the conversation: the bot stays silent
    language.flow,        # lang:<code>; nothing else is said before a language is known
    csat.flow,            # the comment right after a rating
    survey.flow,          # a free-text survey answer
    status.flow,          # application number, then phone
    eligibility.flow,     # /check, starting and resuming, the wizard's buttons
    handoff.flow,         # /operator, complaints and suggestions, "not solved"
    season.flow,          # "tell me when the next season opens"
    forget.flow,          # /forget: the person erases their own data (after a button)
    side_questions.choices,  # leave or continue a flow left half-way
    media.flow,
    menu.words,           # "меню", "мәзір" typed: the menu, not an FAQ miss
    faq.words,            # "частые вопросы" typed: the FAQ's sections
    faq.flow,             # any text no flow awaits
    menu.flow,            # /start, /menu, /help, and what nobody declared
)


async def dispatch(turn: Turn) -> None:
    await ROUTER.dispatch(turn)
    # A flow may leave the turn a message to answer next: the question typed before a
    # language was chosen is answered right after the choice, by whichever flow takes it.
    if turn.follow_up is not None:
        text, turn.follow_up = turn.follow_up, None
        inbound = turn.inbound
        inbound.text, inbound.payload = text, None
        inbound.content_type = ContentType.command if text.startswith("/") else ContentType.text
        await ROUTER.dispatch(turn)
