"""Erasing a person's data (issue 14), as the CLI and the managers' console do it: one
transaction that erases and audits (numbers only — never what was erased), then the
database files are scrubbed so the values are gone from disk too (storage.erasure)."""
from __future__ import annotations

import logging

from storage.erasure import ErasureReport, scrub
from storage.tickets import Audit
from storage.types import utcnow
from storage.unit_of_work import Database

log = logging.getLogger(__name__)


async def erase_person(db: Database, *, actor: str, operator_id: int | None = None, dry_run: bool = False,
                       phone: str | None = None, contact_id: int | None = None, telegram: str | None = None,
                       sender: str | None = None) -> ErasureReport:
    async with db.unit_of_work() as uow:
        contacts = await uow.erasure.find(phone=phone, contact_id=contact_id, telegram=telegram, sender=sender)
        if dry_run or not contacts:
            return await uow.erasure.preview(contacts)
        report = await uow.erasure.erase(contacts)
        Audit(uow.session).record(actor=actor, operator_id=operator_id, action="contact_erased",
                                  target=f"contacts:{len(report.contact_ids)}", details=report.counts(), at=utcnow())
    try:
        await scrub(db.engine)
    except Exception:  # a busy database: the values are erased; the next scrub clears the file
        log.exception("scrubbing the database after an erasure failed")
    return report
