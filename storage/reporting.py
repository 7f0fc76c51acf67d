"""Programme indicators for a period, computed with SQL aggregates (GROUP BY).

Only durations for the ticket percentiles leave the database row by row (one float each,
already ordered); everything else is counted by the database. A period is [start, end) in
UTC; consultations count by opened_at (a phone call's is when it took place), tickets by opened_at, polls by when they were queued,
notifications by when they were queued.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime

from core.clock import DEFAULT_TIMEZONE
from typing import Any, Iterable, Mapping

from sqlalchemy import Date, Float, String, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.applications import Application
from storage.feedback import CsatRequest, SurveyAnswer, SurveyResponse
from storage.models import Consultation, ConsultationTopic, Contact
from storage.outbox import OutboxMessage
from storage.tickets import ACTIVE_STATUSES, Ticket

WITHDRAWN_PREFIX = "withdrawn"
SATISFIED_MIN = 4
GRIEVANCE_KINDS = ("complaint", "suggestion")
# What a survey question may measure for the grant report (config/surveys.yaml `tags:`):
# the feedback and grievance mechanism (МОСРП), the call's procedures, mentoring support,
# and understanding of the rules and conditions.
SURVEY_TAGS = ("grm", "contest", "mentoring", "rules-understanding")
# The grant report counts consultations as calls, WhatsApp messages and the rest (l. 545–555):
# the bot's own channels are the third group.
REPORT_CHANNEL_GROUPS = {"phone": "calls", "whatsapp": "whatsapp", "telegram": "bot", "webchat": "bot"}
# The grant operator's statistics form (report, l. 820–848): age bands of participants.
OPERATOR_AGE_BANDS = ("13-16", "17-22", "23-27", "28-32", "33-45", "46-58", "59+")


@dataclass(frozen=True)
class Period:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    zone: str = DEFAULT_TIMEZONE  # days are counted in this zone (settings.timezone)
    utc_offset_minutes: int = 300  # the zone's offset, for SQLite (which has no time zones)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind else "sqlite"


def _seconds_between(session: AsyncSession, later, earlier):
    if _dialect(session) == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _local_day(session: AsyncSession, column, period: Period):
    if _dialect(session) == "postgresql":
        return cast(func.timezone(period.zone, column), Date)
    return func.date(column, f"{period.utc_offset_minutes:+d} minutes")


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def percentiles(ordered: list[float]) -> dict[str, float | None]:
    """Median (mean of the middle two for an even count) and p90 by nearest rank, in minutes."""
    if not ordered:
        return {"count": 0, "median_minutes": None, "p90_minutes": None}
    p90 = ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]
    return {"count": len(ordered), "median_minutes": round(statistics.median(ordered) / 60, 1),
            "p90_minutes": round(p90 / 60, 1)}


# Upper bounds in hours of the response-time chart's bars (the last bar is "more").
RESPONSE_BUCKETS = (1, 4, 8, 24, 72)


def buckets(ordered_seconds: list[float]) -> dict[str, int]:
    labels = [f"<{RESPONSE_BUCKETS[0]}h"] + [f"{a}-{b}h" for a, b in zip(RESPONSE_BUCKETS, RESPONSE_BUCKETS[1:])]
    counts = dict.fromkeys(labels + [f">{RESPONSE_BUCKETS[-1]}h"], 0)
    keys = list(counts)
    for seconds in ordered_seconds:
        index = next((i for i, bound in enumerate(RESPONSE_BUCKETS) if seconds < bound * 3600), len(RESPONSE_BUCKETS))
        counts[keys[index]] += 1
    return counts


async def _grouped(session: AsyncSession, key, query) -> dict[str, int]:
    return {str(k if k is not None else ""): int(n) for k, n in await session.execute(query.group_by(key))}


async def _durations(session: AsyncSession, expression, *conditions) -> list[float]:
    seconds = cast(expression, Float).label("seconds")
    result = await session.stream(select(seconds).where(*conditions).order_by(seconds))
    return [float(value) async for (value,) in result]


async def consultations(session: AsyncSession, period: Period) -> dict[str, Any]:
    c = Consultation
    in_period = and_(c.opened_at >= period.start, c.opened_at < period.end)
    total, contacts, human = (await session.execute(
        select(func.count(c.id), func.count(func.distinct(c.contact_id)),
               func.coalesce(func.sum(case((c.human_involved.is_(True), 1), else_=0)), 0)).where(in_period))).one()
    day = _local_day(session, c.opened_at, period).label("day")
    per_day: dict[str, dict[str, int]] = {}
    for day_value, channel, count in await session.execute(
            select(day, c.channel, func.count(c.id)).where(in_period).group_by(day, c.channel).order_by(day)):
        per_day.setdefault(str(day_value), {})[channel] = int(count)
    topic = ConsultationTopic.topic
    by_channel = await _grouped(session, c.channel, select(c.channel, func.count(c.id)).where(in_period))
    groups = dict.fromkeys(("calls", "whatsapp", "bot"), 0)
    for channel, count in by_channel.items():
        groups[REPORT_CHANNEL_GROUPS.get(channel, "bot")] += count
    return {
        "total": int(total), "unique_contacts": int(contacts), "report_channels": groups,
        "by_person": int(human), "by_bot": int(total) - int(human),
        "by_channel": by_channel,
        "by_language": await _grouped(session, c.language, select(c.language, func.count(c.id)).where(in_period)),
        "by_region": await _grouped(session, c.region, select(c.region, func.count(c.id)).where(in_period)),
        "by_topic": dict(sorted((await _grouped(session, topic, select(topic, func.count(topic)).join(
            c, c.id == ConsultationTopic.consultation_id).where(in_period))).items(), key=lambda kv: (-kv[1], kv[0]))),
        "per_day": per_day,
    }


async def demographics(session: AsyncSession, period: Period) -> dict[str, Any]:
    """Sex and age band of the unique people who consulted in the period, in the grant
    operator's bands, from what their eligibility check learned (never the IIN itself) or,
    for a caller with no check, the band they told the operator on a call in the period.

    One person on two channels counts once when both checks gave the same keyed IIN hash.
    """
    c = Consultation
    seen = (select(c.contact_id, func.max(c.age_band).label("told"))
            .where(c.opened_at >= period.start, c.opened_at < period.end).group_by(c.contact_id).subquery())
    person = func.coalesce(Contact.iin_hash, cast(Contact.id, String)).label("person")
    band = func.coalesce(func.max(Contact.age_band), func.max(seen.c.told)).label("band")
    people = (select(person, band, func.max(Contact.sex).label("sex"))
              .join(seen, seen.c.contact_id == Contact.id).group_by(person).subquery())
    bands = dict.fromkeys((*OPERATOR_AGE_BANDS, "unknown"), 0)
    for band, count in await session.execute(select(people.c.band, func.count()).group_by(people.c.band)):
        bands[band if band in bands else "unknown"] += int(count)
    sexes = dict.fromkeys(("male", "female", "unknown"), 0)
    for sex, count in await session.execute(select(people.c.sex, func.count()).group_by(people.c.sex)):
        sexes[sex if sex in sexes else "unknown"] += int(count)
    return {"people": sum(bands.values()), "sex": sexes, "age_band": bands}


async def tickets(session: AsyncSession, period: Period, now: datetime) -> dict[str, Any]:
    t = Ticket
    in_period = and_(t.opened_at >= period.start, t.opened_at < period.end)
    withdrawn = func.coalesce(t.resolution, "").like(WITHDRAWN_PREFIX + "%")
    since = func.coalesce(t.reopened_at, t.opened_at)
    # SLA: answered in time, against answered late or still unanswered after the due time.
    met = and_(t.first_reply_at.is_not(None), t.first_reply_at <= t.sla_due_at)
    missed = or_(t.first_reply_at > t.sla_due_at,
                 and_(t.first_reply_at.is_(None), t.sla_due_at < now, t.status.in_(ACTIVE_STATUSES)))
    total, sla_met, sla_missed, resolved, withdrawn_count = (await session.execute(select(
        func.count(t.id),
        func.coalesce(func.sum(case((met, 1), else_=0)), 0),
        func.coalesce(func.sum(case((missed, 1), else_=0)), 0),
        func.coalesce(func.sum(case((and_(t.status == "resolved", ~withdrawn), 1), else_=0)), 0),
        func.coalesce(func.sum(case((withdrawn, 1), else_=0)), 0),
    ).where(in_period))).one()
    first = await _durations(session, _seconds_between(session, t.first_reply_at, since),
                             in_period, t.first_reply_at.is_not(None))
    resolution = await _durations(session, _seconds_between(session, t.resolved_at, t.opened_at),
                                  in_period, t.status == "resolved", ~withdrawn)
    return {"total": int(total), "resolved": int(resolved), "withdrawn": int(withdrawn_count),
            "by_kind": await _grouped(session, t.kind, select(t.kind, func.count(t.id)).where(in_period)),
            "first_response": percentiles(first), "resolution": percentiles(resolution),
            "sla_met": int(sla_met), "sla_missed": int(sla_missed),
            "sla_met_pct": _pct(int(sla_met), int(sla_met) + int(sla_missed)),
            "first_response_buckets": buckets(first)}


async def grievances(session: AsyncSession, period: Period) -> dict[str, Any]:
    t = Ticket
    in_period = and_(t.opened_at >= period.start, t.opened_at < period.end, t.kind.in_(GRIEVANCE_KINDS))
    withdrawn = func.coalesce(t.resolution, "").like(WITHDRAWN_PREFIX + "%")
    received, resolved, on_time = (await session.execute(select(
        func.count(t.id),
        func.coalesce(func.sum(case((and_(t.status == "resolved", ~withdrawn), 1), else_=0)), 0),
        func.coalesce(func.sum(case((and_(t.first_reply_at.is_not(None), t.first_reply_at <= t.sla_due_at), 1),
                                    else_=0)), 0),
    ).where(in_period))).one()
    return {"received": int(received), "resolved": int(resolved), "on_time": int(on_time),
            "on_time_pct": _pct(int(on_time), int(received)),
            "by_kind": await _grouped(session, t.kind, select(t.kind, func.count(t.id)).where(in_period))}


async def csat(session: AsyncSession, period: Period) -> dict[str, Any]:
    r = CsatRequest
    in_period = and_(r.created_at >= period.start, r.created_at < period.end)
    requests, responses, satisfied, average, comments = (await session.execute(select(
        func.count(r.id), func.count(r.score),
        func.coalesce(func.sum(case((r.score >= SATISFIED_MIN, 1), else_=0)), 0),
        func.avg(r.score), func.count(r.comment)).where(in_period))).one()
    skipped = await _grouped(session, r.skip_reason, select(r.skip_reason, func.count(r.id))
                             .where(in_period, r.status == "skipped"))
    distribution = {str(score): 0 for score in range(1, 6)}
    distribution.update(await _grouped(session, r.score, select(r.score, func.count(r.id))
                                       .where(in_period, r.score.is_not(None))))
    o = OutboxMessage
    delivery = await _grouped(session, o.state, select(o.state, func.count(o.id)).where(
        o.kind == "csat", o.created_at >= period.start, o.created_at < period.end))
    return {"requests": int(requests), "queued": int(requests) - sum(skipped.values()),
            "sent": delivery.get("sent", 0), "delivery": delivery, "skipped": skipped,
            "responses": int(responses), "satisfied": int(satisfied),
            "satisfied_pct": _pct(int(satisfied), int(responses)),
            "average": round(float(average), 2) if average is not None else None,
            "comments": int(comments), "distribution": distribution}


async def surveys(session: AsyncSession, period: Period) -> dict[str, Any]:
    s, a = SurveyResponse, SurveyAnswer
    in_period = and_(s.created_at >= period.start, s.created_at < period.end)
    per_survey: dict[str, dict[str, Any]] = {}
    for survey_id, sent, answered, completed in await session.execute(
            select(s.survey_id, func.count(s.id), func.count(s.started_at), func.count(s.completed_at))
            .where(in_period).group_by(s.survey_id).order_by(s.survey_id)):
        per_survey[survey_id] = {"sent": int(sent), "answered": int(answered), "completed": int(completed),
                                 "scale_answers": 0, "satisfied": 0, "satisfied_pct": None}
    for survey_id, answers, satisfied in await session.execute(
            select(s.survey_id, func.count(a.score),
                   func.coalesce(func.sum(case((a.score >= SATISFIED_MIN, 1), else_=0)), 0))
            .join(a, a.response_id == s.id).where(in_period, a.kind == "scale").group_by(s.survey_id)):
        entry = per_survey[survey_id]
        entry.update(scale_answers=int(answers), satisfied=int(satisfied),
                     satisfied_pct=_pct(int(satisfied), int(answers)))
    o = OutboxMessage
    for survey_id, delivered in await session.execute(
            select(o.topic, func.count(o.id)).where(o.kind == "survey", o.state == "sent",
                                                    o.created_at >= period.start, o.created_at < period.end)
            .group_by(o.topic)):
        if survey_id in per_survey:
            per_survey[survey_id]["delivered"] = int(delivered)
    answers = sum(e["scale_answers"] for e in per_survey.values())
    satisfied = sum(e["satisfied"] for e in per_survey.values())
    return {"count": len(per_survey), "per_survey": per_survey,
            "sent": sum(e["sent"] for e in per_survey.values()),
            "answered": sum(e["answered"] for e in per_survey.values()),
            "scale_answers": answers, "satisfied": satisfied, "satisfied_pct": _pct(satisfied, answers)}


async def eligibility(session: AsyncSession, period: Period) -> dict[str, Any]:
    c = Consultation
    in_period = and_(c.opened_at >= period.start, c.opened_at < period.end, c.eligibility_verdict.is_not(None))
    verdicts = await _grouped(session, c.eligibility_verdict,
                              select(c.eligibility_verdict, func.count(c.id)).where(in_period))
    checks = sum(verdicts.values())
    return {"checks": checks, "verdicts": verdicts,
            "verdict_pct": {verdict: _pct(count, checks) for verdict, count in verdicts.items()}}


def _share(answers: int, satisfied: int) -> dict[str, Any]:
    return {"answers": answers, "satisfied": satisfied, "satisfied_pct": _pct(satisfied, answers)}


async def tagged_answers(session: AsyncSession, period: Period,
                         questions: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Scale answers given in the period to these (survey, question) pairs: n and 4–5 share."""
    pairs = list(questions)
    if not pairs:
        return _share(0, 0)
    s, a = SurveyResponse, SurveyAnswer
    which = or_(*(and_(s.survey_id == survey, a.question_id == question) for survey, question in pairs))
    answers, satisfied = (await session.execute(
        select(func.count(a.score), func.coalesce(func.sum(case((a.score >= SATISFIED_MIN, 1), else_=0)), 0))
        .join(s, s.id == a.response_id)
        .where(a.answered_at >= period.start, a.answered_at < period.end, a.kind == "scale", which))).one()
    return _share(int(answers), int(satisfied))


