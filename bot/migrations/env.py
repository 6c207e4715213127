"""Alembic environment: reads SQLModel.metadata; serialises concurrent upgrades on PostgreSQL;
logs each migration it applies (Alembic's own INFO lines show only with LOG_LEVEL=DEBUG, see
``bot.db``)."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import create_engine, pool, text
from sqlmodel import SQLModel

import bot.models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata
MIGRATION_LOCK = 72_616_001  # pg_advisory_lock key shared by every process of this bot
log = logging.getLogger("bot.migrations")


def _log_step(ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any],
              run_args: Mapping[str, Any]) -> None:
    """Alembic's ``on_version_apply`` hook: one INFO line per migration applied."""
    if step.is_migration:
        doc = getattr(step.up_revision, "doc", "") if step.is_upgrade else ""
        log.info("database schema %s %s -> %s%s", "upgraded" if step.is_upgrade else "downgraded",
                 ", ".join(step.source_revision_ids) or "(empty)",
                 ", ".join(step.destination_revision_ids) or "(empty)",
                 f" ({doc})" if doc else "")


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        on_version_apply=_log_step,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            conn.commit()
        try:
            context.configure(
                connection=conn,
                target_metadata=target_metadata,
                render_as_batch=conn.dialect.name == "sqlite",
                on_version_apply=_log_step,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if postgres:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
                conn.commit()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
