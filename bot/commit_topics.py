"""What a commit changed, published as wake-up topics (bot/wakeups.py), so that the console's
live views — a ticket's conversation, the ticket queue — follow writes made by any worker.

Messages and tickets are written from many places (the engine's batches, the hand-off,
delivery, the outbox sender), some through the ORM and some as Core statements. Rather than
remember a publish at each, the database's sessions are watched: a flush or a statement that
inserts messages or touches tickets adds topics to its session, and the commit publishes them.
A rolled-back write may still wake someone: that costs one re-read, nothing more.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.wakeups import Wakeups
from storage.models import Message
from storage.tickets import Ticket
from storage.unit_of_work import Database

log = logging.getLogger(__name__)

TICKETS = "console:tickets"
KEY = "zhasbot_topics"


def contact_topic(contact_id: int) -> str:
    """New messages of this contact (the ticket page's feed waits on it)."""
    return f"console:contact:{contact_id}"


def _topics(session: Session) -> set[str]:
    return session.info.setdefault(KEY, set())


def _after_flush(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Message) and obj.contact_id is not None:
            _topics(session).add(contact_topic(obj.contact_id))
        elif isinstance(obj, Ticket):
            _topics(session).update((TICKETS, contact_topic(obj.contact_id)))


def _on_execute(state) -> None:
    if not (state.is_insert or state.is_update):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name == Ticket.__tablename__:
        _topics(state.session).add(TICKETS)
    elif name == Message.__tablename__ and state.is_insert:
        rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
        _topics(state.session).update(contact_topic(row["contact_id"]) for row in rows
                                      if isinstance(row, dict) and row.get("contact_id") is not None)


def publish_commits(db: Database, wakeups: Wakeups) -> None:
    """Watch every session `db` makes from now on; publish its topics once it committed."""
    watched = type("WatchedSession", (Session,), {})  # this database's sessions only
    pending: set[asyncio.Task] = set()

    def after_commit(session: Session) -> None:
        topics = session.info.pop(KEY, None)
        if not topics:
            return
        try:
            task = asyncio.get_running_loop().create_task(wakeups.publish(*topics))
        except RuntimeError:  # no loop (a synchronous tool): nobody here is waiting
            return
        pending.add(task)
        task.add_done_callback(pending.discard)

    event.listen(watched, "after_flush", _after_flush)
    event.listen(watched, "do_orm_execute", _on_execute)
    event.listen(watched, "after_commit", after_commit)
    db.sessions.configure(sync_session_class=watched)