async def survey_tags(session: AsyncSession, period: Period,
                      tagged: Mapping[str, Iterable[tuple[str, str]]]) -> dict[str, Any]:
    return {tag: await tagged_answers(session, period, tagged.get(tag, ())) for tag in SURVEY_TAGS}


async def grm(session: AsyncSession, period: Period, tags: Mapping[str, Any]) -> dict[str, Any]:
    """Satisfaction with the feedback and grievance mechanism: ratings of complaint and
    suggestion tickets (their CSAT) together with survey answers tagged `grm`."""
    r, t = CsatRequest, Ticket
    answers, satisfied = (await session.execute(
        select(func.count(r.score), func.coalesce(func.sum(case((r.score >= SATISFIED_MIN, 1), else_=0)), 0))
        .join(t, t.id == r.ticket_id)
        .where(r.created_at >= period.start, r.created_at < period.end, t.kind.in_(GRIEVANCE_KINDS)))).one()
    survey = tags["grm"]
    return {**_share(int(answers) + survey["answers"], int(satisfied) + survey["satisfied"]),
            "ticket_ratings": int(answers), "survey_answers": survey["answers"]}


async def applications(session: AsyncSession, period: Period) -> dict[str, Any]:
    """Applications loaded from the register in the period, per region and status."""
    a = Application
    in_period = and_(a.created_at >= period.start, a.created_at < period.end)
    by_region = await _grouped(session, a.region, select(a.region, func.count(a.id)).where(in_period))
    return {"total": sum(by_region.values()), "by_region": by_region,
            "by_status": await _grouped(session, a.status, select(a.status, func.count(a.id)).where(in_period))}


