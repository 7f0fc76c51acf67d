"""Indicators against a journal seeded row by row with known timestamps; every expected value
below is worked out by hand from the seed (see the comments)."""
import json
from pathlib import Path
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import openpyxl

from reports.indicators import build_report, load_plan, render_markdown, write_xlsx
from bot.report_inputs import report_labels
from reports.labels import Labels
from storage.applications import Application
from storage.feedback import CsatRequest, SurveyAnswer, SurveyResponse
from storage.models import Consultation, ConsultationTopic, Contact
from storage.outbox import OutboxMessage
from storage.tickets import Ticket
from tests.conftest import translator

ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2026, 3, 4, 0, 0, tzinfo=timezone.utc)


def utc(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=timezone.utc)


async def seed(db):
    async with db.unit_of_work() as uow:
        s = uow.session
        c1 = Contact(channel="telegram", external_id="1", state={}, sex="female", age_band="17-22", iin_hash="h1")
        c2 = Contact(channel="whatsapp", external_id="+77010000002", state={}, sex="male", age_band="23-27")
        c3 = Contact(channel="webchat", external_id="w3", state={})
        c4 = Contact(channel="telegram", external_id="4", state={})
        # The same person as c1 (same keyed IIN hash) on WhatsApp: one participant, not two.
        c5 = Contact(channel="whatsapp", external_id="+77010000005", state={}, sex="female", age_band="17-22",
                     iin_hash="h1")
        s.add_all([c1, c2, c3, c4, c5])
        await s.flush()

        def consultation(contact, channel, opened, **kw):
            return Consultation(contact_id=contact.id, channel=channel, opened_at=opened, last_activity_at=opened,
                                closed_at=opened, **kw)

        k1 = consultation(c1, "telegram", utc(2, 5), language="ru", region="almaty", eligibility_verdict="eligible",
                          topics=[ConsultationTopic(topic="deadline", position=0),
                                  ConsultationTopic(topic="documents", position=1)])
        # 20:00 UTC on 2 March is 01:00 on 3 March in Almaty.
        k2 = consultation(c1, "telegram", utc(2, 20), language="ru", human_involved=True,
                          eligibility_verdict="not_eligible", topics=[ConsultationTopic(topic="deadline", position=0)])
        k3 = consultation(c2, "whatsapp", utc(3, 6), language="kk", region="mangystau", eligibility_verdict="eligible",
                          topics=[ConsultationTopic(topic="grant_amount", position=0)])
        k4 = consultation(c3, "webchat", utc(1, 19, 30), language="en", topics=[])  # 00:30 on 2 March locally
        k5 = consultation(c4, "telegram", utc(1, 18), language="ru", topics=[])  # 23:00 on 1 March: outside
        k6 = consultation(c3, "phone", utc(3, 10), human_involved=True, topics=[])
        k7 = consultation(c5, "whatsapp", utc(3, 11), language="ru", topics=[])
        s.add_all([k1, k2, k3, k4, k5, k6, k7])
        await s.flush()

        def ticket(kind, opened, *, reply=None, due, resolved=None, status="resolved", resolution="done"):
            return Ticket(contact_id=c1.id, channel="telegram", kind=kind, status=status, opened_at=opened,
                          first_reply_at=reply, sla_due_at=due, resolved_at=resolved, resolution=resolution,
                          reopened_count=0, anonymous=False)

        complaint = ticket("complaint", utc(2, 6), reply=utc(2, 16), due=utc(2, 14), resolved=utc(3, 6))
        s.add_all([
            ticket("question", utc(2, 5), reply=utc(2, 5, 30), due=utc(2, 9), resolved=utc(2, 7)),  # 30 / 120 min, met
            complaint,  # 600 / 1440 min, late
            ticket("suggestion", utc(3, 4), due=utc(3, 12), status="open", resolution=None),  # unanswered, overdue
            ticket("question", utc(3, 5), due=utc(3, 9), resolved=utc(3, 5, 10),
                   resolution="withdrawn: the user went back"),  # neither resolved nor in the SLA
            ticket("question", utc(3, 7), reply=utc(3, 7, 10), due=utc(3, 11), status="assigned", resolution=None),
            ticket("question", utc(1, 10), reply=utc(1, 11), due=utc(1, 12), resolved=utc(1, 12)),  # outside
        ])

        def csat(k, created, **kw):
            return CsatRequest(consultation_id=k.id, contact_id=k.contact_id, channel=k.channel, language="ru",
                               trigger="idle", created_at=created, score_changes=0,
                               status=kw.pop("status", "answered"), **kw)

        s.add_all([csat(k1, utc(2, 6), score=5, comment="ok"), csat(k2, utc(2, 20), score=3),
                   csat(k3, utc(3, 8), score=4), csat(k4, utc(3, 9), status="skipped", skip_reason="opted_out"),
                   csat(k5, utc(1, 10), score=1)])
        await s.flush()
        # The complaint's own rating (a ticket-triggered CSAT): 2 — counts for the FGRM.
        s.add(CsatRequest(consultation_id=k7.id, contact_id=c5.id, channel="whatsapp", language="ru",
                          trigger="ticket", ticket_id=complaint.id, created_at=utc(3, 12), score_changes=0,
                          status="answered", score=2))

        def response(survey, contact, *, started=None, completed=None):
            return SurveyResponse(survey_id=survey, contact_id=contact.id, channel=contact.channel, language="ru",
                                  created_at=utc(2, 12), started_at=started, completed_at=completed)

        r1, r2, r3, r4 = (response("s1", c1, started=utc(2, 13), completed=utc(2, 14)),
                          response("s1", c2, started=utc(2, 13)), response("s1", c3),
                          response("s2", c1, started=utc(3, 1), completed=utc(3, 2)))
        s.add_all([r1, r2, r3, r4])
        await s.flush()
        s.add_all([SurveyAnswer(response_id=r1.id, question_id="rules", kind="scale", score=4, value="4",
                                answered_at=utc(2, 13)),
                   SurveyAnswer(response_id=r1.id, question_id="ease", kind="scale", score=5, value="5",
                                answered_at=utc(2, 13)),
                   SurveyAnswer(response_id=r1.id, question_id="idea", kind="text", value="x", answered_at=utc(2, 14)),
                   SurveyAnswer(response_id=r2.id, question_id="ease", kind="scale", score=2, value="2",
                                answered_at=utc(2, 13)),
                   SurveyAnswer(response_id=r4.id, question_id="overall", kind="scale", score=4, value="4",
                                answered_at=utc(3, 1)),
                   SurveyAnswer(response_id=r4.id, question_id="mentor", kind="scale", score=4, value="4",
                                answered_at=utc(3, 2))])

        def out(key, kind, state, created=utc(2, 8)):
            return OutboxMessage(dedup_key=key, kind=kind, batch_id="b", contact_id=c1.id, channel="telegram",
                                 topic="t", language="ru", text="x", state=state, attempts=1, next_attempt_at=created,
                                 created_at=created, updated_at=created)

        s.add_all([out(f"csat:{k1.id}", "csat", "sent"), out(f"csat:{k2.id}", "csat", "sent"),
                   out(f"csat:{k3.id}", "csat", "failed"), out("status:1", "status", "sent"),
                   out("reminder:1", "reminder", "unreachable"), out("status:2", "status", "needs_template"),
                   out("status:3", "status", "sent", created=utc(1, 1))])  # outside
        s.add_all([Application(number=f"ZP-{i}", name="x", phone="+77010000000", region=region, status="received",
                               created_at=utc(2, 9), updated_at=utc(2, 9))
                   for i, region in enumerate(["almaty"] * 3 + ["mangystau"] * 2)])


