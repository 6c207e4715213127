"""The campaign service of a channel: every second, and five times a second while a campaign
is going out, it asks the engine for one step of
the campaigns' sending side on that channel (:meth:`Engine.campaign_tick`: due invitations'
first questions written to the outbox, reminders, expiry) and wakes the channel's dispatcher,
which sends those rows at the platform's pace.

It runs wherever a channel's dispatcher runs for the long term: the ``worker`` role (Telegram
long polling, Slack Socket Mode, and the queues of the channels that ``web`` serves), ``run``,
``telegram`` and ``slack-socket``; not in gunicorn's web processes, whose work is answering
requests.  Several processes may run it at once: the engine's feeder locks the invitations it
takes, so each is queued once.  The engine keeps at most ``ahead`` rows queued and not yet
sent on the channel, three seconds' worth of the channel's campaign pace: a campaign of
100,000 people does not fill the outbox at once, and a paused or cancelled campaign stops
within seconds.  When the database is down the service backs off (up to
:data:`MAX_BACKOFF` seconds between tries) and carries on when it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from typing import TYPE_CHECKING

from bot.engine.transient import DatabaseDown
from bot.settings import Settings

if TYPE_CHECKING:
    from adapters.engine_calls import EngineCalls
    from bot.delivery.dispatcher import Dispatcher

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
"""Seconds between two steps while nothing is being written."""
BUSY_SECONDS = 0.2
"""Seconds between two steps while a campaign is going out: each writes a fifth of a second
of the pace, a short transaction between the dispatcher's own."""
AHEAD_SECONDS = 3.0
"""Seconds' worth of the channel's campaign pace kept queued ahead of the dispatcher: more than
its hold (2 s), little enough that a step stays a short transaction."""
MAX_BACKOFF = 10.0
IDLE_STEPS = 3
"""Steps that wrote nothing before the next one starts small again."""


def campaign_pace(settings: Settings, channel: str) -> float:
    """Campaign messages a second the channel's dispatcher spends (its bulk budget)."""
    if channel == "telegram":
        return (settings.telegram_paid_broadcast_rate if settings.telegram_paid_broadcast
                else settings.telegram_bulk_rate)
    if channel == "slack":
        return settings.slack_wave_per_second
    return 1.0


def ahead_for(settings: Settings, channel: str, seconds: float = AHEAD_SECONDS) -> int:
    """How many campaign rows to keep queued on ``channel``: ``seconds`` of its pace."""
    return max(1, math.ceil(campaign_pace(settings, channel) * seconds))


class CampaignFeeder:
    """The loop of one channel's campaign service (:meth:`run` until its stop event)."""

    def __init__(self, calls: EngineCalls, channel: str, dispatcher: Dispatcher, *,
                 ahead: int, every: float = TICK_SECONDS, busy: float = BUSY_SECONDS) -> None:
        self.calls = calls
        self.channel = channel
        self.dispatcher = dispatcher
        self.ahead = ahead
        self.every, self.busy = every, busy
        self.first = max(1, min(ahead, math.ceil(ahead * busy / AHEAD_SECONDS)))
        """A step's ``ahead`` after idle ones: one busy step's worth of the pace, doubled at
        each step that wrote rows, up to ``ahead``; so the first send of a campaign waits for a
        short step, not for seconds of rows written in one transaction."""
        self._step = self.first
        self._idle = 0
        self.ticks = 0
        self.queued = 0
        """Outbox rows this process's ticks wrote."""

    @classmethod
    def for_channel(cls, calls: EngineCalls, channel: str, dispatcher: Dispatcher,
                    settings: Settings) -> CampaignFeeder:
        return cls(calls, channel, dispatcher, ahead=ahead_for(settings, channel))

    async def tick(self) -> list[int]:
        """One step: the outbox rows written, handed to the dispatcher."""
        engine = self.calls.engine
        ids: list[int] = await self.calls(engine.campaign_tick, self.channel, ahead=self._step)
        self.ticks += 1
        if ids:
            self.queued += len(ids)
            self.dispatcher.wake()  # it claims them at once, each at its pacing slot
            self._step, self._idle = min(self.ahead, self._step * 2), 0
        else:  # nothing due, or the queue is full: idle for a while, start small again
            self._idle += 1
            if self._idle >= IDLE_STEPS:
                self._step = self.first
        return ids

    async def run(self, stop: asyncio.Event) -> None:
        """Step every ``busy`` seconds while steps write rows, else every ``every`` seconds,
        until ``stop``; a failure is logged and backed off from, never fatal."""
        failures, wrote = 0, False
        while not stop.is_set():
            try:
                wrote = bool(await self.tick())
            except DatabaseDown as exc:
                failures += 1
                log.warning("%s campaigns: database down, trying again in %.0f s: %s",
                            self.channel, self._wait(failures), exc)
            except Exception:
                failures += 1
                log.exception("%s campaigns: a step failed; trying again in %.0f s",
                              self.channel, self._wait(failures))
            else:
                failures = 0
            wait = self.busy if wrote and not failures else self._wait(failures)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)

    def _wait(self, failures: int) -> float:
        return min(MAX_BACKOFF, self.every * 2 ** failures) if failures else self.every
