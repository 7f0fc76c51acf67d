"""Journal exports: files open in openpyxl with the right rows, headings and values in the
manager's language, a frozen and filtered header, phone cells as text; formula injection
neutralised (phone numbers excepted); the programme's own numbers readable in bot answers."""
import csv
import io
import subprocess
import sys
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from core.messages import Channel
from bot.engine import ConversationEngine
from core.i18n import Translator
from reports.journal import CONSULTATION_HEADER, MESSAGE_HEADER, export_journal, neutralise
from reports.labels import Labels
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


MOMENT = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


async def telegram_contact(uow):
    """Айгерим on Telegram, with a phone number: the applicant whose messages are exported."""
    from storage.models import Contact

    contact = Contact(channel="telegram", external_id="42", display_name="Айгерим", phone="+77019998877",
                      language="ru", state={}, mode="bot", opted_out=False, created_at=MOMENT)
    uow.session.add(contact)
    await uow.flush()
    return contact


def test_author_labels():
    ru, kk, en = (Labels(Translator(), lang) for lang in ("ru", "kk", "en"))
    assert [ru("author", code) for code in ("user", "bot", "operator:aida", "system", "system:notify")] == \
        ["Пользователь", "Бот", "Оператор aida", "Система", "Система"]
    assert (kk("author", "operator:aida"), en("author", "system:import")) == ("Оператор aida", "System")


def test_neutralise():
    for dangerous in ("=1+1", "+A1", "+1+cmd|' /C calc'!A0", "-2+3+cmd", "@SUM(A1)", "\tx", "\rx", "+7 701 HYPERLINK"):
        assert neutralise(dangerous).startswith("'")
    # Phone numbers, masked or not, name no function and no cell: they keep their own look.
    for phone in ("+77012345678", "+7701*****78", "+7 (701) 234-56-78"):
        assert neutralise(phone) == phone
    assert neutralise("Сәлем") == "Сәлем" and neutralise(5) == 5


