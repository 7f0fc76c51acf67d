"""One transaction per use case: state change and journal writes commit together."""
from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.database import checkpoint_forever, create_engine, make_sessionmaker, upgrade_if_needed
from storage.applications import Applications
from storage.calls import Calls
from storage.faq_misses import FaqMisses
from storage.feedback import CsatRequests, Surveys
from storage.link_failures import LinkFailures
from storage.repositories import Consultations, Contacts, Journal
from storage.tickets import Tickets


class UnitOfWork:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.contacts = Contacts(session)
        self.consultations = Consultations(session)
        self.journal = Journal(session)

    # The features' repositories, on the same session (and so in the same transaction).
    @property
    def tickets(self) -> Tickets:
        return Tickets(self.session)

    @property
    def erasure(self) -> "Erasure":
        from storage.erasure import Erasure

        return Erasure(self.session)

    @property
    def calls(self) -> Calls:
        return Calls(self.session)

    @property
    def applications(self) -> Applications:
        return Applications(self.session)

    @property
    def link_failures(self) -> LinkFailures:
        return LinkFailures(self.session)

    @property
    def surveys(self) -> Surveys:
        return Surveys(self.session)

    @property
    def faq_misses(self) -> FaqMisses:
        return FaqMisses(self.session)

    @property
    def csat_requests(self) -> CsatRequests:
        return CsatRequests(self.session)

    async def flush(self) -> None:
        await self.session.flush()


class TaskReentrantLock:
    """An asyncio lock that the task holding it may take again (nested units of work)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task | None = None
        self._depth = 0

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        if self._owner is task and task is not None:
            self._depth += 1
            return
        await self._lock.acquire()
        self._owner, self._depth = task, 1

    async def __aexit__(self, *exc) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()


class _NoLock:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc) -> None:
        return None


class Database:
    def __init__(self, url: str, *, background_checkpoints: bool = False):
        self.url = url
        # A long-running process checkpoints SQLite's WAL in the background (see
        # storage.database.checkpoint_forever); short commands keep SQLite's automatic one.
        self.background_checkpoints = background_checkpoints
        self.engine: AsyncEngine = create_engine(url, autocheckpoint=not background_checkpoints)
        self.sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(self.engine)
        # SQLite has one writer at a time, and a second writer waits in SQLite's busy
        # handler, which sleeps in steps of up to 100 ms. Taking turns in-process first
        # turns that sleep into an orderly queue. PostgreSQL needs no such thing.
        self.write_lock = TaskReentrantLock() if self.dialect == "sqlite" else _NoLock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def unit_of_work(self) -> "_UnitOfWorkContext":
        return _UnitOfWorkContext(self.sessions, self.write_lock)

    async def upgrade(self) -> bool:
        """Bring the schema up to date (True: it migrated)."""
        return await upgrade_if_needed(self.engine)

    def start_checkpoints(self) -> asyncio.Task | None:
        if not (self.background_checkpoints and self.dialect == "sqlite"):
            return None
        return asyncio.create_task(checkpoint_forever(self.engine), name="sqlite-checkpoints")

    async def dispose(self) -> None:
        await self.engine.dispose()


class _UnitOfWorkContext:
    """`async with db.unit_of_work() as uow:` commits on success, rolls back on error."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], lock):
        self._sessions = sessions
        self._lock = lock
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> UnitOfWork:
        await self._lock.__aenter__()
        try:
            self._session = self._sessions()
            await self._session.__aenter__()
        except BaseException:
            await self._lock.__aexit__(None, None, None)
            raise
        return UnitOfWork(self._session)

    async def __aexit__(self, exc_type, exc, tb) -> None:
        assert self._session is not None
        try:
            if exc_type is None:
                await self._session.commit()
            else:
                await self._session.rollback()
        finally:
            try:
                await self._session.__aexit__(exc_type, exc, tb)
            finally:
                await self._lock.__aexit__(exc_type, exc, tb)
