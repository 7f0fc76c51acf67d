"""storage/sqlite_driver.py: SQLite statements through SQLAlchemy, one thread hop each."""
from sqlalchemy import text

from storage.sqlite_driver import OneHopConnection
from storage.unit_of_work import Database
from tests.conftest import sqlite_url


def counting_hops(monkeypatch) -> list[str]:
    calls: list[str] = []
    original = OneHopConnection._execute

    async def _execute(self, fn, *args, **kwargs):
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(OneHopConnection, "_execute", _execute)
    return calls


async def test_statements_rows_and_ids(tmp_path, monkeypatch):
    db = Database(sqlite_url(tmp_path))
    try:
        async with db.engine.begin() as connection:
            # The connect listener's pragmas still apply to our connections.
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
        hops = counting_hops(monkeypatch)
        async with db.engine.begin() as connection:
            inserted = await connection.execute(text("INSERT INTO t (name) VALUES ('a')"))
            assert inserted.lastrowid == 1 and inserted.rowcount == 1
            many = await connection.execute(text("INSERT INTO t (name) VALUES (:name)"),
                                            [{"name": name} for name in "bcd"])
            assert many.rowcount == 3
            result = await connection.execute(text("SELECT id, name FROM t ORDER BY id"))
            assert list(result.keys()) == ["id", "name"]
            assert result.fetchone() == (1, "a")
            assert result.fetchmany(2) == [(2, "b"), (3, "c")]
            assert result.fetchall() == [(4, "d")]
            updated = await connection.execute(text("UPDATE t SET name = 'x' WHERE id > 2"))
            assert updated.rowcount == 2
            assert (await connection.execute(text("SELECT count(*) FROM t WHERE name = 'nope'"))).scalar() == 0
        # Five statements, five hops (plus BEGIN's and the commit's own).
        assert hops.count("_run") == 5
        assert len(hops) <= 5 + 2, hops
        async with db.engine.connect() as connection:
            streamed = await connection.stream(text("SELECT name FROM t ORDER BY id"))
            assert [row.name async for row in streamed] == ["a", "b", "x", "x"]
    finally:
        await db.dispose()


async def test_an_error_is_raised_and_the_connection_goes_on(tmp_path):
    db = Database(sqlite_url(tmp_path))
    try:
        async with db.engine.connect() as connection:
            try:
                await connection.execute(text("SELECT * FROM missing"))
            except Exception as exc:
                assert "no such table" in str(exc)
            else:
                raise AssertionError("expected an error")
            await connection.rollback()
            assert (await connection.execute(text("SELECT 41 + 1"))).scalar() == 42
    finally:
        await db.dispose()


async def test_a_long_result_is_read_in_hops_not_held_whole(tmp_path, monkeypatch):
    import storage.sqlite_driver as driver

    monkeypatch.setattr(driver, "PREFETCH_ROWS", 10)
    db = Database(sqlite_url(tmp_path))
    try:
        async with db.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
            await connection.execute(text("INSERT INTO t (id) VALUES (:id)"), [{"id": i} for i in range(1, 26)])
        hops = counting_hops(monkeypatch)
        async with db.engine.connect() as connection:
            streamed = await connection.stream(text("SELECT id FROM t ORDER BY id").execution_options(yield_per=7))
            chunks = [[row.id for row in chunk] async for chunk in streamed.partitions(7)]
        assert [len(chunk) for chunk in chunks] == [7, 7, 7, 4]
        assert [i for chunk in chunks for i in chunk] == list(range(1, 26))
        # the statement's hop brought 10 rows, two more hops brought 10 and 5: never all 25 at once
        assert hops.count("_run") == 1 and hops.count("_read") == 2, hops
        async with db.engine.connect() as connection:  # a plain execute still reads everything
            assert (await connection.execute(text("SELECT id FROM t ORDER BY id"))).scalars().all() == list(range(1, 26))
            # a result left half read is closed with its connection's next statement
            half = await connection.stream(text("SELECT id FROM t ORDER BY id").execution_options(yield_per=5))
            assert len(await half.fetchmany(5)) == 5
            await half.close()
            assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 25
    finally:
        await db.dispose()
