"""`zhasbot faq misses` and the managers' page /console/faq/misses (add to examples, audited)."""
import asyncio
import shutil
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.cli import main
from faq.content import DEFAULT_TOPICS_DIR, load_topics
from storage.faq_misses import FaqMiss
from storage.tickets import AuditEntry
from storage.unit_of_work import Database
from tests.conftest import sqlite_url
from tests.handoff.conftest import PASSWORD
from tests.handoff.console_client import ConsoleClient
from tests.support.app import running_bot

UTC = timezone.utc
MISSES = [
    # (when, language, kind, text, closest topic)
    (datetime(2026, 11, 2, 6, tzinfo=UTC), "ru", "declined", "вы работаете в субботу", "contacts"),
    (datetime(2026, 11, 3, 6, tzinfo=UTC), "ru", "declined", "в субботу работаете?", "contacts"),
    (datetime(2026, 11, 4, 6, tzinfo=UTC), "ru", "disowned", "Вы работаете в субботу", "contacts"),
    (datetime(2026, 11, 4, 7, tzinfo=UTC), "kk", "declined", "стипендия қашан түседі", "funding_rules"),
    # Outside the period asked for (1–10 November in Almaty).
    (datetime(2026, 11, 10, 19, 30, tzinfo=UTC), "en", "declined", "late question", None),
]


async def seed(url):
    db = Database(url)
    try:
        await db.upgrade()
        async with db.unit_of_work() as uow:
            for when, lang, kind, text, topic in MISSES:
                uow.faq_misses.record(created_at=when, channel="webchat", language=lang, kind=kind,
                                      text=text, topic=topic, score=0.1)
    finally:
        await db.dispose()


def test_cli_lists_groups_by_count(tmp_path, monkeypatch, capsys):
    url = sqlite_url(tmp_path)
    asyncio.run(seed(url))
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["faq", "misses", "--from", "2026-11-01", "--to", "2026-11-10", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "rank,count,question,variants,languages,kinds,closest_topic"
    assert lines[1].startswith("1,3,вы работаете в субботу,") and lines[1].endswith(",contacts")
    assert "declined 2, disowned 1" in lines[1]
    assert lines[2].startswith("2,1,стипендия қашан түседі,") and len(lines) == 3
    assert main(["faq", "misses", "--from", "2026-11-01", "--to", "2026-11-10"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("| rank | count | question |") and "| 1 | 3 | вы работаете в субботу |" in md
    assert main(["faq", "misses", "--from", "2026-11-11", "--to", "2026-11-12", "--format", "csv"]) == 0
    assert "late question" in capsys.readouterr().out  # 00:30 on 11 November in Almaty
    assert main(["faq", "misses", "--from", "2026-11-10", "--to", "2026-11-01"]) == 2


@pytest.fixture
async def app(tmp_path):
    topics = tmp_path / "topics"
    shutil.copytree(DEFAULT_TOPICS_DIR, topics)
    url = sqlite_url(tmp_path)
    await seed(url)
    async with running_bot(url, with_faq=True, notifications_enabled=False, faq_topics_dir=topics) as bot:
        await bot.accounts.add("aida", "operator", PASSWORD)
        await bot.accounts.add("zhanna", "manager", PASSWORD)
        bot.topics = topics
        yield bot


async def test_manager_adds_a_missed_question_to_a_topic(app):
    operator = ConsoleClient(app.base_url)
    manager = ConsoleClient(app.base_url)
    try:
        await operator.login("aida", PASSWORD)
        status, _ = await operator.get("/console/faq/misses?from=2026-11-01&to=2026-11-10")
        assert status == 403
        await manager.login("zhanna", PASSWORD)
        await manager.get("/console/lang/ru")
        async with app.db.unit_of_work() as uow:
            uow.faq_misses.record(created_at=datetime(2026, 11, 5, 6, tzinfo=UTC), channel="webchat", language="ru",
                                  kind="declined", text="перезвоните мне на 87011234567", topic=None, score=0.1)
        status, body = await manager.get("/console/faq/misses?from=2026-11-01&to=2026-11-10")
        assert status == 200 and "Вопросы, на которые бот не ответил" in body
        # Masked everywhere on the page, the "add to examples" field included.
        assert "перезвоните мне на" in body and "87011234567" not in body
        assert body.index("вы работаете в субботу") < body.index("стипендия қашан түседі")
        assert 'href="/console/faq/misses"' in body

        async with app.db.sessions() as session:
            ids = [m.id for m in await session.scalars(select(FaqMiss).where(FaqMiss.topic == "contacts"))]
        form = {"ids": ",".join(map(str, ids)), "topic": "contacts", "lang": "ru",
                "text": "вы работаете в субботу", "date_from": "2026-11-01", "date_to": "2026-11-10"}
        status, body, _ = await manager.post("/console/faq/misses/add", {**form, "topic": "nope"})
        assert status == 422 and "unknown topic" in body
        status, body, _ = await manager.post("/console/faq/misses/add", {**form, "text": "адрес офиса"})
        assert status == 422 and "already an example" in body
        status, body, _ = await manager.post("/console/faq/misses/add", form)
        assert status == 200 and "добавлен в примеры темы «Контакты»" in body  # the topic's title, not its id
        assert ">contacts</option>" not in body and ">Контакты</option>" in body
        assert ">out_of_scope</option>" not in body and ">Не по теме программы (бот откажет)</option>" in body
        # The group is gone from the list: its misses are marked added.
        assert "вы работаете в субботу" not in body.split("</form>", 1)[1]
        await app.faq_relearning
    finally:
        await operator.close()
        await manager.close()
    contacts = next(t for t in load_topics(app.topics) if t.id == "contacts")
    assert contacts.examples["ru"][-1] == "вы работаете в субботу"
    assert app.services.faq.match("вы работаете в субботу").topic == "contacts"
    async with app.db.sessions() as session:
        rows = list(await session.scalars(select(FaqMiss).where(FaqMiss.id.in_(ids))))
        assert {r.added_to for r in rows} == {"contacts"}
        audit = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "faq_example_added")))
    assert [(a.actor, a.target, a.details["lang"], a.details["misses"]) for a in audit] == [
        ("zhanna", "topic:contacts", "ru", 3)]
