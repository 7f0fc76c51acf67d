"""faq_misses: questions the FAQ declined or users disowned, for editors

Revision ID: 0010_faq_misses
Revises: 0009_withdrawn_tickets
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0010_faq_misses"
down_revision = "0009_withdrawn_tickets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faq_misses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("added_to", sa.String(length=64), nullable=True),
        sa.Column("added_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_faq_misses_created_at", "faq_misses", ["created_at"])
    op.create_index("ix_faq_misses_contact_id", "faq_misses", ["contact_id"])


def downgrade() -> None:
    op.drop_index("ix_faq_misses_contact_id", table_name="faq_misses")
    op.drop_index("ix_faq_misses_created_at", table_name="faq_misses")
    op.drop_table("faq_misses")
