"""Send leases shared by every worker on one PostgreSQL: Telegram's limits without Redis.

One row per limit ("telegram") says which sender may send and until when (epoch seconds on
the *database's* clock, so workers on different hosts agree). A sender holds the lease while
it sends and renews it; another takes it only once it has lapsed for `gap` seconds, so the
two never send in the same window of Telegram's limits. One autocommitted statement per
take or renewal; the upsert's row lock makes concurrent takers queue.
"""
from __future__ import annotations

from sqlalchemy import Float, String, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

NOW = "extract(epoch from statement_timestamp())"


class SendLease(Base):
    __tablename__ = "send_leases"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(String(40))
    until: Mapped[float] = mapped_column(Float)  # epoch seconds, database clock


async def take_lease(connection: AsyncConnection, key: str, owner: str, *, hold: float, gap: float) -> float:
    """0 if `owner` now holds `key` for `hold` seconds (taken or renewed); else the seconds
    until the other holder's lease has lapsed for `gap` seconds."""
    taken = await connection.scalar(text(
        f"INSERT INTO send_leases (key, owner, until) VALUES (:key, :owner, {NOW} + :hold) "
        f"ON CONFLICT (key) DO UPDATE SET owner = :owner, until = {NOW} + :hold "
        f"WHERE send_leases.owner = :owner OR send_leases.until + :gap <= {NOW} "
        f"RETURNING 1"), {"key": key, "owner": owner, "hold": hold, "gap": gap})
    if taken:
        return 0.0
    wait = await connection.scalar(text(f"SELECT until + :gap - {NOW} FROM send_leases WHERE key = :key"),
                                   {"key": key, "gap": gap})
    return max(0.001, float(wait or 0.0))
