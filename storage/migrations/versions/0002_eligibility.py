"""eligibility: verdict on consultations, derived applicant data on contacts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch_alter_table: SQLite cannot drop columns in place (downgrade), PostgreSQL
    # runs the same operations as plain ALTER TABLE.
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eligibility_verdict', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('eligibility_failed', sa.JSON(), nullable=True))

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('age_band', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('sex', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('iin_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_contacts_iin_hash'), ['iin_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_iin_hash'))
        batch_op.drop_column('iin_hash')
        batch_op.drop_column('sex')
        batch_op.drop_column('age_band')
        batch_op.drop_column('birth_year')

    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('eligibility_failed')
        batch_op.drop_column('eligibility_verdict')
