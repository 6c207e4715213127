"""promoter asks, advocacy links, referrals

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:01:25.720951
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('promoter_asks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('survey', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('consent_asked', sa.Boolean(), nullable=False),
    sa.Column('named', sa.Boolean(), nullable=True),
    sa.Column('is_test', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['answer_id'], ['answers.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('promoter_asks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promoter_asks_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_promoter_asks_customer_created', ['customer_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_promoter_asks_respondent_id'), ['respondent_id'], unique=False)

    op.create_table('advocacy_links',
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('ask_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=2100), nullable=True),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.Column('first_click_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_click_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ask_id'], ['promoter_asks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('digest')
    )
    with op.batch_alter_table('advocacy_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advocacy_links_ask_id'), ['ask_id'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referrer_id', sa.Integer(), nullable=False),
    sa.Column('referred_id', sa.Integer(), nullable=False),
    sa.Column('ask_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ask_id'], ['promoter_asks.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['referred_id'], ['customers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referrer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('referred_id')
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_ask_id'), ['ask_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_referrer_id'), ['referrer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_referrer_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_ask_id'))

    op.drop_table('referrals')
    with op.batch_alter_table('advocacy_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advocacy_links_ask_id'))

    op.drop_table('advocacy_links')
    with op.batch_alter_table('promoter_asks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promoter_asks_respondent_id'))
        batch_op.drop_index('ix_promoter_asks_customer_created')
        batch_op.drop_index(batch_op.f('ix_promoter_asks_created_at'))

    op.drop_table('promoter_asks')
