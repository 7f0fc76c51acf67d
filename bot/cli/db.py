"""`zhasbot db upgrade|backup|restore`: the configured database's schema, and SQLite copies."""
from __future__ import annotations

import argparse

from bot.cli.support import failing_on, with_database


def cmd_upgrade(args: argparse.Namespace) -> int:
    async def nothing_more(_db, _settings) -> None:
        return None

    with_database(nothing_more)
    print("database schema is up to date")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.settings import load_settings
    from storage.backup import BackupError, backup_sqlite

    settings = load_settings()
    with failing_on(BackupError, prefix="zhasbot"):
        pages = backup_sqlite(settings.database_url, args.file)
    print(f"backup written to {args.file} ({pages} pages)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.settings import load_settings
    from storage.backup import BackupError, restore_sqlite

    settings = load_settings()
    if not args.yes:
        answer = input(f"replace the database of DATABASE_URL with {args.file}? Type yes: ")
        if answer.strip().lower() != "yes":
            print("nothing changed")
            return 1
    with failing_on(BackupError, prefix="zhasbot"):
        restore_sqlite(args.file, settings.database_url)
    print(f"database restored from {args.file}")
    return 0


def register(commands) -> None:
    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_upgrade)
    backup = db_commands.add_parser("backup", help="copy the SQLite database while the bot runs "
                                    "(PostgreSQL: use pg_dump, see README 'Production')")
    backup.add_argument("file", help="where to write the copy (must not exist)")
    backup.set_defaults(func=cmd_backup)
    restore = db_commands.add_parser("restore", help="replace the SQLite database with a backup "
                                     "(stop the bot first)")
    restore.add_argument("file", help="a file written by `zhasbot db backup`")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.set_defaults(func=cmd_restore)