async def test_csv_by_message(db, services, tmp_path):
    await seeded(db, services)
    path = tmp_path / "journal.csv"
    count = await export_journal(db, start=date(2026, 3, 2), end=date(2026, 3, 2), zone=ALMATY,
                                 by="message", fmt="csv", path=path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == Labels(Translator(), "ru").header(MESSAGE_HEADER) and len(rows) - 1 == count
    assert rows[0][:3] == ["№ сообщения", "Время", "Канал"] and "Текст" in rows[0]
    texts = [row[MESSAGE_HEADER.index("text")] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil\")" in texts
    assert "later" not in texts
    phones = {row[MESSAGE_HEADER.index("phone")] for row in rows[1:]}
    assert "+7701*****67" in phones and not any("1234567" in p for p in phones)
    assert {row[MESSAGE_HEADER.index("channel")] for row in rows[1:]} == {"Чат на сайте", "WhatsApp"}
    assert {row[MESSAGE_HEADER.index("direction")] for row in rows[1:]} == {"Входящее", "Исходящее"}
    # Who wrote each message: the person or the bot here (an operator's login, see below).
    assert {row[MESSAGE_HEADER.index("author")] for row in rows[1:]} == {"Пользователь", "Бот"}
    assert not {"webchat", "whatsapp", "in", "out", "text", "delivered"} & {cell for row in rows[1:] for cell in row}


async def test_csv_in_kazakh(db, services, tmp_path):
    await seeded(db, services)
    path = tmp_path / "journal.csv"
    await export_journal(db, start=date(2026, 3, 2), end=date(2026, 3, 2), zone=ALMATY, by="consultation",
                         fmt="csv", path=path, labels=Labels(Translator(), "kk"))
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][:4] == ["Кеңес №", "Басталды", "Аяқталды", "Арна"] and "Өңір" in rows[0]
    assert {row[CONSULTATION_HEADER.index("channel")] for row in rows[1:]} == {"Сайттағы чат", "WhatsApp"}
    assert {row[CONSULTATION_HEADER.index("human_involved")] for row in rows[1:]} == {"жоқ"}


async def test_xlsx_by_consultation_and_channel_filter(db, services, tmp_path):
    await seeded(db, services)
    path = tmp_path / "journal.xlsx"
    count = await export_journal(db, start=date(2026, 3, 1), end=date(2026, 3, 31), zone=ALMATY,
                                 by="consultation", fmt="xlsx", path=path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Консультации"]
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == Labels(Translator(), "ru").header(CONSULTATION_HEADER)
    assert count == len(rows) - 1 == 3  # web (2 episodes) + whatsapp
    channels = sorted(row[CONSULTATION_HEADER.index("channel")] for row in rows[1:])
    assert channels == ["WhatsApp", "Чат на сайте", "Чат на сайте"]
    # A header a manager can work with: frozen, filtered, columns wide enough; phones as text.
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(CONSULTATION_HEADER)).column_letter}4"
    phone_column = sheet.cell(1, CONSULTATION_HEADER.index("phone") + 1).column_letter
    assert sheet.column_dimensions[phone_column].width >= len("+7701*****67")
    phone = next(sheet[f"{phone_column}{n}"] for n in range(2, 5) if sheet[f"{phone_column}{n}"].value)
    assert phone.value == "+7701*****67" and phone.number_format == "@" and phone.data_type == "s"
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
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("№ консультации,Начало,")
    kazakh = subprocess.run([sys.executable, "-m", "bot", "journal", "export", "--from", "2026-01-01",
                             "--to", "2026-01-31", "--format", "csv", "-o", str(out), "--by", "message", "--lang", "kk"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert kazakh.returncode == 0, kazakh.stderr
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("Хабарлама №,Уақыты,Арна,")
    bad = subprocess.run([sys.executable, "-m", "bot", "journal", "export", "--from", "2026-13-01",
                          "--to", "2026-01-31", "--format", "csv", "-o", str(out)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "not a date" in bad.stderr


async def test_programme_phones_readable_applicant_phones_masked(db, tmp_path):
    from core.programme import load_programme, own_phones
    from storage.models import Message

    async with db.unit_of_work() as uow:
        contact = await telegram_contact(uow)
        for direction, author, text in (
                ("in", "user", "Мой номер +7 701 999 88 77, перезвоните"),
                ("in", "user", "меня зовут айгерим садыкова, я из актау"),
                ("in", "call", "Звонила Садыкова Айгерим, спросила про сроки"),
                ("out", "bot", "Звоните в организацию: 8 708 404 23 40 или пишите сюда")):
            uow.session.add(Message(contact_id=contact.id, channel="telegram", direction=direction, author=author,
                                    content_type="text", text=text, created_at=MOMENT))
    keep = own_phones(load_programme())
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"journal.{fmt}"
        await export_journal(db, start=date(2026, 3, 2), end=date(2026, 3, 2), zone=ALMATY, by="message", fmt=fmt,
                             path=path, keep_phones=keep)
        if fmt == "csv":
            rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))[1:]
        else:
            rows = [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(min_row=2, values_only=True)]
        texts = [row[MESSAGE_HEADER.index("text")] for row in rows]
        # names people wrote, and an operator's call note, leave masked
        assert texts[1] == "меня зовут а****** с*******, я из актау"
        assert texts[2] == "З****** С******* А******, спросила про сроки"
        assert texts[3] == "Звоните в организацию: 8 708 404 23 40 или пишите сюда"  # the programme's own
        assert "999 88 77" not in texts[0] and "+7701*****77" in texts[0]  # the applicant's
        assert rows[0][MESSAGE_HEADER.index("phone")] == "+7701*****77"


def test_phone_menu_choices_read_as_words():
    from core.i18n import Translator
    from reports.labels import Labels

    assert Labels(Translator(), "ru")("topic", "phone:apply") == "Телефонный звонок: Как подать заявку"
    assert Labels(Translator(), "kk")("phone_menu", "status") == "Өтінімнің күйі"


async def test_long_export_masks_every_chunk_like_a_short_one(db, tmp_path):
    """Past the first chunk, texts are masked in a second process: every row of a long
    export is masked exactly as mask_text masks it here."""
    from sqlalchemy import insert

    from core.privacy import mask_text
    from storage.exports import CHUNK
    from storage.models import Message

    async with db.unit_of_work() as uow:
        contact = await telegram_contact(uow)
        texts = [f"Сообщение {n}: мой номер +7 701 {n:03d} 88 77, ИИН 990315300{n % 1000:03d}, туылған 15.03.1999"
                 for n in range(CHUNK * 2 + 500)]
        await uow.session.execute(insert(Message), [
            {"contact_id": contact.id, "channel": "telegram", "direction": "in", "author": "user",
             "content_type": "text", "text": text, "created_at": MOMENT} for text in texts])
    path = tmp_path / "journal.csv"
    count = await export_journal(db, start=date(2026, 3, 2), end=date(2026, 3, 2), zone=ALMATY, by="message",
                                 fmt="csv", path=path)
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))[1:]
    assert count == len(rows) == len(texts)
    assert [row[MESSAGE_HEADER.index("text")] for row in rows] == [mask_text(text) for text in texts]
    assert not any("999 88 77" in row[MESSAGE_HEADER.index("text")] or "990315" in row[MESSAGE_HEADER.index("text")]
                   for row in rows)


_CELLS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.just(""),
                   st.text(st.sampled_from("aЖ1 ,\"'\r\n\t=+-@*()"), max_size=8),
                   st.sampled_from(list(Channel)), st.sampled_from(["+7701*****67", "+7 (701) 234-56-78", "=1+1"]))


@settings(max_examples=500, deadline=None)
@given(st.lists(_CELLS, min_size=1, max_size=6))
def test_csv_cell_is_what_csv_writer_writes(row):
    from reports.journal import _safe, csv_cell

    written = io.StringIO()
    csv.writer(written).writerow(_safe(row))
    if row != [""] and row != [None]:  # csv.writer's one special case: a lone empty cell is ""
        assert ",".join(map(csv_cell, row)) + "\r\n" == written.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.tuples(st.integers(1, 10**9), st.sampled_from(["", "2026-03-02 15:00:00"]), _CELLS,
                 st.one_of(st.just(""), st.integers(1, 10**9)), _CELLS, _CELLS, _CELLS, _CELLS, _CELLS, _CELLS,
                 st.one_of(st.just(""), st.integers(1, 10**9)), _CELLS))
def test_message_csv_line_is_what_csv_writer_writes(row):
    """The message export's line builder (ids, time, and any label, name, phone or text)."""
    from reports.journal import _safe, message_csv_lines

    written = io.StringIO()
    csv.writer(written).writerow(_safe(list(row)))
    line = message_csv_lines()
    assert line(list(row)) == line(list(row)) == written.getvalue()
