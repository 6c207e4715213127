"""Slack customers known by e-mail only, looked up with ``users.lookupByEmail`` (bot scope
``users:read.email``, Tier 3: about 50 calls a minute) when a campaign's send needs them, not
at import.  The calls of every process share one budget (SLACK_LOOKUP_PER_MINUTE, the
``pacing`` table); a 429 waits its ``Retry-After``.  The answer is remembered by the engine
(:meth:`~bot.engine.Engine.found_on_channel`): found, the account is the customer's; not
found (``users_not_found``), they are not asked again and the feeder skips them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from adapters.slack.words import CHANNEL
from bot.delivery.pacing import Rate
from bot.engine.transient import DatabaseDown

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.engine_calls import EngineCalls
    from bot.engine import Engine

log = logging.getLogger(__name__)

BUDGET_KEY = "slack:lookup"
BATCH = 20
"""Customers taken at once (a minute's worth at most)."""
IDLE_SECONDS = 5.0
"""How long the loop rests when nobody waits for a look-up."""
TROUBLE_SECONDS = 60.0
"""How long it rests after an error that is no answer about the person (missing_scope …)."""
NOT_FOUND = "users_not_found"


class EmailLookups:
    """The look-up loop of one Slack app, run beside its dispatcher."""

    def __init__(self, engine: Engine, calls: EngineCalls, client: AsyncWebClient,
                 per_minute: float) -> None:
        self.engine = engine
        self.calls = calls
        self.client = client
        self.rate = Rate(BUDGET_KEY, per_minute / 60, 1)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                rest = await self.step(stop)
            except DatabaseDown as exc:
                log.warning("slack: e-mail look-ups wait for the database: %s", exc)
                rest = IDLE_SECONDS
            if rest:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), rest)

    async def step(self, stop: asyncio.Event) -> float:
        """Look up the customers waiting now; how long to rest before the next step (0: go
        on at once)."""
        pending = await self.calls(self.engine.pending_lookups, BATCH)
        if not pending:
            return IDLE_SECONDS
        for customer_id, email in pending:
            if stop.is_set():
                return 0
            await self._slot(stop)
            rest = await self._lookup(customer_id, email)
            if rest:
                return rest
        return 0

    async def _slot(self, stop: asyncio.Event) -> None:
        slot = await self.calls(self.engine.queues.reserve, [self.rate])
        wait = (slot - self.engine.clock()).total_seconds()
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)

    async def _lookup(self, customer_id: int, email: str) -> float:
        try:
            answer = await self.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            return await self._refused(customer_id, exc)
        user: dict[str, Any] = answer.get("user") or {}
        if not user.get("id") or user.get("deleted") or user.get("is_bot"):
            await self.calls(self.engine.found_on_channel, customer_id, CHANNEL, None)
            return 0
        profile = user.get("profile") or {}
        await self.calls(self.engine.found_on_channel, customer_id, CHANNEL, str(user["id"]),
                         display_name=str(profile.get("display_name") or user.get("real_name")
                                          or ""), locale_hint=user.get("locale"))
        return 0

    async def _refused(self, customer_id: int, exc: SlackApiError) -> float:
        error = str(exc.response.get("error") or "")
        if exc.response.status_code == 429 or error == "ratelimited":
            after = float(exc.response.headers.get("Retry-After", 1) or 1)
            log.info("slack: users.lookupByEmail rate limited; waiting %.0f s", after)
            return max(after, 1.0)
        if error == NOT_FOUND:
            await self.calls(self.engine.found_on_channel, customer_id, CHANNEL, None)
            return 0
        log.warning("slack: users.lookupByEmail failed (%s); trying again in %.0f s", error
                    or exc.response.status_code, TROUBLE_SECONDS)
        return TROUBLE_SECONDS
