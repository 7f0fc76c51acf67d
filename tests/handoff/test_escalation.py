"""Conversations: every route into a ticket, the bot's silence while it is open, and its return."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.messages import Channel
from handlers import handoff
from handlers.turn import Turn
from storage.models import Consultation, Contact, Message
from storage.tickets import Ticket
from storage.unit_of_work import UnitOfWork
from tests.handoff.conftest import at, confirm_sla
from tests.support.conversation import BotClient, contact_of
from tests.support.conversation import started as conversation_started

CHANNELS = [(Channel.webchat, "web-1"), (Channel.whatsapp, "whatsapp:+77011112233")]


async def tickets(env) -> list[Ticket]:
    async with env.db.sessions() as session:
        return list(await session.scalars(select(Ticket).order_by(Ticket.id)))


async def contact(env, channel, user) -> Contact:
    return await contact_of(env.db, user, channel)


async def started(env, channel, user, lang="ru") -> BotClient:
    return await conversation_started(env.engine, lang, channel=channel, user_id=user)


@pytest.mark.parametrize("channel,user", CHANNELS)
async def test_operator_command_opens_a_ticket_and_the_bot_steps_aside(env, channel, user):
    confirm_sla(env)
    client = await started(env, channel, user)
    await client.send("/operator")
    assert "T-0001" in client.text
    assert "Крайний срок ответа: четверг, 03.12.2026, 15:00" in client.text  # 11:00 + 4 working hours
    assert client.buttons == ["handoff:leave"]
    [ticket] = await tickets(env)
    assert (ticket.status, ticket.kind, ticket.channel, ticket.language, ticket.anonymous) == \
        ("open", "question", channel.value, "ru", False)
    assert ticket.sla_due_at == at(2026, 12, 3, 15)
    person = await contact(env, channel, user)
    assert person.mode == "human"

    # The bot is silent; the messages are journaled for the operator.
    for text in ("Здравствуйте, у меня вопрос по гранту", "Сколько денег дают?"):
        assert await client.send(text) == []
    async with env.db.sessions() as session:
        inbound = list(await session.scalars(select(Message.text).where(
            Message.contact_id == person.id, Message.direction == "in")))
        consultation = await session.get(Consultation, ticket.consultation_id)
    assert inbound[-2:] == ["Здравствуйте, у меня вопрос по гранту", "Сколько денег дают?"]
    assert consultation.human_involved and consultation.outcome == "handed_off"

    # The operator answers on the user's channel and resolves: the bot is back.
    aida = env.operators["aida"]
    outcome = await env.handoff.reply(ticket.id, aida, "Грант — до 1,5 млн тенге.")
    assert outcome.status == "sent"
    assert env.channels[channel].texts_to(user)[-1] == "Грант — до 1,5 млн тенге."
    await env.handoff.resolve(ticket.id, aida, "answered about the grant size")
    assert "T-0001" in env.channels[channel].texts_to(user)[-1]
    [ticket] = await tickets(env)
    assert ticket.status == "resolved" and ticket.first_reply_at and ticket.assignee_id == aida.id
    assert (await contact(env, channel, user)).mode == "bot"
    await client.send("/menu")
    assert client.buttons and "menu:operator" in client.buttons


@pytest.mark.parametrize("channel,user", CHANNELS)
async def test_menu_operator_button_and_typed_number(env, channel, user):
    client = await started(env, channel, user)
    if channel == Channel.whatsapp:
        number = client.buttons.index("menu:operator") + 1
        await client.send(str(number))  # numbered options on WhatsApp
    else:
        await client.press("menu:operator")
    assert "T-0001" in client.text
    assert len(await tickets(env)) == 1


async def test_faq_human_intent_calls_escalate(env):
    client = await started(env, Channel.webchat, "faq-user", "kk")
    async with env.db.sessions() as session:
        uow = UnitOfWork(session)
        person = await uow.contacts.find("webchat", "faq-user")
        consultation = await uow.consultations.current(person.id)
        from core.messages import Inbound

        turn = Turn(inbound=Inbound(Channel.webchat, "faq-user", "адаммен сөйлескім келеді"), contact=person,
                    consultation=consultation, uow=uow, services=env.services)
        ticket = await handoff.escalate(turn)
        await session.commit()
    assert ticket.number == "T-0001"
    text = turn.replies[0].text
    assert "T-0001" in text and ("жұмыс уақытында жауап береді" in text or "Олар жұмысқа оралады" in text)
    assert "Жауаптың соңғы мерзімі" not in text  # the shipped SLAs are not confirmed by the programme
    assert await client.send("сәлем") == []


@pytest.mark.parametrize("channel,user", CHANNELS)
async def test_anonymous_complaint_hides_identity(env, channel, user):
    confirm_sla(env)
    client = await started(env, channel, user)
    await client.send("/start")
    env.clock.now += timedelta(minutes=10)
    await client.send(payload="complaint:start")
    assert client.buttons == ["complaint:complaint", "complaint:suggestion", "menu:main"]
    await client.press("complaint:complaint")
    assert "анонимно" in client.text.lower()
    await client.press("complaint:complaint:anon")
    assert "жалоба зарегистрирована" in client.text and "T-0001" in client.text
    # 8 working hours from Thursday 11:10: 6 h 50 on Thursday, 1 h 10 on Friday.
    assert "Крайний срок ответа: пятница, 04.12.2026, 10:10" in client.text
    await client.send("Сотрудник фонда грубо ответил мне по телефону")
    [ticket] = await tickets(env)
    assert ticket.kind == "complaint" and ticket.anonymous
    view = env.views.ticket_page(await env.handoff.ticket(ticket.id))
    assert view["contact"] == {"name": None, "phone": None, "anonymous": True}
    assert any("грубо" in m["text"] for m in view["messages"])
    # Only the grievance itself is shown, not the earlier conversation.
    assert not any(m["text"] == "/start" for m in view["messages"])
    listed = env.views.tickets(await env.handoff.list_tickets())
    assert listed[0]["contact"]["anonymous"] and listed[0]["contact"]["phone"] is None
    # Searching by the phone does not reveal the anonymous complaint.
    assert env.views.tickets(await env.handoff.search("1112233")) == []
    # Searching contacts finds the person but never links the anonymous ticket.
    for found in env.views.contacts(await env.handoff.search_contacts("1112233")):
        assert found["tickets"] == []


async def test_named_suggestion(env):
    client = await started(env, Channel.whatsapp, "whatsapp:+77015550000", "en")
    await client.send(payload="complaint:suggestion:named")
    assert "suggestion has been registered" in client.text
    [ticket] = await tickets(env)
    assert ticket.kind == "suggestion" and not ticket.anonymous
    view = env.views.ticket_page(await env.handoff.ticket(ticket.id))
    assert view["contact"]["phone"] == "+77015550000"
    assert (env.views.tickets(await env.handoff.search("5550000")))[0]["number"] == ticket.number
    [found] = env.views.contacts(await env.handoff.search_contacts("5550000"))
    assert found["phone"] == "+77015550000" and found["tickets"] == [{"id": ticket.id, "number": "T-0001"}]


async def test_leaving_before_anyone_answered_withdraws_the_ticket(env):
    client = await started(env, Channel.webchat, "leaver")
    await client.send("/operator")
    await client.press("handoff:leave")
    assert "T-0001 отменено" in client.text and "menu:operator" in client.buttons
    [ticket] = await tickets(env)
    assert ticket.status == "withdrawn" and ticket.resolution.startswith("withdrawn")
    assert (await contact(env, Channel.webchat, "leaver")).mode == "bot"
    assert env.views.tickets(await env.handoff.list_tickets()) == []


async def test_leaving_after_a_claim_keeps_the_ticket(env):
    client = await started(env, Channel.webchat, "keeper")
    await client.send("/operator")
    [ticket] = await tickets(env)
    await env.handoff.claim(ticket.id, env.operators["aida"])
    await client.send("/menu")  # coming back to the menu only shows where the request stands
    assert "T-0001 уже у операторов" in client.text and "handoff:leave" in client.buttons
    await client.press("handoff:leave")
    assert "остаётся у оператора" in client.text
    [ticket] = await tickets(env)
    assert ticket.status == "assigned"
    await client.send("/help")  # the bot answers again
    assert client.texts
    # The operator's reply still reaches the user.
    assert (await env.handoff.reply(ticket.id, env.operators["aida"], "Ответ")).status == "sent"
    # Asking again returns to the same open ticket.
    await client.send("/operator")
    assert "T-0001 уже у операторов" in client.text
    assert len(await tickets(env)) == 1


async def test_operator_again_while_open_reminds_the_number(env):
    client = await started(env, Channel.webchat, "twice")
    await client.send("/operator")
    await client.send("/operator")
    assert "T-0001 уже у операторов" in client.text
    await client.send(payload="menu:operator")
    assert "T-0001" in client.text
    assert len(await tickets(env)) == 1


async def test_reopen_within_the_period_and_new_ticket_after_it(env):
    client = await started(env, Channel.webchat, "reopen")
    await client.send("/operator")
    [ticket] = await tickets(env)
    aida = env.operators["aida"]
    await env.handoff.reply(ticket.id, aida, "Ответ")
    await env.handoff.resolve(ticket.id, aida, "done")
    sent = env.channels[Channel.webchat].sent[-1]
    assert [b.payload for b in sent.outbound.buttons] == ["handoff:reopen", "menu:main"]

    env.clock.now += timedelta(hours=2)
    await client.send(payload="handoff:reopen")
    assert "снова открыли ваше обращение T-0001" in client.text
    [ticket] = await tickets(env)
    assert (ticket.status, ticket.reopened_count, ticket.first_reply_at) == ("assigned", 1, None)
    assert await client.send("всё ещё не работает") == []
    await env.handoff.resolve(ticket.id, aida, "done again")

    env.clock.now += timedelta(hours=1)
    await client.send("/operator")  # within the period: the same ticket again
    assert "T-0001" in client.text
    await env.handoff.resolve(ticket.id, aida, "third time")

    env.clock.now += timedelta(days=4)
    await client.send("/operator")
    assert "T-0002" in client.text
    assert len(await tickets(env)) == 2


async def test_hand_back_lets_the_bot_answer_while_the_ticket_stays(env):
    client = await started(env, Channel.webchat, "handback")
    await client.send("/operator")
    [ticket] = await tickets(env)
    await env.handoff.hand_back(ticket.id, env.operators["aida"])
    assert "передал разговор боту" in env.channels[Channel.webchat].texts_to("handback")[-1]
    await client.send("/help")
    assert client.texts
    [ticket] = await tickets(env)
    assert ticket.status == "assigned"


@pytest.mark.parametrize("moment,is_open,back", [
    (at(2026, 12, 4, 17, 59), True, None),                              # Friday 17:59
    (at(2026, 12, 4, 18, 0), False, "понедельник, 07.12.2026, 09:00"),   # Friday 18:00
    (at(2026, 12, 16, 11, 0), False, "четверг, 17.12.2026, 09:00"),      # Independence Day
    (at(2026, 12, 5, 11, 0), False, "понедельник, 07.12.2026, 09:00"),   # Saturday
])
async def test_working_hours_message_at_the_edges(env, moment, is_open, back):
    confirm_sla(env)
    env.clock.now = moment
    client = await started(env, Channel.webchat, "hours")
    await client.send("/operator")
    if is_open:
        assert "нерабочее время" not in client.text
        # Friday 17:59 + 4 h: 1 min on Friday, 3 h 59 on Monday.
        assert "Крайний срок ответа: понедельник, 07.12.2026, 12:59" in client.text
    else:
        assert "нерабочее время" in client.text and f"Они вернутся: {back}" in client.text
        assert "09:00–18:00" in client.text


async def test_working_hours_message_in_kazakh_and_english(env):
    env.clock.now = at(2026, 12, 4, 18, 0)
    kk = await started(env, Channel.webchat, "kk-user", "kk")
    await kk.send("/operator")
    assert "Қазір жұмыс уақыты емес" in kk.text and "дүйсенбі, 07.12.2026, 09:00" in kk.text
    en = await started(env, Channel.whatsapp, "whatsapp:+77019990000", "en")
    await en.send("/operator")
    assert "outside working hours" in en.text and "Monday, 07.12.2026, 09:00" in en.text


@pytest.mark.parametrize("moment,lang,expected", [
    (at(2026, 12, 3, 11, 0), "ru", "Оператор ответит в этом чате в рабочее время."),
    (at(2026, 12, 3, 11, 0), "kk", "Оператор осы чатта жұмыс уақытында жауап береді."),
    (at(2026, 12, 4, 18, 0), "ru", "Они вернутся: понедельник, 07.12.2026, 09:00."),
    (at(2026, 12, 4, 18, 0), "en", "They are back: Monday, 07.12.2026, 09:00."),
])
async def test_unconfirmed_sla_promises_no_deadline(env, moment, lang, expected):
    """The shipped SLAs are not the programme's (its report gives no response time): users
    hear "during working hours", while operators' queue still counts the deadline."""
    assert not env.services.call_centre.sla_confirmed
    env.clock.now = moment
    client = await started(env, Channel.webchat, f"no-deadline-{lang}", lang)
    await client.send("/operator")
    assert expected in client.text and "T-0001" in client.text
    for deadline in ("Крайний срок", "соңғы мерзімі", "Latest answer time"):
        assert deadline not in client.text
    [ticket] = await tickets(env)
    assert ticket.sla_due_at is not None


