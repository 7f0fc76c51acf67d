"""`zhasbot operators add|token|list|sessions|revoke` — console accounts from the command line."""
from __future__ import annotations

import argparse
import getpass
import sys


from bot.cli.support import failing_on


def _run(coroutine_factory):
    from bot.cli.support import with_database

    return with_database(lambda db, _settings: coroutine_factory(db))


def cmd_add(args: argparse.Namespace) -> int:
    from bot.console.accounts import AccountError, Accounts

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if password != getpass.getpass("again: "):
            print("error: the passwords differ", file=sys.stderr)
            return 2
    with failing_on(AccountError):
        _run(lambda db: Accounts(db).add(args.name, args.role, password))
    print(f"operator {args.name} ({args.role}) added")
    return 0


def _accounts(db, settings):
    from datetime import timedelta

    from bot.console.accounts import Accounts

    return Accounts(db, token_lifetime=timedelta(days=settings.api_token_days))


def cmd_token(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from bot.cli.support import with_database
    from bot.console.accounts import AccountError

    lifetime = timedelta(days=args.days) if args.days else None
    with failing_on(AccountError):
        token = with_database(lambda db, settings: _accounts(db, settings).issue_token(args.name, lifetime=lifetime))
    # Shown once: only its hash is stored. The previous token stops working.
    print(token)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from bot.console.accounts import Accounts

    for operator in _run(lambda db: Accounts(db).all()):
        print(f"{operator.name}\t{operator.role}\t{'active' if operator.active else 'disabled'}")
    return 0


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def cmd_sessions(args: argparse.Namespace) -> int:
    """Live console sessions and unexpired API tokens: who can act right now."""
    from bot.console.accounts import Accounts

    access = _run(lambda db: Accounts(db).active_access())
    if not access:
        print("no live sessions or tokens")
    for item in access:
        since = f"since {_when(item.created_at)}\t" if item.kind == "session" else ""
        print(f"{item.operator}\t{item.kind}\t{since}expires {_when(item.expires_at)}"
              + (f"\tfrom {item.remote}" if item.remote else ""))
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from bot.console.accounts import AccountError, Accounts

    token, sessions = not args.sessions_only, not args.token_only
    with failing_on(AccountError):
        ended = _run(lambda db: Accounts(db).revoke(args.name, token=token, sessions=sessions))
    print(f"{args.name}: {ended} ended")
    return 0


def register(commands) -> None:
    operators = commands.add_parser("operators", help="operator console accounts")
    sub = operators.add_subparsers(dest="operators_command", required=True)
    add = sub.add_parser("add", help="add an operator (password asked, or read from stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=["operator", "manager"], default="operator")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.set_defaults(func=cmd_add)
    token = sub.add_parser("token", help="print a new API bearer token for NAME (replaces the old one)")
    token.add_argument("name")
    token.add_argument("--days", type=int, help="valid for this many days (default: API_TOKEN_DAYS, 90)")
    token.set_defaults(func=cmd_token)
    sub.add_parser("list", help="list operators").set_defaults(func=cmd_list)
    sub.add_parser("sessions", help="list live console sessions and API tokens").set_defaults(func=cmd_sessions)
    revoke = sub.add_parser("revoke", help="end NAME's API token and console sessions now")
    revoke.add_argument("name")
    only = revoke.add_mutually_exclusive_group()
    only.add_argument("--token-only", action="store_true")
    only.add_argument("--sessions-only", action="store_true")
    revoke.set_defaults(func=cmd_revoke)
