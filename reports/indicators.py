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
from typing import Any
from zoneinfo import ZoneInfo

from core.config import ConfigError, config_file, error_at, load_mapping
from core.i18n import Translator
from reports.journal import day_range
from storage.reporting import Period, indicators, is_metric
from storage.types import utcnow
from storage.unit_of_work import Database

CHANNELS = ("telegram", "whatsapp", "webchat", "phone")


class ReportConfigError(ConfigError):
    """report.yaml is malformed or names a metric the report does not compute."""


@dataclass(frozen=True)
class PlanRow:
    key: str
    labels: dict[str, str]  # ru, kk
    metric: str
    plan: float
    unit: str  # count | percent


def load_plan(path: Path | None = None) -> list[PlanRow]:
    """The plan rows of report.yaml (the shipped one by default), every metric name checked.

    A metric that indicators() does not compute is an error here, at start-up, not a "—" in
    a report months later.
    """
    path = Path(path) if path else config_file("report.yaml")
    if not path.exists():
        return []
    data = load_mapping(path, error=ReportConfigError)
    items = data.get("indicators") or []
    rows = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("metric") or not item.get("ru") or not item.get("kk"):
            raise error_at(path, items, index, f"indicators[{index}] needs ru, kk and metric", ReportConfigError)
        if not is_metric(str(item["metric"])):
            raise error_at(path, item, "metric", f"indicators[{index}]: unknown metric {item['metric']!r} "
                           "(see storage/reporting.py METRICS)", ReportConfigError)
        unit = item.get("unit", "count")
        if unit not in ("count", "percent"):
            raise error_at(path, item, "unit", f"indicators[{index}]: unit is count or percent", ReportConfigError)
        try:
            plan = float(item.get("plan", 0))
        except (TypeError, ValueError):
            raise error_at(path, item, "plan", f"indicators[{index}]: plan must be a number",
                           ReportConfigError) from None
        rows.append(PlanRow(str(item.get("key") or item["metric"]), {"ru": str(item["ru"]), "kk": str(item["kk"])},
                            str(item["metric"]), plan, unit))
    return rows


def metric(values: dict[str, Any], path: str) -> Any:
    node: Any = values
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


@dataclass
class Report:
    start: date
    end: date
    values: dict[str, Any]
    plan: list[dict[str, Any]]

    def to_json(self) -> str:
        return json.dumps({"from": self.start.isoformat(), "to": self.end.isoformat(), "plan": self.plan,
                           **self.values}, ensure_ascii=False, indent=2, default=str)


async def build_report(db: Database, start: date, end: date, zone: ZoneInfo, *,
                       plan: list[PlanRow] | None = None, plan_file: Path | None = None,
                       now: datetime | None = None) -> Report:
    """Indicators of [start, end] next to `plan` (as loaded at start), else the plan in `plan_file`."""
    begin, finish = day_range(start, end, zone)
    offset = int(zone.utcoffset(datetime.combine(start, datetime.min.time())).total_seconds() // 60)
    period = Period(begin, finish, zone.key, offset)
    async with db.sessions() as session:
        values = await indicators(session, period, now or utcnow())
    rows = []
    for row in plan if plan is not None else load_plan(plan_file):
        actual = metric(values, row.metric)
        rows.append({"key": row.key, "ru": row.labels["ru"], "kk": row.labels["kk"], "unit": row.unit,
                     "plan": row.plan, "actual": actual,
                     "met": actual is not None and actual >= row.plan})
    return Report(start, end, values, rows)


# --- chart data (shared by the XLSX charts and the console's SVG) ----------------------
def per_day_series(report: Report) -> tuple[list[str], dict[str, list[int]]]:
    per_day = report.values["consultations"]["per_day"]
    days = sorted(per_day)
    channels = [c for c in CHANNELS if any(c in per_day[d] for d in days)] or ["webchat"]
    return days, {c: [per_day[d].get(c, 0) for d in days] for c in channels}


def top_topics(report: Report, limit: int = 12) -> list[tuple[str, int]]:
    return list(report.values["consultations"]["by_topic"].items())[:limit]


def _fmt(value: Any, unit: str = "count") -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value:g} %"
    return f"{value:g}" if isinstance(value, float) else str(value)


