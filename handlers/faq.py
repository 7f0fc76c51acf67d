"""Answering questions from the FAQ content, browsing it, and the honest fallback.

A confident match answers in the contact's language (whatever language the question was
typed in) and records the topic on the consultation. Below the threshold the bot never
guesses: it says it did not understand and offers likely topics and an operator; after a
second miss in a row the operator comes first.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from faq.content import ContentError, get_topic, render_answer, shipped_groups, topics_in
from faq.season import answer_facts_now, next_season_pending

from core.messages import Button
from core.payloads import MenuChoice, MenuItem, Payload
from handlers import interrupts, menu
from handlers.routing import Flow
from handlers.turn import Turn
from handoff.call_centre import default_call_centre

log = logging.getLogger(__name__)

MAX_SUGGESTIONS = 3
ACTION_INTENTS = ("human", "check_eligibility", "my_status")
# Answers that say "not announced / not published yet" out of season.
SEASON_TOPICS = frozenset({"open_day", "deadline", "timeline"})
DISOWN_INTENT = "not_helpful"  # "не то", "not what I asked": the last answer missed


class FaqTopic(Payload, prefix="faq"):
    topic: str


class FaqGroup(Payload, prefix="faqgroup"):
    group: str


class FaqMiss(Payload, prefix="faqmiss"):
    """`faqmiss:<topic>`: the 👎 under a typed question's answer — "not what I asked"."""

    topic: str


flow = Flow("faq")
# The FAQ's sections asked for by name ("частые вопросы", "faq"), not a question to match.
words = Flow("faq_words")
FAQ_WORDS = ("частые вопросы", "вопросы", "faq", "чаво", "вопрос-ответ", "жиі қойылатын сұрақтар",
             "жии койылатын сурактар", "сұрақтар", "сурактар", "jii qoiylatyn suraqtar", "suraqtar",
             "frequently asked questions", "questions")
BACK = MenuChoice(item=MenuItem.main)


def _topic(turn: Turn, topic_id: str):
    # FAQ_TOPICS_DIR: a deployment's own topics answer, not the shipped ones.
    return get_topic(topic_id, turn.services.faq_topics_dir)


def _topic_button(turn: Turn, topic_id: str) -> Button:
    return Button(_topic(turn, topic_id).title_for(turn.lang), FaqTopic(topic=topic_id).pack())


def _now(turn: Turn):
    return turn.now  # the inbound's time, by the engine's clock


def _answer_text(turn: Turn, topic_id: str) -> str:
    # Facts for this moment: the tense of the season's stages, "open now / back at …".
    facts = answer_facts_now(turn.services.programme, _now(turn),
                             turn.services.call_centre or default_call_centre(), turn.services.translator)
    return render_answer(topic_id, turn.lang, facts, turn.services.faq_topics_dir)


_NUMBER = re.compile(r"\d+")
# Topics the matcher gives a complaint described in words, and the words it takes.
_GRIEVANCE_LIKE = {"complaint": 1, "appeal": 1, "human": 2, "not_helpful": 3}


def _asks_about_age(turn: Turn, topic: str, text: str) -> bool:
    """Who-can-apply questions that name an age ("а в 17?", "can I apply at 17") get the
    age answer; "проверить меня" starts the full check instead. "мне 20 лет, как подать
    заявку?" asks how: an age in the range is only context (one out of it is the answer)."""
    if interrupts.asks_for_the_full_check(text):
        return False
    if topic == "check_eligibility":
        return True
    if topic in ("eligibility", "how_to_apply") and (
            interrupts.iin_birth_date(text) is not None or interrupts.birth_year_in(text) is not None):
        return True  # "мой ИИН …, могу участвовать?", "я 2003 года рождения, можно?": the age
    if topic == "eligibility" and interrupts.age_in(text) is not None:
        # "а в 17?" names nothing but the age; "работаю 20 часов в неделю" is about work.
        return interrupts.names_an_age(text) or len(_NUMBER.sub(" ", text).split()) <= 3
    if topic != "how_to_apply" or not interrupts.names_an_age(text):
        return False
    if interrupts.asks_how(text):
        from handlers import eligibility

        return not eligibility.age_in_range(turn, interrupts.age_in(text))
    return True


