"""Engine, sessions and schema migrations for SQLite (default) and PostgreSQL."""
from __future__ import annotations

import asyncio
import logging
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.sqlite_driver import use_one_hop_connections

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
WAL_SIZE_LIMIT = 8 * 1024 * 1024


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def _sqlite_pragmas(autocheckpoint: bool):
    def apply(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets the web console read while the bot writes; the busy timeout makes a
        # second writer wait for the lock instead of failing at once.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Erased or updated values are overwritten with zeros, not left in free space.
        cursor.execute("PRAGMA secure_delete=ON")
        # Once checkpointed and restarted, the WAL file is cut back to this size: a flood
        # of messages no longer leaves a WAL of hundreds of MB behind for good.
        cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
        if not autocheckpoint:
            # The commit that crosses the WAL limit would otherwise copy the WAL into the
            # database and fsync it while users wait (hundreds of ms); the running bot
            # checkpoints in the background instead (checkpoint_forever).
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()
        # SQLite's own lower() folds ASCII only: an operator searching «айгерим» would not
        # find «Айгерим». PostgreSQL's lower() already folds Cyrillic and Kazakh letters.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    return apply


def private_file(path: Path) -> None:
    """Create `path` readable by its owner only (0600), or make it so; SQLite gives the
    -wal and -shm files the database file's permissions."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
    except OSError as exc:  # a read-only mount, someone else's file: SQLite will say more
        logging.getLogger(__name__).warning("could not make %s private: %s", path, exc)


def create_engine(database_url: str, *, autocheckpoint: bool = True) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            private_file(Path(url.database))
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "do_connect", use_one_hop_connections)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(autocheckpoint))
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


async def checkpoint_forever(engine: AsyncEngine, interval: float = 2.0) -> None:
    """SQLite only: move the WAL into the database every `interval` seconds.

    PASSIVE checkpoints never wait for writers and writers never wait for them, so the
    fsync happens beside the conversation instead of inside someone's commit.
    """
    log = logging.getLogger(__name__)
    while True:
        await asyncio.sleep(interval)
        try:
            async with engine.connect() as connection:
                await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a busy or locked database: next round
            log.info("WAL checkpoint skipped: %s", exc)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


async def upgrade_schema(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply pending migrations on the app's own engine (Alembic's connection-sharing recipe)."""
    from alembic import command

    config = alembic_config()

    def _upgrade(sync_connection) -> None:
        config.attributes["connection"] = sync_connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def upgrade_if_needed(engine: AsyncEngine) -> bool:
    """Migrate to the newest revision unless the schema is there already (True: it migrated).

    Alembic (with Mako and Pygments) costs ~11 MB of memory in every process that imports
    it, and a restart of a worker finds the schema current: it is imported only to migrate."""
    if await current_revision(engine) == head_revision():
        return False
    await upgrade_schema(engine)
    return True


_REVISION_LINE = re.compile(r"""^(down_revision|revision)\b[^=]*=\s*(?:["']([^"']+)["']|None)""", re.MULTILINE)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration, read from the migration files as Alembic's ScriptDirectory
    would (a test checks they agree) without importing Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            if value:
                (revisions if name == "revision" else parents).add(value)
    heads = revisions - parents
    if len(heads) > 1:
        raise RuntimeError(f"migrations have several heads: {sorted(heads)}")
    return heads.pop() if heads else None


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (Alembic's alembic_version table), None when new."""
    async with engine.connect() as connection:
        def read(sync) -> str | None:
            if not inspect(sync).has_table("alembic_version"):
                return None
            return sync.execute(text("SELECT version_num FROM alembic_version")).scalar()

        return await connection.run_sync(read)
