"""The ticket lifecycle on its own: each transition, its refusals, and that it is the only
place that changes a ticket's status or a contact's mode."""
import ast
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from handoff.lifecycle import WITHDRAWN, HandoffError, Opened, TicketLifecycle
from storage.models import ConversationMode
from storage.tickets import TicketStatus
from tests.handoff.conftest import at

ROOT = Path(__file__).resolve().parents[2]
NOW = at(2026, 12, 3, 11, 0)


@pytest.fixture
def lifecycle(env):
    return TicketLifecycle(env.services.call_centre)


async def person(uow, user="life-1"):
    contact = await uow.contacts.get_or_create("webchat", user)
    consultation = uow.consultations.open(contact, now=NOW)
    await uow.flush()
    return contact, consultation


async def test_open_then_already_open(env, lifecycle):
    async with env.db.unit_of_work() as uow:
        contact, consultation = await person(uow)
        first = await lifecycle.open(uow, contact, consultation, kind="question", anonymous=False,
                                     language="ru", now=NOW)
        assert first.how == Opened.new and first.ticket.status is TicketStatus.open
        assert contact.mode is ConversationMode.human and consultation.human_involved
        assert first.ticket.sla_due_at == at(2026, 12, 3, 15, 0)  # 4 working hours
        again = await lifecycle.open(uow, contact, consultation, kind="complaint", anonymous=False,
                                     language="ru", now=NOW)
        assert again.how == Opened.already_open and again.ticket.id == first.ticket.id
        with pytest.raises(ValueError):
            await lifecycle.open(uow, contact, consultation, kind="praise", anonymous=False, language="ru", now=NOW)


async def test_resolve_reopen_within_the_period_only_for_the_same_kind(env, lifecycle):
    aida = env.operators["aida"]
    async with env.db.unit_of_work() as uow:
        contact, consultation = await person(uow)
        ticket = (await lifecycle.open(uow, contact, consultation, kind="question", anonymous=False,
                                       language="ru", now=NOW)).ticket
        assert await lifecycle.claim(uow, ticket, aida) is True
        assert ticket.status is TicketStatus.assigned and ticket.assignee_id == aida.id
        lifecycle.replied(ticket, consultation, NOW + timedelta(minutes=5))
        lifecycle.resolve(ticket, contact, "  answered  ", NOW + timedelta(minutes=10))
        assert (ticket.status, ticket.resolution, contact.mode) == (TicketStatus.resolved, "answered",
                                                                     ConversationMode.bot)

        later = NOW + timedelta(hours=2)
        reopened = await lifecycle.open(uow, contact, consultation, kind="question", anonymous=False,
                                        language="ru", now=later)
        assert reopened.how == Opened.reopened and reopened.ticket.id == ticket.id
        # Back with the same operator, a fresh SLA clock, unanswered again.
        assert (ticket.status, ticket.reopened_count, ticket.first_reply_at, ticket.resolved_at) == (
            TicketStatus.assigned, 1, None, None)
        assert ticket.sla_due_at > later and contact.mode is ConversationMode.human

        lifecycle.resolve(ticket, contact, "again", later)
        other_kind = await lifecycle.open(uow, contact, consultation, kind="complaint", anonymous=True,
                                          language="ru", now=later)
        assert other_kind.how == Opened.new and other_kind.ticket.id != ticket.id
        lifecycle.resolve(other_kind.ticket, contact, "noted", later)
        too_late = later + env.services.call_centre.reopen_period + timedelta(minutes=1)
        assert await lifecycle.reopen_last(uow, contact, consultation, too_late) is None


async def test_leaving_withdraws_only_what_nobody_touched(env, lifecycle):
    async with env.db.unit_of_work() as uow:
        contact, consultation = await person(uow)
        ticket = (await lifecycle.open(uow, contact, consultation, kind="question", anonymous=False,
                                       language="ru", now=NOW)).ticket
        assert await lifecycle.leave(uow, ticket, contact, NOW) is True
        assert (ticket.status, ticket.resolution, contact.mode) == (TicketStatus.withdrawn, WITHDRAWN,
                                                                     ConversationMode.bot)

        kept = (await lifecycle.open(uow, *(await person(uow, "life-2")), kind="question", anonymous=False,
                                     language="ru", now=NOW)).ticket
        await lifecycle.claim(uow, kept, env.operators["aida"])
        owner = await uow.contacts.get(kept.contact_id)
        assert await lifecycle.leave(uow, kept, owner, NOW) is False
        assert kept.status is TicketStatus.assigned and owner.mode is ConversationMode.bot


async def test_who_may_act(env, lifecycle):
    aida, bolat, zhanna = (env.operators[name] for name in ("aida", "bolat", "zhanna"))
    async with env.db.unit_of_work() as uow:
        contact, consultation = await person(uow)
        ticket = (await lifecycle.open(uow, contact, consultation, kind="question", anonymous=False,
                                       language="ru", now=NOW)).ticket
        with pytest.raises(HandoffError) as missing:
            lifecycle.may_act(None, aida)
        assert missing.value.code == "not_found"
        await lifecycle.claim(uow, ticket, aida)
        assert await lifecycle.claim(uow, ticket, aida) is False  # already hers
        with pytest.raises(HandoffError) as taken:
            lifecycle.may_act(ticket, bolat)
        assert taken.value.code == "conflict"
        with pytest.raises(HandoffError):
            await lifecycle.claim(uow, ticket, bolat)
        assert lifecycle.may_act(ticket, zhanna) is ticket  # a manager may step in
        with pytest.raises(HandoffError) as empty:
            lifecycle.resolution_note("   ")
        assert empty.value.code == "invalid"
        lifecycle.resolve(ticket, contact, "done", NOW)
        with pytest.raises(HandoffError) as resolved:
            lifecycle.may_act(ticket, aida)
        assert resolved.value.reason == "the ticket is resolved"


async def test_enum_columns_store_the_same_strings_as_before(env, lifecycle):
    async with env.db.unit_of_work() as uow:
        contact, consultation = await person(uow)
        await lifecycle.open(uow, contact, consultation, kind="question", anonymous=False, language="ru", now=NOW)
    async with env.db.sessions() as session:
        assert (await session.execute(text("SELECT status FROM tickets"))).scalar_one() == "open"
        assert (await session.execute(text("SELECT mode FROM contacts"))).scalar_one() == "human"
    async with env.db.unit_of_work() as uow:
        loaded = await uow.tickets.active_for(contact.id)
        assert loaded.status is TicketStatus.open and (await uow.contacts.get(contact.id)).mode is ConversationMode.human


def _assignments(path: Path) -> list[str]:
    """`<…contact…>.mode = …` and `<…ticket…>.status = …`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            if not isinstance(target, ast.Attribute):
                continue
            owner = ast.unparse(target.value)
            if target.attr == "mode" and "contact" in owner or target.attr == "status" and "ticket" in owner:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_only_the_lifecycle_changes_status_and_mode():
    packages = ("bot", "core", "handlers", "handoff", "notify", "feedback", "reports", "storage", "faq",
                "eligibility")
    offenders = [hit for package in packages for path in sorted((ROOT / package).rglob("*.py"))
                 if path.name != "lifecycle.py" for hit in _assignments(path)]
    assert offenders == []
