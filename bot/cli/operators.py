"""`zhasbot operators add|token|list` — console accounts from the command line."""
from __future__ import annotations

import argparse
import getpass
import sys


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
    try:
        _run(lambda db: Accounts(db).add(args.name, args.role, password))
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"operator {args.name} ({args.role}) added")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from bot.console.accounts import AccountError, Accounts

    try:
        token = _run(lambda db: Accounts(db).issue_token(args.name))
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Shown once: only its hash is stored. The previous token stops working.
    print(token)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from bot.console.accounts import Accounts

    for operator in _run(lambda db: Accounts(db).all()):
        print(f"{operator.name}\t{operator.role}\t{'active' if operator.active else 'disabled'}")
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
    token.set_defaults(func=cmd_token)
    sub.add_parser("list", help="list operators").set_defaults(func=cmd_list)
