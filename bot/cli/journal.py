"""`zhasbot journal export`: the consultation journal to CSV or XLSX; `zhasbot journal
import-calls FILE [--dry-run]`: a call-centre call log (CSV or XLSX) into the journal."""
from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.feedback import add_export_arguments, run_export


def cmd_import_calls(args: argparse.Namespace) -> int:
    from bot.cli.support import CommandFailed, with_database
    from core.programme import load_programme
    from core.regions import programme_regions
    from handoff.call_import import import_calls

    # Checked here, not by catching FileNotFoundError around the whole run: a missing
    # configuration file must not be reported as a missing input file.
    if not Path(args.file).is_file():
        raise CommandFailed(f"error: {args.file}: no such file")
    report = with_database(lambda db, settings: import_calls(
        db, args.file, dry_run=args.dry_run, zone=settings.zone,
        regions=programme_regions(load_programme(settings.programme_path))))
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def register(commands) -> None:
    journal = commands.add_parser("journal", help="the consultation journal")
    journal_commands = journal.add_subparsers(dest="journal_command", required=True)
    export = journal_commands.add_parser("export", help="export the journal to CSV or XLSX")
    add_export_arguments(export)  # --from --to --channel --format -o --unmasked --operator
    export.add_argument("--by", choices=["consultation", "message"], default="consultation")
    export.set_defaults(func=lambda args: run_export(args, "journal"))
    calls = journal_commands.add_parser(
        "import-calls", help="journal the phone calls of a call log (CSV or XLSX; all or nothing)")
    calls.add_argument("file")
    calls.add_argument("--dry-run", action="store_true", help="check and count; change nothing")
    calls.set_defaults(func=cmd_import_calls)
