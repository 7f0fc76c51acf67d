"""SQLite through aiosqlite, one thread hop per statement.

aiosqlite runs every call on the connection's own thread, and SQLAlchemy's adapter makes
three or four such calls per statement (make a cursor, execute, fetch the rows, close).
Each call returns through the event loop, so each costs a turn of the loop — and while the
loop is busy (replies going out, updates being parsed) a turn takes milliseconds: an
inbound batch's dozen statements waited about fifty turns. Here a statement's cursor is
made, run, read to the end and closed in one call on the database thread; the rows are
handed over from memory, as SQLAlchemy's adapter would have fetched them all anyway.
"""
from __future__ import annotations

import sqlite3
from collections import deque
from functools import partial
from threading import Thread
from typing import Any, Iterable

import aiosqlite
from aiosqlite.context import contextmanager


class OneHopCursor(aiosqlite.Cursor):
    def __init__(self, conn: aiosqlite.Connection):
        super().__init__(conn, None)  # the sqlite3 cursor is made per statement, on the thread
        self._rows: deque = deque()
        self._arraysize = 1

    def _run(self, sql: str, parameters: Any, many: bool) -> deque:
        # On the database thread.
        cursor = self._conn._conn.cursor()
        try:
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            rows = deque(cursor.fetchall()) if cursor.description else deque()
        finally:
            cursor.close()  # description, rowcount and lastrowid stay readable
            self._cursor = cursor
        return rows

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> "OneHopCursor":
        self._rows = await self._execute(self._run, sql, [] if parameters is None else parameters, False)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> "OneHopCursor":
        self._rows = await self._execute(self._run, sql, parameters, True)
        return self

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list:
        count = min(len(self._rows), size or self._arraysize)
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list:
        rows, self._rows = list(self._rows), deque()
        return rows

    async def close(self) -> None:
        self._rows = deque()

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value


class OneHopConnection(aiosqlite.Connection):
    @contextmanager
    async def cursor(self) -> OneHopCursor:
        return OneHopCursor(self)


def _connect(database: str, **kwargs: Any) -> OneHopConnection:
    connection = OneHopConnection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size=64)
    # As SQLAlchemy does for aiosqlite's own connections: a forgotten connection's thread
    # must not keep the process alive (before aiosqlite 0.22 the connection was the thread).
    thread = connection if isinstance(connection, Thread) else connection._thread
    thread.daemon = True
    return connection


def use_one_hop_connections(dialect, _record, cargs, cparams):
    """A `do_connect` listener: the same connection arguments, our connection class."""
    return dialect.dbapi.connect(*cargs, async_creator_fn=_connect, **cparams)
