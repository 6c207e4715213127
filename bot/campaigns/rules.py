"""Who may be asked, on which channel, and when: the rules planning and the feeder share
(docs/campaigns.md).

* **Channel:** a campaign on one channel uses the customer's account there; ``all`` the first
  of telegram, slack, console they can be reached on.
* **Skip reasons**, in this order: erased (the account's person deleted their data), opted out
  (on any of their accounts: a person who said stop is not asked elsewhere), unreachable
  (blocked the bot), no account on the channel, a survey in progress, cooldown.
* **In progress:** an active survey run of any account of the customer updated within
  ``CampaignRules.in_progress`` (3 days): it is never interrupted.  An older active run is
  abandoned; a new survey replaces it.
* **Cooldown:** a survey run started for any account of the customer within the cooldown (an
  invitation that went, or a survey they started themselves); a metric's own cooldown counts
  only the surveys of that metric.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, exists, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from bot.campaign_tables import SkipReason
from bot.campaigns.spec import ALL, CHANNELS, CampaignRules
from bot.models import Respondent, RunStatus, SurveyRun
from bot.surveys import SurveyCatalog

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Account:
    """One channel identity of a customer, as the rules need it."""

    id: int
    channel: str
    user_id: str
    opted_out: bool
    unreachable: bool
    erased: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """Where an invitation goes (``reason`` empty) or why it does not."""

    channel: str | None
    respondent_id: int | None
    reason: str = ""
    lookup: bool = False
    """Planned for Slack with no account yet: the customer's e-mail is looked up at send."""


@dataclass(frozen=True, slots=True)
class Cooldown:
    """How far back a survey counts, and which surveys count (None: any)."""

    days: float
    surveys: tuple[str, ...] | None = None

    def since(self, now: datetime) -> datetime | None:
        return now - timedelta(days=self.days) if self.days > 0 else None


def metric_of(surveys: SurveyCatalog, name: str) -> str | None:
    """A survey's metric: that of its first question."""
    survey = surveys.get(name)
    return survey.questions[0].metric if survey and survey.questions else None


def cooldown_for(rules: CampaignRules, surveys: SurveyCatalog, survey: str,
                 days: float | None) -> Cooldown:
    """``days`` given (a campaign's or a request's own): any survey counts; else the survey
    metric's own cooldown (SURVEY_COOLDOWN_METRICS), counting that metric's surveys; else
    SURVEY_COOLDOWN_DAYS, counting any survey."""
    if days is not None:
        return Cooldown(days)
    metric = metric_of(surveys, survey)
    if metric is not None and metric in rules.cooldown_metrics:
        same = tuple(name for name in surveys.surveys if metric_of(surveys, name) == metric)
        return Cooldown(rules.cooldown_metrics[metric], same)
    return Cooldown(rules.cooldown_days)


def _asked_where(cooldown: Cooldown, now: datetime) -> list[ColumnElement[bool]] | None:
    since = cooldown.since(now)
    if since is None:
        return None
    clauses = [col(SurveyRun.started_at) >= since]
    if cooldown.surveys is not None:
        clauses.append(col(SurveyRun.survey).in_(cooldown.surveys))
    return clauses


def _in_progress_where(rules: CampaignRules, now: datetime) -> list[ColumnElement[bool]]:
    return [col(SurveyRun.status) == RunStatus.ACTIVE,
            col(SurveyRun.updated_at) >= now - rules.in_progress]


def _runs_of_customer(customer_id: Any, where: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return exists(select(1).select_from(SurveyRun).join(
        Respondent, col(Respondent.id) == col(SurveyRun.respondent_id)).where(
        col(Respondent.customer_id) == customer_id, *where))


def _customers_with_runs(ids: Collection[int],
                         where: list[ColumnElement[bool]]) -> Select[int | None]:
    return select(col(Respondent.customer_id)).distinct().select_from(SurveyRun).join(
        Respondent, col(Respondent.id) == col(SurveyRun.respondent_id)).where(
        col(Respondent.customer_id).in_(ids), *where)


def asked_since(customer_id: Any, cooldown: Cooldown,
                now: datetime) -> ColumnElement[bool] | None:
    """SQL: the customer was asked within the cooldown (None: no cooldown)."""
    where = _asked_where(cooldown, now)
    return None if where is None else _runs_of_customer(customer_id, where)


def in_progress(customer_id: Any, rules: CampaignRules,
                now: datetime) -> ColumnElement[bool]:
    """SQL: a survey of the customer is in progress (active, updated recently)."""
    return _runs_of_customer(customer_id, _in_progress_where(rules, now))


def asked_among(ids: Collection[int], cooldown: Cooldown,
                now: datetime) -> Select[int | None] | None:
    """SQL: which of these customers were asked within the cooldown (None: no cooldown)."""
    where = _asked_where(cooldown, now)
    return None if where is None else _customers_with_runs(ids, where)


def in_progress_among(ids: Collection[int], rules: CampaignRules,
                      now: datetime) -> Select[int | None]:
    """SQL: which of these customers have a survey in progress."""
    return _customers_with_runs(ids, _in_progress_where(rules, now))


def decide(accounts: Sequence[Account], channel: str, *, lookup_possible: bool,
           busy: bool, asked: bool) -> Decision:
    """Where one customer's invitation goes on ``channel`` (or ``all``), or why it does not.
    ``lookup_possible``: known by e-mail, never looked up on Slack; ``busy``: a survey in
    progress; ``asked``: within the cooldown."""
    order = CHANNELS if channel == ALL else (channel,)
    candidates = sorted((a for a in accounts if a.channel in order),
                        key=lambda a: (order.index(a.channel), a.id))
    reachable = [a for a in candidates if not (a.unreachable or a.erased or a.opted_out)]
    if candidates and all(a.erased for a in candidates):
        return Decision(None, None, SkipReason.ERASED)
    if any(a.opted_out for a in accounts):
        return Decision(None, None, SkipReason.OPTED_OUT)
    chosen: Decision | None = None
    if reachable:
        chosen = Decision(reachable[0].channel, reachable[0].id)
    elif ("slack" in order and lookup_possible
          and not any(a.channel == "slack" for a in accounts)):
        chosen = Decision("slack", None, lookup=True)
    elif candidates:
        return Decision(None, None, SkipReason.UNREACHABLE)
    if chosen is None:
        return Decision(None, None, SkipReason.NO_ACCOUNT)
    if busy:
        return Decision(chosen.channel, chosen.respondent_id, SkipReason.IN_PROGRESS)
    if asked:
        return Decision(chosen.channel, chosen.respondent_id, SkipReason.COOLDOWN)
    return chosen


def zone_of(name: str | None, default: ZoneInfo) -> ZoneInfo:
    """The customer's time zone for quiet hours; REPORT_TIMEZONE when unset or unknown."""
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r: quiet hours in %s", name, default.key)
        return default


def valid_channels() -> Collection[str]:
    return (*CHANNELS, ALL)
