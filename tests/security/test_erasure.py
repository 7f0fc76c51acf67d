"""Issue 14: a person's data can be erased — by the CLI, by a manager in the console, by the
person's own /forget — on every channel, while the counts reports need stay; afterwards
neither the database file nor its WAL holds their phone or what they typed."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import func, select

from bot.cli import main
from core.messages import Channel, ContentType, Inbound
from storage.models import Consultation, Contact, Message
from storage.tickets import AuditEntry
from tests.conftest import sqlite_url

PHONE = "+77015551234"
PHRASE = "хочу узнать про грант жёлтый дирижабль"
OTHER = "другой человек спрашивает про дедлайн"


async def _talk(engine):
    """The same person on WhatsApp and on Telegram (where they shared their phone), and a stranger."""
    await engine.handle(Inbound(Channel.whatsapp, PHONE, "/start", ContentType.command, display_name="Айгерим"))
    await engine.handle(Inbound(Channel.whatsapp, PHONE, "lang:ru", ContentType.button, payload="lang:ru"))
    await engine.handle(Inbound(Channel.whatsapp, PHONE, PHRASE, display_name="Айгерим"))
    await engine.handle(Inbound(Channel.telegram, "5550001", "", ContentType.contact, shared_phone="87015551234",
                                display_name="Aigerim S"))
    await engine.handle(Inbound(Channel.telegram, "5550001", PHRASE + " в телеграме"))
    await engine.handle(Inbound(Channel.webchat, "stranger-1", OTHER))


async def _counts(db):
    async with db.sessions() as session:
        return (await session.scalar(select(func.count()).select_from(Message)),
                await session.scalar(select(func.count()).select_from(Consultation)),
                await session.scalar(select(func.count()).select_from(Contact)))


def _on_disk(path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal"):
        file = Path(str(path) + suffix)
        if file.exists():
            data += file.read_bytes()
    return data


def test_cli_erases_a_person_everywhere_and_the_files_forget_too(tmp_path, monkeypatch, capsys):
    from bot.engine import ConversationEngine
    from core.privacy import mask_personal
    from storage.unit_of_work import Database
    from tests.conftest import make_services

    async def with_db(work):
        db = Database(sqlite_url(tmp_path))
        await db.upgrade()
        try:
            return await work(db)
        finally:
            await db.dispose()

    async def talk(db):
        await _talk(ConversationEngine(db, make_services(), masker=mask_personal))
        return await _counts(db)

    before = asyncio.run(with_db(talk))
    db_file = tmp_path / "zhasbot.db"
    assert b"7015551234" in _on_disk(db_file) and PHRASE.encode() in _on_disk(db_file)

    # The running bot keeps its connections open, so closing the CLI's does not tidy the WAL
    # away: what is on disk must be clean by the erasure's own doing.
    bot_connection = sqlite3.connect(db_file)
    bot_connection.execute("SELECT count(*) FROM messages").fetchone()
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path))
    assert main(["contacts", "erase", "--phone", "8 (701) 555-12-34", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would erase: 2 contact(s) on telegram, whatsapp" in out
    assert PHRASE.encode() in _on_disk(db_file)  # a dry run changes nothing
    assert main(["contacts", "erase", "--phone", "8 (701) 555-12-34"]) == 0
    assert "erased: 2 contact(s)" in capsys.readouterr().out

    on_disk = _on_disk(db_file)
    for secret in ("7015551234", "87015551234", PHRASE, "жёлтый дирижабль", "Айгерим", "Aigerim"):
        assert secret.encode() not in on_disk, secret
    assert OTHER.encode() in on_disk  # the stranger is untouched
    bot_connection.close()

    async def check(db):
        assert await _counts(db) == before  # reports keep every message and consultation row
        async with db.sessions() as session:
            entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "contact_erased"))
        assert entry.details["contacts"] == 2 and entry.details["messages"] >= 5
        assert "7015551234" not in str(entry.details) and PHRASE not in str(entry.details)

    asyncio.run(with_db(check))
    assert main(["contacts", "erase", "--sender", "nobody-here"]) == 1


async def test_erasure_keeps_report_counts_on_both_databases(engine, db):
    from bot.erasure import erase_person

    await _talk(engine)
    before = await _counts(db)
    report = await erase_person(db, actor="test", telegram="5550001")  # found by Telegram, widened by phone
    assert sorted(report.channels) == ["telegram", "whatsapp"]
    assert await _counts(db) == before
    async with db.sessions() as session:
        texts = list(await session.scalars(select(Message.text)))
        contacts = list(await session.scalars(select(Contact)))
    assert not any(PHRASE in text for text in texts) and any(OTHER in text for text in texts)
    erased = [c for c in contacts if c.id in report.contact_ids]
    assert all(c.phone is None and c.display_name is None and c.external_id.startswith("erased:") for c in erased)


async def test_forget_asks_then_erases_and_still_answers(engine, db):
    from tests.support.conversation import BotClient

    client = BotClient(engine, channel=Channel.webchat, user_id="web-forget")
    await client.start("ru")
    await client.send("меня зовут Дана, секретная фраза синий кит")
    await client.send("/forget")
    assert client.buttons[:2] == ["forget:yes", "forget:no"]
    await client.press("forget:no")
    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Message).where(
            Message.text.like("%синий кит%"))) == 1
    await client.send("/forget")
    await client.press("forget:yes")
    assert "удалены" in client.text
    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Message).where(
            Message.text.like("%синий кит%"))) == 0
        assert await session.scalar(select(Contact).where(Contact.external_id == "web-forget")) is None
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "contact_erased"))
        assert audit.details["via"] == "forget"


async def test_a_manager_erases_from_the_console_after_confirming(target):
    app = target.app
    await _talk(app.engine)
    async with app.db.unit_of_work() as uow:
        contact_id = (await uow.contacts.find("whatsapp", PHONE)).id
    status, body = await target.console.get("/console/search?q=5551234")
    assert status == 200 and f"/console/contacts/{contact_id}/erase" in body
    status, body = await target.console.get(f"/console/contacts/{contact_id}/erase")
    assert status == 200 and "telegram, whatsapp" in body
    # Without the confirmation box nothing happens.
    status, body, _ = await target.console.post(f"/console/contacts/{contact_id}/erase", {})
    assert status == 200
    async with app.db.unit_of_work() as uow:
        assert await uow.contacts.find("whatsapp", PHONE) is not None
    status, body, response = await target.console.post(f"/console/contacts/{contact_id}/erase", {"confirm": "yes"})
    assert status == 200 and str(response.url).endswith("/console/search?notice=erased")
    async with app.db.sessions() as session:
        texts = list(await session.scalars(select(Message.text)))
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "contact_erased"))
    assert not any(PHRASE in text for text in texts) and any(OTHER in text for text in texts)
    assert entry.actor == "aigerim" and entry.details["contacts"] == 2
    status, body = await target.console.get("/console/manage")
    assert "7015551234" not in body and "Айгерим" not in body and PHRASE not in body


async def test_retention_empties_old_texts_and_keeps_rows(db, services):
    from datetime import timedelta

    from bot.engine import ConversationEngine
    from bot.retention import apply_retention
    from storage.types import utcnow

    old_clock = lambda: utcnow() - timedelta(days=400)  # noqa: E731
    await ConversationEngine(db, services, clock=old_clock).handle(Inbound(Channel.webchat, "old-1", "давнее сообщение"))
    await ConversationEngine(db, services).handle(Inbound(Channel.webchat, "new-1", "свежее сообщение"))
    before = await _counts(db)
    assert await apply_retention(db, 365) >= 1
    assert await _counts(db) == before
    async with db.sessions() as session:
        texts = list(await session.scalars(select(Message.text)))
    assert "давнее сообщение" not in texts and "свежее сообщение" in texts