# --- Markdown ----------------------------------------------------------------------------
def render_markdown(report: Report, t: Translator, lang: str = "ru") -> str:
    v = report.values
    tr = lambda key, **kw: t.t(lang, key, **kw)  # noqa: E731
    out = [f"# {tr('report.title')}: {report.start.isoformat()} — {report.end.isoformat()}", ""]
    out += [f"## {tr('report.programme')}", "",
            f"| {tr('report.col.indicator')} (ru) | {tr('report.col.indicator')} (kk) | {tr('report.col.plan')} | "
            f"{tr('report.col.actual')} | {tr('report.col.met')} |", "|---|---|---:|---:|:---:|"]
    for row in report.plan:
        out.append(f"| {row['ru']} | {row['kk']} | {_fmt(row['plan'], row['unit'])} | "
                   f"{_fmt(row['actual'], row['unit'])} | {'✔' if row['met'] else '✖'} |")

    def table(title: str, mapping: dict[str, Any]) -> None:
        out.extend(["", f"### {title}", ""])
        out.extend(f"- {key or tr('report.unknown')}: {_fmt(value)}" for key, value in mapping.items())

    c = v["consultations"]
    out += ["", f"## {tr('report.consultations')}", "",
            f"- {tr('report.total')}: {c['total']}", f"- {tr('report.unique_contacts')}: {c['unique_contacts']}",
            f"- {tr('report.resolved_bot')}: {c['by_bot']}", f"- {tr('report.resolved_person')}: {c['by_person']}"]
    table(tr("report.by_channel"), c["by_channel"])
    table(tr("report.by_topic"), c["by_topic"])
    table(tr("report.by_language"), c["by_language"])
    table(tr("report.by_region"), c["by_region"])
    tk = v["tickets"]
    out += ["", f"## {tr('report.tickets')}", "", f"- {tr('report.total')}: {tk['total']}",
            f"- {tr('report.first_response')}: {tr('report.median')} {_fmt(tk['first_response']['median_minutes'])} "
            f"{tr('report.minutes')}, p90 {_fmt(tk['first_response']['p90_minutes'])} {tr('report.minutes')}",
            f"- {tr('report.resolution')}: {tr('report.median')} {_fmt(tk['resolution']['median_minutes'])} "
            f"{tr('report.minutes')}, p90 {_fmt(tk['resolution']['p90_minutes'])} {tr('report.minutes')}",
            f"- {tr('report.sla_met')}: {_fmt(tk['sla_met_pct'], 'percent')}"]
    cs = v["csat"]
    out += ["", f"## {tr('report.csat')}", "", f"- {tr('report.sent')}: {cs['sent']}",
            f"- {tr('report.responses')}: {cs['responses']}",
            f"- {tr('report.satisfied_share')}: {_fmt(cs['satisfied_pct'], 'percent')}",
            f"- {tr('report.average')}: {_fmt(cs['average'])}"]
    table(tr("report.csat_distribution"), cs["distribution"])
    table(tr("report.skipped"), cs["skipped"])
    sv = v["surveys"]
    out += ["", f"## {tr('report.surveys')}", "",
            f"| {tr('report.survey')} | {tr('report.sent')} | {tr('report.answered')} | {tr('report.completed')} | "
            f"{tr('report.satisfied_share')} |", "|---|---:|---:|---:|---:|"]
    for survey_id, entry in sv["per_survey"].items():
        out.append(f"| {survey_id} | {entry['sent']} | {entry['answered']} | {entry['completed']} | "
                   f"{_fmt(entry['satisfied_pct'], 'percent')} |")
    g = v["grievances"]
    out += ["", f"## {tr('report.grievances')}", "", f"- {tr('report.received')}: {g['received']}",
            f"- {tr('report.resolved')}: {g['resolved']}",
            f"- {tr('report.on_time')}: {g['on_time']} ({_fmt(g['on_time_pct'], 'percent')})"]
    e = v["eligibility"]
    out += ["", f"## {tr('report.eligibility')}", "", f"- {tr('report.checks')}: {e['checks']}"]
    out.extend(f"- {verdict}: {count} ({_fmt(e['verdict_pct'][verdict], 'percent')})"
               for verdict, count in e["verdicts"].items())
    n = v["notifications"]
    out += ["", f"## {tr('report.notifications')}", "", f"- {tr('report.sent')}: {n['sent']}",
            f"- {tr('report.failed')}: {n['failed']}", f"- {tr('report.unreachable')}: {n['unreachable']}",
            f"- {tr('report.needs_template')}: {n['needs_template']}"]
    table(tr("report.sex"), v["demographics"]["sex"])
    table(tr("report.age_band"), v["demographics"]["age_band"])
    return "\n".join(out) + "\n"


