"""RETENTION_DAYS: a background task empties texts older than that (storage.erasure.anonymise_before).

Off by default. Runs at start-up and then hourly, in batches, so no transaction is long."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from storage.erasure import anonymise_before
from storage.types import utcnow
from storage.unit_of_work import Database

log = logging.getLogger(__name__)


async def apply_retention(db: Database, days: int, *, now=None) -> int:
    """Empty everything older than `days`; how many messages were emptied."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    total = 0
    while True:
        async with db.unit_of_work() as uow:
            done = await anonymise_before(uow.session, cutoff)
        total += done
        if done == 0:
            return total
        await asyncio.sleep(0)  # let conversations in between batches


async def retention_forever(db: Database, days: int, interval: float = 3600.0) -> None:
    while True:
        try:
            emptied = await apply_retention(db, days)
            if emptied:
                log.info("retention: %d messages older than %d days anonymised", emptied, days)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retention run failed; next in %.0f s", interval)
        await asyncio.sleep(interval)
