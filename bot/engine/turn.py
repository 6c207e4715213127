"""What every part of the engine shares: its configuration, and the event being handled."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.campaigns.spec import CampaignRules
from bot.i18n import Translator, translator
from bot.messages import Inbound, Outbound
from bot.models import Respondent, utcnow
from bot.style import SLASH, ChannelStyle
from bot.surveys import SurveyCatalog
from bot.weekly import WeeklyTime


@dataclass
class EngineConfig:
    """The engine's settings; ``clock`` and ``styles`` may change while it runs (tests set the
    clock, adapters register their styles)."""

    surveys: SurveyCatalog
    managers: Mapping[str, frozenset[str]]
    manager_locale: str = "en"
    default_locale: str = "en"
    channel_locales: Mapping[str, str] = field(default_factory=dict)
    comment_max_length: int = 2000
    resurvey_erased: bool = False
    webhooks: bool = False
    """WEBHOOK_URL is set: answers, comments, alerts and opt-outs write events to the outbox."""
    report_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    """REPORT_TIMEZONE: summaries' days and the days the rollup counts."""
    clock: Callable[[], datetime] = utcnow
    styles: dict[str, ChannelStyle] = field(default_factory=dict)
    campaign_rules: CampaignRules = field(default_factory=CampaignRules)
    """Cooldown, quiet hours and reminders of campaigns (the settings)."""
    value_attribute: str = ""
    """VALUE_ATTRIBUTE: the numeric customer attribute of ``/nps value``."""
    escalate_after: timedelta = timedelta(0)
    """ALERT_ESCALATE_AFTER: an alert open (nobody claimed it) this long is posted again to
    the managers' chat once; zero: never."""
    digest: WeeklyTime | None = None
    """DIGEST_SCHEDULE; None: no digest."""
    team_chats: tuple[str, ...] = ()
    """The channels this deployment runs whose managers' chat is set: the digest and the
    escalated alerts go there."""
    own_chats: tuple[str, ...] = ()
    """The channels this deployment runs: where a manager's own digest can go."""
    recovery_question: bool = False
    """RECOVERY_QUESTION: when a manager resolves an alert, the customer is asked whether the
    problem is solved (bot/engine/recovery.py)."""
    public_url: str = ""
    """Where the web process is reached (PUBLIC_URL, else TELEGRAM_WEBHOOK_URL's origin):
    promoters' links go through ``<public_url>/r/<token>``; empty: no web links."""

    def is_manager(self, channel: str, user_id: str) -> bool:
        return user_id in self.managers.get(channel, frozenset())

    @property
    def manager_translator(self) -> Translator:
        """The language of the managers' shared chat (alerts): ``MANAGER_LOCALE``."""
        return translator(self.manager_locale)

    def style(self, channel: str) -> ChannelStyle:
        return self.styles.get(channel, SLASH)

    def default_for(self, channel: str) -> str:
        """The language of a person whose platform says nothing we speak."""
        return self.channel_locales.get(channel) or self.default_locale

    def reader(self, person: Respondent) -> Translator:
        """The language a person reads: a manager's own choice, else ``MANAGER_LOCALE``; a
        customer's choice or platform language."""
        if self.is_manager(person.channel, person.platform_user_id) and not person.locale_chosen:
            return self.manager_translator
        return translator(person.locale)


@dataclass
class Turn:
    """One event being handled: its open transaction, the person, what they read, and what the
    engine answers."""

    session: Session
    inbound: Inbound
    person: Respondent
    t: Translator
    style: ChannelStyle
    is_manager: bool
    out: list[Outbound] = field(default_factory=list)
    follow_ups: dict[int, str] = field(default_factory=dict)
    """By position in ``out``: what the engine does with that message's outcome."""
    new_customer: bool = False
    """This event made the person's customer: someone the bot did not know (a referral)."""

    @property
    def channel(self) -> str:
        return self.inbound.channel

    @property
    def person_id(self) -> int:
        assert self.person.id is not None
        return self.person.id

    def cmd(self, name: str) -> str:
        """How this person types the command ``name`` on their channel."""
        return self.style.spell(name)

    def say(self, *items: Outbound) -> None:
        self.out.extend(items)

    def send(self, item: Outbound, follow_up: str) -> None:
        """Say ``item`` and have its outcome handled (see :mod:`bot.engine.outcomes`)."""
        self.follow_ups[len(self.out)] = follow_up
        self.out.append(item)
