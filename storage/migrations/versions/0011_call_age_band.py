"""consultations.age_band: the age band a phone caller told the operator (the grant
operator's bands), counted for a person whose eligibility check never gave one

Revision ID: 0011_call_age_band
Revises: 0010_faq_misses
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_call_age_band"
down_revision = "0010_faq_misses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultations") as batch_op:
        batch_op.add_column(sa.Column("age_band", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consultations") as batch_op:
        batch_op.drop_column("age_band")
