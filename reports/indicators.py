"""`zhasbot report` and the console's reports page: indicators next to the programme's plan.

The numbers come from storage.reporting (SQL aggregates); this module only adds the plan
(config/report.yaml), labels in Russian and Kazakh, and renders Markdown, JSON or XLSX
(with openpyxl charts). It imports neither aiogram nor twilio.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from core.config import ConfigError, config_file, error_at, load_mapping
from core.i18n import Translator
from reports.journal import day_range
from reports.labels import Labels
from storage.reporting import Period, indicators, is_metric
from storage.types import utcnow
from storage.unit_of_work import Database

CHANNELS = ("telegram", "whatsapp", "webchat", "phone")
UNITS = ("count", "percent", "per_region")
LANGS = ("kk", "ru", "en")
RELIABLE_FROM = 10  # a percentage from fewer answers is shown as not yet reliable


class ReportConfigError(ConfigError):
    """report.yaml is malformed or names a metric the report does not compute."""


@dataclass(frozen=True)
class PlanRow:
    """One indicator of the grant report: its label, plan, and where its actual value comes
    from (`metric`, with `sample` for a percentage's n) — or why it cannot be measured."""

    key: str
    labels: dict[str, str]  # kk, ru (the report's exact words), en
    plan: float
    unit: str  # count | percent | per_region
    metric: str | None = None
    sample: str | None = None
    breakdown: str | None = None
    method: dict[str, str] | None = None
    not_measured: dict[str, str] | None = None
    line: int | None = None
    reliable_from: int = RELIABLE_FROM


def _texts(item: dict[str, Any], field: str, where: str) -> dict[str, str]:
    value = item.get(field)
    if not isinstance(value, dict) or any(not value.get(lang) for lang in LANGS):
        raise ReportConfigError(f"{where}: `{field}` needs kk, ru and en")
    return {lang: str(value[lang]) for lang in LANGS}


def load_plan(path: Path | None = None) -> list[PlanRow]:
    """The plan rows of report.yaml (the shipped one by default), every metric name checked.

    A metric that indicators() does not compute is an error here, at start-up, not a "—" in
    a report months later.
    """
    path = Path(path) if path else config_file("report.yaml")
    if not path.exists():
        return []
    data = load_mapping(path, error=ReportConfigError)
    reliable_from = int(data.get("reliable_from", RELIABLE_FROM))
    items = data.get("indicators") or []
    rows = []
    for index, item in enumerate(items):
        where = f"indicators[{index}]"

        def fail(field: Any, problem: str) -> ReportConfigError:
            return error_at(path, item if field is not None else items, field if field is not None else index,
                            f"{where}: {problem}", ReportConfigError)

        if not isinstance(item, dict) or not item.get("key"):
            raise fail(None, "needs a key")
        unit = item.get("unit", "count")
        if unit not in UNITS:
            raise fail("unit", f"unit is one of {', '.join(UNITS)}")
        if bool(item.get("metric")) == bool(item.get("not_measured")):
            raise fail("metric", "give either `metric` or `not_measured` (the reason)")
        for field in ("metric", "sample", "breakdown"):
            if item.get(field) and not is_metric(str(item[field])):
                raise fail(field, f"unknown metric {item[field]!r} (see storage/reporting.py METRICS)")
        if item.get("metric") and unit == "percent" and not item.get("sample"):
            raise fail("sample", "a percentage needs `sample`, the path of its n")
        if item.get("metric") and not item.get("method"):
            raise fail("method", "say how the actual value is measured (`method`)")
        try:
            plan = float(item.get("plan", 0))
        except (TypeError, ValueError):
            raise fail("plan", "plan must be a number") from None
        try:
            labels = _texts(item, "label", where)
            method = _texts(item, "method", where) if item.get("method") else None
            reason = _texts(item, "not_measured", where) if item.get("not_measured") else None
        except ReportConfigError as problem:
            raise fail("label", str(problem).split(": ", 1)[-1]) from None
        rows.append(PlanRow(
            str(item["key"]), labels, plan, unit, metric=item.get("metric"), sample=item.get("sample"),
            breakdown=item.get("breakdown"), method=method, not_measured=reason,
            line=item.get("line"), reliable_from=reliable_from))
    return rows


def metric(values: dict[str, Any], path: str) -> Any:
    node: Any = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def evaluate(row: PlanRow, values: dict[str, Any], regions: Sequence[str] = ()) -> dict[str, Any]:
    """The row as the report shows it. `status`: met | not_met | unreliable (n below
    `reliable_from`) | no_data | not_measured; `met` is None unless the value can be judged."""
    out: dict[str, Any] = {"key": row.key, "labels": row.labels, "unit": row.unit, "plan": row.plan,
                           "actual": None, "n": None, "breakdown": None, "method": row.method,
                           "reason": row.not_measured, "line": row.line, "met": None,
                           "reliable_from": row.reliable_from}
    if row.not_measured:
        return {**out, "status": "not_measured"}
    actual = metric(values, row.metric)
    out["actual"] = actual
    if row.breakdown:
        out["breakdown"] = metric(values, row.breakdown)
    if row.unit == "per_region":
        counts = {region: 0 for region in regions}
        counts.update(actual or {})
        out["actual"] = counts
        if not counts:
            return {**out, "status": "no_data"}
        met = all(count >= row.plan for count in counts.values())
        return {**out, "met": met, "status": "met" if met else "not_met"}
    if row.sample:
        out["n"] = metric(values, row.sample)
    if actual is None:
        return {**out, "status": "no_data"}
    if row.unit == "percent" and (out["n"] or 0) < row.reliable_from:
        return {**out, "status": "unreliable"}
    met = actual >= row.plan
    return {**out, "met": met, "status": "met" if met else "not_met"}


@dataclass
class Report:
    start: date
    end: date
    values: dict[str, Any]
    plan: list[dict[str, Any]]

    def to_json(self, labels: Labels | None = None) -> str:
        """Stable codes as keys; with `labels`, a `label` beside each code a person reads."""
        body: dict[str, Any] = {"from": self.start.isoformat(), "to": self.end.isoformat(), "plan": self.plan,
                                **self.values}
        if labels is not None:
            body["plan"] = [{**row, "label": row["labels"][labels.lang],
                             "status_label": labels.t(f"report.status.{row['status']}")} for row in self.plan]
            body["labels"] = _json_labels(self, labels)
        return json.dumps(body, ensure_ascii=False, indent=2, default=str)


def _json_labels(report: Report, labels: Labels) -> dict[str, dict[str, str]]:
    v = report.values
    c = v["consultations"]
    kinds = {"channel": c["by_channel"], "channel_group": c["report_channels"], "language": c["by_language"],
             "region": {**c["by_region"], **v["applications"]["by_region"]}, "topic": c["by_topic"],
             "age_band": v["demographics"]["age_band"], "sex": v["demographics"]["sex"],
             "verdict": v["eligibility"]["verdicts"], "survey": v["surveys"]["per_survey"],
             "ticket_kind": v["tickets"]["by_kind"], "skip": v["csat"]["skipped"]}
    return {kind: {str(code): labels(kind, code) for code in codes} for kind, codes in kinds.items()}


async def build_report(db: Database, start: date, end: date, zone: ZoneInfo, *,
                       plan: list[PlanRow] | None = None, plan_file: Path | None = None,
                       now: datetime | None = None, tagged: Mapping[str, Iterable[tuple[str, str]]] | None = None,
                       regions: Sequence[str] = ()) -> Report:
    """Indicators of [start, end] beside `plan` (as loaded at start), else the plan in
    `plan_file`. `tagged`: survey tag → (survey, question) pairs (config/surveys.yaml);
    `regions`: the season's regions, each held to a per-region plan."""
    begin, finish = day_range(start, end, zone)
    offset = int(zone.utcoffset(datetime.combine(start, datetime.min.time())).total_seconds() // 60)
    period = Period(begin, finish, zone.key, offset)
    async with db.sessions() as session:
        values = await indicators(session, period, now or utcnow(), tagged)
    rows = [evaluate(row, values, regions) for row in (plan if plan is not None else load_plan(plan_file))]
    return Report(start, end, values, rows)


# --- chart data (shared by the XLSX charts and the console's SVG) ----------------------
def per_day_series(report: Report) -> tuple[list[str], dict[str, list[int]]]:
    per_day = report.values["consultations"]["per_day"]
    days = sorted(per_day)
    channels = [c for c in CHANNELS if any(c in per_day[d] for d in days)] or ["webchat"]
    return days, {c: [per_day[d].get(c, 0) for d in days] for c in channels}


def top_topics(report: Report, limit: int = 12) -> list[tuple[str, int]]:
    return list(report.values["consultations"]["by_topic"].items())[:limit]


def _number(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def fmt_value(value: Any, unit: str, labels: Labels) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return f"{_number(value)} %"
    if isinstance(value, dict):
        return "; ".join(f"{labels('region', code)}: {_number(n)}" for code, n in value.items()) or "—"
    return _number(value)


def fmt_plan(row: dict[str, Any], labels: Labels) -> str:
    value = _number(row["plan"]) + (" %" if row["unit"] == "percent" else "")
    key = "report.plan.per_region" if row["unit"] == "per_region" else "report.plan.at_least"
    return labels.t(key, value=value)


def fmt_actual(row: dict[str, Any], labels: Labels) -> str:
    text = fmt_value(row["actual"], row["unit"], labels)
    if row.get("breakdown"):
        parts = "; ".join(f"{labels('channel_group', code)}: {n}" for code, n in row["breakdown"].items())
        text = f"{text} ({parts})"
    return text


def fmt_n(row: dict[str, Any]) -> str:
    return "" if row["n"] is None else f"n = {row['n']}"


def fmt_status(row: dict[str, Any], labels: Labels) -> str:
    return labels.t(f"report.status.{row['status']}", min=reliable_from(row))


def reliable_from(row: dict[str, Any] | None) -> int:
    return int((row or {}).get("reliable_from") or RELIABLE_FROM)


def fmt_method(row: dict[str, Any], labels: Labels) -> str:
    texts = row["reason"] or row["method"] or {}
    return texts.get(labels.lang, "")


def plan_columns(labels: Labels) -> list[str]:
    """The plan table's header: the report's own (Russian) wording first, always."""
    head = [labels.t("report.col.indicator_report")]
    if labels.lang != "ru":
        head.append(labels.t("report.col.indicator"))
    return head + [labels.t(f"report.col.{key}") for key in ("plan", "actual", "n", "status", "method")]


def plan_cells(row: dict[str, Any], labels: Labels) -> list[str]:
    cells = [row["labels"]["ru"]]
    if labels.lang != "ru":
        cells.append(row["labels"][labels.lang])
    return cells + [fmt_plan(row, labels), fmt_actual(row, labels), fmt_n(row), fmt_status(row, labels),
                    fmt_method(row, labels)]


def detail_sections(report: Report, labels: Labels) -> list[tuple[str, list[tuple[str, Any]]]]:
    """Everything below the plan table, as (title, [(label, value)]) with every code labelled."""
    v, tr = report.values, labels.t
    c, tk, cs, g, e, n = (v["consultations"], v["tickets"], v["csat"], v["grievances"], v["eligibility"],
                          v["notifications"])
    d = v["demographics"]

    def coded(kind: str, mapping: dict[str, Any]) -> list[tuple[str, Any]]:
        return [(labels(kind, code), value) for code, value in mapping.items()]

    minutes = tr("report.minutes")
    least = reliable_from(report.plan[0] if report.plan else None)

    def share(pct: float | None, n: int, count: int | None = None) -> str:
        return share_text(pct, n, labels, count, least)

    return [
        (tr("report.consultations"), [
            (tr("report.total"), c["total"]), (tr("report.unique_contacts"), c["unique_contacts"]),
            (tr("report.resolved_bot"), c["by_bot"]), (tr("report.resolved_person"), c["by_person"]),
            *coded("channel_group", c["report_channels"])]),
        (tr("report.by_channel"), coded("channel", c["by_channel"])),
        (tr("report.by_topic"), coded("topic", c["by_topic"])),
        (tr("report.by_language"), coded("language", c["by_language"])),
        (tr("report.by_region"), coded("region", c["by_region"])),
        (tr("report.applications"), [(tr("report.total"), v["applications"]["total"]),
                                     *coded("region", v["applications"]["by_region"])]),
        (tr("report.tickets"), [
            (tr("report.total"), tk["total"]), *coded("ticket_kind", tk["by_kind"]),
            (tr("report.first_response"), f"{tr('report.median')} {_number(tk['first_response']['median_minutes'])} "
                                          f"{minutes}, p90 {_number(tk['first_response']['p90_minutes'])} {minutes}"),
            (tr("report.resolution"), f"{tr('report.median')} {_number(tk['resolution']['median_minutes'])} "
                                      f"{minutes}, p90 {_number(tk['resolution']['p90_minutes'])} {minutes}"),
            (tr("report.sla_met"), share(tk["sla_met_pct"], tk["sla_met"] + tk["sla_missed"]))]),
        (tr("report.csat"), [
            (tr("report.sent"), cs["sent"]), (tr("report.responses"), cs["responses"]),
            (tr("report.satisfied_share"), share(cs["satisfied_pct"], cs["responses"])),
            (tr("report.average"), _number(cs["average"])),
            *((tr("report.score") + f" {score}", count) for score, count in cs["distribution"].items()),
            *((tr("report.skipped") + ": " + labels("skip", code), count) for code, count in cs["skipped"].items())]),
        (tr("report.surveys"), [
            (labels("survey", survey_id), tr("report.survey_line", sent=entry["sent"], answered=entry["answered"],
                                             completed=entry["completed"],
                                             satisfied=share(entry["satisfied_pct"], entry["scale_answers"])))
            for survey_id, entry in v["surveys"]["per_survey"].items()]),
        (tr("report.tags"), [(tr(f"report.tag.{tag}"), share(entry["satisfied_pct"], entry["answers"]))
                             for tag, entry in v["tags"].items()]),
        (tr("report.grievances"), [
            (tr("report.received"), g["received"]), (tr("report.resolved"), g["resolved"]),
            (tr("report.first_reply_in_sla"), share(g["on_time_pct"], g["received"])),
            (tr("report.grm_ratings"), share(v["grm"]["satisfied_pct"], v["grm"]["answers"]))]),
        (tr("report.eligibility"), [(tr("report.checks"), e["checks"]),
                                    *((labels("verdict", code), share(e["verdict_pct"][code], e["checks"], count))
                                      for code, count in e["verdicts"].items())]),
        (tr("report.notifications"), [(tr("report.sent"), n["sent"]), (tr("report.failed"), n["failed"]),
                                      (tr("report.unreachable"), n["unreachable"]),
                                      (tr("report.needs_template"), n["needs_template"])]),
        (tr("report.participants", people=d["people"]), [
            *((tr("report.sex") + ": " + labels("sex", code), count) for code, count in d["sex"].items()),
            *((tr("report.age_band") + ": " + labels("age_band", code), count)
              for code, count in d["age_band"].items())]),
    ]


def _with_n(pct: float | None, n: int, count: int | None = None) -> str:
    """"66.7 % (n = 3)": a share is never shown without what it is a share of."""
    head = "—" if pct is None else f"{_number(pct)} %"
    return f"{count} — {head} (n = {n})" if count is not None else f"{head} (n = {n})"


def share_text(pct: float | None, n: int, labels: Labels, count: int | None = None,
               least: int = RELIABLE_FROM) -> str:
    """`_with_n`, marked as not yet reliable below `least` answers ("100 %" from one rating
    is no finding)."""
    text = _with_n(pct, n, count)
    return text if pct is None or n >= least else f"{text} {labels.t('report.unreliable_mark', min=least)}"


# --- Markdown ----------------------------------------------------------------------------
def render_markdown(report: Report, labels: Labels) -> str:
    tr = labels.t
    out = [f"# {tr('report.title')}: {report.start.isoformat()} — {report.end.isoformat()}", "",
           f"## {tr('report.programme')}", ""]
    columns = plan_columns(labels)
    out += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in report.plan:
        out.append("| " + " | ".join(cell.replace("|", "/") for cell in plan_cells(row, labels)) + " |")
    out += ["", tr("report.reliability_note", min=reliable_from(report.plan[0] if report.plan else None))]
    for title, items in detail_sections(report, labels):
        out += ["", f"### {title}", ""]
        out += [f"- {label}: {_number(value) if not isinstance(value, str) else value}" for label, value in items] \
            or [f"- {tr('report.none')}"]
    return "\n".join(out) + "\n"


# --- XLSX ----------------------------------------------------------------------------------
def _tidy(ws, widths: Sequence[int]) -> None:
    """Frozen header, a filter over the table, readable column widths."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
        for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
            if width >= 40:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_xlsx(report: Report, path: Path, labels: Labels) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference

    tr = labels.t
    v = report.values
    book = Workbook()
    sheet = book.active
    sheet.title = tr("report.sheet.indicators")[:31]
    sheet.append(plan_columns(labels))
    for row in report.plan:
        sheet.append(plan_cells(row, labels))
    _tidy(sheet, [48] + ([48] if labels.lang != "ru" else []) + [18, 30, 10, 28, 60])

    def pairs(title_key: str, items: list[tuple[str, Any]], header: tuple[str, str]):
        ws = book.create_sheet(tr(title_key)[:31])
        ws.append(list(header))
        for label, value in items:
            ws.append([label, value])
        _tidy(ws, [44, 16])
        return ws

    c = v["consultations"]
    days, series = per_day_series(report)
    ws = book.create_sheet(tr("report.sheet.per_day")[:31])
    ws.append([tr("report.day"), *(labels("channel", code) for code in series)])
    for index, day in enumerate(days):
        ws.append([day, *(values[index] for values in series.values())])
    _tidy(ws, [14] + [16] * len(series))
    chart = LineChart()
    chart.title, chart.y_axis.title = tr("report.chart.per_day"), tr("report.consultations")
    chart.add_data(Reference(ws, min_col=2, max_col=1 + len(series), min_row=1, max_row=1 + len(days)),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(days)))
    ws.add_chart(chart, "F2")

    consultations_header = (tr("report.channel"), tr("report.consultations"))
    pairs("report.sheet.channels", [(labels("channel", k), n) for k, n in c["by_channel"].items()],
          consultations_header)
    ws = pairs("report.sheet.topics", [(labels("topic", k), n) for k, n in top_topics(report, 1000)],
               (tr("report.topic"), tr("report.consultations")))
    bar = BarChart()
    bar.type, bar.title = "bar", tr("report.chart.topics")
    rows = min(len(c["by_topic"]), 15)
    bar.add_data(Reference(ws, min_col=2, min_row=1, max_row=1 + rows), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + rows))
    ws.add_chart(bar, "D2")
    pairs("report.sheet.languages", [(labels("language", k), n) for k, n in c["by_language"].items()],
          (tr("report.language"), tr("report.consultations")))
    pairs("report.sheet.regions", [(labels("region", k), n) for k, n in c["by_region"].items()],
          (tr("report.region"), tr("report.consultations")))

    cs = v["csat"]
    ws = pairs("report.sheet.csat", list(cs["distribution"].items()), (tr("report.score"), tr("report.responses")))
    bar = BarChart()
    bar.title = tr("report.chart.csat")
    bar.add_data(Reference(ws, min_col=2, min_row=1, max_row=6), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=1, min_row=2, max_row=6))
    ws.add_chart(bar, "D2")

    tk = v["tickets"]
    ws = pairs("report.sheet.tickets", [(labels("response_time", code), count)
                                        for code, count in tk["first_response_buckets"].items()],
               (tr("report.first_response"), tr("report.tickets")))
    bar = BarChart()
    bar.title = tr("report.chart.response_times")
    count = len(tk["first_response_buckets"])
    bar.add_data(Reference(ws, min_col=2, min_row=1, max_row=1 + count), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + count))
    ws.add_chart(bar, "D2")

    ws = book.create_sheet(tr("report.sheet.surveys")[:31])
    ws.append([tr("report.survey"), tr("report.sent"), tr("report.answered"), tr("report.completed"),
               tr("report.satisfied_share"), "n"])
    for survey_id, entry in v["surveys"]["per_survey"].items():
        ws.append([labels("survey", survey_id), entry["sent"], entry["answered"], entry["completed"],
                   entry["satisfied_pct"], entry["scale_answers"]])
    _tidy(ws, [40, 12, 12, 12, 16, 8])
    ws = book.create_sheet(tr("report.sheet.details")[:31])
    ws.append([tr("report.section"), tr("report.col.indicator"), tr("report.col.actual")])
    for title, items in detail_sections(report, labels):
        for label, value in items:
            ws.append([title, label, value])
    _tidy(ws, [32, 48, 28])
    book.save(path)