async def report(db, tmp_path, plan=None):
    plan_file = None
    if plan:
        plan_file = tmp_path / "report.yaml"
        plan_file.write_text(plan, encoding="utf-8")
    return await build_report(db, date(2026, 3, 2), date(2026, 3, 3), ALMATY, plan_file=plan_file, now=NOW,
                              tagged=TAGGED, regions=("almaty", "mangystau"))


# Which survey questions measure what (config/surveys.yaml `tags:`), for the seeded answers.
TAGGED = {"grm": [("s2", "overall")], "mentoring": [("s2", "mentor")], "rules-understanding": [("s1", "rules")],
          "contest": []}


async def test_indicators_against_a_seeded_journal(db, tmp_path):
    await seed(db)
    v = (await report(db, tmp_path)).values
    c = v["consultations"]
    assert (c["total"], c["unique_contacts"], c["by_person"], c["by_bot"]) == (6, 4, 2, 4)
    assert c["by_channel"] == {"telegram": 2, "whatsapp": 2, "webchat": 1, "phone": 1}
    # The grant report's split: calls / WhatsApp / the bot's own channels.
    assert c["report_channels"] == {"calls": 1, "whatsapp": 2, "bot": 3}
    assert v["call_centre"] == {"active": 1}
    assert c["by_language"] == {"ru": 3, "kk": 1, "en": 1, "": 1}
    assert c["by_region"] == {"almaty": 1, "mangystau": 1, "": 4}
    assert c["by_topic"] == {"deadline": 2, "documents": 1, "grant_amount": 1}
    assert c["per_day"] == {"2026-03-02": {"telegram": 1, "webchat": 1},
                            "2026-03-03": {"telegram": 1, "whatsapp": 2, "phone": 1}}
    # c1 and c5 are one person (same IIN hash): three unique people, in the operator's bands.
    d = v["demographics"]
    assert d["people"] == 3
    assert d["sex"] == {"male": 1, "female": 1, "unknown": 1}
    assert d["age_band"] == {"13-16": 0, "17-22": 1, "23-27": 1, "28-32": 0, "33-45": 0, "46-58": 0, "59+": 0,
                             "unknown": 1}
    t = v["tickets"]
    assert (t["total"], t["resolved"], t["withdrawn"]) == (5, 2, 1)
    # First responses 10, 30, 600 min; resolutions 120, 1440 min; p90 by nearest rank.
    assert t["first_response"] == {"count": 3, "median_minutes": 30.0, "p90_minutes": 600.0}
    assert t["resolution"] == {"count": 2, "median_minutes": 780.0, "p90_minutes": 1440.0}
    assert (t["sla_met"], t["sla_missed"], t["sla_met_pct"]) == (2, 2, 50.0)
    assert t["first_response_buckets"]["<1h"] == 2 and t["first_response_buckets"]["8-24h"] == 1
    assert v["grievances"] == {"received": 2, "resolved": 1, "on_time": 0, "on_time_pct": 0.0,
                               "by_kind": {"complaint": 1, "suggestion": 1}}
    cs = v["csat"]
    # Scores 5, 3, 4 and the complaint's 2 (k5's 1 is outside the period).
    assert (cs["requests"], cs["responses"], cs["satisfied"], cs["satisfied_pct"], cs["average"]) == (5, 4, 2, 50.0, 3.5)
    assert cs["distribution"] == {"1": 0, "2": 1, "3": 1, "4": 1, "5": 1}
    assert (cs["skipped"], cs["sent"], cs["comments"]) == ({"opted_out": 1}, 2, 1)
    sv = v["surveys"]
    assert sv["per_survey"]["s1"] == {"sent": 3, "answered": 2, "completed": 1, "scale_answers": 3, "satisfied": 2,
                                      "satisfied_pct": 66.7}
    assert sv["per_survey"]["s2"]["satisfied_pct"] == 100.0
    assert (sv["count"], sv["satisfied_pct"]) == (2, 80.0)
    # Tagged questions: mentoring (s2.mentor 4), rules (s1.rules 4); nothing tagged contest.
    assert v["tags"]["mentoring"] == {"answers": 1, "satisfied": 1, "satisfied_pct": 100.0}
    assert v["tags"]["rules-understanding"] == {"answers": 1, "satisfied": 1, "satisfied_pct": 100.0}
    assert v["tags"]["contest"] == {"answers": 0, "satisfied": 0, "satisfied_pct": None}
    # The FGRM: the complaint's rating (2) and the grm-tagged survey answer (s2.overall 4).
    assert v["grm"] == {"answers": 2, "satisfied": 1, "satisfied_pct": 50.0, "ticket_ratings": 1, "survey_answers": 1}
    assert v["applications"]["by_region"] == {"almaty": 3, "mangystau": 2}
    assert v["eligibility"] == {"checks": 3, "verdicts": {"eligible": 2, "not_eligible": 1},
                                "verdict_pct": {"eligible": 66.7, "not_eligible": 33.3}}
    n = v["notifications"]
    assert (n["total"], n["sent"], n["failed"], n["unreachable"], n["needs_template"]) == (6, 3, 1, 1, 1)


