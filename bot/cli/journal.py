"""`zhasbot journal export`: the consultation journal to CSV or XLSX."""
from __future__ import annotations

from bot.cli.feedback import add_export_arguments, run_export


def register(commands) -> None:
    journal = commands.add_parser("journal", help="the consultation journal")
    journal_commands = journal.add_subparsers(dest="journal_command", required=True)
    export = journal_commands.add_parser("export", help="export the journal to CSV or XLSX")
    add_export_arguments(export)  # --from --to --channel --format -o --unmasked --operator
    export.add_argument("--by", choices=["consultation", "message"], default="consultation")
    export.set_defaults(func=lambda args: run_export(args, "journal"))
