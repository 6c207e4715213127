"""The platform-free part of the load drivers: what was sent, the customers' plans and the
survey they follow, their results, and the answers stored."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import create_engine
from sqlmodel import Session, select

from bot.i18n import translator
from bot.models import Answer, Respondent

THANKS = "Thank you for your answers! They help us improve."
FOLLOW_UPS = ("We are sorry to hear that. What disappointed you?",
              "What would make it a 10 for you?",
              "Thank you! What do you value most about us?",
              "What went wrong?", "What could we have done better?", "What made it hard?")
METRIC_BY_TOP = {10: "nps", 5: "csat", 7: "ces"}
REPLY_PROMPT = ("Write your reply to {name} in your next message; it is sent as you write it. "
                "Send {cancel} to cancel.")


def reply_prompt(lang: str) -> str:
    """How the bot's "write your reply" prompt to a manager begins, in ``lang``."""
    return translator(lang).gettext(REPLY_PROMPT).split("{name}")[0]


@dataclass
class Sent:
    """One update (Telegram) or request (Slack) a driver sent to the bot."""

    kind: str
    """``start``, ``text``, ``press`` (customers); ``claim``, ``reply_press``, ``reply``
    (the manager)."""
    key: str
    """What identifies it on the platform: ``update_id``, ``event_id`` or ``trigger_id``."""
    actor: str
    at: float
    """``time.monotonic()`` when it was first sent."""
    detail: str = ""
    status: int | None = None
    """The HTTP status of the last attempt (None: polled, or no answer)."""
    attempts: int = 0
    acked: bool = False
    """Acknowledged: a 200 (webhook, Slack); for polling see :meth:`is_acked`."""
    queued: bool = False
    """Polling: in the Bot API's queue, which delivers it until the bot confirms it."""
    refused: bool = False
    """Answered 200 with "not recorded, please try again" (a Slack press in an outage)."""
    check: Callable[[], bool] | None = field(default=None, repr=False)

    def is_acked(self) -> bool:
        """Acknowledged now: a 200 answered, or (polling) an offset that confirmed it."""
        return self.check() if self.check is not None else self.acked

    def accepted(self) -> bool:
        """The platform has it: queued for polling, or acknowledged (and not refused)."""
        return not self.refused and (self.queued or self.is_acked())


