"""/healthz, /readyz and /metrics over real HTTP on loopback."""
import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from core.messages import Channel, Inbound
from tests.conftest import sqlite_url
from tests.support.app import running_bot
from tests.support.fresh_python import printed_by


def samples(body: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_healthz_and_readyz_when_all_is_well(database_url):
    async with running_bot(database_url) as bot, aiohttp.ClientSession(bot.base_url) as http:
        async with http.get("/healthz") as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"
        async with http.get("/readyz") as response:
            body = await response.json()
            assert response.status == 200, body
            assert body["checks"] == {"database": "ok", "migrations": "ok", "leader": "self"}


async def test_readyz_is_503_when_migrations_are_behind(database_url):
    async with running_bot(database_url) as bot, aiohttp.ClientSession(bot.base_url) as http:
        async with bot.db.engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        async with http.get("/readyz") as response:
            body = await response.json()
            assert response.status == 503
            assert body["status"] == "not ready"
            assert body["checks"]["migrations"].startswith("at 0001")


async def test_readyz_sees_another_process_as_leader(tmp_path):
    url = sqlite_url(tmp_path)
    async with running_bot(url) as leader, running_bot(url) as follower:
        assert leader.notifications.leadership.is_leader
        assert not follower.notifications.leadership.is_leader
        async with aiohttp.ClientSession(follower.base_url) as http, http.get("/readyz") as response:
            assert (await response.json())["checks"]["leader"] == "other"
    async with running_bot(url, notifications_enabled=False) as alone:
        async with aiohttp.ClientSession(alone.base_url) as http, http.get("/readyz") as response:
            assert response.status == 200


async def test_metrics_count_messages_latency_tickets_and_leader(database_url):
    async with running_bot(database_url) as bot, aiohttp.ClientSession(bot.base_url) as http:
        for text_ in ("/start", "lang:ru", "сколько денег дают"):
            await bot.engine.handle(Inbound(channel=Channel.webchat, user_id="m-1", text=text_))
        async with http.get("/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            found = samples(await response.text())
    assert found[("zhasbot_messages_in_total", (("channel", "webchat"),))] == 3
    assert found[("zhasbot_reply_latency_seconds_count", (("channel", "webchat"),))] == 3
    assert found[("zhasbot_journal_messages_total", (("channel", "webchat"), ("direction", "in")))] == 3
    assert found[("zhasbot_journal_messages_total", (("channel", "webchat"), ("direction", "out")))] >= 3
    assert found[("zhasbot_leader", ())] == 1
    assert found[("zhasbot_open_tickets", ())] == 0
    assert found[("zhasbot_outbox_queued", ())] == 0


async def test_metrics_token_is_asked_for_when_set(tmp_path):
    async with running_bot(sqlite_url(tmp_path), metrics_token="scrape-secret-123") as bot:
        async with aiohttp.ClientSession(bot.base_url) as http:
            async with http.get("/metrics") as response:
                assert response.status == 401
            async with http.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"}) as response:
                assert response.status == 200


def test_head_revision_read_from_the_files_is_alembics():
    from alembic.script import ScriptDirectory

    from storage.database import alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_current_schema_is_not_migrated_again_and_alembic_stays_unloaded(tmp_path):
    import textwrap

    from storage.unit_of_work import Database

    url = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    db = Database(url)
    try:
        assert await db.upgrade() is True  # new: migrated
        assert await db.upgrade() is False  # current: nothing to do
    finally:
        await db.dispose()
    # A restarted worker finds the schema current and never imports Alembic.
    script = textwrap.dedent(f"""
        import asyncio, sys
        from storage.unit_of_work import Database
        async def main():
            db = Database({url!r})
            assert await db.upgrade() is False
            await db.dispose()
        asyncio.run(main())
        print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))
    """)
    assert printed_by(script) == "[]"