@flow.text()
async def answer_free_text(turn: Turn) -> None:
    """Any text no flow awaits: a question for the FAQ."""
    matcher = turn.services.faq
    if matcher is None:
        await not_understood(turn, [])
        return
    text = turn.inbound.text or ""
    if interrupts.is_bare_yes_no(text):
        if interrupts.is_bare_yes(text) and turn.on_screen(FaqTopic(topic="check_eligibility")):
            # "Хотите проверить, подходите ли вы?" above the check's button — "да": the check.
            await _act_on_intent(turn, "check_eligibility")
            return
        # A lone "нет"/"жоқ"/"ok" answers nothing on screen: the menu, not a guess.
        await menu.show_menu(turn)
        return
    result = matcher.match(text)
    if ((result.topic is None or len(text.split()) >= _GRIEVANCE_LIKE.get(result.topic, 99))
            and not (result.topic == "human" and interrupts.asks_to_be_put_through(text))):
        # Right after the complaint answer, a description ("оператор хамил", "оператор не
        # ответил 3 дня, это нормально?") reads as "operator" or "not helpful" to the matcher:
        # it is the complaint. A bare "оператор" or "не то" keeps its own meaning, and so does
        # asking for one ("хочу поговорить с оператором").
        from handlers import handoff

        offered = handoff.offered_grievances(turn)
        if offered:
            handoff.offer_to_file(turn, offered)
            return
    if result.topic is None and interrupts.birth_year_in(text) is not None:
        result = replace(result, topic="eligibility")  # "2004 жылы туғанмын": about the age limit
    if result.topic is None:
        _record_miss(turn, "declined", turn.inbound.text, result.lang,
                     result.alternatives[0][0] if result.alternatives else None, result.score)
        await not_understood(turn, [topic for topic, _score in result.alternatives])
        return
    turn.update_state(faq_misses=None)
    if _asks_about_age(turn, result.topic, text):
        # "а мне 17 можно?" is a question: answer it; the full check is one button away.
        from handlers import eligibility

        await eligibility.answer_age_question(turn, text)
        return
    if _topic(turn, result.topic).kind == "topic":
        # Kept so that "не то" / "not helpful" right after can be tied to this question.
        turn.update_state(last_faq={"text": turn.inbound.text[:500], "topic": result.topic,
                                    "lang": result.lang, "score": result.score})
    await answer_topic(turn, result.topic)


@flow.button(FaqTopic)
async def on_topic(turn: Turn, data: FaqTopic) -> None:
    await answer_topic(turn, data.topic)


def _record_miss(turn: Turn, kind: str, text: str, lang: str | None, topic: str | None,
                 score: float | None) -> None:
    """Keep a question the FAQ did not answer well for the editors (faq.misses)."""
    if not text or not text.strip():
        return
    turn.uow.faq_misses.record(
        contact_id=turn.contact.id, consultation_id=turn.consultation.id,
        channel=str(getattr(turn.inbound.channel, "value", turn.inbound.channel)),
        language=lang or turn.lang, kind=kind, text=text.strip()[:1000], topic=topic, score=score,
        created_at=_now(turn),
    )


async def disown_answer(turn: Turn, topic_id: str | None = None) -> None:
    """The user says the last answer was not what they asked ("не то", the 👎 button)."""
    last = turn.state.get("last_faq") or {}
    if last and (topic_id is None or last.get("topic") == topic_id):
        _record_miss(turn, "disowned", str(last.get("text", "")), last.get("lang"),
                     last.get("topic"), last.get("score"))
        turn.update_state(last_faq=None)
    turn.set_outcome("not_helpful")
    buttons = [turn.button("menu.operator", MenuChoice(item=MenuItem.operator)),
               turn.button("menu.faq", MenuChoice(item=MenuItem.faq)), turn.button("menu.back", BACK)]
    turn.say_key("faq.disowned", buttons)


@flow.button(FaqMiss)
async def on_unhelpful(turn: Turn, data: FaqMiss) -> None:
    await disown_answer(turn, data.topic)


