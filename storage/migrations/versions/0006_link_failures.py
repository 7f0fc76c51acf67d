"""link failures (failed application-linking tries per number, phone hash and contact);
contacts.next_season_optin_at

Revision ID: 0006_link_failures
Revises: 0005
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0006_link_failures"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_link_failures_contact_id_contacts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_failures")),
    )
    op.create_index("ix_link_failures_number_at", "link_failures", ["number", "at"])
    op.create_index("ix_link_failures_phone_at", "link_failures", ["phone_hash", "at"])
    op.create_index("ix_link_failures_contact_at", "link_failures", ["contact_id", "at"])
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("next_season_optin_at", storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("next_season_optin_at")
    op.drop_table("link_failures")
