"""Chat campaigns: a manager's ``/nps send all`` (or ``send plan=pro country=RO``, or the people
a channel's adapter named) makes a draft campaign on the manager's channel and answers with
its preview and Send / Cancel buttons; a press launches or cancels the draft; once the sends
are over, the manager hears how many received it.

The draft is made (by :meth:`create_campaign`, in its own transaction) before the event's
own transaction, which then says the preview and records the event; the draft's name comes
from the event, so a redelivery finds the same draft instead of making a second one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from bot import buttons, store
from bot.campaign_tables import Campaign, CampaignSource, CampaignStatus, Invitation
from bot.campaign_tables import InvitationStatus as Status
from bot.campaigns import chat
from bot.campaigns.spec import CampaignError, CampaignSpec, CampaignStats, Preview
from bot.delivery import outbox
from bot.delivery.codec import dump_origin, load_origin
from bot.delivery.outbox import Planned
from bot.engine.outreach import Recipient
from bot.engine.transient import retrying
from bot.i18n import Translator, negotiate, translator
from bot.messages import Choice, EditPressed, Inbound, Notice, Outbound, Reply
from bot.metrics import METRICS

if TYPE_CHECKING:
    from bot.db import Database
    from bot.engine.turn import EngineConfig

log = logging.getLogger(__name__)

DRAFT_MAX_AGE = timedelta(hours=1)
"""A preview older than this is out of date (cooldowns and audiences move): Send refuses it."""
_OVER = (Status.PLANNED, Status.QUEUED)


class ChatSends:
    """Part of :class:`~bot.engine.Engine` (its state and transactions are the engine's)."""

    db: Database
    config: EngineConfig
    clock: Callable[[], datetime]

    if TYPE_CHECKING:  # the engine's, and the campaign engine's (bot/engine/campaigns.py)
        def create_campaign(self, spec: CampaignSpec) -> Preview: ...

        def launch_campaign(self, name: str) -> Preview: ...

        def cancel_campaign(self, name: str) -> CampaignStats: ...

        def is_manager(self, channel: str, user_id: str) -> bool: ...

    # ------------------------------------------------------------------ before the event

    def _chat_campaign(self, inbound: Inbound, targets: Sequence[Recipient] | None,
                       origin: Mapping[str, Any] | None) -> list[Outbound] | None:
        """A manager's send command or press on a preview, carried out; what to say (in the
        event's transaction).  None for any other event, and for a non-manager (the event's
        own handling refuses them)."""
        if not self.is_manager(inbound.channel, inbound.user_id):
            return None
        if inbound.choice is not None:
            pressed = buttons.decode(inbound.choice)
            if isinstance(pressed, buttons.Campaign):
                return self._pressed(inbound, pressed)
            return None
        metric = inbound.command
        args = chat.send_args(inbound.text or "")
        if metric is None or metric not in METRICS or args is None:
            return None
        return self._propose(inbound, metric, args, targets, origin)

    def _reader_of(self, inbound: Inbound) -> Translator:
        with Session(self.db.read_engine) as session:
            person = store.find_respondent(session=session, channel=inbound.channel,
                                           user_id=inbound.user_id)
        return self.config.reader(person) if person else self.config.manager_translator

    def _propose(self, inbound: Inbound, metric: str, args: str,
                 targets: Sequence[Recipient] | None,
                 origin: Mapping[str, Any] | None) -> list[Outbound]:
        t = self._reader_of(inbound)
        cmd = self.config.style(inbound.channel).spell(metric)
        if not args and targets is None:
            return [Reply(chat.usage_text(cmd, t))]
        if targets is not None and not targets:  # named, but nobody who can receive it
            return [Reply(chat.nobody_text(Preview(0, "", 0, {}), cmd, t, named=True))]
        if targets:
            self._meet(inbound.channel, targets)
        seed = f"{inbound.channel}:{inbound.event_id}" if inbound.event_id else None
        today = self.clock().astimezone(self.config.report_zone).date()
        note = {"origin": {**(origin or {}), "reply_channel": inbound.channel,
                           "reply_chat": inbound.chat_id, "reply_user": inbound.user_id},
                "chat_id": inbound.chat_id, "user_id": inbound.user_id, "locale": t.lang}
        spec = CampaignSpec(
            name=chat.campaign_name(metric, today, seed), survey=metric,
            channel=inbound.channel,
            audience="" if args.casefold() == chat.EVERYBODY else args,
            targets=tuple(r.user_id for r in targets or ()), source=CampaignSource.CHAT,
            created_by=f"{inbound.channel}:{inbound.user_id}", origin=note, draft=True)
        try:
            preview = self.create_campaign(spec)
        except CampaignError as exc:
            if exc.code != "name_taken":
                return [Reply(chat.error_text(exc, cmd, t))]
            preview = self._planned(spec.name)  # a redelivery, or a retried transaction
        if preview.recipients == 0:
            self._drop(spec.name)
            return [Reply(chat.nobody_text(preview, cmd, t, named=targets is not None))]
        choices = (
            Choice(t.gettext("Send"), buttons.encode(
                buttons.Campaign(preview.campaign_id, buttons.CampaignAction.SEND))),
            Choice(t.gettext("Cancel"), buttons.encode(
                buttons.Campaign(preview.campaign_id, buttons.CampaignAction.CANCEL))))
        return [Reply(chat.preview_text(preview, t), choices, columns=2)]

    def _meet(self, channel: str, targets: Sequence[Recipient]) -> None:
        """The people an adapter named, as the platform describes them (name, language), so
        their survey speaks their language."""
        default = self.config.default_for(channel)

        def once() -> None:
            with Session(self.db.engine) as session:
                now = self.clock()
                for target in targets:
                    person = store.lock_respondent(session=session, channel=channel,
                                                   user_id=target.user_id[:64],
                                                   default_locale=default, now=now)
                    if target.display_name and not person.display_name:
                        person.display_name = target.display_name[:200]
                    if not person.locale_chosen and target.locale_hint:
                        person.locale = negotiate(target.locale_hint, default)
                    session.add(person)
                session.commit()
        retrying(once)

    def _planned(self, name: str) -> Preview:
        """The preview of the draft ``name`` as it was planned (its invitations counted)."""
        with Session(self.db.read_engine) as session:
            row = session.execute(select(Campaign).where(
                col(Campaign.name) == name)).scalars().one()
            assert row.id is not None
            counts = session.execute(
                select(col(Invitation.status), col(Invitation.reason), func.count()).where(
                    col(Invitation.campaign_id) == row.id).group_by(
                    col(Invitation.status), col(Invitation.reason))).all()
        skipped: dict[str, int] = {}
        recipients = 0
        for status, reason, count in counts:
            if status == Status.SKIPPED:
                skipped[reason] = skipped.get(reason, 0) + count
            elif status != Status.CANCELLED:
                recipients += count
        return Preview(row.id, row.name, recipients, skipped)

    def _drop(self, name: str) -> None:
        try:
            self.cancel_campaign(name)
        except CampaignError as exc:
            log.info("chat campaign %s not cancelled: %s", name, exc)

    def _pressed(self, inbound: Inbound, pressed: buttons.Campaign) -> list[Outbound]:
        """Send or Cancel on a preview; a stale, repeated or late press changes nothing."""
        t = self._reader_of(inbound)
        with Session(self.db.read_engine) as session:
            row = session.get(Campaign, pressed.campaign_id)
        if row is None or row.source != CampaignSource.CHAT:
            return [Notice(t.gettext("This preview is no longer valid; send the command "
                                     "again."))]
        if row.status != CampaignStatus.DRAFT:
            return [Notice(self._already(row.status, t))]
        if self.clock() - row.created_at > DRAFT_MAX_AGE:
            return [Notice(t.gettext("This preview is out of date; send the command again to "
                                     "see who would receive it now."))]
        try:
            if pressed.action is buttons.CampaignAction.CANCEL:
                self.cancel_campaign(row.name)
                return [EditPressed(t.gettext("Cancelled: the survey was not sent."))]
            preview = self.launch_campaign(row.name)
        except CampaignError as exc:  # a concurrent press won
            log.info("chat campaign %s: %s", row.name, exc)
            with Session(self.db.read_engine) as session:
                now = session.get(Campaign, pressed.campaign_id)
            return [Notice(self._already(now.status if now else CampaignStatus.CANCELLED, t))]
        self._remember(pressed.campaign_id, preview.recipients)
        pace = self.config.style(inbound.channel).campaign_pace
        return [EditPressed(chat.preview_text(preview, t, footer=False) + "\n\n"
                            + chat.launched_text(preview.recipients, pace, t))]

    def _remember(self, campaign_id: int, recipients: int) -> None:
        """How many were to receive it at Send (some may be skipped at the moment of sending:
        the word at the end counts them among those it did not reach)."""
        def once() -> None:
            with Session(self.db.engine) as session:
                row = session.get(Campaign, campaign_id)
                if row is not None:
                    row.origin = dump_origin({**load_origin(row.origin),
                                              "recipients": recipients})
                    session.add(row)
                    session.commit()
        retrying(once)

    @staticmethod
    def _already(status: str, t: Translator) -> str:
        if status == CampaignStatus.CANCELLED:
            return t.gettext("This survey was cancelled; nothing was sent.")
        return t.gettext("This survey was sent already.")

    # ------------------------------------------------------------------ afterwards

    def campaign_notices(self, channel: str) -> list[int]:
        """Tell the manager of each chat campaign on ``channel`` whose sends are over how many
        received it, once; the outbox ids written."""
        def once() -> list[int]:
            with Session(self.db.engine, expire_on_commit=False) as session:
                ids = self._notices_in(session, channel, self.clock())
                session.commit()
                return ids
        return retrying(once)

    def _notices_in(self, session: Session, channel: str, now: datetime) -> list[int]:
        of_it = col(Invitation.campaign_id) == col(Campaign.id)
        open_ = select(col(Invitation.id)).where(of_it,
                                                 col(Invitation.status).in_(_OVER)).exists()
        query = select(Campaign).where(
            col(Campaign.source) == CampaignSource.CHAT, col(Campaign.channel) == channel,
            col(Campaign.status).in_((CampaignStatus.ACTIVE, CampaignStatus.DONE)),
            col(Campaign.reported_at).is_(None), col(Campaign.start_at) <= now,
            ~open_).with_for_update(skip_locked=True)
        ids: list[int] = []
        for campaign in session.execute(query).scalars().all():
            counts: dict[str, int] = dict(session.execute(
                select(col(Invitation.status), func.count()).where(
                    col(Invitation.campaign_id) == campaign.id).group_by(
                    col(Invitation.status))).all())
            sent = counts.get(Status.SENT, 0)
            planned = load_origin(campaign.origin).get("recipients")
            count = planned if isinstance(planned, int) else sum(
                n for status, n in counts.items()
                if status not in (Status.SKIPPED, Status.CANCELLED))
            campaign.reported_at = now
            session.add(campaign)
            ids += self._notice(session, campaign, sent, count, now)
        return ids

    def _notice(self, session: Session, campaign: Campaign, sent: int, count: int,
                now: datetime) -> list[int]:
        note = load_origin(campaign.origin)
        user_id = str(note.get("user_id") or "")
        if not user_id:
            return []
        where = dict(note.get("origin") or {})
        where.pop("response_url", None)  # Slack's expires in 30 minutes: say it in the chat
        t = translator(str(note.get("locale") or self.config.manager_locale))
        rows = outbox.enqueue(session, [Planned(Reply(chat.sent_over_text(sent, count, t)), "",
                                                None)],
                              channel=campaign.channel, chat_id=str(note.get("chat_id") or ""),
                              user_id=user_id, origin=where, now=now)
        return [row.id for row in rows if row.id is not None]
