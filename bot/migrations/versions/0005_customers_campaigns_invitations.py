"""customers, campaigns, invitations

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:38:03.340983
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('survey', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('targets', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('start_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('remind_after', sa.Float(), nullable=True),
    sa.Column('reminders', sa.Integer(), nullable=False),
    sa.Column('expire_after', sa.Float(), nullable=True),
    sa.Column('cooldown_days', sa.Float(), nullable=True),
    sa.Column('cooldown_scope', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('planned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_status'), ['status'], unique=False)

    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('slack_lookup_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id')
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_email'), ['email'], unique=False)

    op.create_table('customer_attributes',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('text_value', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('number_value', sa.Float(), nullable=True),
    sa.Column('date_value', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'name')
    )
    with op.batch_alter_table('customer_attributes', schema=None) as batch_op:
        batch_op.create_index('ix_attribute_date', ['name', 'date_value'], unique=False)
        batch_op.create_index('ix_attribute_number', ['name', 'number_value'], unique=False)
        batch_op.create_index('ix_attribute_text', ['name', 'text_value'], unique=False)

    op.create_table('link_tokens',
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('survey', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('campaign', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('bound_to', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('bound_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('digest')
    )
    with op.batch_alter_table('link_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_tokens_customer_id'), ['customer_id'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('respondent_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reminders_sent', sa.Integer(), nullable=False),
    sa.Column('next_reminder_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('cooldown_days', sa.Float(), nullable=True),
    sa.Column('survey', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'key', name='uq_invitation_key'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index('ix_invitations_campaign', ['campaign_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_invitations_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_invitations_remind', ['status', 'next_reminder_at'], unique=False)
        batch_op.create_index('ix_invitations_sent', ['sent_at', 'campaign_id', 'answered_at',
                              'channel', 'respondent_id'], unique=False)

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_id', sa.Integer(), nullable=True))

    # The daily rollup counts answers to an invitation apart (every answer so far has none).
    _rollup_key(invited=True)

    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_respondents_customer_id'), ['customer_id'], unique=False)
        batch_op.create_foreign_key('fk_respondents_customer_id', 'customers', ['customer_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('survey_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_survey_runs_invitation_id'), ['invitation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_runs_invitation_id'))
        batch_op.drop_column('invitation_id')

    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.drop_constraint('fk_respondents_customer_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_respondents_customer_id'))
        batch_op.drop_column('customer_id')

    _rollup_key(invited=False)
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('invitation_id')

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_invitations_sent')
        batch_op.drop_index('ix_invitations_remind')
        batch_op.drop_index('ix_invitations_due')
        batch_op.drop_index(batch_op.f('ix_invitations_customer_id'))
        batch_op.drop_index('ix_invitations_campaign')

    op.drop_table('invitations')
    with op.batch_alter_table('link_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_tokens_customer_id'))

    op.drop_table('link_tokens')
    with op.batch_alter_table('customer_attributes', schema=None) as batch_op:
        batch_op.drop_index('ix_attribute_text')
        batch_op.drop_index('ix_attribute_number')
        batch_op.drop_index('ix_attribute_date')

    op.drop_table('customer_attributes')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_email'))

    op.drop_table('customers')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_status'))

    op.drop_table('campaigns')



_ROLLUP_KEY = ['metric', 'day', 'score', 'channel', 'locale', 'survey', 'campaign']


def _merge_invited() -> None:
    """Fold the rows ``invited`` told apart into one row per key again."""
    same = ' AND '.join(f"o.{k} = answer_counts.{k}" for k in _ROLLUP_KEY)
    op.execute(f"UPDATE answer_counts SET count = count + (SELECT o.count FROM answer_counts o "
               f"WHERE o.invited AND {same}) WHERE NOT invited AND EXISTS (SELECT 1 FROM "
               f"answer_counts o WHERE o.invited AND {same})")
    op.execute(f"DELETE FROM answer_counts WHERE invited AND EXISTS (SELECT 1 FROM "
               f"answer_counts o WHERE NOT o.invited AND {same})")
    op.execute("UPDATE answer_counts SET invited = false WHERE invited")


def _rollup_key(*, invited: bool) -> None:
    """Add ``answer_counts.invited`` to the rollup's primary key, or take it out again."""
    key = [*_ROLLUP_KEY, 'invited'] if invited else _ROLLUP_KEY
    column: sa.Column[bool] = sa.Column('invited', sa.Boolean(), nullable=False,
                                        server_default=sa.false())
    if not invited:
        _merge_invited()
    if op.get_bind().dialect.name == 'sqlite':  # a new table with the new key, the rows copied
        _copy_sqlite(key)
        return
    with op.batch_alter_table('answer_counts', schema=None) as batch_op:
        batch_op.drop_constraint('answer_counts_pkey', type_='primary')
        if invited:
            batch_op.add_column(column)
        else:
            batch_op.drop_column('invited')
        batch_op.create_primary_key('answer_counts_pkey', key)
    if invited:
        op.alter_column('answer_counts', 'invited', server_default=None)


def _copy_sqlite(key: list[str]) -> None:
    invited = 'invited' in key
    op.create_table(
        'answer_counts_next',
        sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('survey', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('campaign', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        *([sa.Column('invited', sa.Boolean(), nullable=False)] if invited else []),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*key))
    columns = ', '.join([*_ROLLUP_KEY, 'count'])
    op.execute(f"INSERT INTO answer_counts_next ({columns}{', invited' if invited else ''}) "
               f"SELECT {columns}{', 0' if invited else ''} FROM answer_counts")
    op.drop_table('answer_counts')
    op.rename_table('answer_counts_next', 'answer_counts')
