"""Load on the Telegram channel: customers and a manager talking to the bot through the Bot API
stand-in, by polling (updates queued for ``getUpdates``) or by webhook (POSTed to the bot with
the secret header, delivered again until answered 200, as Telegram does)."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.load.common import (
    Customer,
    LoadResult,
    Message,
    Plan,
    Sent,
    plans,
    reply_prompt,
    run_load,
)
from tests.telegram.harness import ALERT_CHAT, MANAGER_ID
from tests.telegram.standin import BotAPIStandIn, user


def _labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            for b in row]


def _data(message: dict[str, Any], match: Any) -> str | None:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if match(button):
                return str(button["callback_data"])
    return None


class TelegramLoad:
    """``TelegramLoad(api)`` polls; ``TelegramLoad(api, webhook_url=..., secret=...)`` posts.

    ``await load.run(20)`` (or a list of :class:`Plan`) returns a :class:`LoadResult`;
    ``load.sent`` holds every update sent, customers' and the manager's, as it goes."""

    def __init__(self, api: BotAPIStandIn, *, webhook_url: str | None = None,
                 secret: str | None = None, alert_chat: int = ALERT_CHAT,
                 manager_id: int = MANAGER_ID, redeliver_pause: float = 0.2,
                 request_timeout: float = 10.0) -> None:
        self.api = api
        self.webhook_url = webhook_url
        self.secret = secret
        self.alert_chat = alert_chat
        self.manager_id = manager_id
        self.redeliver_pause = redeliver_pause
        self.request_timeout = request_timeout
        self.sent: list[Sent] = []
        self.statuses: Counter[int | None] = Counter()
        """The webhook's answer to every attempt (None: no answer)."""
        self.on_sent: list[Callable[[Sent], None]] = []
        """Called with each update once queued (polling) or answered 200 or given up
        (webhook): a test's kill point."""
        self.deadline = float("inf")

    def _done(self, sent: Sent) -> Sent:
        for hook in list(self.on_sent):
            hook(sent)
        return sent

    async def deliver(self, update: dict[str, Any], kind: str, actor: str,
                      detail: str = "") -> Sent:
        """Send one update; with a webhook, again until the bot answers 200 (or the run's
        deadline passes)."""
        uid = int(update["update_id"])
        sent = Sent(kind, str(uid), actor, time.monotonic(), detail)
        self.sent.append(sent)
        if self.webhook_url is None:
            sent.queued = True
            sent.check = lambda: self.api.acknowledged(uid)
            self.api.push(update)
            return self._done(sent)
        headers = {"Content-Type": "application/json"}
        if self.secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.secret
        body = json.dumps(update)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(
                total=self.request_timeout)) as http:
            while True:
                sent.attempts += 1
                try:
                    async with http.post(self.webhook_url, data=body, headers=headers) as resp:
                        sent.status = resp.status
                except (aiohttp.ClientError, TimeoutError):
                    sent.status = None
                self.statuses[sent.status] += 1
                if sent.status == 200:
                    sent.acked = True
                    return self._done(sent)
                if time.monotonic() > self.deadline:
                    return self._done(sent)
                await asyncio.sleep(self.redeliver_pause)

    def chat(self, plan: Plan) -> TelegramChat:
        return TelegramChat(self, plan, user(int(plan.user), plan.name, plan.lang))

    async def run(self, customers: int | Sequence[Plan], *, manager: bool = True,
                  replies: bool = True, timeout: float = 60.0,
                  try_again: Sequence[str] = ()) -> LoadResult:
        """Every customer answers at once; the manager claims (and replies to) the alerts."""
        chosen = plans(customers, first=10_000) if isinstance(customers, int) else customers
        self.deadline = time.monotonic() + timeout
        people = [Customer(p, self.chat(p), try_again=try_again) for p in chosen]
        boss = TelegramManager(self, reply=replies) if manager else None
        return await run_load(people, boss, self.sent, timeout=timeout)


@dataclass
class TelegramChat:
    """A customer's private chat with the bot."""

    load: TelegramLoad
    plan: Plan
    frm: dict[str, Any]

    def version(self) -> int:
        return len(self.load.api.log)

    def messages(self) -> list[Message]:
        return [Message(m["message_id"], str(m.get("text", "")), _labels(m), m)
                for m in self.load.api.chat_messages(int(self.plan.user))]

    async def start(self) -> Sent:
        return await self.say("/start", kind="start")

    async def say(self, text: str, kind: str = "text") -> Sent:
        return await self.load.deliver(self.load.api.message_update(self.frm, text), kind,
                                       self.plan.user, text)

    async def press(self, message: Message, label: str) -> Sent:
        raw = copy.deepcopy(message.raw)
        data = _data(raw, lambda b: b["text"] == label)
        assert data is not None, f"no button {label} in {message.text!r}"
        return await self.load.deliver(self.load.api.callback_update(self.frm, raw, data),
                                       "press", self.plan.user, data)


@dataclass
class TelegramManager:
    """In the managers' group: presses Claim on every alert, then Reply, and answers the
    prompt that follows ("Write your reply to …", in ``lang``) as a reply to it."""

    load: TelegramLoad
    reply: bool = True
    text: str = "We are sorry. We will call you today."
    lang: str = "en"
    """The language the manager reads (MANAGER_LOCALE, or their own choice)."""
    claimed: list[int] = field(default_factory=list)
    replied: list[int] = field(default_factory=list)
    unanswered: list[int] = field(default_factory=list)
    """Alerts whose reply prompt never came."""

    def _messages(self) -> list[dict[str, Any]]:
        return self.load.api.chat_messages(self.load.alert_chat)

    async def run(self, stop: asyncio.Event, deadline: float) -> TelegramManager:
        api, chat = self.load.api, self.load.alert_chat
        me = user(self.load.manager_id, "Maria Popescu", "en")
        me_in_group = dict(me)
        done: set[int] = set()
        while time.monotonic() < deadline:
            alerts = [m for m in self._messages() if m["message_id"] not in done
                      and _data(m, lambda b: str(b["callback_data"]).endswith(":claim"))]
            if not alerts:
                if stop.is_set():
                    break
                await asyncio.sleep(0.05)
                continue
            for alert in alerts:
                done.add(alert["message_id"])
                claim = _data(alert, lambda b: str(b["callback_data"]).endswith(":claim"))
                await self.load.deliver(api.callback_update(me_in_group, copy.deepcopy(alert),
                                                            str(claim)), "claim", str(me["id"]))
                self.claimed.append(alert["message_id"])
                reply = _data(alert, lambda b: str(b["callback_data"]).endswith(":reply"))
                if not self.reply or reply is None:
                    continue
                newest = max(m["message_id"] for m in self._messages())
                await self.load.deliver(api.callback_update(me_in_group, copy.deepcopy(alert),
                                                            reply), "reply_press", str(me["id"]))
                prompt = await self._prompt_after(newest, deadline)
                if prompt is None:
                    self.unanswered.append(alert["message_id"])
                    continue
                await self.load.deliver(api.message_update(me, self.text, chat_id=chat,
                                                           reply_to=prompt), "reply",
                                        str(me["id"]), str(alert["message_id"]))
                self.replied.append(alert["message_id"])
        return self

    async def _prompt_after(self, newest: int, deadline: float) -> dict[str, Any] | None:
        limit = min(deadline, time.monotonic() + 30)
        while time.monotonic() < limit:
            for message in self._messages():
                if message["message_id"] > newest and str(message.get("text", "")).startswith(
                        reply_prompt(self.lang)):
                    return copy.deepcopy(message)
            await asyncio.sleep(0.02)
        return None
