"""Journal exports: files open in openpyxl with the right rows; formula injection neutralised."""
import csv
import subprocess
import sys
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import openpyxl

from core.messages import Channel
from bot.engine import ConversationEngine
from reports.journal import CONSULTATION_HEADER, MESSAGE_HEADER, export_journal, neutralise
from tests.support.conversation import BotClient

ALMATY = ZoneInfo("Asia/Almaty")


async def seeded(db, services):
    now = [datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)]
    engine = ConversationEngine(db, services, clock=lambda: now[0])
    web = BotClient(engine, user_id="web-a")
    await web.start("ru")
    await web.send("=HYPERLINK(\"http://evil\")")
    wa = BotClient(engine, channel=Channel.whatsapp, user_id="+77011234567")
    await wa.start("kk")
    now[0] = datetime(2026, 3, 5, 10, 0, tzinfo=timezone.utc)  # outside the range below
    await web.send("later")
    return engine


def test_neutralise():
    for dangerous in ("=1+1", "+7 701", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(dangerous).startswith("'")
    assert neutralise("Сәлем") == "Сәлем" and neutralise(5) == 5


async def test_csv_by_message(db, services, tmp_path):
    await seeded(db, services)
    path = tmp_path / "journal.csv"
    count = await export_journal(db, start=date(2026, 3, 2), end=date(2026, 3, 2), zone=ALMATY,
                                 by="message", fmt="csv", path=path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == MESSAGE_HEADER and len(rows) - 1 == count
    texts = [row[MESSAGE_HEADER.index("text")] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil\")" in texts
    assert "later" not in texts
    phones = {row[MESSAGE_HEADER.index("phone")] for row in rows[1:]}
    assert "'+7701*****67" in phones and not any("1234567" in p for p in phones)


async def test_xlsx_by_consultation_and_channel_filter(db, services, tmp_path):
    await seeded(db, services)
    path = tmp_path / "journal.xlsx"
    count = await export_journal(db, start=date(2026, 3, 1), end=date(2026, 3, 31), zone=ALMATY,
                                 by="consultation", fmt="xlsx", path=path)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == CONSULTATION_HEADER
    assert count == len(rows) - 1 == 3  # web (2 episodes) + whatsapp
    channels = sorted(row[CONSULTATION_HEADER.index("channel")] for row in rows[1:])
    assert channels == ["webchat", "webchat", "whatsapp"]
    only_wa = tmp_path / "wa.xlsx"
    assert await export_journal(db, start=date(2026, 3, 1), end=date(2026, 3, 31), zone=ALMATY,
                                by="consultation", fmt="xlsx", path=only_wa, channel="whatsapp") == 1
    inbound = rows[1][CONSULTATION_HEADER.index("messages_in")]
    assert inbound == 3  # /start, language button, the formula text


def test_cli_export(tmp_path):
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'z.db'}", "PATH": "/usr/bin:/bin"}
    out = tmp_path / "out.csv"
    result = subprocess.run([sys.executable, "-m", "bot", "journal", "export", "--from", "2026-01-01",
                             "--to", "2026-01-31", "--format", "csv", "-o", str(out)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("consultation_id,")
    bad = subprocess.run([sys.executable, "-m", "bot", "journal", "export", "--from", "2026-13-01",
                          "--to", "2026-01-31", "--format", "csv", "-o", str(out)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "not a date" in bad.stderr
