"""`zhasbot`: the command line. One module per command group, each registered here by name.

The groups are imported at the top on purpose: a group that fails to import stops the CLI
with the real error instead of quietly disappearing from `zhasbot --help`. Group modules
keep heavy imports (aiogram, twilio, the database) inside their commands, so a content check
or an export never pays for the transports.
"""
from __future__ import annotations

import argparse
import os
import sys

from bot.cli import contacts, db, eligibility, faq, feedback, journal, notify, operators, serve, voice
from bot.cli.support import CommandFailed
from bot.settings import SettingsError
from core.config import ConfigError

# Order is the order of `zhasbot --help`.
COMMAND_GROUPS = (serve, db, journal, faq, eligibility, operators, contacts, notify, feedback, voice)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zhasbot", description="ZHAS PROJECT call-centre bot")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Every file the bot writes (database, WAL, exports, logs, the generated key) holds
    # personal data or secrets: owner-only by default.
    os.umask(0o077)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (SettingsError, ConfigError) as exc:  # a bad setting or config file: one line naming it
        print(f"zhasbot: {exc}", file=sys.stderr)
        return 2
    except CommandFailed as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
