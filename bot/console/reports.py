"""The managers' reports page, /console/reports: indicators against the plan, SVG charts,
downloads of the report, and exports (journal, tickets, CSAT, survey answers).

Built on the console's own pages (bot.console.routes.Console): the same session, CSRF
and role checks (`Console.page(role="manager")`), templates and audit log.
"""
from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from aiohttp import web

from bot.console.routes import FORM, OPERATOR, Console
from reports import svg
from reports.exports import NotAllowed, allow_unmasked, export
from bot.report_inputs import export_inputs, report_inputs, report_labels
from reports.indicators import (build_report, detail_sections, per_day_series, plan_cells, plan_columns,
                                reliable_from, render_markdown, share_text, top_topics, write_xlsx)

HERE = Path(__file__).resolve().parent
EXPORTS = {"journal_consultation": ("journal", "consultation"), "journal_message": ("journal", "message"),
           "tickets": ("tickets", None), "csat": ("csat", None), "surveys": ("surveys", None)}
CONTENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "csv": "text/csv", "md": "text/markdown", "json": "application/json"}
CHUNK = 64 * 1024
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _dates(source, today: date) -> tuple[date, date] | None:
    """The period asked for; by default this month up to `today`."""
    try:
        start = date.fromisoformat(str(source.get("from") or (today.replace(day=1)).isoformat()))
        end = date.fromisoformat(str(source.get("to") or today.isoformat()))
    except ValueError:
        return None
    # Years 1 and 9999 overflow once turned into zoned datetimes: the programme's own years only.
    if not (EARLIEST <= start <= end <= LATEST):
        return None
    return (start, end) if end - start <= timedelta(days=3660) else None


class Reports(Console):
    def __init__(self, bot, **kwargs):
        super().__init__(handoff=bot.handoff, accounts=bot.accounts, translator=bot.services.translator,
                         secure_cookies=bot.settings.secure_cookies, **kwargs)
        self.db = bot.db
        self.zone = bot.settings.zone
        self.plan = bot.configuration.report_plan
        self.surveys = bot.services.surveys
        self.programme_file = bot.settings.programme_file
        self.topics_dir = bot.settings.faq_topics_dir
        self.inputs = report_inputs(self.programme_file, self.surveys)

    def labels(self, request: web.Request):
        return report_labels(self.translator, self.lang(request), self.surveys, self.topics_dir)

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/console/reports", self.reports),
                web.get("/console/reports/download", self.download),
                web.post("/console/reports/export", self.export_file)]

    @Console.page(role="manager")
    async def reports(self, request: web.Request) -> web.Response:
        dates = _dates(request.query, self.today())
        if dates is None:
            return self.render(request, "error.html", status=400, message_key="report.error.dates")
        report = await build_report(self.db, *dates, self.zone, plan=self.plan, **self.inputs)
        labels = self.labels(request)
        t = labels.t
        days, series = per_day_series(report)
        series = {labels("channel", code): values for code, values in series.items()}
        topics = top_topics(report)
        v = report.values
        charts = {
            "per_day": svg.line_chart(days, series, t("report.chart.per_day")),
            "topics": svg.bar_chart([labels("topic", k) for k, _ in topics], [n for _, n in topics],
                                    t("report.chart.topics")),
            "csat": svg.bar_chart(list(v["csat"]["distribution"]), list(v["csat"]["distribution"].values()),
                                  t("report.chart.csat")),
            "response": svg.bar_chart([labels("response_time", code) for code in v["tickets"]["first_response_buckets"]],
                                      list(v["tickets"]["first_response_buckets"].values()),
                                      t("report.chart.response_times")),
        }
        return self.render(request, "reports.html", report=report, v=v, charts=charts, exports=list(EXPORTS),
                           plan_columns=plan_columns(labels), plan_rows=[plan_cells(r, labels) for r in report.plan],
                           plan_status=[r["status"] for r in report.plan], sections=detail_sections(report, labels),
                           reliable_from=reliable_from(report.plan[0] if report.plan else None),
                           share=lambda pct, n: share_text(pct, n, labels,
                                                           least=reliable_from(report.plan[0] if report.plan else None)),
                           date_from=dates[0].isoformat(), date_to=dates[1].isoformat(),
                           notice=request.query.get("error"))

    @Console.page(role="manager")
    async def download(self, request: web.Request) -> web.StreamResponse:
        dates = _dates(request.query, self.today())
        fmt = request.query.get("format", "xlsx")
        if dates is None or fmt not in ("xlsx", "md", "json"):
            return self.render(request, "error.html", status=400, message_key="report.error.dates")
        report = await build_report(self.db, *dates, self.zone, plan=self.plan, **self.inputs)
        labels = self.labels(request)
        name = f"report-{dates[0]}-{dates[1]}.{fmt}"
        if fmt == "xlsx":
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / name
                write_xlsx(report, path, labels)
                body = path.read_bytes()  # a report is a few sheets of aggregates: small
        else:
            body = (report.to_json(labels) if fmt == "json" else render_markdown(report, labels)).encode()
        return web.Response(body=body, content_type=CONTENT_TYPES[fmt], headers={
            "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})

    @Console.page(role="manager")
    async def export_file(self, request: web.Request) -> web.StreamResponse:
        form = request[FORM]
        operator = request[OPERATOR]
        dates = _dates({"from": form.get("date_from"), "to": form.get("date_to")}, self.today())
        choice = EXPORTS.get(str(form.get("kind", "")))
        fmt = "xlsx" if form.get("format") == "xlsx" else "csv"
        channel = str(form.get("channel", "")) or None
        if dates is None or choice is None or channel not in (None, "telegram", "whatsapp", "webchat", "phone"):
            return self.render(request, "error.html", status=400, message_key="report.error.dates")
        kind, by = choice
        unmasked = form.get("unmasked") == "1"
        target = f"{kind}:{dates[0]}..{dates[1]}"
        details = {"format": fmt, "channel": channel, "by": by, "via": "console"}
        if unmasked:
            try:
                await allow_unmasked(self.db, operator.name, target=target, details=details)
            except NotAllowed:
                return self.render(request, "error.html", status=403, message_key="console.error.forbidden")
        else:
            await self.accounts.audit(operator, "export", target, **details)
        name = f"{kind}{'-' + by if by else ''}-{dates[0]}-{dates[1]}.{fmt}"
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            await export(self.db, kind, start=dates[0], end=dates[1], zone=self.zone, fmt=fmt, path=path,
                         channel=channel, masked=not unmasked, by=by or "consultation",
                         **export_inputs(self.translator, self.lang(request), self.programme_file, self.surveys,
                                         self.topics_dir))
            # Streamed from the file in chunks: memory stays flat whatever the export's size.
            response = web.StreamResponse(headers={
                "Content-Type": CONTENT_TYPES[fmt], "Cache-Control": "no-store",
                "Content-Disposition": f'attachment; filename="{name}"'})
            response.content_length = path.stat().st_size
            await response.prepare(request)
            with path.open("rb") as file:
                while chunk := file.read(CHUNK):
                    await response.write(chunk)
            await response.write_eof()
        return response


def reports_routes(bot) -> list[web.RouteDef]:
    return Reports(bot).routes()
