"""Load on the Slack channel: customers in their DMs and a manager in the alerts channel,
sending requests signed as Slack signs them to the bot's ``/slack/events`` and reading the
bot's messages at the Web API stand-in.

As Slack does: an Events API request (a DM) not answered 200 within ``ack_timeout`` is sent
again, the same ``event_id`` with ``X-Slack-Retry-Num`` 1-3 (``retry_pauses`` apart: Slack waits
about 1 and 5 minutes; tests need not); an interaction (a press, a modal submission) is never
sent again by Slack, so a customer whose press was not acknowledged presses again, a new
request with a new ``trigger_id``, as a person would."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import aiohttp

from tests.load.common import Customer, LoadResult, Message, Plan, Sent, plans, run_load
from tests.slack.harness import ALERTS, MANAGER
from tests.slack.sender import SlackSender, sign
from tests.slack.standin import SlackAPIStandIn

FORM = "application/x-www-form-urlencoded"
LOCALES = {"en": "en-US", "ro": "ro-RO", "zh": "zh-CN"}


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks") or [] if b.get("type") == "actions"
            for e in b.get("elements") or []]


class SlackLoad:
    """``SlackLoad(api, "http://127.0.0.1:<port>/slack/events")``; ``await load.run(20)``.

    ``load.url`` may change between runs (a restarted bot on another port); ``load.sent``
    holds every request sent, customers' and the manager's."""

    def __init__(self, api: SlackAPIStandIn, url: str, *, alert_channel: str = ALERTS,
                 manager: str = MANAGER, ack_timeout: float = 3.0,
                 retry_pauses: Sequence[float] = (0.5, 1.0, 2.0)) -> None:
        self.api = api
        self.url = url
        self.alert_channel = alert_channel
        self.manager = manager
        self.ack_timeout = ack_timeout
        self.retry_pauses = tuple(retry_pauses)
        self.prefix = uuid.uuid4().hex[:6]
        self.sender = SlackSender(url, api, prefix=self.prefix)
        self.sent: list[Sent] = []
        self.statuses: Counter[int | None] = Counter()
        """The bot's answer to every request sent (None: no answer in ``ack_timeout``)."""
        self.try_again: tuple[str, ...] = ()
        """What the bot says when it could not record a press ("not recorded, try again")."""
        self.on_sent: list[Callable[[Sent], None]] = []
        """Called with each request once answered (or given up): a test's kill point."""
        self._triggers = itertools.count(1)
        if manager not in api.users:
            api.add_user(manager, "Maria Popescu", "en-GB")

    def trigger_id(self) -> str:
        return f"trig-{self.prefix}-{next(self._triggers)}"

    async def _post(self, body: bytes, content_type: str,
                    headers: dict[str, str] | None = None) -> int | None:
        self.sender.url = self.url
        all_headers = {"Content-Type": content_type, **sign(body), **(headers or {})}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(
                    total=self.ack_timeout)) as http, http.post(
                    self.url, data=body, headers=all_headers) as resp:
                await resp.read()
                self.statuses[resp.status] += 1
                return resp.status
        except (aiohttp.ClientError, TimeoutError):
            self.statuses[None] += 1
            return None

    async def event(self, body: bytes, key: str, kind: str, actor: str, detail: str) -> Sent:
        """An Events API request, sent again as Slack does until answered 200."""
        sent = Sent(kind, key, actor, time.monotonic(), detail)
        self.sent.append(sent)
        for retry in range(len(self.retry_pauses) + 1):
            headers = {} if retry == 0 else {
                "X-Slack-Retry-Num": str(retry),
                "X-Slack-Retry-Reason": "http_timeout" if sent.status is None else "http_error"}
            sent.attempts += 1
            sent.status = await self._post(body, "application/json", headers)
            if sent.status == 200:
                sent.acked = True
                break
            if retry < len(self.retry_pauses):
                await asyncio.sleep(self.retry_pauses[retry])
        return self._done(sent)

    def _done(self, sent: Sent) -> Sent:
        for hook in list(self.on_sent):
            hook(sent)
        return sent

    async def interaction(self, body: bytes, key: str, kind: str, actor: str,
                          detail: str) -> Sent:
        """A press or a modal submission: sent once."""
        sent = Sent(kind, key, actor, time.monotonic(), detail, attempts=1)
        self.sent.append(sent)
        sent.status = await self._post(body, FORM)
        sent.acked = sent.status == 200
        sent.refused = sent.acked and self._refused(body)
        return self._done(sent)

    def _refused(self, body: bytes) -> bool:
        """Whether the bot answered this interaction's ``response_url`` with ``try_again``."""
        if not self.try_again:
            return False
        payload = json.loads(parse_qs(body.decode())["payload"][0])
        rid = str(payload.get("response_url", "")).rsplit("/", 1)[-1]
        return any(text in str(r.get("text", "")) for r in self.api.responses.get(rid, [])
                   for text in self.try_again)

    def chat(self, plan: Plan) -> SlackChat:
        if plan.user not in self.api.users:
            self.api.add_user(plan.user, plan.name, LOCALES.get(plan.lang, "en-US"))
        return SlackChat(self, plan)

    async def run(self, customers: int | Sequence[Plan], *, manager: bool = True,
                  replies: bool = True, timeout: float = 60.0,
                  try_again: Sequence[str] = ()) -> LoadResult:
        chosen = plans(customers, prefix="UL") if isinstance(customers, int) else customers
        self.try_again = tuple(try_again)
        people = [Customer(p, self.chat(p), try_again=try_again) for p in chosen]
        boss = SlackManager(self, reply=replies) if manager else None
        return await run_load(people, boss, self.sent, timeout=timeout)


