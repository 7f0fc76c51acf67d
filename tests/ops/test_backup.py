"""`zhasbot db backup` / `restore`: SQLite's online backup API, refused clearly otherwise."""
import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.messages import Channel, Inbound
from storage.backup import BackupError, backup_sqlite, restore_sqlite
from tests.conftest import sqlite_url
from tests.support.app import running_bot

ROOT = Path(__file__).resolve().parents[2]


def count_messages(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM messages").fetchone()[0]


async def test_backup_while_the_bot_writes_then_restore(tmp_path):
    url = sqlite_url(tmp_path)
    backup = tmp_path / "backups" / "copy.db"
    async with running_bot(url) as bot:
        async def chatter():
            for n in range(40):
                await bot.engine.handle(Inbound(channel=Channel.webchat, user_id=f"u{n % 5}", text="/start"))

        await bot.engine.handle(Inbound(channel=Channel.webchat, user_id="first", text="/start"))
        writer = asyncio.create_task(chatter())
        await asyncio.sleep(0)
        pages = await asyncio.to_thread(backup_sqlite, url, backup)
        await writer
    assert pages > 0
    assert os.stat(backup).st_mode & 0o777 == 0o600
    copied = count_messages(backup)
    assert copied > 0
    live = tmp_path / "zhasbot.db"
    total = count_messages(live)
    assert total >= copied

    # A later mishap: the live database loses everything; the backup brings it back.
    with sqlite3.connect(live) as connection:
        connection.execute("DELETE FROM messages")
    restore_sqlite(backup, url)
    assert count_messages(live) == copied


def test_backup_refuses_postgresql_memory_and_existing_files(tmp_path):
    with pytest.raises(BackupError, match="pg_dump"):
        backup_sqlite("postgresql+asyncpg://u@127.0.0.1/db", tmp_path / "x.db")
    with pytest.raises(BackupError, match="in-memory"):
        backup_sqlite("sqlite+aiosqlite:///:memory:", tmp_path / "x.db")
    existing = tmp_path / "taken.db"
    existing.write_text("mine")
    (tmp_path / "zhasbot.db").write_bytes(b"")
    with pytest.raises(BackupError, match="exists already"):
        backup_sqlite(sqlite_url(tmp_path), existing)
    assert existing.read_text() == "mine"


async def test_restore_refuses_a_file_that_is_not_a_backup_and_keeps_the_database(tmp_path):
    url = sqlite_url(tmp_path)
    async with running_bot(url) as bot:
        await bot.engine.handle(Inbound(channel=Channel.webchat, user_id="keep", text="/start"))
    live = tmp_path / "zhasbot.db"
    before = count_messages(live)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BackupError, match="not a ZhasBot database"):
        restore_sqlite(junk, url)
    assert count_messages(live) == before


def test_cli_backup_and_restore(tmp_path):
    env = {**os.environ, "DATABASE_URL": sqlite_url(tmp_path)}
    env.pop("TEST_DATABASE_URL", None)
    def zhasbot(*args):
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
    assert zhasbot("db", "upgrade").returncode == 0
    done = zhasbot("db", "backup", str(tmp_path / "b.db"))
    assert done.returncode == 0, done.stderr
    assert "backup written" in done.stdout
    again = zhasbot("db", "backup", str(tmp_path / "b.db"))
    assert again.returncode == 2 and "exists already" in again.stderr
    restored = zhasbot("db", "restore", "--yes", str(tmp_path / "b.db"))
    assert restored.returncode == 0, restored.stderr
