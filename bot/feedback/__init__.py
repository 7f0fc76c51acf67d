"""Satisfaction polls, stage surveys, programme indicators and managers' exports (issue 7).

* `bot.feedback.csat.CsatService` — queues the CSAT question when a consultation closes
  (idle gap: `run_idle_closer`; operator resolution: `on_ticket_resolved`);
* `bot.feedback.surveys` — `config/surveys.yaml`, audiences, `send_survey`;
* `bot.feedback.report` — `zhasbot report`, Markdown / JSON / XLSX with charts;
* `bot.feedback.exports` — tickets, CSAT and survey answers as CSV/XLSX (journal: bot.exports);
* `bot.feedback.console` — `/console/reports` for managers.

Polls go out through the notifications outbox (storage.outbox), never directly.
"""