@dataclass
class SlackChat:
    """A customer's DM with the bot."""

    load: SlackLoad
    plan: Plan

    @property
    def channel(self) -> str:
        return f"D{self.plan.user}"

    def version(self) -> int:
        return len(self.load.api.log)

    def messages(self) -> list[Message]:
        return [Message(m["ts"], str(m.get("text", "")), [e["text"]["text"] for e in
                                                          _buttons(m)], m)
                for m in self.load.api.channel_messages(self.channel)]

    async def start(self) -> Sent:
        return await self.say("start", kind="start")

    async def say(self, text: str, kind: str = "text") -> Sent:
        event_id = f"Ev{self.load.prefix}{uuid.uuid4().hex[:10]}"
        body = self.load.sender.dm_event(self.plan.user, text, event_id=event_id)
        return await self.load.event(body, event_id, kind, self.plan.user, text)

    async def press(self, message: Message, label: str) -> Sent:
        button = next(e for e in _buttons(message.raw) if e["text"]["text"] == label)
        trigger = self.load.trigger_id()
        body = self.load.sender.action(self.plan.user, self.channel, copy.deepcopy(message.raw),
                                       button, trigger_id=trigger)
        return await self.load.interaction(body, trigger, "press", self.plan.user,
                                           str(button["value"]))


@dataclass
class SlackManager:
    """In the alerts channel: presses Claim on every alert, then Reply, and submits the reply
    modal the bot opens (found by its ``trigger_id`` among the stand-in's ``views.open``)."""

    load: SlackLoad
    reply: bool = True
    text: str = "We are sorry. We will call you today."
    claimed: list[str] = field(default_factory=list)
    replied: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    """Alerts whose reply modal never opened."""

    async def _press(self, alert: dict[str, Any], suffix: str, kind: str) -> str | None:
        button = next((e for e in _buttons(alert) if str(e.get("value")).endswith(suffix)), None)
        if button is None:
            return None
        load = self.load
        trigger = load.trigger_id()
        body = load.sender.action(load.manager, load.alert_channel, copy.deepcopy(alert),
                                  button, trigger_id=trigger)
        sent = await load.interaction(body, trigger, kind, load.manager, str(button["value"]))
        return trigger if sent.acked and not sent.refused else None

    async def run(self, stop: asyncio.Event, deadline: float) -> SlackManager:
        load = self.load
        done: set[str] = set()
        while time.monotonic() < deadline:
            alerts = [m for m in load.api.channel_messages(load.alert_channel)
                      if m["ts"] not in done and any(str(e.get("value")).endswith(":claim")
                                                     for e in _buttons(m))]
            if not alerts:
                if stop.is_set():
                    break
                await asyncio.sleep(0.05)
                continue
            for alert in alerts:
                done.add(alert["ts"])
                if await self._press(alert, ":claim", "claim") is None:
                    done.discard(alert["ts"])  # not acknowledged: press again later
                    continue
                self.claimed.append(alert["ts"])
                if not self.reply:
                    continue
                trigger = await self._press(load.api.messages[(load.alert_channel,
                                                               alert["ts"])], ":reply",
                                            "reply_press")
                view = await self._modal(trigger, deadline) if trigger else None
                if view is None:
                    self.unanswered.append(alert["ts"])
                    continue
                view.update(id=f"V{trigger}", hash=f"h-{trigger}")
                body = load.sender.view_submission(load.manager, view, self.text)
                await load.interaction(body, f"V{trigger}", "reply", load.manager, alert["ts"])
                self.replied.append(alert["ts"])
        return self

    async def _modal(self, trigger: str, deadline: float) -> dict[str, Any] | None:
        limit = min(deadline, time.monotonic() + 30)
        while time.monotonic() < limit:
            for call in self.load.api.sent("views.open"):
                if call.params.get("trigger_id") == trigger:
                    view: dict[str, Any] = copy.deepcopy(call.params["view"])
                    return view
            await asyncio.sleep(0.02)
        return None