async def test_sla_due_time_stored_over_the_weekend(env):
    env.clock.now = at(2026, 12, 4, 17, 30)  # Friday
    client = await started(env, Channel.webchat, "weekend")
    await client.send("/operator")
    [ticket] = await tickets(env)
    assert ticket.sla_due_at == at(2026, 12, 7, 12, 30)
    env.clock.now = at(2026, 12, 7, 12, 0)
    [view] = env.views.tickets(await env.handoff.list_tickets())
    assert view["sla_state"] == "due_soon"
    env.clock.now = at(2026, 12, 7, 12, 31)
    [view] = env.views.tickets(await env.handoff.list_tickets())
    assert view["sla_state"] == "overdue"


async def test_typed_number_after_hand_back_presses_what_the_user_saw(env):
    """WhatsApp shows buttons as numbered lines. After the operator hands the chat back, the
    user sees "1. Связаться с оператором"; typing "1" must press that, not a button from a
    message before it (the hand-off's "back to the bot")."""
    user = "whatsapp:+77015550001"
    client = await started(env, Channel.whatsapp, user)
    await client.send("/operator")
    assert client.buttons == ["handoff:leave"]
    [ticket] = await tickets(env)
    aida = env.operators["aida"]
    await env.handoff.reply(ticket.id, aida, "Здравствуйте! Чем помочь?")
    await env.handoff.hand_back(ticket.id, aida)
    handed_back = env.channels[Channel.whatsapp].sent[-1]
    assert [b.payload for b in handed_back.outbound.buttons][0] == "menu:operator"
    await client.send("1")
    assert "T-0001" in client.text  # the open ticket, not the main menu
    assert (await contact(env, Channel.whatsapp, user)).mode == "human"


async def test_typed_number_answers_a_proactive_poll_and_a_plain_notice_clears_it(env):
    """Proactive messages are remembered as offered like replies: after a message without
    buttons, a typed "1" is just text again."""
    user = "whatsapp:+77015550002"
    client = await started(env, Channel.whatsapp, user)
    person = await contact(env, Channel.whatsapp, user)
    from core.messages import Button

    offer = [Button("Да", "menu:faq"), Button("Нет", "menu:main")]
    await env.messenger.send(person.id, "Выберите", author="system", buttons=offer)
    assert (await contact(env, Channel.whatsapp, user)).state["buttons"] == [["Да", "menu:faq"], ["Нет", "menu:main"]]
    await client.send("да")  # a title typed presses it: the FAQ's groups
    assert any(payload.startswith("faqgroup:") for payload in client.buttons)
    await env.messenger.send(person.id, "Выберите", author="system", buttons=offer)
    await env.messenger.send(person.id, "Просто новость", author="system")
    assert "buttons" not in (await contact(env, Channel.whatsapp, user)).state
    await client.send("да")  # now just text
    assert not any(payload.startswith("faqgroup:") for payload in client.buttons)
