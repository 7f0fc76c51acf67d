"""/console/reports: managers only; indicators, SVG charts, downloads and audited exports."""
import openpyxl
import pytest
from sqlalchemy import select

from storage.tickets import AuditEntry
from tests.conftest import sqlite_url
from tests.feedback.test_reporting import seed
from tests.handoff.conftest import PASSWORD
from tests.handoff.console_client import ConsoleClient
from tests.support.app import running_bot

SPAN = "from=2026-03-02&to=2026-03-03"


@pytest.fixture
async def app(tmp_path):
    async with running_bot(sqlite_url(tmp_path), notifications_enabled=False) as bot:
        await bot.accounts.add("aida", "operator", PASSWORD)
        await bot.accounts.add("zhanna", "manager", PASSWORD)
        await seed(bot.db)
        yield bot


@pytest.fixture
async def console(app):
    client = ConsoleClient(app.base_url)
    yield client
    await client.close()


async def test_reports_page_for_managers_only(app, console):
    status, _ = await console.get(f"/console/reports?{SPAN}", allow_redirects=False)
    assert status in (302, 303)
    await console.login("aida", PASSWORD)
    status, body = await console.get(f"/console/reports?{SPAN}")
    assert status == 403
    status, _body, _ = await console.post("/console/reports/export", {"kind": "tickets", "format": "csv",
                                                                     "date_from": "2026-03-02", "date_to": "2026-03-03"})
    assert status == 403
    manager = ConsoleClient(app.base_url)
    try:
        await manager.login("zhanna", PASSWORD)
        await manager.get("/console/lang/ru")
        status, body = await manager.get(f"/console/reports?{SPAN}")
        assert status == 200
        assert "Количество консультаций колл-центра" in body and "Уровень удовлетворенности МОСРП" in body
        assert "n = " in body and "Как измерено" in body and "webchat</td>" not in body
        # A share from fewer than ten answers is marked; none is shown without its n.
        assert "пока недостоверно" in body and " %</p>" not in body and "h</text>" not in body
        await manager.get("/console/lang/kk")
        status, body = await manager.get(f"/console/reports?{SPAN}")
        # In Kazakh the report's own Russian wording stays beside the translation.
        assert "Количество консультаций колл-центра" in body and "Колл-орталық кеңестерінің саны" in body
        assert body.count("<svg") == 4 and 'href="/console/reports"' in body
        async with manager.http.get(f"{app.base_url}/console/reports/download?{SPAN}&format=xlsx") as response:
            assert response.status == 200
            data = await response.read()
        assert data[:2] == b"PK"
    finally:
        await manager.close()


async def test_exports_masked_and_unmasked_with_audit(app, tmp_path):
    manager = ConsoleClient(app.base_url)
    try:
        await manager.login("zhanna", PASSWORD)
        await manager.get(f"/console/reports?{SPAN}")
        form = {"kind": "csat", "format": "xlsx", "date_from": "2026-03-02", "date_to": "2026-03-03",
                "csrf_token": manager.csrf}
        async with manager.http.post(f"{app.base_url}/console/reports/export", data=form) as response:
            assert response.status == 200
            assert "attachment" in response.headers["Content-Disposition"]
            path = tmp_path / "csat.xlsx"
            path.write_bytes(await response.read())
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == ["Оценки консультаций"]
        assert len(list(book.active.iter_rows())) == 6  # header + 5 polls in the period
        assert book.active.freeze_panes == "A2" and book.active.auto_filter.ref
        form.update(kind="journal_message", format="csv", unmasked="1")
        async with manager.http.post(f"{app.base_url}/console/reports/export", data=form) as response:
            assert response.status == 200
            assert (await response.read()).decode("utf-8-sig").startswith("№ сообщения,Время,Канал,")
        await manager.get("/console/lang/kk")  # the export speaks the manager's console language
        async with manager.http.post(f"{app.base_url}/console/reports/export", data=form) as response:
            assert (await response.read()).decode("utf-8-sig").startswith("Хабарлама №,Уақыты,Арна,")
        form["csrf_token"] = "wrong"
        async with manager.http.post(f"{app.base_url}/console/reports/export", data=form) as response:
            assert response.status == 403
    finally:
        await manager.close()
    async with app.db.sessions() as session:
        entries = [(e.actor, e.action, e.target) for e in await session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("export%")).order_by(AuditEntry.id))]
    assert entries == [("zhanna", "export", "csat:2026-03-02..2026-03-03"),
                       ("zhanna", "export_unmasked", "journal:2026-03-02..2026-03-03"),
                       ("zhanna", "export_unmasked", "journal:2026-03-02..2026-03-03")]


async def test_the_bot_wires_csat_and_the_idle_closer(app):
    assert app.feedback is not None and app.feedback._task is not None and not app.feedback._task.done()
    assert app.feedback.on_ticket_resolved in app.handoff._resolved_hooks
    assert {"after_applying", "after_results", "after_implementation"} <= set(app.services.surveys.surveys)


async def test_default_periods_end_today_in_the_call_centres_zone(app, console, monkeypatch):
    # 19:30 UTC on 30 November is 00:30 on 1 December in Almaty: the reports and the
    # unanswered-questions pages default to periods ending on the 1st, not on the server's date.
    from datetime import datetime, timezone

    from bot.console import routes

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            moment = datetime(2026, 11, 30, 19, 30, tzinfo=timezone.utc)
            return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

    monkeypatch.setattr(routes, "datetime", Frozen)
    await console.login("zhanna", PASSWORD)
    status, body = await console.get("/console/reports")
    assert status == 200
    assert 'name="from" value="2026-12-01"' in body and 'name="to" value="2026-12-01"' in body
    status, body = await console.get("/console/faq/misses")
    assert status == 200
    assert 'name="from" value="2026-11-01"' in body and 'name="to" value="2026-12-01"' in body
