"""Issue 14: bounded use by anyone — long texts cut (journaled with a note, still answered),
per-sender state that does not outlive its use, a WAL that shrinks, owner-only files."""
from __future__ import annotations

import asyncio
import gc
import os
import stat
from datetime import date
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import select, text

from bot.engine import ConversationEngine
from core.messages import Channel, Inbound
from core.privacy import mask_personal
from reports.journal import export_journal
from storage.models import Contact, Message
from storage.unit_of_work import Database
from tests.conftest import make_services, sqlite_url
from tests.security.conftest import new_sender
from tests.support.app import running_bot


async def test_long_text_is_cut_noted_and_answered(db, services):
    engine = ConversationEngine(db, services, masker=mask_personal, max_message_length=100)
    replies = await engine.handle(Inbound(Channel.webchat, "long-1", "ы" * 5000))
    assert replies  # answered
    async with db.sessions() as session:
        [stored] = list(await session.scalars(select(Message.text).where(Message.direction == "in")))
    assert stored.startswith("ы" * 100) and "ы" * 101 not in stored and "4900 more characters" in stored


async def test_per_sender_state_is_freed(db, services):
    engine = ConversationEngine(db, services)
    await asyncio.gather(*(engine.handle(Inbound(Channel.webchat, f"s-{n}", "сәлем")) for n in range(200)))
    gc.collect()
    assert len(engine._locks) == 0  # noqa: SLF001 — the point of the test


async def test_webchat_long_poll_state_is_freed(tmp_path):
    async with running_bot(sqlite_url(tmp_path), notifications_enabled=False) as app:
        async with aiohttp.ClientSession() as http:
            for _ in range(20):
                sender = await new_sender(http, app.base_url)
                async with http.get(app.base_url + "/webhooks/rest/messages", params={
                        "sender": sender, "timeout": "0.01"}) as response:
                    assert response.status == 200
        gc.collect()
        webchat = app.channels[Channel.webchat]
        assert len(webchat.wakeups._watches) == 0  # noqa: SLF001 — no watch outlives its poll


async def test_wal_is_truncated_and_files_are_private(tmp_path):
    path = tmp_path / "data" / "zhasbot.db"
    old = os.umask(0o022)  # even under a permissive umask
    try:
        db = Database(f"sqlite+aiosqlite:///{path}")
        await db.upgrade()
        engine = ConversationEngine(db, make_services())
        for n in range(40):
            await engine.handle(Inbound(Channel.webchat, f"w-{n}", "x" * 3000))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        wal = path.with_name(path.name + "-wal")
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600
        async with db.engine.connect() as connection:
            limit = (await connection.exec_driver_sql("PRAGMA journal_size_limit")).scalar()
            secure = (await connection.exec_driver_sql("PRAGMA secure_delete")).scalar()
        assert limit == 8 * 1024 * 1024 and secure == 1
        export = tmp_path / "journal.csv"
        await export_journal(db, start=date(2020, 1, 1), end=date(2100, 1, 1), zone=ZoneInfo("Asia/Almaty"),
                             by="message", fmt="csv", path=export)
        assert stat.S_IMODE(export.stat().st_mode) == 0o600
        xlsx = tmp_path / "journal.xlsx"
        await export_journal(db, start=date(2020, 1, 1), end=date(2100, 1, 1), zone=ZoneInfo("Asia/Almaty"),
                             by="message", fmt="xlsx", path=xlsx)
        assert stat.S_IMODE(xlsx.stat().st_mode) == 0o600
        await db.dispose()
    finally:
        os.umask(old)


async def test_a_flood_does_not_leave_a_big_wal_behind(tmp_path):
    path = tmp_path / "zhasbot.db"
    db = Database(f"sqlite+aiosqlite:///{path}", background_checkpoints=True)  # as the running bot
    await db.upgrade()
    wal = path.with_name(path.name + "-wal")
    try:
        async with db.engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE flood (body BLOB)")
        for _ in range(6):  # ~24 MB through the WAL
            async with db.engine.begin() as connection:
                await connection.exec_driver_sql("INSERT INTO flood SELECT randomblob(4096) FROM "
                                                 "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n "
                                                 "WHERE i < 1000) SELECT i FROM n)")
        assert wal.stat().st_size > 16 * 1024 * 1024
        async with db.engine.connect() as connection:  # what checkpoint_forever does
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        async with db.engine.begin() as connection:  # the next writer starts the WAL over
            await connection.exec_driver_sql("INSERT INTO flood VALUES (x'00')")
        assert wal.stat().st_size <= 8 * 1024 * 1024 + 65536
    finally:
        await db.dispose()
