"""The next season announced to everyone who asked: once each, in their language, through the outbox."""
import copy
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.cli import main as cli_main
from core.config import config_file
from core.programme import load_programme
from fakes.season import confirmed_programme
from fakes.twilio_api import FakeTwilioAPI
from notify.next_season import NothingToAnnounce, enqueue_next_season
from storage.models import Contact
from storage.outbox import OutboxMessage
from tests.conftest import sqlite_url, translator
from tests.notify.test_sender import FAST, wait_states
from tests.support.app import free_port, running_bot

BEFORE = datetime(2026, 9, 1, 6, tzinfo=timezone.utc)  # the shipped window: 9–22 October 2026
TEMPLATE_SID = "HX" + "2" * 32


def programme(**window):
    data = copy.deepcopy(confirmed_programme())
    data["eligibility"]["application_window"].update(window)
    return data


async def add_contacts(db, specs):
    """specs: (channel, external id, language, opted in, opted out, last inbound) → contact ids."""
    async with db.unit_of_work() as uow:
        contacts = [Contact(channel=channel, external_id=external, language=lang, state={},
                            next_season_optin_at=BEFORE - timedelta(days=30) if optin else None,
                            opted_out=opted_out, last_inbound_at=last_inbound)
                    for channel, external, lang, optin, opted_out, last_inbound in specs]
        uow.session.add_all(contacts)
        await uow.session.flush()
        return [c.id for c in contacts]


async def announce(db, data=None, now=BEFORE, **kw):
    async with db.unit_of_work() as uow:
        return await enqueue_next_season(uow.session, translator(), data or confirmed_programme(),
                                         default_language="kk", now=now, **kw)


async def outbox(db):
    async with db.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.contact_id)))


async def test_everyone_who_asked_is_told_once_in_their_language(db):
    kk, ru, en, _not_asked, stopped = await add_contacts(db, [
        ("telegram", "501", "kk", True, False, None), ("telegram", "502", "ru", True, False, None),
        ("webchat", "w-503", "en", True, False, None), ("telegram", "504", "ru", False, False, None),
        ("telegram", "505", "ru", True, True, None),
    ])
    dry = await announce(db, dry_run=True)
    assert (dry.opted_in, dry.queued) == (3, 0) and await outbox(db) == []

    done = await announce(db)
    assert (done.opted_in, done.queued, done.unreachable) == (3, 3, 0)
    assert (done.opens, done.closes) == (date(2026, 10, 9), date(2026, 10, 22))
    rows = {row.contact_id: row for row in await outbox(db)}
    assert set(rows) == {kk, ru, en}
    assert "2026 жылғы 9 қазан" in rows[kk].text and "www.zhasproject.com" in rows[kk].text
    assert "с 9 октября 2026 года по 22 октября 2026 года" in rows[ru].text
    assert "from 9 October 2026 to 22 October 2026" in rows[en].text and "STOP" in rows[en].text
    for row in rows.values():
        assert (row.kind, row.state, row.template_key, row.batch_id) == (
            "next_season", "queued", "season.next", "next-season-2026-10-09")
    assert rows[ru].template_variables == {"1": "9 октября 2026 года", "2": "22 октября 2026 года"}

    # Told: the opt-in is spent, and a second run (or one racing it) queues nothing more.
    # Who said STOP keeps theirs: told only if they come back (START) before a later run.
    async with db.sessions() as session:
        waiting = await session.scalars(select(Contact.id).where(Contact.next_season_optin_at.is_not(None)))
        assert list(waiting) == [stopped]
    assert (await announce(db)).queued == 0
    assert len(await outbox(db)) == 3


async def test_a_contact_who_blocked_the_bot_is_marked_unreachable(sqlite_db):
    [blocked] = await add_contacts(sqlite_db, [("telegram", "601", "ru", True, False, None)])
    async with sqlite_db.unit_of_work() as uow:
        uow.session.add(OutboxMessage(dedup_key="status:x", kind="status", batch_id="b", contact_id=blocked,
                                      channel="telegram", topic="received", language="ru", text="…",
                                      state="unreachable", last_error="blocked"))
    done = await announce(sqlite_db)
    assert (done.queued, done.unreachable) == (1, 1)
    row = next(r for r in await outbox(sqlite_db) if r.kind == "next_season")
    assert row.state == "unreachable"


