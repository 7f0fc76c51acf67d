"""`zhasbot eligibility check …`: the eligibility check from the command line.

Operators and content editors use it to answer "can this person apply?" and to try a new
season's rules (`--programme`) before the bot uses them.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from typing import Any

from core.clock import default_zone
from core.iin import IinError, parse_iin
from eligibility.rules import DOCUMENTS, REGIONS, STUDYING, Answers, evaluate, rules_from_programme
from eligibility.texts import next_steps, render_reason, render_step, verdict_header_key

__all__ = ["register", "run_check"]

_YES_NO = {"yes": True, "no": False}


def _yes_no(value: str) -> bool:
    try:
        return _YES_NO[value.strip().lower()]
    except KeyError:
        raise argparse.ArgumentTypeError("expected yes or no") from None


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date YYYY-MM-DD") from None


def _documents(value: str) -> frozenset[str]:
    codes = {part.strip() for part in value.split(",") if part.strip()}
    unknown = codes - set(DOCUMENTS)
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown document(s) {', '.join(sorted(unknown))}; expected {','.join(DOCUMENTS)}"
        )
    return frozenset(codes)


def register(subparsers: Any) -> None:
    """Add `eligibility check` to the main CLI; the chosen command sets `args.func`."""
    eligibility = subparsers.add_parser("eligibility", help="eligibility rules of the season")
    commands = eligibility.add_subparsers(dest="eligibility_command", required=True)
    check = commands.add_parser("check", help="check whether one person can apply")
    check.add_argument("--citizen", type=_yes_no, required=True, metavar="yes|no")
    born = check.add_mutually_exclusive_group(required=True)
    born.add_argument("--iin", help="12-digit IIN (gives the birth date)")
    born.add_argument("--birth-date", type=_iso_date, metavar="YYYY-MM-DD")
    check.add_argument("--region", choices=REGIONS, required=True)
    check.add_argument("--employed", type=_yes_no, required=True, metavar="yes|no")
    check.add_argument("--studying", choices=STUDYING, required=True)
    check.add_argument("--training", type=_yes_no, required=True, metavar="yes|no")
    check.add_argument("--documents", type=_documents, default=frozenset(),
                       metavar="id,registration,neet", help="documents the person already has")
    check.add_argument("--applied-already", type=_yes_no, default=False, metavar="yes|no")
    check.add_argument("--lang", choices=("kk", "ru", "en"), default="en")
    check.add_argument("--programme", help="programme file (default: PROGRAMME_FILE, CONFIG_DIR or the shipped one)")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    # Imported here so that building the CLI's parser stays cheap.
    from bot.settings import load_settings
    from core.i18n import Translator
    from core.programme import load_programme

    if args.iin is not None:
        try:
            birth_date = parse_iin(args.iin).birth_date
        except IinError as exc:
            print(f"error: invalid IIN ({exc.reason}): {exc}", file=sys.stderr)
            return 2
    else:
        birth_date = args.birth_date
    try:
        path = args.programme or load_settings().programme_path
        programme = load_programme(path)
        rules = rules_from_programme(programme, path)
    except ValueError as exc:  # ProgrammeConfigError is a ValueError too
        print(f"error: {exc}", file=sys.stderr)
        return 2

    answers = Answers(
        citizen=args.citizen,
        birth_date=birth_date,
        region=args.region,
        employed=args.employed,
        studying=args.studying,
        training=args.training,
        documents=args.documents,
        applied_already=args.applied_already,
    )
    verdict = evaluate(rules, answers)
    translator = Translator()
    messages = [
        {"criterion": reason.criterion, "message": render_reason(reason, args.lang, translator)}
        for reason in verdict.reasons
    ]
    if args.json:
        print(json.dumps(
            {"verdict": verdict.verdict, "reasons": messages, "age": verdict.age},
            ensure_ascii=False,
        ))
        return 0

    print(translator.t(args.lang, verdict_header_key(verdict)))
    for message in messages:
        print(f"- {message['message']}")
    website = str(programme.get("facts", {}).get("website", ""))
    today = datetime.now(default_zone()).date()
    for step in next_steps(verdict, rules, website=website, today=today):
        print(f"* {render_step(step, args.lang, translator)}")
    return 0