@dataclass(frozen=True)
class Plan:
    """What one customer will answer."""

    user: str
    name: str
    lang: str = "en"
    nps: int = 9
    csat: int = 4
    ces: int = 6
    comment: str = "Fast and friendly"

    def score_for(self, top: int) -> int:
        return {10: self.nps, 5: self.csat, 7: self.ces}.get(top, top // 2)


def plans(n: int, *, prefix: str = "", first: int = 0, detractors: float = 0.25,
          lang: str = "en", seed: int = 0) -> list[Plan]:
    """``n`` customers, about ``detractors`` of them giving an NPS of 0-6 (an alert each); ids
    ``prefix + number`` from ``first``."""
    rng = random.Random(seed)
    out = []
    for i in range(first, first + n):
        low = rng.random() < detractors
        out.append(Plan(user=f"{prefix}{i}", name=f"Customer {i}", lang=lang,
                        nps=rng.randint(0, 6) if low else rng.randint(7, 10),
                        csat=rng.randint(1, 5), ces=rng.randint(1, 7),
                        comment=f"Comment {i}: {'slow' if low else 'good'} service"))
    return out


@dataclass
class Message:
    """A bot message as a customer sees it: text and button labels."""

    id: Any
    text: str
    labels: list[str]
    raw: Any = None


class Chat(Protocol):
    """One customer's conversation on a platform."""

    def version(self) -> int: ...
    def messages(self) -> list[Message]: ...
    async def start(self) -> Sent: ...
    async def say(self, text: str) -> Sent: ...
    async def press(self, message: Message, label: str) -> Sent: ...


@dataclass
class CustomerResult:
    plan: Plan
    finished: bool = False
    sent: list[Sent] = field(default_factory=list)
    given: list[tuple[str, int, str | None]] = field(default_factory=list)
    """(metric, score, comment) as this customer answered."""
    questions: int = 0
    """Score questions answered (a survey asked twice counts its questions twice)."""
    repeats: int = 0
    """Presses or starts done again after the bot did not acknowledge them."""
    seconds: float = 0.0
    transcript: list[str] = field(default_factory=list)


def is_score_question(message: Message) -> bool:
    return len(message.labels) >= 2 and all(label.isdigit() for label in message.labels)


class Customer:
    """Follows the survey a chat shows: presses the planned score on each score question, types
    the comment on each follow-up question, and is done at the thanks."""

    def __init__(self, plan: Plan, chat: Chat, *, retry_pause: float = 0.5,
                 try_again: Sequence[str] = ()) -> None:
        self.plan = plan
        self.chat = chat
        self.retry_pause = retry_pause
        t = translator(plan.lang)
        self.thanks = t.gettext(THANKS)
        self.follow_ups = tuple(t.gettext(text) for text in FOLLOW_UPS)
        self.try_again = tuple(try_again)
        self.result = CustomerResult(plan)
        self._done: set[Any] = set()

    def _act_on(self, messages: list[Message]) -> Message | None:
        """The newest question, when it is still to be answered."""
        for message in reversed(messages):
            if is_score_question(message) or any(f in message.text for f in self.follow_ups):
                return None if message.id in self._done else message
        return None

    def _retry_asked(self, messages: list[Message]) -> None:
        """After "not recorded, please try again" (``try_again``), answer the question again."""
        if not self.try_again or not messages or messages[-1].id in self._done:
            return
        if any(text in messages[-1].text for text in self.try_again):
            self._done.add(messages[-1].id)
            for message in reversed(messages):
                if is_score_question(message) or any(f in message.text for f in self.follow_ups):
                    self._done.discard(message.id)
                    break

    async def run(self, deadline: float) -> CustomerResult:
        started = time.monotonic()
        result = self.result
        while True:
            sent = await self.chat.start()
            result.sent.append(sent)
            if sent.accepted() or time.monotonic() > deadline:
                break
            result.repeats += 1
            await asyncio.sleep(self.retry_pause)
        seen = -1
        while time.monotonic() < deadline:
            version = self.chat.version()
            if version == seen:
                await asyncio.sleep(0.02)
                continue
            seen = version
            messages = self.chat.messages()
            result.transcript = [m.text for m in messages]
            if any(self.thanks in m.text for m in messages):
                result.finished = True
                break
            self._retry_asked(messages)
            target = self._act_on(messages)
            if target is None:
                continue
            if is_score_question(target):
                top = max(int(label) for label in target.labels)
                score = self.plan.score_for(top)
                sent = await self.chat.press(target, str(score))
                if sent.accepted():
                    result.questions += 1
                    result.given.append((METRIC_BY_TOP.get(top, "?"), score, None))
            else:
                sent = await self.chat.say(self.plan.comment)
                if sent.accepted() and result.given:
                    metric, score, _ = result.given[-1]
                    result.given[-1] = (metric, score, self.plan.comment)
            result.sent.append(sent)
            if sent.accepted():
                self._done.add(target.id)
            else:  # not acknowledged: as a person would, try again in a moment
                result.repeats += 1
                seen = -1
                await asyncio.sleep(self.retry_pause)
        result.seconds = time.monotonic() - started
        return result


@dataclass
class LoadResult:
    customers: list[CustomerResult]
    manager: Any = None
    sent: list[Sent] = field(default_factory=list)

    @property
    def finished(self) -> list[CustomerResult]:
        return [c for c in self.customers if c.finished]

    @property
    def stuck(self) -> list[CustomerResult]:
        return [c for c in self.customers if not c.finished]

    def acknowledged(self) -> list[Sent]:
        return [s for s in self.sent if s.is_acked()]

    def unacknowledged(self) -> list[Sent]:
        return [s for s in self.sent if not s.is_acked()]

    async def wait_acknowledged(self, timeout: float = 10) -> None:
        """Until every update sent is acknowledged (polling: the bot confirms an update's
        offset with its next ``getUpdates``, after handling it); TimeoutError otherwise."""
        async with asyncio.timeout(timeout):
            while self.unacknowledged():
                await asyncio.sleep(0.02)

    def summary(self) -> str:
        lines = [f"{len(self.finished)} of {len(self.customers)} customers finished; "
                 f"{len(self.sent)} sent, {len(self.acknowledged())} acknowledged"]
        for c in self.stuck[:10]:
            lines.append(f"  stuck {c.plan.user}: {c.transcript[-2:]!r}")
        return "\n".join(lines)


def stored_answers(database_url: str, channel: str) -> dict[str, list[tuple[str, int,
                                                                           str | None]]]:
    """Per platform user id: (metric, score, comment) of every stored answer, in order."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as s:
            rows = s.exec(select(Respondent.platform_user_id, Answer.metric, Answer.score,
                                 Answer.comment).join(Respondent, Answer.respondent_id ==
                                                      Respondent.id)  # type: ignore[arg-type]
                          .where(Respondent.channel == channel)
                          .order_by(Answer.id))  # type: ignore[arg-type]
            out: dict[str, list[tuple[str, int, str | None]]] = {}
            for user, metric, score, comment in rows:
                out.setdefault(str(user), []).append((str(metric), int(score), comment))
            return out
    finally:
        engine.dispose()


def answers_mismatch(result: LoadResult, database_url: str, channel: str,
                     user_id: Callable[[Plan], str] = lambda p: p.user) -> list[str]:
    """Every customer whose stored answers differ from what they gave (stored twice, lost, or
    another comment); empty when each answer was stored exactly once."""
    stored = stored_answers(database_url, channel)
    wrong = []
    for customer in result.customers:
        have = stored.get(user_id(customer.plan), [])
        if have != customer.given:
            wrong.append(f"{customer.plan.user}: gave {customer.given}, stored {have}")
    return wrong


class Manager(Protocol):
    """Claims (and replies to) the alerts in the managers' chat until told to stop."""

    async def run(self, stop: asyncio.Event, deadline: float) -> Any: ...


async def run_load(customers: Sequence[Customer], manager: Manager | None, sent: list[Sent], *,
                   timeout: float, grace: float = 10.0) -> LoadResult:
    """Every customer at once until each finished or ``timeout`` passed; the manager meanwhile,
    and for up to ``grace`` seconds after them, until it has handled every alert it saw."""
    deadline = time.monotonic() + timeout
    stop = asyncio.Event()
    managing = (asyncio.create_task(manager.run(stop, deadline + grace))
                if manager is not None else None)
    try:
        results = list(await asyncio.gather(*(c.run(deadline) for c in customers)))
    finally:
        stop.set()
    outcome = await managing if managing is not None else None

    return LoadResult(results, outcome, sent)