async def notifications(session: AsyncSession, period: Period) -> dict[str, Any]:
    o = OutboxMessage
    in_period = and_(o.created_at >= period.start, o.created_at < period.end)
    states = await _grouped(session, o.state, select(o.state, func.count(o.id)).where(in_period))
    by_kind: dict[str, dict[str, int]] = {}
    for kind, state, count in await session.execute(
            select(o.kind, o.state, func.count(o.id)).where(in_period).group_by(o.kind, o.state)):
        by_kind.setdefault(kind, {})[state] = int(count)
    return {"total": sum(states.values()), "sent": states.get("sent", 0), "failed": states.get("failed", 0),
            "unreachable": states.get("unreachable", 0), "needs_template": states.get("needs_template", 0),
            "queued": states.get("queued", 0) + states.get("sending", 0), "by_kind": by_kind}


# What a report's plan (report.yaml `metric:`) may name: the paths of the numbers indicators()
# returns, and the groups whose keys come from the data (channels, topics, verdicts…), where
# any path below the group is accepted. tests/feedback/test_reporting.py holds this list to
# indicators()' real output, so neither can drift.
METRICS = frozenset({
    "consultations.total", "consultations.unique_contacts", "consultations.by_person", "consultations.by_bot",
    "tickets.total", "tickets.resolved", "tickets.withdrawn", "tickets.sla_met", "tickets.sla_missed",
    "tickets.sla_met_pct",
    *(f"tickets.{what}.{field}" for what in ("first_response", "resolution")
      for field in ("count", "median_minutes", "p90_minutes")),
    "grievances.received", "grievances.resolved", "grievances.on_time", "grievances.on_time_pct",
    "csat.requests", "csat.queued", "csat.sent", "csat.responses", "csat.satisfied", "csat.satisfied_pct",
    "csat.average", "csat.comments",
    "surveys.count", "surveys.sent", "surveys.answered", "surveys.scale_answers", "surveys.satisfied",
    "surveys.satisfied_pct",
    "eligibility.checks", "call_centre.active", "demographics.people", "applications.total",
    *(f"grm.{field}" for field in ("answers", "satisfied", "satisfied_pct", "ticket_ratings", "survey_answers")),
    *(f"tags.{tag}.{field}" for tag in SURVEY_TAGS for field in ("answers", "satisfied", "satisfied_pct")),
    "notifications.total", "notifications.sent", "notifications.failed", "notifications.unreachable",
    "notifications.needs_template", "notifications.queued",
})
METRIC_GROUPS = frozenset({
    "consultations.by_channel", "consultations.by_language", "consultations.by_region", "consultations.by_topic",
    "consultations.per_day", "demographics.sex", "demographics.age_band", "tickets.by_kind",
    "tickets.first_response_buckets", "grievances.by_kind", "csat.delivery", "csat.skipped", "csat.distribution",
    "surveys.per_survey", "eligibility.verdicts", "eligibility.verdict_pct", "notifications.by_kind",
    "consultations.report_channels", "applications.by_region", "applications.by_status",
})


def is_metric(path: str) -> bool:
    """Whether `path` names a number indicators() can return (see METRICS)."""
    return path in METRICS or path in METRIC_GROUPS or any(path.startswith(group + ".") for group in METRIC_GROUPS)


async def indicators(session: AsyncSession, period: Period, now: datetime,
                     tagged: Mapping[str, Iterable[tuple[str, str]]] | None = None) -> dict[str, Any]:
    """Every indicator of the period, as plain numbers, lists and dicts (JSON-ready).

    `tagged`: survey tag → the (survey id, question id) pairs carrying it (config/surveys.yaml).
    """
    found = await consultations(session, period)
    tags = await survey_tags(session, period, tagged or {})
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "zone": period.zone},
        "call_centre": {"active": 1 if found["total"] else 0},
        "consultations": found,
        "demographics": await demographics(session, period),
        "tickets": await tickets(session, period, now),
        "grievances": await grievances(session, period),
        "csat": await csat(session, period),
        "surveys": await surveys(session, period),
        "tags": tags,
        "grm": await grm(session, period, tags),
        "applications": await applications(session, period),
        "eligibility": await eligibility(session, period),
        "notifications": await notifications(session, period),
    }
