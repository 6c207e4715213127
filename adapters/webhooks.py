"""The webhook side of the outbox: each event POSTed to WEBHOOK_URL, signed, and the
receiver's answer as an :class:`~bot.delivery.outbox.Outcome`.

A 2xx is delivered.  A 5xx, 408, 429, a timeout or a refused connection is tried again on the
sender's own schedule (doubling from 2 s up to ``max_wait``, 10 minutes, for ``give_up_after``,
24 hours, after the event was written), so a receiver down for an hour loses nothing; any
other answer (a 4xx, a redirect) is given up at once and logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import aiohttp

from adapters.engine_calls import EngineCalls
from bot import webhooks
from bot.delivery.dispatcher import POLL_SECONDS, Dispatcher
from bot.delivery.outbox import Delivery, Outcome
from bot.delivery.pacing import Rate
from bot.engine import Engine
from bot.messages import WebhookEvent
from bot.models import OutboxMessage, utcnow
from bot.settings import Settings

log = logging.getLogger(__name__)

FIRST_WAIT = 2.0
MAX_WAIT = 600.0
GIVE_UP_AFTER = timedelta(hours=24)
TIMEOUT = 10.0
RETRIED = frozenset({408, 429})
USER_AGENT = "survey-bot-webhooks/1"


def wait_before(attempt: int, *, max_wait: float = MAX_WAIT) -> float:
    """Seconds before the next try after ``attempt`` failed tries: 2, 4, 8 … ``max_wait``."""
    return float(min(max_wait, FIRST_WAIT * 2 ** max(attempt - 1, 0)))


def _created(item: WebhookEvent) -> datetime | None:
    try:
        return datetime.fromisoformat(item.created_at.replace("Z", "+00:00"))
    except ValueError:
        return None


class WebhookSender:
    """POSTs webhook events with one aiohttp session (opened by :meth:`start`)."""

    channel = webhooks.CHANNEL

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = utcnow,
                 timeout: float = TIMEOUT, max_wait: float = MAX_WAIT,
                 give_up_after: timedelta = GIVE_UP_AFTER) -> None:
        self.url = settings.webhook_url
        self.secret = settings.webhook_secret
        self.clock = clock
        self.timeout = timeout
        self.max_wait = max_wait
        self.give_up_after = give_up_after
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"User-Agent": USER_AGENT})

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def rates(self, row: OutboxMessage) -> Sequence[Rate]:
        """No shared budget: the receiver is the company's own."""
        return ()

    def headers(self, delivery: Delivery, item: WebhookEvent, body: bytes) -> dict[str, str]:
        stamp = int(self.clock().timestamp())
        return {"Content-Type": "application/json",
                webhooks.SIGNATURE_HEADER: webhooks.signature_header(self.secret, stamp, body),
                webhooks.EVENT_HEADER: item.type,
                webhooks.DELIVERY_HEADER: f"{delivery.id}.{delivery.attempts}"}

    async def send(self, delivery: Delivery) -> Outcome:
        item = delivery.item
        if not isinstance(item, WebhookEvent):
            return Outcome(delivery.id, False, error=f"not a webhook event: {type(item)}")
        await self.start()
        assert self._http is not None
        body = item.body.encode("utf-8")
        try:
            async with self._http.post(self.url, data=body, allow_redirects=False,
                                       headers=self.headers(delivery, item, body)) as response:
                await response.read()
                status, retry_header = response.status, response.headers.get("Retry-After")
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            return self._again(delivery, item, f"{type(exc).__name__}: {exc}"[:300])
        if 200 <= status < 300:
            return Outcome(delivery.id, True, ref=str(status))
        if status >= 500 or status in RETRIED:
            return self._again(delivery, item, f"HTTP {status}", _seconds(retry_header))
        log.warning("webhook %s %s: the receiver answered %s; given up", item.type, item.id,
                    status)
        return Outcome(delivery.id, False, error=f"HTTP {status}: given up")

    def _again(self, delivery: Delivery, item: WebhookEvent, error: str,
               asked: float | None = None) -> Outcome:
        """Try again later, unless the event is older than ``give_up_after``."""
        created = _created(item)
        if created is not None and self.clock() - created >= self.give_up_after:
            log.error("webhook %s %s: not delivered for %s (%s); given up", item.type, item.id,
                      self.give_up_after, error)
            return Outcome(delivery.id, False, error=f"{error}; given up")
        wait = wait_before(delivery.attempts, max_wait=self.max_wait)
        if asked is not None:
            wait = min(max(wait, asked), self.max_wait)
        log.info("webhook %s %s: %s; try %d again in %.0f s", item.type, item.id, error,
                 delivery.attempts + 1, wait)
        return Outcome(delivery.id, False, error=error, retry_after=wait, own_schedule=True)


def _seconds(header: str | None) -> float | None:
    """A ``Retry-After`` in seconds (an HTTP date is ignored: the backoff decides)."""
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None


async def dispatch(engine: Engine, settings: Settings, calls: EngineCalls,
                   stop: asyncio.Event, *, poll: float = POLL_SECONDS) -> None:
    """The webhook dispatcher of a ``worker`` (or ``run``): sends the events until ``stop``."""
    sender = WebhookSender(settings, clock=lambda: engine.clock())
    try:
        await Dispatcher(engine.queues, sender, call=calls, poll=poll,
                         lease=timedelta(seconds=settings.outbox_lease_seconds)).run(stop)
    finally:
        await sender.close()
