"""`zhasbot applications import FILE [--dry-run]`, `zhasbot notifications status [--batch ID]` and
`zhasbot notifications next-season [--dry-run]`."""
from __future__ import annotations

import argparse
from pathlib import Path


def cmd_import(args: argparse.Namespace) -> int:
    from bot.cli.support import CommandFailed, with_database
    from core.programme import SeasonCalendar, load_programme
    from notify.importer import import_applications

    # Checked here, not by catching FileNotFoundError around the whole run: a missing
    # configuration file must not be reported as a missing input file.
    if not Path(args.file).is_file():
        raise CommandFailed(f"error: {args.file}: no such file")
    report = with_database(lambda db, settings: import_applications(
        db, args.file, dry_run=args.dry_run, default_language=settings.default_language,
        season=SeasonCalendar.from_programme(load_programme(settings.programme_file))))
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def cmd_status(args: argparse.Namespace) -> int:
    from bot.cli.support import with_database
    from notify.report import delivery_report

    report = with_database(lambda db, _settings: delivery_report(db, args.batch, limit=args.limit))
    print("\n".join(report.lines()))
    return 0


def cmd_next_season(args: argparse.Namespace) -> int:
    from bot.cli.support import with_database
    from core.i18n import Translator
    from core.programme import load_programme
    from notify.next_season import NothingToAnnounce, enqueue_next_season

    async def work(db, settings):
        translator = Translator(default_language=settings.default_language)
        async with db.unit_of_work() as uow:
            return await enqueue_next_season(uow.session, translator, load_programme(settings.programme_path),
                                             default_language=settings.default_language, dry_run=args.dry_run)

    try:
        done = with_database(work)
    except NothingToAnnounce as exc:
        print(f"nothing to announce: {exc}")
        return 1
    window = f"applications {done.opens.isoformat()} to {done.closes.isoformat()}"
    if args.dry_run:
        print(f"dry run: {done.opted_in} contact(s) waiting for the next season ({window}), "
              f"{done.unreachable} of them blocked the bot; nothing queued")
        return 0
    print(f"queued {done.queued} announcement(s) of the next season ({window}) to the {done.opted_in} "
          f"contact(s) who asked; {done.unreachable} blocked the bot (marked unreachable). "
          f"Delivery: zhasbot notifications status --batch {done.batch_id}")
    return 0


def register(commands) -> None:
    applications = commands.add_parser("applications", help="grant applications and their statuses")
    sub = applications.add_subparsers(dest="applications_command", required=True)
    importing = sub.add_parser("import", help="import applications and statuses from CSV or XLSX (all or nothing)")
    importing.add_argument("file")
    importing.add_argument("--dry-run", action="store_true", help="validate and count; change nothing")
    importing.set_defaults(func=cmd_import)

    notifications = commands.add_parser("notifications", help="status notifications and reminders")
    sub = notifications.add_subparsers(dest="notifications_command", required=True)
    status = sub.add_parser("status", help="delivery per batch; applications without a linked contact")
    status.add_argument("--batch", help="only this batch id")
    status.add_argument("--limit", type=int, default=20, help="newest batches shown (default 20)")
    status.set_defaults(func=cmd_status)
    season = sub.add_parser("next-season", help="announce the season in programme.yaml to everyone who asked "
                                                "to be told (once each, through the outbox)")
    season.add_argument("--dry-run", action="store_true", help="count who would be told; queue nothing")
    season.set_defaults(func=cmd_next_season)
