"""Report and journal-export benchmark on SQLite: 200,000 messages in 50,000 consultations.

    .venv/bin/python bench/export.py [--messages 200000] [--consultations 50000]

Seeds a temporary SQLite file with bulk inserts (executemany through SQLAlchemy Core),
then runs `report` and the CSV/XLSX journal exports (by message and by consultation), each
in a child process that prints its own time, CPU time (all its threads: SQLite's too, and
the process a long message export masks texts in) and peak RSS (its VmHWM, or the highest
sum of its and its child processes' RSS, sampled every 20 ms, when that is higher: both are
in memory at once). On a shared machine the CPU
time is the steadier figure. Targets (issue 13): report
≤ 3 s, journal XLSX ≤ 10 s, CSV ≤ 6 s, peak RSS ≤ 150 MB. The child imports only the report/export code (no aiogram/twilio).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import env_with_root  # noqa: E402

CHANNELS = ("telegram", "whatsapp", "webchat")
TOPICS = ("deadline", "documents", "grant_amount", "eligibility", "mentors", "region")
START = datetime(2026, 10, 1, 4, 0, tzinfo=timezone.utc)
DAYS = 30
SECONDS_LIMIT = {"report": 3.0, "xlsx": 10.0, "csv": 6.0}
RSS_LIMIT_MB = 150

CHILD = r"""
import asyncio, glob, json, os, sys, threading, time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo
start = time.perf_counter()
url, job, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
from storage.unit_of_work import Database
from core.clock import default_zone
zone = default_zone()
def rss_kb(pid):
    try:
        return next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0
peak = [0]
def sample():  # this process and its children (the masking process), together
    while True:
        kids = {pid for path in glob.glob("/proc/self/task/*/children") for pid in open(path).read().split()}
        peak[0] = max(peak[0], rss_kb("self") + sum(rss_kb(pid) for pid in kids))
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()
async def main():
    db = Database(url)
    try:
        if job == "report":
            from core.i18n import Translator
            from reports.indicators import build_report, write_xlsx
            from reports.labels import Labels
            report = await build_report(db, date(2026, 10, 1), date(2026, 10, 31), zone,
                                        regions=("almaty", "mangystau"))
            write_xlsx(report, out, Labels(Translator(), "ru"))
            return report.values["consultations"]["total"]
        from reports.journal import export_journal
        by, fmt = job.split(":")
        return await export_journal(db, start=date(2026, 10, 1), end=date(2026, 10, 31), zone=zone, by=by,
                                    fmt=fmt, path=out)
    finally:
        await db.dispose()
rows = asyncio.run(main())
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
hwm = max(hwm, peak[0])
children = os.times()
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("aiogram", "twilio"))
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() + children.children_user + children.children_system,
                  "peak_rss_mb": hwm / 1024,
                  "heavy_imports": heavy, "bytes": out.stat().st_size}))
"""


async def seed(url: str, messages: int, consultations: int) -> float:
    from sqlalchemy import insert

    from storage.models import Consultation, ConsultationTopic, Contact, Message
    from storage.unit_of_work import Database

    began = time.perf_counter()
    db = Database(url)
    await db.upgrade()
    rng = random.Random(7)
    contacts = consultations // 2
    per = messages // consultations
    async with db.engine.begin() as conn:
        await conn.execute(insert(Contact), [
            {"id": i, "channel": CHANNELS[i % 3], "external_id": f"+7701{i:07d}", "display_name": f"Пользователь {i}",
             "phone": f"+7701{i:07d}", "language": ("kk", "ru", "en")[i % 3], "state": {}, "mode": "bot",
             "opted_out": False, "created_at": START, "sex": ("male", "female", None)[i % 3],
             "age_band": ("17-22", "23-27", "28-32")[i % 3]} for i in range(1, contacts + 1)])
        batch_c, batch_t, batch_m = [], [], []
        message_id = 0
        for cid in range(1, consultations + 1):
            contact = (cid - 1) % contacts + 1
            opened = START + timedelta(seconds=rng.randrange(DAYS * 86400))
            batch_c.append({"id": cid, "contact_id": contact, "channel": CHANNELS[contact % 3],
                            "language": ("kk", "ru", "en")[contact % 3], "opened_at": opened,
                            "last_activity_at": opened + timedelta(minutes=5), "closed_at": opened + timedelta(minutes=5),
                            "human_involved": cid % 7 == 0, "outcome": "answered",
                            "region": ("almaty", "mangystau")[cid % 2],
                            "eligibility_verdict": ("eligible", "not_eligible", None)[cid % 3]})
            batch_t.append({"consultation_id": cid, "topic": TOPICS[cid % len(TOPICS)], "position": 0})
            for n in range(per):
                message_id += 1
                batch_m.append({"id": message_id, "contact_id": contact, "consultation_id": cid,
                                "channel": CHANNELS[contact % 3], "direction": "in" if n % 2 == 0 else "out",
                                "content_type": "text", "author": "user" if n % 2 == 0 else "bot",
                                "text": f"Сообщение {n}: когда заканчивается приём заявок? Мой номер +7701{contact:07d}",
                                "created_at": opened + timedelta(seconds=n * 20), "delivery_status": "delivered"})
            if len(batch_m) >= 20000:
                await conn.execute(insert(Consultation), batch_c)
                await conn.execute(insert(ConsultationTopic), batch_t)
                await conn.execute(insert(Message), batch_m)
                batch_c, batch_t, batch_m = [], [], []
        if batch_c:
            await conn.execute(insert(Consultation), batch_c)
            await conn.execute(insert(ConsultationTopic), batch_t)
        if batch_m:
            await conn.execute(insert(Message), batch_m)
    await db.dispose()
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--consultations", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        seconds = asyncio.run(seed(url, args.messages, args.consultations))
        print(f"seeded {args.messages:,} messages in {args.consultations:,} consultations in {seconds:.1f} s")
        print(f"{'job':<28} {'rows':>8} {'seconds':>8} {'CPU s':>7} {'peak RSS MB':>12} {'file MB':>8}  ok")
        failed = False
        for job in ("report", "message:csv", "message:xlsx", "consultation:csv", "consultation:xlsx"):
            out = Path(folder) / ("report.xlsx" if job == "report" else job.replace(":", "."))
            result = subprocess.run([sys.executable, "-c", CHILD, url, job, str(out)], cwd=ROOT, env=env_with_root(),
                                    capture_output=True, text=True)
            if result.returncode != 0:
                print(f"{job}: failed\n{result.stderr}")
                failed = True
                continue
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            limit = SECONDS_LIMIT["report" if job == "report" else job.split(":")[1]]
            ok = figures["seconds"] <= limit and figures["peak_rss_mb"] <= RSS_LIMIT_MB and not figures["heavy_imports"]
            failed |= not ok
            print(f"{job:<28} {figures['rows']:>8} {figures['seconds']:>8.1f} {figures['cpu_seconds']:>7.1f} "
                  f"{figures['peak_rss_mb']:>12.0f} "
                  f"{figures['bytes'] / 2**20:>8.1f}  {'yes' if ok else 'NO'}"
                  + (f"  (imported {figures['heavy_imports'][:3]})" if figures["heavy_imports"] else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
