"""What managers see: delivery per notification batch, rows needing a WhatsApp template,
applications nobody has linked. Service functions for the console and `zhasbot notifications status`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.applications import Applications
from storage.outbox import Outbox
from storage.unit_of_work import Database


@dataclass
class BatchDelivery:
    batch_id: str
    created_at: datetime | None
    queued: int = 0  # includes rows being sent right now ("sending")
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    needs_template: int = 0
    total: int = 0


@dataclass
class DeliveryReport:
    batches: list[BatchDelivery]
    applications: int
    unlinked_applications: int
    needs_template: list[dict[str, Any]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"applications: {self.applications}, without a linked contact: {self.unlinked_applications}"]
        if not self.batches:
            out.append("no notifications yet")
        else:
            out.append(f"{'batch':<44} {'queued':>7} {'sent':>7} {'failed':>7} {'unreach':>7} {'template':>8}")
            for b in self.batches:
                out.append(f"{b.batch_id:<44} {b.queued:>7} {b.sent:>7} {b.failed:>7} {b.unreachable:>7} "
                           f"{b.needs_template:>8}")
        if self.needs_template:
            out.append("waiting for a WhatsApp template (add it to config/whatsapp_templates.yaml):")
            for row in self.needs_template[:20]:
                out.append(f"  {row['template_key']} [{row['language']}] — contact {row['contact_id']}, "
                           f"batch {row['batch_id']}")
        return out


async def unlinked_applications(db: Database) -> int:
    """How many applications have no linked contact (nobody will be notified of them)."""
    async with db.sessions() as session:
        return await Applications(session).unlinked_count()


async def delivery_report(db: Database, batch_id: str | None = None, *, limit: int = 20) -> DeliveryReport:
    """Per batch (newest first): queued, sent, failed, unreachable, needs_template; plus the rows
    waiting for a template and the count of applications without a linked contact."""
    async with db.sessions() as session:
        outbox = Outbox(session)
        batches = []
        for entry in await outbox.counts_by_batch(batch_id, limit=limit):
            batches.append(BatchDelivery(
                batch_id=entry["batch_id"], created_at=entry["created_at"],
                queued=entry["queued"] + entry["sending"], sent=entry["sent"], failed=entry["failed"],
                unreachable=entry["unreachable"], needs_template=entry["needs_template"], total=entry["total"]))
        waiting = [{"id": row.id, "batch_id": row.batch_id, "contact_id": row.contact_id,
                    "template_key": row.template_key, "language": row.language, "topic": row.topic}
                   for row in await outbox.needing_template()]
        applications = Applications(session)
        return DeliveryReport(batches=batches, applications=await applications.count(),
                              unlinked_applications=await applications.unlinked_count(), needs_template=waiting)
