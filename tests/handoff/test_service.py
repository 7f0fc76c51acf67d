"""The operators' use cases: claiming, replying (WhatsApp's 24-hour rule), audit, phone calls, accounts."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.console.auth import hash_password, hash_token, verify_password
from core.messages import Channel
from handoff.service import HandoffError
from storage.models import Consultation, Contact, Message
from storage.tickets import AuditEntry, Operator
from tests.handoff.conftest import PASSWORD, at
from tests.support.conversation import started

WA_USER = "whatsapp:+77012223344"


async def open_ticket(env, channel=Channel.webchat, user="u1", lang="ru") -> int:
    client = await started(env.engine, lang, channel=channel, user_id=user)
    await client.send("/operator")
    return (env.views.tickets(await env.handoff.list_tickets()))[-1]["id"]


async def audit(env, action=None) -> list[AuditEntry]:
    async with env.db.sessions() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return list(await session.scalars(query))


async def test_claim_conflicts_and_manager_override(env):
    ticket_id = await open_ticket(env)
    aida, bolat, zhanna = (env.operators[n] for n in ("aida", "bolat", "zhanna"))
    view = env.views.ticket_page(await env.handoff.claim(ticket_id, aida))
    assert view["status"] == "assigned" and view["assignee"] == "aida"
    await env.handoff.claim(ticket_id, aida)  # idempotent for the assignee
    for action in (lambda: env.handoff.claim(ticket_id, bolat),
                   lambda: env.handoff.reply(ticket_id, bolat, "hi"),
                   lambda: env.handoff.resolve(ticket_id, bolat, "x")):
        with pytest.raises(HandoffError) as error:
            await action()
        assert error.value.code == "conflict"
    # A manager may step in on someone else's ticket.
    assert (await env.handoff.reply(ticket_id, zhanna, "Менеджер на связи")).status == "sent"
    with pytest.raises(HandoffError) as error:
        await env.handoff.claim(999, aida)
    assert error.value.code == "not_found"
    await env.handoff.resolve(ticket_id, aida, "ok")
    with pytest.raises(HandoffError) as error:
        await env.handoff.reply(ticket_id, aida, "late")
    assert error.value.code == "conflict"
    assert [e.action for e in await audit(env) if e.action in ("claim", "reply", "resolve")] == \
        ["claim", "reply", "resolve"]


async def test_reply_auto_claims_and_sets_first_reply(env):
    ticket_id = await open_ticket(env)
    env.clock.now += timedelta(minutes=7)
    outcome = await env.handoff.reply(ticket_id, env.operators["bolat"], "Здравствуйте!")
    assert outcome.status == "sent"
    view = env.views.ticket_page(await env.handoff.ticket(ticket_id))
    assert view["assignee"] == "bolat" and datetime.fromisoformat(view["first_reply_at"]) == env.clock.now
    assert view["sla_state"] == "answered"
    # Beside the badge the console shows when it was answered, no longer when it was due.
    assert view["sla_time_local"] == env.views.local(env.clock.now) != view["sla_due_local"]
    last = view["messages"][-1]
    assert (last["author"], last["text"], last["delivery_status"]) == ("operator:bolat", "Здравствуйте!", "sent")
    with pytest.raises(HandoffError):
        await env.handoff.reply(ticket_id, env.operators["bolat"], "   ")


async def test_whatsapp_24_hour_rule_in_the_reply_path(env):
    ticket_id = await open_ticket(env, Channel.whatsapp, WA_USER)
    aida = env.operators["aida"]
    view = env.views.ticket_page(await env.handoff.ticket(ticket_id))
    assert view["window"]["open"] is True

    env.clock.now += timedelta(hours=25)
    view = env.views.ticket_page(await env.handoff.ticket(ticket_id))
    assert view["window"] == {"open": False, "template": False, "closes_at": view["window"]["closes_at"]}
    before = len(env.channels[Channel.whatsapp].sent)
    outcome = await env.handoff.reply(ticket_id, aida, "Ответ через сутки")
    assert (outcome.status, outcome.reason) == ("refused", "whatsapp_window_closed")
    assert len(env.channels[Channel.whatsapp].sent) == before
    async with env.db.sessions() as session:
        assert not list(await session.scalars(select(Message).where(Message.text == "Ответ через сутки")))
    view = env.views.ticket_page(await env.handoff.ticket(ticket_id))
    assert view["first_reply_at"] is None
    assert (await audit(env, "reply_refused"))[0].details == {"reason": "whatsapp_window_closed"}

    env.messenger.window.templates = {"operator_reply": {"ru": "HX" + "2" * 32}}
    assert (env.views.ticket_page(await env.handoff.ticket(ticket_id)))["window"]["template"] is True
    outcome = await env.handoff.reply(ticket_id, aida, "Ответ через сутки")
    assert outcome.status == "sent"
    sent = env.channels[Channel.whatsapp].sent[-1]
    assert sent.outbound.template.content_sid == "HX" + "2" * 32
    assert sent.outbound.template.variables == {"1": "Ответ через сутки"}


async def test_failed_delivery_is_not_reported_as_sent(env):
    ticket_id = await open_ticket(env)
    channel = env.channels[Channel.webchat]

    async def failing(reply):
        from core.messages import SendOutcome
        return SendOutcome("forbidden", error="403")

    channel.send_once = failing
    outcome = await env.handoff.reply(ticket_id, env.operators["aida"], "hello")
    assert (outcome.status, outcome.reason) == ("failed", "403")
    assert (env.views.ticket_page(await env.handoff.ticket(ticket_id)))["first_reply_at"] is None


async def test_resolve_calls_the_hook_and_needs_a_note(env):
    ticket_id = await open_ticket(env)
    events = []

    @env.handoff.on_ticket_resolved
    async def remember(event):
        events.append(event)

    @env.handoff.on_ticket_resolved
    async def broken(event):
        raise RuntimeError("a broken hook must not break resolving")

    with pytest.raises(HandoffError) as error:
        await env.handoff.resolve(ticket_id, env.operators["aida"], "  ")
    assert error.value.code == "invalid"
    await env.handoff.resolve(ticket_id, env.operators["aida"], "Объяснил сроки")
    [event] = events
    assert (event.number, event.language, event.kind) == ("T-0001", "ru", "question")


async def test_phone_call_enters_the_journal(env):
    aida = env.operators["aida"]
    consultation_id = await env.handoff.log_call(
        aida, phone="8 (701) 555-12-34", language="kk", topics=["deadline", "documents"],
        notes="Сұрады: құжаттар тізімі", duration_seconds=185, outcome="answered")
    async with env.db.sessions() as session:
        consultation = await session.get(Consultation, consultation_id)
        contact = await session.get(Contact, consultation.contact_id)
        [message] = list(await session.scalars(select(Message).where(Message.consultation_id == consultation_id)))
    assert (contact.channel, contact.external_id) == ("phone", "+77015551234")
    assert consultation.channel == "phone" and consultation.human_involved
    assert consultation.duration_seconds == 185 and consultation.topic_ids == ["deadline", "documents"]
    assert consultation.closed_at is not None and consultation.outcome == "answered"
    assert (message.content_type, message.direction, message.author) == ("call", "in", "operator:aida")
    assert "3 min 5 s" in message.text
    [entry] = await audit(env, "call_logged")
    assert entry.actor == "aida" and "5551234" not in str(entry.details)
    with pytest.raises(HandoffError):
        await env.handoff.log_call(aida, phone="12", language="ru", topics=[], notes="", duration_seconds=1,
                                   outcome=None)


def test_password_hashing():
    stored = hash_password("s3cret-password")
    assert stored.startswith("scrypt$") and "s3cret" not in stored
    assert verify_password("s3cret-password", stored)
    assert not verify_password("s3cret-passwordX", stored)
    assert hash_password("s3cret-password") != stored  # salted
    assert not verify_password("anything", "garbage")
    with pytest.raises(ValueError):
        hash_password("short")


async def test_login_sessions_tokens_and_audit(env):
    assert await env.accounts.login("aida", "wrong password") is None
    assert await env.accounts.login("nobody", PASSWORD) is None
    login = await env.accounts.login("aida", PASSWORD)
    assert login and login.operator.name == "aida"
    operator, csrf = await env.accounts.session(login.session_token)
    assert operator.name == "aida" and csrf == login.csrf_token
    async with env.db.sessions() as session:
        stored = list(await session.scalars(select(Operator.password_hash)))
        from storage.tickets import OperatorSession
        tokens = list(await session.scalars(select(OperatorSession.token_hash)))
    assert all(h.startswith("scrypt$") for h in stored)
    assert tokens == [hash_token(login.session_token)]  # only the hash is stored
    env.clock.now += timedelta(hours=13)
    assert await env.accounts.session(login.session_token) is None  # expired
    token = await env.accounts.issue_token("bolat")
    assert (await env.accounts.by_token(token)).name == "bolat"
    assert await env.accounts.by_token(token + "x") is None
    await env.accounts.set_active("bolat", False, actor=env.operators["zhanna"])
    assert await env.accounts.by_token(token) is None
    assert await env.accounts.login("bolat", PASSWORD) is None
    actions = [(e.actor, e.action) for e in await audit(env)]
    assert ("aida", "login_failed") in actions and ("nobody", "login_failed") in actions
    assert ("aida", "login") in actions and ("zhanna", "operator_disabled") in actions