async def answer_topic(turn: Turn, topic_id: str, *, with_buttons: bool = True,
                       leading: Sequence[Button] = ()) -> None:
    """Answer a topic (or act on an intent) chosen by the matcher or by a button.

    Without buttons: the answer alone, for a side question inside another flow (which
    asks its own question again right after). `leading`: buttons put before the topic's own."""
    try:
        topic = _topic(turn, topic_id)
    except ContentError:
        await menu.show_menu(turn)
        return
    if not with_buttons:
        turn.add_topic(topic_id)
        turn.say(_answer_text(turn, topic_id))
        return
    if topic.kind == "intent":
        await _act_on_intent(turn, topic_id)
        return
    if (turn.state.get("last_faq") or {}).get("topic") != topic_id:
        turn.update_state(last_faq=None)  # chosen from a menu: no typed question to disown
    turn.add_topic(topic_id)
    turn.set_outcome("answered")
    buttons = [*leading, *(_topic_button(turn, related) for related in topic.related[:2])]
    if topic_id in ("complaint", "appeal"):
        # The grievance mechanism: the answer explains it, the button files one.
        from handlers import handoff

        buttons[:0] = handoff.grievance_buttons(turn, ("complaint", "suggestion") if topic_id == "complaint"
                                                else ("complaint",))
    if topic_id in SEASON_TOPICS and next_season_pending(turn.services.programme, _now(turn)):
        # This season is over or not announced: offer to tell the user when the next one is
        # (handlers/season.py keeps the wish), never old dates as upcoming ones.
        from handlers.season import SeasonNotify

        buttons.insert(0, turn.button("season.notify.button", SeasonNotify(action="notify")))
    if (turn.state.get("last_faq") or {}).get("topic") == topic_id:
        buttons.append(turn.button("faq.unhelpful_button", FaqMiss(topic=topic_id)))
    buttons.append(turn.button("menu.back", BACK))
    turn.say(_answer_text(turn, topic_id), buttons)


async def _act_on_intent(turn: Turn, intent: str) -> None:
    if intent == "human":
        from handlers import handoff

        await handoff.escalate(turn)
    elif intent == "check_eligibility":
        from handlers import eligibility

        await eligibility.start(turn)
    elif intent == "my_status":
        from handlers import status

        await status.start(turn)
    elif intent == DISOWN_INTENT:
        await disown_answer(turn)
    else:  # greeting, thanks: a short answer, then the way on
        turn.add_topic(intent)
        await menu.show_menu(turn, intro_text=_answer_text(turn, intent))


async def not_understood(turn: Turn, likely: list[str]) -> None:
    misses = int(turn.state.get("faq_misses", 0)) + 1
    turn.update_state(faq_misses=misses)
    turn.set_outcome("not_understood")
    suggestions = [_topic_button(turn, topic) for topic in likely
                   if _topic(turn, topic).kind == "topic"][:MAX_SUGGESTIONS]
    operator = turn.button("menu.operator", MenuChoice(item=MenuItem.operator))
    if misses >= 2:
        buttons = [operator, *suggestions, turn.button("menu.back", BACK)]
        turn.say_key("fallback.operator_first", buttons)
    else:
        buttons = [*suggestions, operator, turn.button("menu.back", BACK)]
        turn.say_key("fallback.not_understood", buttons)


@flow.button(MenuChoice, item=MenuItem.faq)
@words.keywords(FAQ_WORDS)
async def show_groups(turn: Turn, _data: MenuChoice | None = None) -> None:
    answerable_groups = {t.group for t in topics_in(turn.services.faq_topics_dir) if t.kind == "topic"}
    buttons = [Button(group.title_for(turn.lang), FaqGroup(group=group.id).pack()) for group in shipped_groups()
               if group.id in answerable_groups]
    buttons.append(turn.button("menu.back", BACK))
    turn.say_key("faq.groups", buttons)


@flow.button(FaqGroup)
async def show_group(turn: Turn, data: FaqGroup) -> None:
    topics = [t for t in topics_in(turn.services.faq_topics_dir) if t.group == data.group and t.kind == "topic"]
    if not topics:
        await show_groups(turn)
        return
    buttons = [_topic_button(turn, topic.id) for topic in topics]
    buttons.append(turn.button("faq.all_groups", MenuChoice(item=MenuItem.faq)))
    turn.say_key("faq.pick_topic", buttons)

