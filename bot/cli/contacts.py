"""`zhasbot contacts erase (--phone P | --contact ID | --telegram ID | --sender ID) [--dry-run]`."""
from __future__ import annotations

import argparse


def cmd_erase(args: argparse.Namespace) -> int:
    from bot.cli.support import with_database
    from bot.erasure import erase_person

    report = with_database(lambda db, _settings: erase_person(
        db, actor="cli", dry_run=args.dry_run, phone=args.phone, contact_id=args.contact,
        telegram=args.telegram, sender=args.sender))
    if not report.contact_ids:
        print("no such contact: nothing erased")
        return 1
    verb = "would erase" if args.dry_run else "erased"
    counts = report.counts()
    print(f"{verb}: {counts.pop('contacts')} contact(s) on {', '.join(report.channels)} "
          f"(ids {', '.join(map(str, report.contact_ids))})")
    for name, number in counts.items():
        print(f"  {name}: {number}")
    if not args.dry_run:
        print("names, phones, texts and comments are gone; the counts reports need are kept")
    return 0


def register(commands) -> None:
    contacts = commands.add_parser("contacts", help="people who wrote to the bot")
    sub = contacts.add_subparsers(dest="contacts_command", required=True)
    erase = sub.add_parser("erase", help="erase a person's data on every channel (reports keep their counts)")
    which = erase.add_mutually_exclusive_group(required=True)
    which.add_argument("--phone", help="a phone number in any spelling")
    which.add_argument("--contact", type=int, help="a contact id (console, exports)")
    which.add_argument("--telegram", help="a Telegram user id")
    which.add_argument("--sender", help="a web chat sender id")
    erase.add_argument("--dry-run", action="store_true", help="only show what would be erased")
    erase.set_defaults(func=cmd_erase)
