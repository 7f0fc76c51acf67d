"""withdrawn tickets: a request the user took back before anyone answered is `withdrawn`,
no longer `resolved` (the rows withdrawn so far carry the "withdrawn: …" resolution note)

Revision ID: 0009_withdrawn_tickets
Revises: 0008_voice_calls
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op

revision = "0009_withdrawn_tickets"
down_revision = "0008_voice_calls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE tickets SET status = 'withdrawn' WHERE status = 'resolved' AND resolution LIKE 'withdrawn%'")


def downgrade() -> None:
    op.execute("UPDATE tickets SET status = 'resolved' WHERE status = 'withdrawn'")
