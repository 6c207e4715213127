"""A hand-counted world of invitations and answers for the response-rate tests: customers on
Telegram, Slack and the console in three languages, campaigns of three surveys (one a draft),
invitations sent / answered / not answered / failed / skipped / cancelled / waiting, and answers
with and without an invitation, stored through the store (so the daily rollup counts them).

:func:`seed_world` writes it relative to ``now``; the figures it must give are in the tests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.audience.customers import CustomerRecord, upsert_customer
from bot.campaign_tables import Campaign, CampaignStatus, Customer, Invitation, InvitationStatus
from bot.campaigns.spec import CampaignSpec
from bot.engine import Engine
from bot.metrics import METRICS
from bot.models import Answer, Respondent, SurveyRun
from bot.store import add_answer

SENT, FAILED, SKIPPED = InvitationStatus.SENT, InvitationStatus.FAILED, InvitationStatus.SKIPPED


@dataclass
class World:
    engine: Engine
    session: Session
    campaigns: dict[str, int] = field(default_factory=dict)
    people: int = 0

    def person(self, channel: str, locale: str) -> tuple[int, int]:
        """A customer with an account on ``channel``: (customer id, respondent id)."""
        self.people += 1
        customer = Customer(name=f"Customer {self.people}")
        self.session.add(customer)
        self.session.flush()
        person = Respondent(channel=channel, platform_user_id=f"rates-{self.people}",
                            display_name=customer.name, locale=locale,
                            customer_id=customer.id)
        self.session.add(person)
        self.session.flush()
        assert customer.id is not None and person.id is not None
        return customer.id, person.id

    def campaign(self, name: str, survey: str, status: str = CampaignStatus.ACTIVE) -> None:
        row = Campaign(name=name, survey=survey, status=status)
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        self.campaigns[name] = row.id

    def invite(self, campaign: str, who: tuple[int, int] | None, status: str, *,
               created: datetime, sent: datetime | None = None,
               answered: datetime | None = None, channel: str | None = None) -> int:
        """An invitation; ``who`` None: planned for a customer not reached on any channel yet."""
        if who is None:
            customer = Customer(name="Not reached yet")
            self.session.add(customer)
            self.session.flush()
            assert customer.id is not None
            customer_id, respondent_id = customer.id, None
        else:
            customer_id, respondent_id = who
        row = Invitation(campaign_id=self.campaigns[campaign], customer_id=customer_id,
                         key=f"customer:{customer_id}", channel=channel,
                         respondent_id=respondent_id, status=status, created_at=created,
                         due_at=created, sent_at=sent, answered_at=answered,
                         reason="cooldown" if status == SKIPPED else "")
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        return row.id

    def answer(self, who: tuple[int, int], channel: str, locale: str, metric: str, score: int,
               at: datetime, *, invitation: int | None = None, campaign: str | None = None,
               survey: str = "default") -> None:
        run = SurveyRun(respondent_id=who[1], survey=survey, campaign=campaign,
                        status="completed", invitation_id=invitation)
        self.session.add(run)
        self.session.flush()
        assert run.id is not None
        spec = METRICS[metric]
        low, high = spec.scale
        add_answer(session=self.session, answer=Answer(
            respondent_id=who[1], survey_run_id=run.id, survey=survey, campaign=campaign,
            question_key=metric, metric=metric, score=score, scale_min=low, scale_max=high,
            bucket=spec.bucket(score), locale=locale, channel=channel, created_at=at,
            invitation_id=invitation), zone=self.engine.report_zone)


def seed_world(engine: Engine, now: datetime, *, edges: dict[str, datetime] | None = None
               ) -> None:
    """The world of ``tests/test_response_rates.py`` (its docstring has the hand counts).
    ``edges``: "start" and "before_start" (the 30-day period's first instant and the one
    before it), "day_end" and "before_day_end" (a day period's end and the instant before)."""
    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    edges = edges or {"start": ago(29), "before_start": ago(31), "day_end": ago(0.5),
                      "before_day_end": ago(1.5)}
    with Session(engine.db.engine) as session:
        w = World(engine, session)
        w.campaign("spring", "nps")
        w.campaign("help", "csat")
        w.campaign("mixed", "default")  # asks NPS and CSAT
        w.campaign("preview", "nps", CampaignStatus.DRAFT)
        tg_en, tg_ro = w.person("telegram", "en"), w.person("telegram", "ro")
        tg_en2, tg_ro2 = w.person("telegram", "en"), w.person("telegram", "ro")
        tg_en3, tg_en4 = w.person("telegram", "en"), w.person("telegram", "en")
        tg_en5, tg_en6 = w.person("telegram", "en"), w.person("telegram", "en")
        sl_zh, sl_en, sl_en2 = (w.person("slack", "zh"), w.person("slack", "en"),
                                w.person("slack", "en"))
        con_zh = w.person("console", "zh")
        own_tg, own_sl, own_tg2 = (w.person("telegram", "en"), w.person("slack", "en"),
                                   w.person("telegram", "en"))

        # spring (NPS, Telegram)
        i1 = w.invite("spring", tg_en, SENT, created=ago(4), sent=ago(3), answered=ago(2.9),
                      channel="telegram")
        w.answer(tg_en, "telegram", "en", "nps", 10, ago(2.9), invitation=i1, campaign="spring",
                 survey="nps")
        i2 = w.invite("spring", tg_ro, SENT, created=ago(4), sent=ago(3), answered=ago(2),
                      channel="telegram")
        w.answer(tg_ro, "telegram", "ro", "nps", 3, ago(2), invitation=i2, campaign="spring",
                 survey="nps")
        w.invite("spring", tg_en2, SENT, created=ago(6), sent=ago(5), channel="telegram")
        w.invite("spring", tg_ro2, SENT, created=ago(6), sent=ago(5), channel="telegram")
        w.invite("spring", tg_en3, FAILED, created=ago(5), channel="telegram")
        w.invite("spring", w.person("telegram", "en"), SKIPPED, created=ago(5))
        w.invite("spring", w.person("telegram", "en"), InvitationStatus.CANCELLED,
                 created=ago(2))
        w.invite("spring", None, InvitationStatus.PLANNED, created=ago(0.04))  # an hour ago
        w.invite("spring", tg_en4, SENT, created=edges["start"] - timedelta(days=1),
                 sent=edges["start"], channel="telegram")
        i9 = w.invite("spring", tg_en5, SENT, created=edges["before_start"] - timedelta(days=1),
                      sent=edges["before_start"], answered=ago(28), channel="telegram")
        w.answer(tg_en5, "telegram", "en", "nps", 8, ago(28), invitation=i9, campaign="spring",
                 survey="nps")
        w.invite("spring", tg_en6, SENT, created=ago(2), sent=edges["before_day_end"],
                 channel="telegram")
        w.invite("spring", w.person("telegram", "en"), SENT, created=ago(2),
                 sent=edges["day_end"], channel="telegram")
        earlier = w.person("telegram", "en")
        i16 = w.invite("spring", earlier, SENT, created=ago(41), sent=ago(40), answered=ago(40),
                       channel="telegram")
        w.answer(earlier, "telegram", "en", "nps", 9, ago(40), invitation=i16,
                 campaign="spring", survey="nps")
        # mixed (NPS and CSAT, Slack)
        i11 = w.invite("mixed", sl_zh, SENT, created=ago(3), sent=ago(2), answered=ago(1.9),
                       channel="slack")
        w.answer(sl_zh, "slack", "zh", "nps", 9, ago(1.9), invitation=i11, campaign="mixed")
        w.answer(sl_zh, "slack", "zh", "csat", 5, ago(1.9), invitation=i11, campaign="mixed")
        w.invite("mixed", sl_en, SENT, created=ago(3), sent=ago(2), channel="slack")
        # help (CSAT, Slack)
        i13 = w.invite("help", sl_en2, SENT, created=ago(1.2), sent=ago(1.1), answered=ago(1),
                       channel="slack")
        w.answer(sl_en2, "slack", "en", "csat", 4, ago(1), invitation=i13, campaign="help",
                 survey="csat")
        w.invite("help", w.person("slack", "en"), SENT, created=ago(1.2), sent=ago(1.1),
                 channel="slack")
        # a draft campaign's planned invitation: nobody was asked
        w.invite("preview", w.person("telegram", "en"), InvitationStatus.PLANNED,
                 created=ago(0.04))
        # answers of people who came by themselves
        w.answer(own_tg, "telegram", "en", "nps", 9, ago(7))
        w.answer(own_sl, "slack", "en", "nps", 7, ago(8))
        w.answer(con_zh, "console", "zh", "nps", 0, ago(9))
        w.answer(own_tg2, "telegram", "en", "nps", 8, ago(10), campaign="spring", survey="nps")
        w.answer(own_tg, "telegram", "en", "csat", 2, ago(7))
        w.answer(own_tg, "telegram", "en", "ces", 6, ago(7))
        w.answer(own_sl, "slack", "en", "ces", 7, ago(8))
        session.commit()


async def invite_by_campaign(engine: Engine, dispatcher: Any, channel: str,
                             accounts: dict[str, str], survey: str = "nps") -> None:
    """Import a customer per ``accounts`` (external id → platform user id on ``channel``), run
    a campaign of ``survey`` to them, and have the channel's own dispatcher send its first
    questions; returns when every invitation is recorded as sent."""
    with Session(engine.db.engine) as session:
        for external_id, user_id in accounts.items():
            upsert_customer(session=session, record=CustomerRecord(
                external_id, name=external_id, **{f"{channel}_id": user_id}),
                now=engine.clock())
        session.commit()
    spec = CampaignSpec(name="winter", survey=survey, channel=channel)
    preview = await asyncio.to_thread(engine.create_campaign, spec)
    assert preview.recipients == len(accounts), preview
    ids = await asyncio.to_thread(engine.campaign_tick, channel, ahead=len(accounts))
    assert len(ids) == len(accounts)
    await dispatcher.send_now(ids)

    def sent() -> int:
        with Session(engine.db.read_engine) as session:
            return len(session.exec(select(Invitation).where(
                col(Invitation.sent_at).is_not(None))).all())
    async with asyncio.timeout(10):
        while await asyncio.to_thread(sent) < len(accounts):
            await asyncio.sleep(0.01)
