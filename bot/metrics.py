"""Prometheus metrics of one worker (prometheus_client), plus figures read from the shared
database at scrape time, so every worker reports the same queue depth and ticket counts."""
from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily

from storage.health import Figures

# Buckets around the targets that matter: a reply in well under a second.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class _JournalTotals:
    """Messages in the journal per channel and direction: a counter shared by all workers."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], int] = {}

    def collect(self):
        family = CounterMetricFamily("zhasbot_journal_messages", "Messages in the consultation journal",
                                     labels=["channel", "direction"])
        for (channel, direction), value in sorted(self.values.items()):
            family.add_metric([channel, direction], value)
        yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages_in = Counter("zhasbot_messages_in", "Inbound messages handled by this worker",
                                   ["channel"], registry=r)
        self.messages_out = Counter("zhasbot_messages_out", "Outbound messages sent by this worker",
                                    ["channel", "result"], registry=r)
        self.reply_latency = Histogram("zhasbot_reply_latency_seconds",
                                       "From receiving an inbound batch to its replies being journaled",
                                       ["channel"], buckets=LATENCY_BUCKETS, registry=r)
        self.rate_limited = Counter("zhasbot_rate_limited", "429 answers from a channel's API",
                                    ["channel"], registry=r)
        self.outbox_depth = Gauge("zhasbot_outbox_queued", "Outbox rows queued or being sent", registry=r)
        self.outbox_age = Gauge("zhasbot_outbox_oldest_age_seconds",
                                "Age of the oldest due outbox row (0 when empty)", registry=r)
        self.open_tickets = Gauge("zhasbot_open_tickets", "Tickets open or assigned", registry=r)
        self.sla_breaches = Gauge("zhasbot_sla_breaches", "Active tickets past their SLA", registry=r)
        self.leader = Gauge("zhasbot_leader", "1 if this worker is the leader", registry=r)
        self._journal = _JournalTotals()
        r.register(self._journal)

    def observe_batch(self, channel: str, inbound_count: int, seconds: float) -> None:
        self.messages_in.labels(channel).inc(inbound_count)
        self.reply_latency.labels(channel).observe(seconds)

    def observe_send(self, channel: str, result: str) -> None:
        self.messages_out.labels(channel, result).inc()
        if result == "rate_limited":
            self.rate_limited.labels(channel).inc()

    def render(self, figures: Figures | None, now: datetime, *, leader: bool) -> bytes:
        if figures is not None:
            self.outbox_depth.set(figures.outbox_queued)
            due = figures.outbox_oldest_due
            self.outbox_age.set(max(0.0, (now - due).total_seconds()) if due else 0.0)
            self.open_tickets.set(figures.open_tickets)
            self.sla_breaches.set(figures.sla_breaches)
            self._journal.values = dict(figures.journal)
        self.leader.set(1 if leader else 0)
        return generate_latest(self.registry)