# --- XLSX ----------------------------------------------------------------------------------
def write_xlsx(report: Report, path: Path, t: Translator, lang: str = "ru") -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference

    tr = lambda key: t.t(lang, key)  # noqa: E731
    v = report.values
    book = Workbook()
    sheet = book.active
    sheet.title = "indicators"
    sheet.append([f"{tr('report.col.indicator')} (ru)", f"{tr('report.col.indicator')} (kk)",
                  tr("report.col.unit"), tr("report.col.plan"), tr("report.col.actual"), tr("report.col.met")])
    for row in report.plan:
        sheet.append([row["ru"], row["kk"], row["unit"], row["plan"], row["actual"], "✔" if row["met"] else "✖"])
    sheet.column_dimensions["A"].width = sheet.column_dimensions["B"].width = 48

    def pairs(title: str, mapping: dict[str, Any], header: tuple[str, str]):
        ws = book.create_sheet(title)
        ws.append(list(header))
        for key, value in mapping.items():
            ws.append([key or tr("report.unknown"), value])
        return ws

    c = v["consultations"]
    days, series = per_day_series(report)
    ws = book.create_sheet("per_day")
    ws.append([tr("report.day"), *series])
    for index, day in enumerate(days):
        ws.append([day, *(values[index] for values in series.values())])
    chart = LineChart()
    chart.title, chart.y_axis.title = tr("report.chart.per_day"), tr("report.consultations")
    chart.add_data(Reference(ws, min_col=2, max_col=1 + len(series), min_row=1, max_row=1 + len(days)),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(days)))
    ws.add_chart(chart, "F2")

    ws = pairs("channels", c["by_channel"], (tr("report.channel"), tr("report.consultations")))
    ws = pairs("topics", dict(top_topics(report, 1000)), (tr("report.topic"), tr("report.consultations")))
    bar = BarChart()
    bar.type, bar.title = "bar", tr("report.chart.topics")
    rows = min(len(c["by_topic"]), 15)
    bar.add_data(Reference(ws, min_col=2, min_row=1, max_row=1 + rows), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + rows))
    ws.add_chart(bar, "D2")
    pairs("languages", c["by_language"], (tr("report.language"), tr("report.consultations")))
    pairs("regions", c["by_region"], (tr("report.region"), tr("report.consultations")))

    cs = v["csat"]
    ws = pairs("csat", cs["distribution"], (tr("report.score"), tr("report.responses")))
    bar = BarChart()
    bar.title = tr("report.chart.csat")
    bar.add_data(Reference(ws, min_col=2, min_row=1, max_row=6), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=1, min_row=2, max_row=6))
    ws.add_chart(bar, "D2")

    tk = v["tickets"]
    ws = pairs("tickets", tk["first_response_buckets"], (tr("report.first_response"), tr("report.tickets")))
    bar = BarChart()
    bar.title = tr("report.chart.response_times")
    n = len(tk["first_response_buckets"])
    bar.add_data(Reference(ws, min_col=2, min_row=1, max_row=1 + n), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + n))
    ws.add_chart(bar, "D2")
    for label, key in (("median_minutes", "median"), ("p90_minutes", "p90")):
        ws.append([f"{tr('report.first_response')} {key}", tk["first_response"][label]])
        ws.append([f"{tr('report.resolution')} {key}", tk["resolution"][label]])
    ws.append([tr("report.sla_met"), tk["sla_met_pct"]])

    ws = book.create_sheet("surveys")
    ws.append([tr("report.survey"), tr("report.sent"), tr("report.answered"), tr("report.completed"),
               tr("report.satisfied_share")])
    for survey_id, entry in v["surveys"]["per_survey"].items():
        ws.append([survey_id, entry["sent"], entry["answered"], entry["completed"], entry["satisfied_pct"]])
    g, e, nt = v["grievances"], v["eligibility"], v["notifications"]
    ws = book.create_sheet("other")
    for label, value in ((tr("report.grievances") + ": " + tr("report.received"), g["received"]),
                         (tr("report.grievances") + ": " + tr("report.resolved"), g["resolved"]),
                         (tr("report.grievances") + ": " + tr("report.on_time"), g["on_time"]),
                         (tr("report.eligibility") + ": " + tr("report.checks"), e["checks"]),
                         *((tr("report.eligibility") + ": " + k, n) for k, n in e["verdicts"].items()),
                         (tr("report.notifications") + ": " + tr("report.sent"), nt["sent"]),
                         (tr("report.notifications") + ": " + tr("report.failed"), nt["failed"]),
                         (tr("report.notifications") + ": " + tr("report.unreachable"), nt["unreachable"]),
                         (tr("report.unique_contacts"), c["unique_contacts"]),
                         *((tr("report.sex") + ": " + k, n) for k, n in v["demographics"]["sex"].items()),
                         *((tr("report.age_band") + ": " + k, n) for k, n in v["demographics"]["age_band"].items())):
        ws.append([label, value])
    book.save(path)
