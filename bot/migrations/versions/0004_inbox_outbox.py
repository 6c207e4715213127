"""inbox, outbox, pacing; reply outcomes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 13:03:09.453217
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('order_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('done_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'key', name='uq_inbox_key')
    )
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_status_order', ['status', 'channel', 'order_key', 'id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('destination', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('lane', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('follow_up', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('supersede_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('faults', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('slot_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('pace_keys', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
    sa.Column('lease_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_destination', ['channel', 'destination', 'status', 'id'], unique=False)
        batch_op.create_index('ix_outbox_due', ['status', 'channel', 'lane', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_outbox_supersede', ['supersede_key', 'status'], unique=False)
        batch_op.create_index('ix_outbox_reserved', ['pace_keys', 'slot_at'], unique=False)
        # The first waiting row of a destination by lane (bot/delivery/outbox.py claim); sent
        # rows stay out of it, however many a destination has had.
        batch_op.create_index('ix_outbox_waiting', ['channel', 'destination', 'lane', 'id'],
                              unique=False,
                              postgresql_where=sa.text("status IN ('pending', 'sending')"),
                              sqlite_where=sa.text("status IN ('pending', 'sending')"))

    op.create_table('pacing',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('tat', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('alert_notes', schema=None) as batch_op:
        batch_op.alter_column('delivered',
               existing_type=sa.BOOLEAN(),
               nullable=True)



def downgrade() -> None:
    with op.batch_alter_table('alert_notes', schema=None) as batch_op:
        batch_op.alter_column('delivered',
               existing_type=sa.BOOLEAN(),
               nullable=False)

    op.drop_table('pacing')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_reserved')
        batch_op.drop_index('ix_outbox_waiting')
        batch_op.drop_index('ix_outbox_supersede')
        batch_op.drop_index('ix_outbox_due')
        batch_op.drop_index('ix_outbox_destination')

    op.drop_table('outbox')
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_status_order')

    op.drop_table('inbox')
