"""`zhasbot` — run the bot, chat in the terminal, migrate, export, and the content tools."""
from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date

from bot.settings import SettingsError, load_settings


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import run_forever
    from bot.logs import setup_logging

    settings = load_settings()
    setup_logging(settings.log_level, settings.log_format)
    asyncio.run(run_forever(settings))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.app import ZhasBot
    from bot.channels.terminal import chat

    async def main() -> None:
        app = ZhasBot.build(load_settings())
        await app.db.upgrade()
        try:
            await chat(app.engine, user_id=args.user)
        finally:
            await app.db.dispose()

    asyncio.run(main())
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.cli.support import with_database

    async def nothing_more(_db, _settings) -> None:
        return None

    with_database(nothing_more)
    print("database schema is up to date")
    return 0


def cmd_db_backup(args: argparse.Namespace) -> int:
    from storage.backup import BackupError, backup_sqlite

    settings = load_settings()
    try:
        pages = backup_sqlite(settings.database_url, args.file)
    except BackupError as exc:
        print(f"zhasbot: {exc}", file=sys.stderr)
        return 2
    print(f"backup written to {args.file} ({pages} pages)")
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    from storage.backup import BackupError, restore_sqlite

    settings = load_settings()
    if not args.yes:
        answer = input(f"replace the database of DATABASE_URL with {args.file}? Type yes: ")
        if answer.strip().lower() != "yes":
            print("nothing changed")
            return 1
    try:
        restore_sqlite(args.file, settings.database_url)
    except BackupError as exc:
        print(f"zhasbot: {exc}", file=sys.stderr)
        return 2
    print(f"database restored from {args.file}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhasbot", description="ZHAS PROJECT call-centre bot")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the bot: web chat, webhooks, Telegram, WhatsApp")
    run.set_defaults(func=cmd_run)

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--user", default="terminal", help="who you are to the bot (default: terminal)")
    chat.set_defaults(func=cmd_chat)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_db_upgrade)
    backup = db_commands.add_parser("backup", help="copy the SQLite database while the bot runs "
                                    "(PostgreSQL: use pg_dump, see README 'Production')")
    backup.add_argument("file", help="where to write the copy (must not exist)")
    backup.set_defaults(func=cmd_db_backup)
    restore = db_commands.add_parser("restore", help="replace the SQLite database with a backup "
                                     "(stop the bot first)")
    restore.add_argument("file", help="a file written by `zhasbot db backup`")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.set_defaults(func=cmd_db_restore)

    journal = commands.add_parser("journal", help="the consultation journal")
    journal_commands = journal.add_subparsers(dest="journal_command", required=True)
    export = journal_commands.add_parser("export", help="export the journal to CSV or XLSX")
    from bot.cli.feedback import add_export_arguments, run_export

    add_export_arguments(export)  # --from --to --channel --format -o --unmasked --operator
    export.add_argument("--by", choices=["consultation", "message"], default="consultation")
    export.set_defaults(func=lambda args: run_export(args, "journal"))

    for module in ("faq.cli", "eligibility.cli", "bot.cli.operators", "bot.cli.notify", "bot.cli.feedback"):
        try:
            plugin = __import__(module, fromlist=["register"])
        except ImportError:
            continue
        plugin.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"zhasbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
