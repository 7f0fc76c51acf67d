"""One transaction per use case: state change and journal writes commit together."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.database import create_engine, make_sessionmaker, upgrade_schema
from storage.repositories import Consultations, Contacts, Journal


class UnitOfWork:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.contacts = Contacts(session)
        self.consultations = Consultations(session)
        self.journal = Journal(session)

    async def flush(self) -> None:
        await self.session.flush()


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine: AsyncEngine = create_engine(url)
        self.sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def unit_of_work(self) -> "_UnitOfWorkContext":
        return _UnitOfWorkContext(self.sessions)

    async def upgrade(self) -> None:
        await upgrade_schema(self.engine)

    async def dispose(self) -> None:
        await self.engine.dispose()


class _UnitOfWorkContext:
    """`async with db.unit_of_work() as uow:` commits on success, rolls back on error."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]):
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        await self._session.__aenter__()
        return UnitOfWork(self._session)

    async def __aexit__(self, exc_type, exc, tb) -> None:
        assert self._session is not None
        try:
            if exc_type is None:
                await self._session.commit()
            else:
                await self._session.rollback()
        finally:
            await self._session.__aexit__(exc_type, exc, tb)
