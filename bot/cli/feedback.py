"""`zhasbot report`, `zhasbot tickets|csat|surveys export`, `zhasbot surveys send|list`.

None of these import aiogram or twilio (they cost ~150 MB of RSS): only storage, the
exports and the report code.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.support import failing_on, parse_date as _date


def _run(work):
    from bot.cli.support import with_database

    return with_database(work)


def _check_dates(args) -> bool:
    if args.date_to < args.date_from:
        print("error: --to is before --from", file=sys.stderr)
        return False
    return True


def cmd_report(args: argparse.Namespace) -> int:
    from bot.report_inputs import report_inputs, report_labels
    from core.i18n import Translator
    from reports.indicators import build_report, render_markdown, write_xlsx

    if not _check_dates(args):
        return 2
    fmt = args.format or ("xlsx" if args.output and args.output.endswith(".xlsx") else
                          "json" if args.output and args.output.endswith(".json") else "md")
    if fmt == "xlsx" and not args.output:
        print("error: --format xlsx needs -o FILE", file=sys.stderr)
        return 2

    async def work(db, settings):
        report = await build_report(db, args.date_from, args.date_to, settings.zone,
                                    plan_file=Path(args.config) if args.config else settings.report_path,
                                    **report_inputs(settings.programme_file))
        return report, report_labels(Translator(), args.lang, topics_dir=settings.faq_topics_dir)

    report, labels = _run(work)
    if fmt == "xlsx":
        write_xlsx(report, Path(args.output), labels)
        print(f"report written to {args.output}")
        return 0
    text = report.to_json(labels) if fmt == "json" else render_markdown(report, labels)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"report written to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def run_export(args: argparse.Namespace, kind: str) -> int:
    from bot.report_inputs import export_inputs
    from core.i18n import Translator
    from reports.exports import NotAllowed, allow_unmasked, export

    if not _check_dates(args):
        return 2

    async def work(db, settings):
        if args.unmasked:
            await allow_unmasked(db, args.operator, target=f"{kind}:{args.date_from}..{args.date_to}",
                                 details={"format": args.format, "channel": args.channel, "via": "cli",
                                          "by": getattr(args, "by", None)})
        return await export(db, kind, start=args.date_from, end=args.date_to, zone=settings.zone, fmt=args.format,
                            path=Path(args.output), channel=args.channel, masked=not args.unmasked,
                            by=getattr(args, "by", "consultation"), survey_id=getattr(args, "survey", None),
                            **export_inputs(Translator(), args.lang, settings.programme_file,
                                            topics_dir=settings.faq_topics_dir))

    try:
        count = _run(work)
    except NotAllowed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{count} rows written to {args.output}" + (" (unmasked)" if args.unmasked else ""))
    return 0


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every export shares (the journal export in bot/cli.py uses them too)."""
    parser.add_argument("--from", dest="date_from", type=_date, required=True)
    parser.add_argument("--to", dest="date_to", type=_date, required=True)
    parser.add_argument("--channel", choices=["telegram", "whatsapp", "webchat", "phone"])
    parser.add_argument("--format", choices=["csv", "xlsx"], required=True)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--unmasked", action="store_true",
                        help="phone numbers, names and IINs in clear (needs --operator of a manager; audited)")
    parser.add_argument("--operator", help="the manager asking for an unmasked export")
    parser.add_argument("--lang", choices=["ru", "kk", "en"], default="ru",
                        help="language of headings, sheet names and values (default ru)")


def cmd_surveys_send(args: argparse.Namespace) -> int:
    from core.i18n import Translator
    from feedback.service import Feedback
    from bot.configuration import load_templates
    from feedback.surveys import SurveyConfigError, load_surveys

    async def work(db, settings):
        catalogue = load_surveys(Path(args.config) if args.config else settings.surveys_path, settings.zone)
        survey = catalogue.get(args.survey_id)
        if survey is None:
            raise SurveyConfigError(f"no survey {args.survey_id!r} in surveys.yaml "
                                    f"(known: {', '.join(catalogue.surveys) or 'none'})")
        feedback = Feedback(db, Translator(default_language=settings.default_language), surveys=catalogue,
                            templates=load_templates(settings.whatsapp_templates_path),
                            default_language=settings.default_language)
        return await feedback.send_survey(survey)

    with failing_on(SurveyConfigError):
        sent = _run(work)
    print(f"survey {sent.survey_id}: audience {sent.audience}, queued {sent.queued}, "
          f"already sent before {sent.already} (the running bot's outbox sender delivers them)")
    return 0


def cmd_surveys_list(args: argparse.Namespace) -> int:
    from bot.settings import load_settings
    from feedback.surveys import SurveyConfigError, load_surveys

    with failing_on(SurveyConfigError):
        settings = load_settings()
        catalogue = load_surveys(Path(args.config) if args.config else settings.surveys_path, settings.zone)
    for survey in catalogue.surveys.values():
        audience = ", ".join(filter(None, ["statuses: " + "/".join(survey.statuses) if survey.statuses else "",
                                           "eligibility checked" if survey.eligibility_checked else ""]))
        when = survey.send_at.isoformat() if survey.send_at else "on command"
        print(f"{survey.id}\t{len(survey.questions)} questions\t{audience}\t{when}")
    return 0


def register(commands) -> None:
    report = commands.add_parser("report", help="programme indicators for a period (md, json or xlsx)")
    report.add_argument("--from", dest="date_from", type=_date, required=True)
    report.add_argument("--to", dest="date_to", type=_date, required=True)
    report.add_argument("--format", choices=["md", "xlsx", "json"])
    report.add_argument("-o", "--output")
    report.add_argument("--lang", choices=["ru", "kk", "en"], default="ru", help="headings' language (default ru)")
    report.add_argument("--config", help="plan values (default: REPORT_FILE, CONFIG_DIR or the shipped report.yaml)")
    report.set_defaults(func=cmd_report)

    for kind, help_text in (("tickets", "operator tickets (hand-off, complaints, suggestions)"),
                            ("csat", "satisfaction polls after consultations")):
        parser = commands.add_parser(kind, help=help_text)
        sub = parser.add_subparsers(dest=f"{kind}_command", required=True)
        export = sub.add_parser("export", help=f"export {kind} to CSV or XLSX (masked by default)")
        add_export_arguments(export)
        export.set_defaults(func=lambda args, kind=kind: run_export(args, kind))

    surveys = commands.add_parser("surveys", help="stage surveys (config/surveys.yaml)")
    sub = surveys.add_subparsers(dest="surveys_command", required=True)
    send = sub.add_parser("send", help="queue a survey to its audience now (each contact once)")
    send.add_argument("survey_id")
    send.add_argument("--config", help="surveys file (default: SURVEYS_FILE, CONFIG_DIR or the shipped one)")
    send.set_defaults(func=cmd_surveys_send)
    listing = sub.add_parser("list", help="configured surveys")
    listing.add_argument("--config")
    listing.set_defaults(func=cmd_surveys_list)
    export = sub.add_parser("export", help="survey answers to CSV or XLSX (masked by default)")
    add_export_arguments(export)
    export.add_argument("--survey", help="only this survey id")
    export.set_defaults(func=lambda args: run_export(args, "surveys"))
