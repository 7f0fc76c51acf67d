"""Leader election: only one process sends the outbox and runs scheduled jobs.

PostgreSQL: `pg_try_advisory_lock` on a dedicated connection (its own engine, no pool,
autocommit so no transaction stays open) held for the process lifetime; the lock goes away
with the connection, so a killed leader frees it at once. SQLite: an exclusive `flock` on a
file next to the database (one machine by definition). In-memory SQLite: always the leader.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# Any constant bigint shared by every ZhasBot process on one database ("ZHASLEAD").
LOCK_KEY = 0x5A4841534C454144


class Leadership:
    def __init__(self, database_url: str, *, lock_key: int = LOCK_KEY):
        self.url = make_url(database_url)
        self.lock_key = lock_key
        self.is_leader = False
        self._connection: AsyncConnection | None = None
        self._engine = None
        self._file = None

    async def try_acquire(self) -> bool:
        if self.is_leader:
            return True
        backend = self.url.get_backend_name()
        if backend == "postgresql":
            self.is_leader = await self._try_postgres()
        elif backend == "sqlite":
            self.is_leader = self._try_file()
        else:
            self.is_leader = True
        return self.is_leader

    async def still_leader(self) -> bool:
        """False once the lock's connection is gone (then the lock is gone too)."""
        if not self.is_leader or self._connection is None:
            return self.is_leader
        try:
            await self._connection.execute(text("SELECT 1"))
            return True
        except Exception:
            log.warning("leader lock connection lost: no longer the leader")
            await self.release()
            return False

    async def release(self) -> None:
        self.is_leader = False
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.lock_key})
            except Exception:
                pass
            try:
                await self._connection.close()
            except Exception:
                pass
            self._connection = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
        if self._file is not None:
            import fcntl

            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    async def _try_postgres(self) -> bool:
        if self._engine is None:
            self._engine = create_async_engine(self.url, poolclass=NullPool,
                                               isolation_level="AUTOCOMMIT")
        try:
            connection = await self._engine.connect()
        except Exception as exc:
            log.warning("leader election: cannot connect (%s)", exc)
            return False
        got = bool(await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.lock_key}))
        if got:
            self._connection = connection
        else:
            await connection.close()
        return got

    def _try_file(self) -> bool:
        database = self.url.database
        if not database or database == ":memory:":
            return True
        import fcntl

        path = Path(database).with_name(Path(database).name + ".leader")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True


async def leader_present(leadership: "Leadership") -> bool:
    """Whether some process (this one or another) holds the leader lock right now."""
    if leadership.is_leader:
        return True
    backend = leadership.url.get_backend_name()
    if backend == "postgresql":
        # A bigint advisory key shows in pg_locks as classid (high 32 bits) and objid (low).
        engine = create_async_engine(leadership.url, poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                held = await connection.scalar(text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND classid = :high AND objid = :low AND objsubid = 1"),
                    {"high": (leadership.lock_key >> 32) & 0xFFFFFFFF, "low": leadership.lock_key & 0xFFFFFFFF})
        finally:
            await engine.dispose()
        return bool(held)
    if backend == "sqlite":
        database = leadership.url.database
        if not database or database == ":memory:":
            return True
        import fcntl

        path = Path(database).with_name(Path(database).name + ".leader")
        if not path.exists():
            return False
        with open(path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return True  # someone holds it exclusively: the leader
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False
    return True
