"""INSERT … ON CONFLICT for the session's database: PostgreSQL's or SQLite's construct.

Imported on first use, so a bot on SQLite never loads the PostgreSQL dialect (~2 MB)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(session: AsyncSession, table: Any):
    """`insert(table)` with `on_conflict_do_nothing` and `returning` for the session's database."""
    return insert_for(session.bind.dialect.name if session.bind is not None else "sqlite", table)


def insert_for(dialect: str, table: Any):
    """The same by dialect name, for a statement built once and kept."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