PLAN = """reliable_from: 2
indicators:
  - key: consultations
    label: {ru: "Количество консультаций колл-центра", kk: "Колл-орталық кеңестерінің саны", en: "Consultations"}
    metric: consultations.total
    breakdown: consultations.report_channels
    method: {ru: "журнал", kk: "журнал", en: "journal"}
    plan: 5
    unit: count
  - key: csat
    label: {ru: "Уровень удовлетворенности колл-центром", kk: "Колл-орталыққа қанағаттану деңгейі", en: "CSAT"}
    metric: csat.satisfied_pct
    sample: csat.responses
    method: {ru: "CSAT 4–5", kk: "CSAT 4–5", en: "CSAT 4–5"}
    plan: 80
    unit: percent
  - key: mentoring
    label: {ru: "Уровень удовлетворенности поддержкой", kk: "Қолдауға қанағаттану", en: "Mentoring"}
    metric: tags.mentoring.satisfied_pct
    sample: tags.mentoring.answers
    method: {ru: "mentoring", kk: "mentoring", en: "mentoring"}
    plan: 80
    unit: percent
  - key: applications
    label: {ru: "Количество заявок от претендентов на конкурс", kk: "Өтінімдер саны", en: "Applications"}
    metric: applications.by_region
    method: {ru: "реестр", kk: "тізілім", en: "register"}
    plan: 3
    unit: per_region
  - key: mentors
    label: {ru: "Количество привлеченных профессиональных менторов", kk: "Тәлімгерлер", en: "Mentors"}
    plan: 7
    not_measured: {ru: "нет источника", kk: "дерек жоқ", en: "no source"}
"""


