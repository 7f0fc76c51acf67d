"""Online backup and restore of the SQLite database with SQLite's own backup API.

The backup API copies a consistent snapshot while the bot keeps writing (it restarts the copy
of pages changed meanwhile), which a plain file copy of a WAL database does not guarantee.
PostgreSQL deployments use pg_dump / pg_restore (README, "Production").
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """Why a backup or restore could not be made; the message is for the person running it."""


def _sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError("zhasbot db backup is for SQLite; for PostgreSQL use pg_dump (README, Production)")
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(url.database)


def _check_database(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchone()
            connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a ZhasBot database ({exc})") from None
    if not result or result[0] != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {result[0] if result else '?'}")


def backup_sqlite(database_url: str, target: str | os.PathLike) -> int:
    """Copy the live database to `target` (a new file, 0600); return the pages copied."""
    source_path = _sqlite_path(database_url)
    target = Path(target)
    if not source_path.exists():
        raise BackupError(f"no database at {source_path}")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 before any byte is written: a backup holds everyone's personal data.
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    pages = 0

    def progress(_status, remaining, total):
        nonlocal pages
        pages = total

    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=1024, progress=progress)
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    except sqlite3.DatabaseError as exc:
        copy.close()
        target.unlink(missing_ok=True)
        raise BackupError(f"backup failed: {exc}") from None
    finally:
        source.close()
        copy.close()
    _check_database(target)
    return pages


def restore_sqlite(backup: str | os.PathLike, database_url: str) -> None:
    """Replace the database with `backup` (checked first); the bot must be stopped."""
    backup = Path(backup)
    target_path = _sqlite_path(database_url)
    if not backup.exists():
        raise BackupError(f"no backup file at {backup}")
    _check_database(backup)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=1.0)
    try:
        # The backup API writes through SQLite's locks: a running bot makes this fail with
        # "database is locked" instead of corrupting what it is writing.
        source.backup(target)
    except sqlite3.OperationalError as exc:
        raise BackupError(f"restore failed ({exc}); stop the bot and try again") from None
    finally:
        source.close()
        target.close()
