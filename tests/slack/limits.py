"""Slack's posting limit and the scripted faults, as the Slack stand-in answers them (the
stand-in's module docstring tells how a test uses them)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.standin_limits import (
    DROP,
    DROP_AFTER,
    HANG,
    Bucket,
    Delivery,
    Fault,
    Faults,
    SendLog,
    retry_after_seconds,
)

SEND_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral",
                          "response_url"})

@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.perf_counter)
    """perf_counter stamp; ``status`` 0 means the connection was dropped."""


@dataclass
class SlackLimits:
    """Slack's posting limit: about ``per_channel`` messages a second per channel, with short
    bursts (https://api.slack.com/methods/chat.postMessage#rate_limiting)."""

    per_channel: float = 1.0
    burst: float = 3.0

    @classmethod
    def raised(cls, factor: float) -> SlackLimits:
        return cls(1.0 * factor, 3.0 * factor)


class LimitsAndFaults:
    """The stand-in's part that refuses posts: over the limit, or as scripted."""

    limits: SlackLimits | None
    faults: Faults
    log: SendLog
    limited: list[tuple[float, str, str, int]]
    _buckets: dict[str, Bucket]
    _stopping: asyncio.Event

    def _over_limit(self, channel: str) -> int:
        """0 when a post to ``channel`` is within the limit (and spend it), else Retry-After."""
        if self.limits is None:
            return 0
        bucket = self._buckets.setdefault(channel, Bucket(self.limits.per_channel,
                                                          self.limits.burst))
        wait = bucket.take(time.monotonic())
        return retry_after_seconds(wait) if wait > 0 else 0

    @staticmethod
    def _fault_answer(call: Call, fault: Fault) -> web.Response:
        call.status = int(fault.kind)
        if call.status == 429:
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(fault.retry_after)})
        error = "internal_error" if call.status == 500 else "fatal_error"
        return web.json_response({"ok": False, "error": error}, status=call.status)

    def _limit_answer(self, call: Call, method: str, channel: str) -> web.Response | None:
        retry_after = self._over_limit(channel) if method in SEND_METHODS else 0
        if not retry_after:
            return None
        call.status = 429
        self.limited.append((time.monotonic(), method, channel, retry_after))
        return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                 headers={"Retry-After": str(retry_after)})

    async def _faulted(self, request: web.Request, call: Call,
                       fault: Fault | None) -> web.Response | None:
        """The answer of a scripted fault that acts before the call (None: no such fault)."""
        if fault is None or fault.kind == DROP_AFTER:
            return None
        if fault.kind in (DROP, HANG):
            return await self._drop(request, call, fault)
        return self._fault_answer(call, fault)

    async def _drop(self, request: web.Request, call: Call, fault: Fault) -> web.Response:
        call.status = 0
        if fault.kind == HANG:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), fault.hang_seconds)
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)

    def _accepted(self, method: str, channel: str, text: str, ts: str) -> None:
        if method in SEND_METHODS:
            self.log.add(Delivery(time.monotonic(), method, channel, text, ts))