async def test_plan_table_markdown_json_and_xlsx(db, tmp_path):
    await seed(db)
    built = await report(db, tmp_path, PLAN)
    assert [(r["actual"], r["n"], r["status"], r["met"]) for r in built.plan] == [
        (6, None, "met", True), (50.0, 4, "not_met", False), (100.0, 1, "unreliable", None),
        ({"almaty": 3, "mangystau": 2}, None, "not_met", False), (None, None, "not_measured", None)]
    labels = report_labels(translator(), "ru")  # as the CLI and console build them: FAQ titles included
    markdown = render_markdown(built, labels)
    assert ("| Количество консультаций колл-центра | не менее 5 | 6 (Звонки: 1; Сообщения WhatsApp: 2; "
            "Каналы бота (Telegram, чат на сайте): 3) |  | ✔ выполнено | журнал |") in markdown
    assert "| Уровень удовлетворенности колл-центром | не менее 80 % | 50 % | n = 4 | ✖ не выполнено |" in markdown
    assert "| 100 % | n = 1 | ⚠ мало ответов (n < 2) — пока недостоверно |" in markdown
    assert "не менее 3 в каждом регионе | г. Алматы: 3; Мангистауская область: 2 |" in markdown
    assert "| — |  | не измеряется | нет источника |" in markdown
    # No stored code where a manager reads: channels, regions, bands, verdicts are words.
    for code in ("webchat", "mangystau", "17-22", "eligible", "grant_amount", "report_channels"):
        assert code not in markdown, code
    assert "17–22 года: 1" in markdown and "Подходит по условиям: 2 — 66.7 % (n = 3)" in markdown
    body = json.loads(built.to_json(labels))
    assert body["consultations"]["total"] == 6 and body["plan"][0]["label"] == "Количество консультаций колл-центра"
    assert body["plan"][2]["status"] == "unreliable" and body["labels"]["channel"]["webchat"] == "Чат на сайте"
    path = tmp_path / "report.xlsx"
    write_xlsx(built, path, Labels(translator(), "kk"))
    book = openpyxl.load_workbook(path)
    assert {"Көрсеткіштер", "Күндер бойынша", "Тақырыптар", "CSAT бағалары", "Өтініштер", "Сауалнамалар"} <= \
        set(book.sheetnames)
    sheet = book["Көрсеткіштер"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("Көрсеткіш (есептегі") and len(rows) == 6
    assert rows[1][0] == "Количество консультаций колл-центра" and rows[1][1] == "Колл-орталық кеңестерінің саны"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == sheet.dimensions
    assert sheet.column_dimensions["A"].width >= 40
    assert len(list(book["Күндер бойынша"].iter_rows())) == 3  # header + 2 days
    for name in ("Күндер бойынша", "Тақырыптар", "CSAT бағалары", "Өтініштер"):
        assert len(book[name]._charts) == 1, name


async def test_default_plan_is_the_grant_report(db, tmp_path):
    """config/report.yaml: the report's own indicators, exact Russian labels, plans from the
    report, a method for every measured value and a reason for every unmeasured one."""
    expected = {
        "Единый колл-центр проекта": 1, "Количество консультаций колл-центра": 200,
        "Уровень удовлетворенности колл-центром": 80, "Онлайн опросы участников": 3,
        "Уровень удовлетворенности МОСРП": 80,
        "Уровень удовлетворенности претендентов от участия в конкурсе малых грантов (конкурсные процедуры)": 60,
        "Уровень понимания и знания правил и условий проекта среди целевой аудитории": 80,
        "Количество заявок от претендентов на конкурс": 50, "Уровень удовлетворенности поддержкой": 80,
    }
    rows = load_plan()
    plans = {row.labels["ru"]: row.plan for row in rows}
    assert {label: plans.get(label) for label in expected} == expected
    report_text = (Path(__file__).resolve().parents[2] / ".." / "shared" / "programme" /
                   "000_fcd2007b09321d25.txt")
    if report_text.exists():
        source = report_text.read_text(encoding="utf-8")
        for row in rows:
            assert row.labels["ru"] in source, row.labels["ru"]
    for row in rows:
        assert all(row.labels[lang] for lang in ("kk", "ru", "en"))
        assert (row.method is None) != (row.not_measured is None), row.key
        if row.unit == "percent" and row.metric:
            assert row.sample, row.key
    # Invented indicators are gone.
    assert not {"Жалобы и предложения, рассмотренные в срок", "Уникальные обратившиеся"} & set(plans)
    built = await report(db, tmp_path)
    assert all(row["status"] in ("no_data", "not_met", "unreliable", "not_measured") for row in built.plan)


async def test_metric_names_are_exactly_the_numbers_indicators_return(db, tmp_path):
    """storage.reporting.METRICS (what report.yaml may name) against real indicators() output."""
    from storage.reporting import METRIC_GROUPS, METRICS

    await seed(db)
    values = (await report(db, tmp_path)).values
    leaves = set()

    def walk(node, prefix):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if path in METRIC_GROUPS or path == "period":
                assert path == "period" or isinstance(value, dict), path
            elif isinstance(value, dict):
                walk(value, path)
            else:
                assert value is None or isinstance(value, (int, float)), (path, value)
                leaves.add(path)

    walk(values, "")
    assert leaves == METRICS


async def test_unknown_metric_in_the_plan_is_an_error_naming_file_and_line(tmp_path):
    import pytest

    from reports.indicators import ReportConfigError, load_plan

    plan = tmp_path / "report.yaml"
    plan.write_text("indicators:\n  - key: csat\n    label: {ru: Удовлетворённость, kk: Қанағаттану, en: CSAT}\n"
                    "    metric: csat.satisfed_pct\n    sample: csat.responses\n    plan: 80\n    unit: percent\n"
                    "    method: {ru: CSAT, kk: CSAT, en: CSAT}\n", encoding="utf-8")
    with pytest.raises(ReportConfigError) as raised:
        load_plan(plan)
    assert str(raised.value).startswith(f"{plan}:4: ")  # the metric line
    assert "csat.satisfed_pct" in str(raised.value)
    plan.write_text(plan.read_text(encoding="utf-8").replace("satisfed", "satisfied"), encoding="utf-8")
    assert [row.metric for row in load_plan(plan)] == ["csat.satisfied_pct"]
