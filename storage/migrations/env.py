"""Alembic environment: runs on the connection the app hands over (see storage.database)."""
from __future__ import annotations

import asyncio
import os

from alembic import context

from storage.schema import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_standalone(url: str) -> None:
    from storage.database import create_engine

    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    # `alembic revision --autogenerate` from a shell: URL from the environment.
    asyncio.run(_run_standalone(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///data/zhasbot.db")))
