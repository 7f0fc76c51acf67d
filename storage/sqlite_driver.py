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


# Rows read with the statement, in the same hop. A result longer than this (an export's
# stream) is read on in hops of this many rows, so it is never held in memory whole.
PREFETCH_ROWS = 1000


class OneHopCursor(aiosqlite.Cursor):
    def __init__(self, conn: aiosqlite.Connection):
        super().__init__(conn, None)  # the sqlite3 cursor is made per statement, on the thread
        self._rows: deque = deque()
        self._arraysize = 1
        self._open: sqlite3.Cursor | None = None  # a result with rows still to read

    def _run(self, sql: str, parameters: Any, many: bool) -> deque:
        # On the database thread.
        self._close_open()
        cursor = self._conn._conn.cursor()
        self._cursor = cursor  # description, rowcount and lastrowid stay readable after close
        try:
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
        except BaseException:
            cursor.close()
            raise
        if not cursor.description:
            cursor.close()
            return deque()
        self._open = cursor
        return self._read()

    def _read(self) -> deque:
        # On the database thread: the next rows of the open result, closing it once read out.
        rows = self._open.fetchmany(PREFETCH_ROWS)
        if len(rows) < PREFETCH_ROWS:
            self._close_open()
        return deque(rows)

    def _close_open(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None

    async def _more(self) -> bool:
        """Read the next rows of a long result; False when there are none."""
        if self._open is None:
            return False
        self._rows = await self._execute(self._read)
        return bool(self._rows)

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> "OneHopCursor":
        self._rows = await self._execute(self._run, sql, [] if parameters is None else parameters, False)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> "OneHopCursor":
        self._rows = await self._execute(self._run, sql, parameters, True)
        return self

    async def fetchone(self) -> Any:
        if not self._rows and not await self._more():
            return None
        return self._rows.popleft()

    async def fetchmany(self, size: int | None = None) -> list:
        size = size or self._arraysize
        rows: list = []
        while len(rows) < size and (self._rows or await self._more()):
            count = min(len(self._rows), size - len(rows))
            rows.extend(self._rows.popleft() for _ in range(count))
        return rows

    async def fetchall(self) -> list:
        rows = list(self._rows)
        self._rows = deque()
        while await self._more():
            rows.extend(self._rows)
            self._rows = deque()
        return rows

    async def close(self) -> None:
        self._rows = deque()
        if self._open is not None:
            await self._execute(self._close_open)

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
