"""alert escalation, digests

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:17:53.230114
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('digests',
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('scheduled_for', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('period')
    )
    op.create_table('digest_subscribers',
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('respondent_id')
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # The alerts open before this upgrade are not posted again all at once (a backlog would
    # flood the managers' chat): they count as escalated when they were raised.
    op.execute("UPDATE alerts SET escalated_at = created_at WHERE status = 'open'")


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')

    op.drop_table('digest_subscribers')
    op.drop_table('digests')
