"""The engine's campaign entry points (docs/campaigns.md): plan a campaign, launch, pause,
resume or cancel it, its figures, the feeder's tick, and the API's transactional surveys.
Each is one transaction, retried over a lost connection like every engine call."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import and_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot import privacy
from bot.campaign_tables import (
    Campaign,
    CampaignStatus,
    Customer,
    Invitation,
    InvitationStatus,
)
from bot.campaigns import feeding, filters, planning, requests, rules
from bot.campaigns.spec import (
    CampaignError,
    CampaignSpec,
    CampaignStats,
    Preview,
    RequestResult,
    SurveyRequest,
)
from bot.campaigns.stats import stats
from bot.engine.campaign_sends import CampaignSends
from bot.engine.transient import transaction

if TYPE_CHECKING:
    from bot.db import Database

T = TypeVar("T")


class Campaigns(CampaignSends):
    """Part of :class:`~bot.engine.Engine`."""

    db: Database
    clock: Callable[[], datetime]

    def _campaign_tx(self, work: Callable[[Session], T]) -> T:
        return transaction(self.db.engine, work)

    def _context(self) -> planning.Context:
        return planning.Context(self.config.surveys, self.config.campaign_rules, self.clock(),
                                self.config.resurvey_erased)

    # ----------------------------------------------------------------- planning

    def create_campaign(self, spec: CampaignSpec) -> Preview:
        """Write the campaign and its invitations (planned, or skipped with the reason); a
        draft sends nothing before :meth:`launch_campaign`.  CampaignError when it cannot be
        (its ``code`` says why)."""
        def work(session: Session) -> Preview:
            ctx = self._context()
            planning.validate(session, spec, ctx.surveys)
            audience = filters.condition(session, spec.audience)
            if spec.targets:
                ids = planning.target_customers(session, spec.channel, spec.targets, ctx.now)
                audience = and_(audience, col(Customer.id).in_(ids))
            campaign = planning.write_campaign(session, spec, ctx)
            planning.plan(session, campaign, audience, ctx)
            return planning.preview(session, campaign)
        try:
            return self._campaign_tx(work)
        except IntegrityError:
            raise CampaignError("name_taken", f"a campaign named {spec.name!r} exists",
                                params={"name": spec.name}) from None

    def launch_campaign(self, name: str) -> Preview:
        """A draft (a chat preview) becomes active: its invitations go from now."""
        def work(session: Session) -> Preview:
            campaign = self._campaign(session, name, lock=True)
            if campaign.status != CampaignStatus.DRAFT:
                raise _state(campaign, "launched")
            now = self.clock()
            campaign.status = CampaignStatus.ACTIVE
            if campaign.start_at < now:
                campaign.start_at = now
                session.execute(update(Invitation).where(
                    col(Invitation.campaign_id) == campaign.id,
                    col(Invitation.status) == InvitationStatus.PLANNED,
                    col(Invitation.due_at) < now).values(due_at=now))
            session.add(campaign)
            return planning.preview(session, campaign)
        return self._campaign_tx(work)

    # ----------------------------------------------------------------- operations

    def pause_campaign(self, name: str) -> CampaignStats:
        """Nothing new is sent or reminded until resumed (what is queued still goes)."""
        return self._set_status(name, CampaignStatus.PAUSED, (CampaignStatus.ACTIVE,))

    def resume_campaign(self, name: str) -> CampaignStats:
        return self._set_status(name, CampaignStatus.ACTIVE, (CampaignStatus.PAUSED,))

    def cancel_campaign(self, name: str) -> CampaignStats:
        """What was not sent never will be (planned → cancelled); the few queued still go."""
        return self._set_status(name, CampaignStatus.CANCELLED, (
            CampaignStatus.DRAFT, CampaignStatus.ACTIVE, CampaignStatus.PAUSED))

    def _set_status(self, name: str, status: CampaignStatus,
                    allowed: tuple[CampaignStatus, ...]) -> CampaignStats:
        def work(session: Session) -> CampaignStats:
            campaign = self._campaign(session, name, lock=True)
            if campaign.status == status:
                return stats(session, campaign)
            if campaign.status not in allowed:
                raise _state(campaign, status)
            campaign.status = status
            if status == CampaignStatus.CANCELLED:
                campaign.finished_at = self.clock()
                session.execute(update(Invitation).where(
                    col(Invitation.campaign_id) == campaign.id,
                    col(Invitation.status) == InvitationStatus.PLANNED,
                ).values(status=InvitationStatus.CANCELLED))
                session.execute(update(Invitation).where(
                    col(Invitation.campaign_id) == campaign.id,
                    col(Invitation.next_reminder_at).is_not(None),
                ).values(next_reminder_at=None))
            session.add(campaign)
            session.flush()
            return stats(session, campaign)
        return self._campaign_tx(work)

    def campaign_stats(self, name: str) -> CampaignStats:
        with Session(self.db.read_engine) as session:
            return stats(session, self._campaign(session, name))

    def campaign_list(self) -> list[CampaignStats]:
        """Every campaign, newest first."""
        with Session(self.db.read_engine) as session:
            found = session.execute(select(Campaign).order_by(col(Campaign.id).desc())).scalars()
            return [stats(session, campaign) for campaign in found]

    def _campaign(self, session: Session, name: str, *, lock: bool = False) -> Campaign:
        query = select(Campaign).where(col(Campaign.name) == name)
        found: Campaign | None = session.execute(
            query.with_for_update() if lock else query).scalars().first()
        if found is None:
            raise CampaignError("unknown_campaign", f"no campaign named {name!r}",
                                params={"name": name})
        return found

    # ----------------------------------------------------------------- the feeder

    def campaign_tick(self, channel: str, *, ahead: int) -> list[int]:
        """One step of the sending side of ``channel``: expire what ran out, feed due
        invitations while fewer than ``ahead`` campaign messages wait unsent, send due
        reminders with the room left, finish campaigns; the outbox ids written."""
        def work(session: Session) -> list[int]:
            now = self.clock()
            feeding.expire(session, channel, now)
            room = ahead - feeding.waiting(session, channel)
            written: list[int] = []
            written += self._feed(session, feeding.due_invitations(session, channel, now,
                                                                   room), now)
            room -= len(written)
            for invitation, campaign in feeding.due_reminders(session, channel, now, room):
                written += self._remind(session, invitation, campaign, now)
            session.flush()
            feeding.finish(session, now)
            return written
        return self._campaign_tx(work)

    # ----------------------------------------------------------------- the API

    def request_survey(self, request: SurveyRequest) -> RequestResult:
        """One transactional survey for one customer (made or updated from the request), due
        after ``delay``: queued, or skipped with the reason.  The same idempotency key gives
        the first result again (``duplicate``) and never a second send, even when two
        processes race with it."""
        if self.config.surveys.get(request.survey) is None:
            raise CampaignError("unknown_survey", f"unknown survey {request.survey!r}",
                                params={"survey": request.survey})
        if request.channel not in rules.valid_channels():
            raise CampaignError("bad_channel", f"channel {request.channel!r}",
                                params={"channel": request.channel})
        key = (request.idempotency_key or "").strip()[:128] or None

        def work(session: Session) -> RequestResult:
            if key is not None:
                seen = session.execute(select(Invitation).where(
                    col(Invitation.idempotency_key) == key)).scalars().first()
                if seen is not None:
                    return _result(seen, duplicate=True)
            return self._request_in(session, request, key)
        try:
            return self._campaign_tx(work)
        except IntegrityError:
            return self._campaign_tx(work)  # the racing request's rows are there now

    def _request_in(self, session: Session, request: SurveyRequest,
                    key: str | None) -> RequestResult:
        now = self.clock()
        customer = requests.find_customer(session, request.customer, now)
        campaign = requests.api_campaign(session, request.campaign, request.survey,
                                         request.channel, now)
        assert customer.id is not None
        settings = self.config.campaign_rules
        cooldown = rules.cooldown_for(settings, self.config.surveys, request.survey,
                                      request.cooldown_days if request.cooldown_days
                                      is not None else campaign.cooldown_days)
        asked = rules.asked_since(customer.id, cooldown, now)
        erased = (privacy.erased_matcher(session=session) if not self.config.resurvey_erased
                  else lambda _c, _u: False)
        decision = rules.decide(
            planning.accounts_of(session, [customer.id], erased).get(customer.id, []),
            request.channel,
            lookup_possible=bool(customer.email) and customer.slack_lookup_at is None,
            busy=bool(session.execute(select(rules.in_progress(customer.id, settings, now)))
                      .scalar()),
            asked=bool(session.execute(select(asked if asked is not None else true()))
                       .scalar()) and asked is not None)
        invitation = Invitation(**planning.invitation_values(
            campaign, customer.id, decision, now,
            key=f"api:{key or secrets.token_urlsafe(12)}", due_at=now + request.delay,
            idempotency_key=key, cooldown_days=request.cooldown_days,
            survey=request.survey))
        session.add(invitation)
        session.flush()
        return _result(invitation)


def _result(invitation: Invitation, *, duplicate: bool = False) -> RequestResult:
    assert invitation.id is not None
    skipped = invitation.status in (InvitationStatus.SKIPPED, InvitationStatus.CANCELLED)
    return RequestResult(invitation.id, "skipped" if skipped else "queued",
                         (invitation.reason or invitation.status) if skipped else None,
                         duplicate)


def _state(campaign: Campaign, wanted: str) -> CampaignError:
    return CampaignError("bad_state", f"campaign {campaign.name!r} is {campaign.status}; it "
                         f"cannot be {wanted}", params={"name": campaign.name,
                                                        "status": campaign.status})
