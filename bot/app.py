"""Wiring: settings → database (migrated) → surveys → engine."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import store
from bot.campaigns.spec import CampaignRules
from bot.db import Database, current_revision, head_revision, open_database, upgrade
from bot.engine import Engine
from bot.settings import Settings
from bot.surveys import load_surveys

log = logging.getLogger(__name__)


class SchemaOutOfDate(RuntimeError):
    """The PostgreSQL schema (or the daily rollup's time zone) is behind the settings;
    ``survey-bot db upgrade`` fixes it."""


def prepare_database(settings: Settings, *, migrate: bool = True) -> Database:
    """Open the database, brought to the newest schema with ``migrate`` (and its daily rollup
    recounted once when REPORT_TIMEZONE changed); without it (worker and secondary web
    processes, started after their parent migrated) only checked."""
    url = settings.database_url
    if migrate:
        upgrade(url)
    db = open_database(url)
    zone = ZoneInfo(settings.report_timezone)
    if migrate:
        with Session(db.engine) as session:
            if store.sync_rollup_zone(session=session, zone=zone):
                log.info("daily rollup recounted by local day in %s", zone.key)
            session.commit()
        return db
    current, head = current_revision(db.engine), head_revision()
    if current != head:
        db.dispose()
        raise SchemaOutOfDate(
            f"DATABASE_URL: schema is at {current}, the code needs {head}; "
            "run `survey-bot db upgrade`"
        )
    with Session(db.read_engine) as session:
        counted = store.rollup_zone(session=session)
    if counted != zone.key:
        db.dispose()
        raise SchemaOutOfDate(
            f"REPORT_TIMEZONE: the daily rollup counts days in {counted}, the settings say "
            f"{zone.key}; run `survey-bot db upgrade`"
        )
    return db


def build_engine(settings: Settings, *, migrate: bool = True) -> Engine:
    """The engine the adapters share."""
    db = prepare_database(settings, migrate=migrate)
    return Engine(
        db=db,
        surveys=load_surveys(settings.survey_file),
        managers=settings.managers(),
        manager_locale=settings.manager_locale,
        default_locale=settings.default_locale,
        channel_locales={"slack": settings.slack_default_locale} if settings.slack_default_locale
        else {},
        comment_max_length=settings.comment_max_length,
        resurvey_erased=settings.resurvey_erased,
        report_timezone=settings.report_timezone,
        event_lease=timedelta(seconds=settings.event_lease_seconds),
        campaign_rules=CampaignRules(
            cooldown_days=settings.survey_cooldown_days,
            cooldown_metrics=dict(settings.survey_cooldown_metrics),
            send_window=settings.send_window, reminders=settings.campaign_reminders),
        webhooks=bool(settings.webhook_url),
        value_attribute=settings.value_attribute,
        escalate_after=settings.alert_escalate_after,
        recovery_question=settings.recovery_question,
        digest=settings.digest_weekly,
        team_chats=team_chats(settings),
        own_chats=[c for c, on in (("telegram", settings.telegram_enabled),
                                   ("slack", settings.slack_enabled)) if on],
        public_url=settings.web_base_url,
    )


def team_chats(settings: Settings) -> list[str]:
    """The channels that run with a managers' chat set (alerts, the digest)."""
    return [channel for channel, on in (
        ("telegram", settings.telegram_enabled and bool(settings.telegram_alert_chat_id)),
        ("slack", settings.slack_enabled and bool(settings.slack_alert_channel))) if on]
