"""Planning a campaign: validate it, write it, and write one invitation per customer of its
audience (planned, or skipped with the reason), in batches of customers read in id order, so
100,000 customers plan in seconds with flat memory."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, literal, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from bot import deeplinks, privacy, store
from bot.audience.customers import customer_of
from bot.campaign_tables import (
    Campaign,
    CampaignStatus,
    CooldownScope,
    Customer,
    Invitation,
    InvitationStatus,
)
from bot.campaigns import filters, rules
from bot.campaigns.rules import Account, Cooldown, Decision
from bot.campaigns.spec import ALL, CampaignError, CampaignRules, CampaignSpec, Preview
from bot.delivery.codec import dump_origin
from bot.models import Respondent
from bot.surveys import SurveyCatalog

BATCH = 2000
"""Customers read, decided and written at once."""
INVITATIONS = Invitation.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Context:
    """What planning needs besides the session."""

    surveys: SurveyCatalog
    rules: CampaignRules
    now: datetime
    resurvey_erased: bool = False


def customer_key(customer_id: int) -> str:
    return f"customer:{customer_id}"


def validate(session: Session, spec: CampaignSpec, surveys: SurveyCatalog) -> None:
    problem = deeplinks.name_problem(spec.name)
    if problem:
        raise CampaignError("bad_name", f"campaign name {spec.name!r}: {problem}",
                            params={"name": spec.name, "problem": problem})
    if surveys.get(spec.survey) is None:
        raise CampaignError("unknown_survey", f"unknown survey {spec.survey!r}; known: "
                            + ", ".join(sorted(surveys.surveys)), params={"survey": spec.survey})
    if spec.channel not in rules.valid_channels() or (spec.targets and spec.channel == ALL):
        raise CampaignError("bad_channel", f"channel {spec.channel!r}: use telegram, slack, "
                            "console" + ("" if spec.targets else " or all"),
                            params={"channel": spec.channel})
    filters.parse(spec.audience)
    if session.exec(select(Campaign.id).where(  # type: ignore[call-overload]
            col(Campaign.name) == spec.name)).first() is not None:
        raise CampaignError("name_taken", f"a campaign named {spec.name!r} exists",
                            params={"name": spec.name})


def write_campaign(session: Session, spec: CampaignSpec, ctx: Context) -> Campaign:
    """The campaign row (not its invitations)."""
    metric = rules.metric_of(ctx.surveys, spec.survey)
    scope = (CooldownScope.METRIC if spec.cooldown_days is None and metric
             in ctx.rules.cooldown_metrics else CooldownScope.ALL)
    campaign = Campaign(
        name=spec.name, survey=spec.survey, channel=spec.channel, audience=spec.audience,
        targets=" ".join(spec.targets)[:20000],
        status=CampaignStatus.DRAFT if spec.draft else CampaignStatus.ACTIVE,
        source=spec.source, created_by=spec.created_by[:200],
        start_at=spec.start_at or ctx.now,
        remind_after=spec.remind_after.total_seconds() if spec.remind_after else None,
        reminders=ctx.rules.reminders if spec.reminders is None else spec.reminders,
        expire_after=spec.expire_after.total_seconds() if spec.expire_after else None,
        cooldown_days=spec.cooldown_days, cooldown_scope=scope,
        origin=dump_origin(spec.origin), planned_at=ctx.now, created_at=ctx.now)
    session.add(campaign)
    session.flush()
    return campaign


def target_customers(session: Session, channel: str, targets: Sequence[str],
                     now: datetime) -> list[int]:
    """The customers of the named people on ``channel`` (made when new)."""
    found: list[int] = []
    for user_id in dict.fromkeys(t.strip() for t in targets if t.strip()):
        person = store.lock_respondent(session=session, channel=channel, user_id=user_id[:64],
                                       default_locale="en", now=now)
        if channel == "telegram" and not person.chat_id:
            person.chat_id = person.platform_user_id
            session.add(person)
        customer = customer_of(session=session, person=person, now=now)
        assert customer.id is not None
        found.append(customer.id)
    return found


def plan(session: Session, campaign: Campaign, audience: ColumnElement[bool],
         ctx: Context) -> None:
    """Write an invitation for every customer ``audience`` selects."""
    assert campaign.id is not None
    cooldown = rules.cooldown_for(ctx.rules, ctx.surveys, campaign.survey,
                                  campaign.cooldown_days)
    erased = (privacy.erased_matcher(session=session) if not ctx.resurvey_erased
              else lambda _c, _u: False)
    last = 0
    while True:
        rows = _customers(session, audience, cooldown, ctx, after=last)
        if not rows:
            return
        last = rows[-1][0]
        accounts = accounts_of(session, [row[0] for row in rows], erased)
        values = []
        for customer_id, lookup, busy, asked in rows:
            decision = rules.decide(accounts.get(customer_id, ()), campaign.channel,
                                    lookup_possible=bool(lookup), busy=bool(busy),
                                    asked=bool(asked))
            values.append(invitation_values(campaign, customer_id, decision, ctx.now))
        # Core's executemany: one statement for the batch (the ORM's bulk insert would group
        # rows by which columns are None, a statement each).
        session.connection().execute(insert(INVITATIONS), values)


def invitation_values(campaign: Campaign, customer_id: int, decision: Decision,
                      now: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "campaign_id": campaign.id, "customer_id": customer_id,
        "key": extra.pop("key", customer_key(customer_id)), "channel": decision.channel,
        "respondent_id": decision.respondent_id,
        "status": InvitationStatus.SKIPPED if decision.reason else InvitationStatus.PLANNED,
        "reason": decision.reason, "error": "", "due_at": extra.pop("due_at", campaign.start_at),
        "reminders_sent": 0, "created_at": now, **extra}


def _customers(session: Session, audience: ColumnElement[bool], cooldown: Cooldown,
               ctx: Context, *, after: int) -> list[tuple[int, bool, bool, bool]]:
    """The next batch: (customer id, may be looked up on Slack, busy, asked)."""
    asked = rules.asked_since(col(Customer.id), cooldown, ctx.now)
    query = select(
        col(Customer.id),
        col(Customer.email).is_not(None) & col(Customer.slack_lookup_at).is_(None),
        rules.in_progress(col(Customer.id), ctx.rules, ctx.now),
        asked if asked is not None else literal(False),
    ).where(audience, col(Customer.id) > after).order_by(col(Customer.id)).limit(BATCH)
    return [(int(r[0]), bool(r[1]), bool(r[2]), bool(r[3])) for r in session.execute(query)]


def accounts_of(session: Session, customer_ids: Iterable[int],
                erased: Callable[[str, str], bool]) -> dict[int, list[Account]]:
    ids = list(customer_ids)
    found: dict[int, list[Account]] = {}
    query = select(col(Respondent.customer_id), col(Respondent.id), col(Respondent.channel),
                   col(Respondent.platform_user_id), col(Respondent.opted_out),
                   col(Respondent.unreachable)).where(col(Respondent.customer_id).in_(ids)).order_by(col(Respondent.id))
    for customer_id, rid, channel, user_id, opted_out, unreachable in session.execute(query):
        found.setdefault(customer_id, []).append(Account(
            rid, channel, user_id, bool(opted_out), bool(unreachable),
            erased(channel, user_id)))
    return found


def preview(session: Session, campaign: Campaign) -> Preview:
    """The campaign's counts as planned."""
    assert campaign.id is not None
    recipients = 0
    lookups = 0
    skipped: dict[str, int] = {}
    query = select(col(Invitation.status), col(Invitation.reason),
                   col(Invitation.respondent_id).is_(None), func.count()).where(
        col(Invitation.campaign_id) == campaign.id).group_by(
        col(Invitation.status), col(Invitation.reason), col(Invitation.respondent_id).is_(None))
    for status, reason, no_account, count in session.execute(query):
        if status == InvitationStatus.SKIPPED:
            skipped[reason] = skipped.get(reason, 0) + count
        elif status != InvitationStatus.CANCELLED:
            recipients += count
            if no_account and status == InvitationStatus.PLANNED:
                lookups += count
    return Preview(campaign.id, campaign.name, recipients, dict(sorted(skipped.items())),
                   lookups)


def chunks(values: Iterable[int], size: int = 500) -> Iterable[list[int]]:
    iterator = iter(values)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
