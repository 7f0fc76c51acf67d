"""`zhasbot faq …` subcommands: match questions from stdin, validate the content, and list
what people asked that the FAQ could not answer (`misses`)."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import TextIO


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `faq` command (subcommands `match`, `validate`, `misses`) to the main CLI."""
    faq = subparsers.add_parser("faq", help="FAQ matching and content checks")
    commands = faq.add_subparsers(dest="faq_command", required=True)

    match = commands.add_parser("match", help="match questions read from stdin, one per line")
    match.add_argument("--json", action="store_true", help="print one JSON object per line")
    match.add_argument("--topics", default=None, help="topics directory (default: shipped)")
    match.set_defaults(func=run_match)

    validate = commands.add_parser("validate", help="check FAQ topics, groups and facts")
    validate.add_argument("--topics", default=None, help="topics directory (default: shipped)")
    validate.add_argument("--groups", default=None, help="groups file (default: shipped)")
    validate.add_argument("--programme", default=None,
                          help="programme config (default: PROGRAMME_FILE, CONFIG_DIR or the shipped one)")
    validate.add_argument("--strict", action="store_true",
                          help="fail on warnings too (facts the programme has not confirmed)")
    validate.set_defaults(func=run_validate)
    register_misses(commands)


def run_match(args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    from faq.matcher import Matcher

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    matcher = Matcher.from_directory(args.topics)
    for line in stdin:
        text = line.rstrip("\r\n")
        result = matcher.match(text)
        if args.json:
            print(json.dumps({
                "text": text,
                "topic": result.topic,
                "score": round(result.score, 4),
                "lang": result.lang,
                "alternatives": [{"topic": t, "score": round(s, 4)} for t, s in result.alternatives],
            }, ensure_ascii=False), file=stdout)
        else:
            alts = ", ".join(f"{t} {s:.2f}" for t, s in result.alternatives)
            print(f"{result.topic or '-'}\t{result.score:.2f}\t{result.lang or '-'}\t{text}"
                  + (f"\t(also: {alts})" if alts else ""), file=stdout)
    return 0


def run_validate(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    from core.i18n import Translator
    from bot.settings import load_settings
    from core.programme import ProgrammeConfigError, load_programme
    from core.config import load_mapping
    from handoff.call_centre import CallCentreConfigError, parse_call_centre
    from faq.content import ContentError, load_topics
    from faq.season import answer_facts, unconfirmed_facts
    from faq.validate import call_centre_issues, season_issues, validate

    stdout = stdout or sys.stdout
    try:
        settings = load_settings()
        programme_path = args.programme or settings.programme_path
        programme = load_programme(programme_path)
        centre_path = settings.call_centre_path
        centre_data = load_mapping(centre_path, error=CallCentreConfigError)
        # Answers are checked as they would render now, with the deployment's call-centre calendar.
        facts = answer_facts(programme, call_centre=parse_call_centre(centre_data, settings.zone, centre_path),
                             translator=Translator())
    except (ProgrammeConfigError, CallCentreConfigError, ContentError, ValueError) as exc:
        print(exc, file=stdout)
        return 1
    issues = (validate(args.topics, facts=facts, groups_file=args.groups, unconfirmed=unconfirmed_facts(programme))
              + season_issues(programme, programme_path) + call_centre_issues(centre_data, centre_path))
    for issue in issues:
        print(issue, file=stdout)
    errors = [i for i in issues if i.severity == "error"]
    warnings = len(issues) - len(errors)
    if errors or (warnings and args.strict):
        print(f"{len(errors)} error(s), {warnings} warning(s)" + (" (--strict)" if not errors else ""),
              file=stdout)
        return 1
    topics = load_topics(args.topics)
    shown = [t for t in topics if t.answerable]
    print(f"OK: {sum(t.kind == 'topic' for t in shown)} topics, "
          f"{sum(t.kind == 'intent' for t in shown)} intents, "
          f"{sum(len(x) for t in topics for x in t.examples.values())} examples"
          + (f"; {warnings} warning(s)" if warnings else ""), file=stdout)
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register_misses(commands: argparse._SubParsersAction) -> None:
    misses = commands.add_parser(
        "misses", help="questions the bot declined or users disowned, grouped by similarity")
    misses.add_argument("--from", dest="date_from", type=_date, required=True, help="first day (YYYY-MM-DD)")
    misses.add_argument("--to", dest="date_to", type=_date, required=True, help="last day, inclusive")
    misses.add_argument("--format", choices=["md", "csv"], default="md")
    misses.add_argument("--limit", type=int, default=None, help="only the N most asked groups")
    misses.set_defaults(func=run_misses)


def run_misses(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    from bot.cli.support import with_database
    from faq.misses import day_bounds, missed_groups, render_csv, render_markdown

    stdout = stdout or sys.stdout
    if args.date_to < args.date_from or not (2000 <= args.date_from.year and args.date_to.year <= 2100):
        print("zhasbot: --from must not be after --to, both in 2000–2100", file=sys.stderr)
        return 2

    async def work(db, settings):
        start, end = day_bounds(args.date_from, args.date_to, settings.zone)
        async with db.unit_of_work() as uow:
            return await missed_groups(uow, start, end)

    groups = with_database(work)
    render = render_csv if args.format == "csv" else render_markdown
    stdout.write(render(groups, args.limit))
    return 0
