"""Engine, sessions and schema migrations for SQLite (default) and PostgreSQL."""
from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
WAL_SIZE_LIMIT = 8 * 1024 * 1024


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


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


async def upgrade_schema(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply pending migrations on the app's own engine (Alembic's connection-sharing recipe)."""
    config = alembic_config()

    def _upgrade(sync_connection) -> None:
        config.attributes["connection"] = sync_connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