@pytest.mark.parametrize("window, reason", [
    ({"opens": "2026-08-01", "closes": "2026-08-14"}, "closed on 2026-08-14"),
    ({"opens": None, "closes": None}, "announces no season"),
])
async def test_nothing_is_sent_while_no_season_is_announced(sqlite_db, window, reason):
    await add_contacts(sqlite_db, [("telegram", "701", "ru", True, False, None)])
    with pytest.raises(NothingToAnnounce, match=reason):
        await announce(sqlite_db, programme(**window))
    assert await outbox(sqlite_db) == []
    async with sqlite_db.sessions() as session:
        assert await session.scalar(select(Contact.next_season_optin_at)) is not None


def shipped_with_window(tmp_path, opens: date, closes: date):
    text = config_file("programme.yaml").read_text(encoding="utf-8")
    text = text.replace("    opens: 2026-10-09", f"    opens: {opens.isoformat()}")
    text = text.replace("    closes: 2026-10-22", f"    closes: {closes.isoformat()}")
    text = text.replace("\n  confirmed: false\n", "\n  confirmed: true\n")
    path = tmp_path / f"programme-{opens.isoformat()}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_cli_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path))
    # The shipped window may be over by the time this runs: one ahead of today.
    today = date.today()
    ahead = shipped_with_window(tmp_path, today + timedelta(days=10), today + timedelta(days=20))
    assert load_programme(ahead)["eligibility"]["application_window"]["opens"] == today + timedelta(days=10)
    monkeypatch.setenv("PROGRAMME_FILE", str(ahead))
    assert cli_main(["notifications", "next-season", "--dry-run"]) == 0
    assert "0 contact(s) waiting" in capsys.readouterr().out
    assert cli_main(["notifications", "next-season"]) == 0
    assert "queued 0 announcement(s)" in capsys.readouterr().out
    past = shipped_with_window(tmp_path, date(2020, 1, 1), date(2020, 1, 10))
    monkeypatch.setenv("PROGRAMME_FILE", str(past))
    assert cli_main(["notifications", "next-season"]) == 1
    assert "nothing to announce" in capsys.readouterr().out


async def test_whatsapp_outside_the_24_hours_gets_the_template(tmp_path):
    templates = tmp_path / "templates.yaml"
    templates.write_text(f"season.next:\n  kk: {TEMPLATE_SID}\n", encoding="utf-8")
    port = free_port()
    async with FakeTwilioAPI(content_templates={TEMPLATE_SID: "ZHAS PROJECT: {{1}} – {{2}}"}) as twilio:
        async with running_bot(sqlite_url(tmp_path), twilio_account_sid=twilio.account_sid,
                               twilio_auth_token=twilio.auth_token, twilio_whatsapp_from="+14155238886",
                               twilio_api_base=twilio.base_url, public_base_url=f"http://127.0.0.1:{port}",
                               http_port=port, whatsapp_templates_file=templates, **FAST) as app:
            now = datetime.now(timezone.utc)
            await add_contacts(app.db, [
                ("whatsapp", "+77010000801", "kk", True, False, now - timedelta(days=3)),
                ("whatsapp", "+77010000802", "kk", True, False, now - timedelta(hours=1)),
            ])
            window = programme(opens=(now + timedelta(days=10)).date().isoformat(),
                               closes=(now + timedelta(days=20)).date().isoformat())
            assert (await announce(app.db, window, now=now)).queued == 2
            await wait_states(app.db, {"sent": 2})
            by_number = {s.to: s for s in twilio.sent}
            template = by_number["whatsapp:+77010000801"]
            assert template.content_sid == TEMPLATE_SID and "жылғы" in template.content_variables
            free = by_number["whatsapp:+77010000802"]
            assert free.content_sid is None and "келесі конкурсы жарияланды" in free.body


async def test_dates_the_programme_has_not_confirmed_are_not_announced(sqlite_db):
    """The shipped season's dates are settings (`calendar.confirmed: false`): announcing them
    would promise a window nobody published."""
    await add_contacts(sqlite_db, [("telegram", "702", "ru", True, False, None)])
    with pytest.raises(NothingToAnnounce, match="calendar.confirmed"):
        await announce(sqlite_db, copy.deepcopy(load_programme()))
    assert await outbox(sqlite_db) == []
