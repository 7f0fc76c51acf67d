"""security: API tokens expire; sessions remember where they came from; no birth year beside
the IIN hash; the old fast (HMAC) IIN hashes are dropped — they could be reversed in seconds

Revision ID: 0007_security
Revises: 0006_link_failures
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007_security"
down_revision = "0006_link_failures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_expires_at", storage.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("operator_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remote", sa.String(length=64), nullable=True))
    # A plain HMAC of the IIN beside birth year and sex was enumerable; the new hash is
    # scrypt (core.iin) and cannot be computed from the old one: repeated applicants are
    # recognised again from their next check on.
    op.execute("UPDATE contacts SET iin_hash = NULL")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("birth_year")


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))
    with op.batch_alter_table("operator_sessions", schema=None) as batch_op:
        batch_op.drop_column("remote")
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.drop_column("token_expires_at")
