"""Indicators against a journal seeded row by row with known timestamps; every expected value
below is worked out by hand from the seed (see the comments)."""
import json
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import openpyxl

from reports.indicators import build_report, render_markdown, write_xlsx
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
        c1 = Contact(channel="telegram", external_id="1", state={}, sex="female", age_band="18-24")
        c2 = Contact(channel="whatsapp", external_id="+77010000002", state={}, sex="male", age_band="25-29")
        c3 = Contact(channel="webchat", external_id="w3", state={})
        c4 = Contact(channel="telegram", external_id="4", state={})
        s.add_all([c1, c2, c3, c4])
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
        s.add_all([k1, k2, k3, k4, k5, k6])
        await s.flush()

        def ticket(kind, opened, *, reply=None, due, resolved=None, status="resolved", resolution="done"):
            return Ticket(contact_id=c1.id, channel="telegram", kind=kind, status=status, opened_at=opened,
                          first_reply_at=reply, sla_due_at=due, resolved_at=resolved, resolution=resolution,
                          reopened_count=0, anonymous=False)

        s.add_all([
            ticket("question", utc(2, 5), reply=utc(2, 5, 30), due=utc(2, 9), resolved=utc(2, 7)),  # 30 / 120 min, met
            ticket("complaint", utc(2, 6), reply=utc(2, 16), due=utc(2, 14), resolved=utc(3, 6)),  # 600 / 1440, late
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

        def response(survey, contact, *, started=None, completed=None):
            return SurveyResponse(survey_id=survey, contact_id=contact.id, channel=contact.channel, language="ru",
                                  created_at=utc(2, 12), started_at=started, completed_at=completed)

        r1, r2, r3, r4 = (response("s1", c1, started=utc(2, 13), completed=utc(2, 14)),
                          response("s1", c2, started=utc(2, 13)), response("s1", c3),
                          response("s2", c1, started=utc(3, 1), completed=utc(3, 2)))
        s.add_all([r1, r2, r3, r4])
        await s.flush()
        s.add_all([SurveyAnswer(response_id=r1.id, question_id="ease", kind="scale", score=5, value="5",
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


async def report(db, tmp_path, plan=None):
    plan_file = None
    if plan:
        plan_file = tmp_path / "report.yaml"
        plan_file.write_text(plan, encoding="utf-8")
    return await build_report(db, date(2026, 3, 2), date(2026, 3, 3), ALMATY, plan_file=plan_file, now=NOW)


async def test_indicators_against_a_seeded_journal(db, tmp_path):
    await seed(db)
    v = (await report(db, tmp_path)).values
    c = v["consultations"]
    assert (c["total"], c["unique_contacts"], c["by_person"], c["by_bot"]) == (5, 3, 2, 3)
    assert c["by_channel"] == {"telegram": 2, "whatsapp": 1, "webchat": 1, "phone": 1}
    assert c["by_language"] == {"ru": 2, "kk": 1, "en": 1, "": 1}
    assert c["by_region"] == {"almaty": 1, "mangystau": 1, "": 3}
    assert c["by_topic"] == {"deadline": 2, "documents": 1, "grant_amount": 1}
    assert c["per_day"] == {"2026-03-02": {"telegram": 1, "webchat": 1},
                            "2026-03-03": {"telegram": 1, "whatsapp": 1, "phone": 1}}
    assert v["demographics"] == {"sex": {"female": 1, "male": 1, "unknown": 1},
                                 "age_band": {"18-24": 1, "25-29": 1, "unknown": 1}}
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
    assert (cs["requests"], cs["responses"], cs["satisfied"], cs["satisfied_pct"], cs["average"]) == (4, 3, 2, 66.7, 4.0)
    assert cs["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}
    assert (cs["skipped"], cs["sent"], cs["comments"]) == ({"opted_out": 1}, 2, 1)
    sv = v["surveys"]
    assert sv["per_survey"]["s1"] == {"sent": 3, "answered": 2, "completed": 1, "scale_answers": 2, "satisfied": 1,
                                      "satisfied_pct": 50.0}
    assert sv["per_survey"]["s2"]["satisfied_pct"] == 100.0
    assert (sv["count"], sv["satisfied_pct"]) == (2, 75.0)
    assert v["eligibility"] == {"checks": 3, "verdicts": {"eligible": 2, "not_eligible": 1},
                                "verdict_pct": {"eligible": 66.7, "not_eligible": 33.3}}
    n = v["notifications"]
    assert (n["total"], n["sent"], n["failed"], n["unreachable"], n["needs_template"]) == (6, 3, 1, 1, 1)


PLAN = """indicators:
  - {key: consultations, ru: "Количество консультаций колл-центра", kk: "Колл-орталық кеңестерінің саны",
     metric: consultations.total, plan: 5, unit: count}
  - {key: csat, ru: "Уровень удовлетворенности колл-центром", kk: "Колл-орталыққа қанағаттану деңгейі",
     metric: csat.satisfied_pct, plan: 80, unit: percent}
"""


async def test_plan_table_markdown_json_and_xlsx(db, tmp_path):
    await seed(db)
    built = await report(db, tmp_path, PLAN)
    assert [(r["actual"], r["met"]) for r in built.plan] == [(5, True), (66.7, False)]
    markdown = render_markdown(built, translator(), "ru")
    assert "| Количество консультаций колл-центра | Колл-орталық кеңестерінің саны | 5 | 5 | ✔ |" in markdown
    assert "| Уровень удовлетворенности колл-центром | Колл-орталыққа қанағаттану деңгейі | 80 % | 66.7 % | ✖ |" in markdown
    assert json.loads(built.to_json())["consultations"]["total"] == 5
    path = tmp_path / "report.xlsx"
    write_xlsx(built, path, translator(), "kk")
    book = openpyxl.load_workbook(path)
    assert {"indicators", "per_day", "topics", "csat", "tickets", "surveys"} <= set(book.sheetnames)
    rows = list(book["indicators"].iter_rows(values_only=True))
    assert rows[0][0] == "Көрсеткіш (ru)" and len(rows) == 3 and rows[1][4] == 5
    assert len(list(book["per_day"].iter_rows())) == 3  # header + 2 days
    for sheet in ("per_day", "topics", "csat", "tickets"):
        assert len(book[sheet]._charts) == 1, sheet


async def test_default_plan_has_the_programme_rows(db, tmp_path):
    built = await report(db, tmp_path)
    labels = [row["ru"] for row in built.plan]
    assert {"Количество консультаций колл-центра", "Уровень удовлетворенности колл-центром",
            "Онлайн опросы участников", "Уровень удовлетворенности МОСРП"} <= set(labels)
    assert all(row["kk"] for row in built.plan)


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
    plan.write_text("indicators:\n  - key: csat\n    ru: Удовлетворённость\n    kk: Қанағаттану\n"
                    "    metric: csat.satisfed_pct\n    plan: 80\n", encoding="utf-8")
    with pytest.raises(ReportConfigError) as raised:
        load_plan(plan)
    assert str(raised.value).startswith(f"{plan}:5: ")
    assert "csat.satisfed_pct" in str(raised.value)
    plan.write_text(plan.read_text(encoding="utf-8").replace("satisfed", "satisfied"), encoding="utf-8")
    assert [row.metric for row in load_plan(plan)] == ["csat.satisfied_pct"]
