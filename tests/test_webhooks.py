"""Outgoing webhooks over real HTTP on 127.0.0.1: the events the engine writes, signed as
docs/webhooks.md says (its own ``verify`` is run), and retried on their own schedule against a
receiver that answers 503, then refuses connections, for an hour of an injected clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlmodel import Session, col, select

from adapters.engine_calls import EngineCalls
from adapters.webhooks import WebhookSender, dispatch
from bot import buttons, webhooks
from bot.app import build_engine
from bot.audience.customers import CustomerRecord, bind, upsert_customer
from bot.delivery.outbox import Delivery
from bot.engine import Engine
from bot.messages import AlertPost, WebhookEvent
from bot.models import OutboxMessage, OutboxStatus
from bot.settings import Settings
from tests.helpers import Person, free_port, wait_for
from tests.tcpproxy import TcpProxy

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec-test-0123456789"
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def documented_verify() -> Callable[..., bool]:
    """The ``verify`` function of docs/webhooks.md, exactly as a reader copies it."""
    text = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    block = text.split("<!-- verify -->", 1)[1].split("<!-- /verify -->", 1)[0].strip()
    code = block.removeprefix("```python").removesuffix("```")
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)  # our own docs, run as written
    verify: Callable[..., bool] = namespace["verify"]
    return verify


class Receiver:
    """A company's endpoint on 127.0.0.1: checks every signature with the documented
    ``verify`` at ``clock()``, answers ``status()`` (200 by default), keeps what it took."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.verify = documented_verify()
        self.status: Callable[[], int] = lambda: 200
        self.taken: list[dict[str, Any]] = []
        self.attempts: list[tuple[str, int]] = []
        self.unsigned = 0
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        header = request.headers.get(webhooks.SIGNATURE_HEADER, "")
        if not self.verify(SECRET, header, body, now=self.clock().timestamp()):
            self.unsigned += 1
            return web.Response(status=401)
        event = json.loads(body)
        assert request.headers[webhooks.EVENT_HEADER] == event["type"]
        status = self.status()
        self.attempts.append((event["id"], status))
        if status == 200:
            self.taken.append(event)
        return web.Response(status=status)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hooks", self._hook)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def types(self) -> list[str]:
        return [event["type"] for event in self.taken]


class Clock:
    """The injected clock of the engine, the dispatcher, the sender and the receiver."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    async def run_until(self, until: datetime, step: timedelta = timedelta(seconds=20)) -> None:
        """Move on by ``step`` every 10 ms of real time until ``until``."""
        while self.now < until:
            await asyncio.sleep(0.01)
            self.now = min(until, self.now + step)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def receiver(clock: Clock) -> AsyncIterator[Receiver]:
    async with Receiver(clock) as found:
        yield found


def _engine(make_settings: Callable[..., Any], url: str, clock: Clock) -> tuple[Engine, Settings]:
    settings = make_settings(console_manager=True, webhook_url=url, webhook_secret=SECRET)
    engine = build_engine(settings)
    engine.clock = clock
    return engine, settings


@pytest.fixture
def running() -> Iterator[list[Callable[[], Any]]]:
    """Closers of what a test started, run at its end."""
    closers: list[Callable[[], Any]] = []
    yield closers
    for close in reversed(closers):
        close()


async def _dispatching(engine: Engine, settings: Settings) -> tuple[asyncio.Event, Any]:
    calls = EngineCalls(engine, settings)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatch(engine, settings, calls, stop, poll=0.02))

    async def stopped() -> None:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
        calls.close()
    return stop, stopped


def _customer(engine: Engine, external_id: str, user_id: str) -> None:
    with Session(engine.db.engine) as session:
        customer, _ = upsert_customer(session=session, record=CustomerRecord(external_id),
                                      now=engine.clock())
        bind(session=session, customer=customer, channel="console", user_id=user_id,
             now=engine.clock())
        session.commit()


def _alert_id(out: list[Any]) -> int:
    return next(item.alert_id for item in out if isinstance(item, AlertPost))


def _rows(engine: Engine) -> list[OutboxMessage]:
    with Session(engine.db.engine) as session:
        return list(session.exec(select(OutboxMessage).where(
            col(OutboxMessage.channel) == webhooks.CHANNEL).order_by(col(OutboxMessage.id))))


async def test_each_event_type_signed_and_in_order(
        make_settings: Callable[..., Any], receiver: Receiver, clock: Clock) -> None:
    engine, settings = _engine(make_settings, receiver.url, clock)
    _, stopped = await _dispatching(engine, settings)
    try:
        _customer(engine, "C-1042", "ana")
        ana, boss = Person(engine, "ana"), Person(engine, "console-manager", name="Boss")
        ana.command("start", "nps")
        alert_id = _alert_id(ana.press_score(3))
        ana.say("The delivery was two weeks late.")
        boss.press(buttons.encode(buttons.Alert(alert_id, buttons.AlertAction.RESOLVE)))
        ana.command("stop")
        ana.command("stop")  # opted out already: no second event
        await wait_for(lambda: len(receiver.taken) >= 5, timeout=20)
        assert len(_rows(engine)) == 5  # the second /stop wrote no event
    finally:
        await stopped()
        engine.db.dispose()
    assert receiver.types() == ["answer.created", "alert.created", "comment.created",
                                "alert.resolved", "customer.opted_out"]
    answer, alert, comment, resolved, opted = (e["data"] for e in receiver.taken)
    who = {"external_id": "C-1042", "channel": "console", "user_id": "ana"}
    assert answer["score"] == 3 and answer["metric"] == "nps" and answer["survey"] == "nps"
    assert answer["bucket"] == "detractor" and answer["comment"] is None
    assert answer["channel"] == "console" and answer["customer"] == who
    assert alert["alert"]["id"] == alert_id and alert["alert"]["status"] == "open"
    assert alert["answer"]["answer_id"] == answer["answer_id"]
    assert comment["comment"] == "The delivery was two weeks late."
    assert comment["answer_id"] == answer["answer_id"]
    assert resolved["alert"] == {"id": alert_id, "status": "resolved", "assignee": None,
                                 "resolved_by": "Boss", "resolved_at": "2026-12-01T12:00:00Z"}
    assert opted["customer"] == who
    assert len({e["id"] for e in receiver.taken}) == 5
    assert all(e["created_at"] == "2026-12-01T12:00:00Z" for e in receiver.taken)
    assert receiver.unsigned == 0


async def test_no_event_without_webhook_url(make_settings: Callable[..., Any]) -> None:
    engine = build_engine(make_settings(console_manager=True))
    try:
        ana = Person(engine, "ana")
        ana.command("start", "nps")
        ana.press_score(2)
        ana.say("slow")
        ana.command("stop")
        assert _rows(engine) == []
    finally:
        engine.db.dispose()


async def test_a_wrong_secret_is_refused_by_the_documented_check(clock: Clock) -> None:
    verify = documented_verify()
    body = b'{"id":"evt_1"}'
    stamp = int(clock().timestamp())
    good = webhooks.signature_header(SECRET, stamp, body)
    assert verify(SECRET, good, body, now=stamp)
    assert not verify("another secret", good, body, now=stamp)
    assert not verify(SECRET, good, body + b" ", now=stamp)
    assert not verify(SECRET, good, body, now=stamp + 301)  # an old (replayed) request
    assert not verify(SECRET, "v1=abc", body, now=stamp)
    assert not verify(SECRET, "", body, now=stamp)


async def test_receiver_down_for_an_hour_loses_nothing(
        make_settings: Callable[..., Any], receiver: Receiver, clock: Clock) -> None:
    """503s for ten minutes, then connections refused until an hour has passed, then up:
    every event arrives, once each, in order; none was given up."""
    down_until = T0 + timedelta(minutes=10)
    receiver.status = lambda: 503  # until it is back up
    with TcpProxy("127.0.0.1", receiver.port) as proxy:
        engine, settings = _engine(make_settings, f"http://127.0.0.1:{proxy.port}/hooks", clock)
        _, stopped = await _dispatching(engine, settings)
        try:
            ana, boss = Person(engine, "ana"), Person(engine, "console-manager", name="Boss")
            ana.command("start", "nps")
            alert_id = _alert_id(ana.press_score(1))
            await wait_for(lambda: len(receiver.attempts) >= 1, timeout=10)
            await clock.run_until(T0 + timedelta(minutes=5))
            ana.say("Nobody answered the phone.")
            await clock.run_until(down_until)
            proxy.cut("refuse")
            await clock.run_until(T0 + timedelta(minutes=20))
            boss.press(buttons.encode(buttons.Alert(alert_id, buttons.AlertAction.RESOLVE)))
            ana.command("stop")
            await clock.run_until(T0 + timedelta(hours=1))
            assert receiver.taken == []
            refused = [r.error for r in _rows(engine)]
            receiver.status = lambda: 200
            proxy.restore()
            await clock.run_until(T0 + timedelta(hours=1, minutes=15))
            await wait_for(lambda: len(receiver.taken) >= 5, timeout=20)
            await wait_for(lambda: all(r.status == OutboxStatus.SENT for r in _rows(engine)),
                           timeout=10)
            rows = _rows(engine)
        finally:
            await stopped()
            engine.db.dispose()
    assert receiver.types() == ["answer.created", "alert.created", "comment.created",
                                "alert.resolved", "customer.opted_out"]
    assert len({e["id"] for e in receiver.taken}) == 5
    assert any(status == 503 for _id, status in receiver.attempts)
    assert any("Connect" in error for error in refused), refused
    assert [r.status for r in rows] == [OutboxStatus.SENT] * 5
    assert max(r.attempts for r in rows) > 8  # more tries than the outbox's own fault limit
    assert receiver.unsigned == 0


def _delivery(created: datetime, attempts: int = 1) -> Delivery:
    item = WebhookEvent("evt_x", "answer.created", created.isoformat().replace("+00:00", "Z"),
                        '{"id":"evt_x","type":"answer.created"}')
    return Delivery(1, webhooks.CHANNEL, webhooks.DESTINATION, 1, item, {}, attempts)


async def test_a_refusal_is_given_up_and_the_next_event_goes(
        make_settings: Callable[..., Any], receiver: Receiver, clock: Clock) -> None:
    answers = iter([400])
    receiver.status = lambda: next(answers, 200)
    engine, settings = _engine(make_settings, receiver.url, clock)
    _, stopped = await _dispatching(engine, settings)
    try:
        ana = Person(engine, "ana")
        ana.command("start", "nps")
        ana.press_score(9)
        ana.command("stop")
        await wait_for(lambda: len(receiver.taken) >= 1, timeout=20)
        await wait_for(lambda: not any(r.status in (OutboxStatus.PENDING, OutboxStatus.SENDING)
                                       for r in _rows(engine)), timeout=10)
        rows = _rows(engine)
    finally:
        await stopped()
        engine.db.dispose()
    assert [r.status for r in rows] == [OutboxStatus.FAILED, OutboxStatus.SENT]
    assert rows[0].attempts == 1 and "HTTP 400" in (rows[0].error or "")
    assert receiver.types() == ["customer.opted_out"]


async def test_the_sender_schedule(make_settings: Callable[..., Any], receiver: Receiver,
                                   clock: Clock) -> None:
    """Doubling waits capped at ten minutes, a Retry-After honoured, given up after a day,
    a receiver slower than the timeout tried again."""
    settings = make_settings(webhook_url=receiver.url, webhook_secret=SECRET)
    sender = WebhookSender(settings, clock=clock, timeout=0.5)
    try:
        receiver.status = lambda: 503
        first = await sender.send(_delivery(T0))
        assert (first.sent, first.retry_after, first.own_schedule) == (False, 2.0, True)
        assert (await sender.send(_delivery(T0, attempts=30))).retry_after == 600.0
        clock.now = T0 + timedelta(hours=24)
        late = await sender.send(_delivery(T0, attempts=150))
        assert late.retry_after is None and "given up" in late.error
        clock.now = T0
        receiver.status = lambda: 429
        assert (await sender.send(_delivery(T0))).retry_after == 2.0
        receiver.status = lambda: 200
        assert (await sender.send(_delivery(T0))).sent
    finally:
        await sender.close()


async def test_a_slow_receiver_is_tried_again(make_settings: Callable[..., Any],
                                              clock: Clock) -> None:
    async def slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response()

    app = web.Application()
    app.router.add_post("/hooks", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    settings = make_settings(webhook_url=f"http://127.0.0.1:{port}/hooks",
                             webhook_secret=SECRET)
    sender = WebhookSender(settings, clock=clock, timeout=0.3)
    try:
        outcome = await sender.send(_delivery(T0))
    finally:
        await sender.close()
        await runner.cleanup()
    assert not outcome.sent and outcome.retry_after == 2.0 and outcome.own_schedule


@pytest.mark.parametrize("mode", ["worker", "run"])
def test_the_worker_and_run_send_webhooks(make_settings: Callable[..., Any], mode: str) -> None:
    from adapters.runner import background_services
    from adapters.services import Services

    for url, expected in (("", False), ("http://127.0.0.1:9/hooks", True)):
        settings = make_settings(webhook_url=url, webhook_secret=SECRET)
        engine = build_engine(settings)
        calls = EngineCalls(engine, settings)
        try:
            names = [s.name for s in background_services(engine, settings, mode, Services(),
                                                         calls)]
        finally:
            calls.close()
            engine.db.dispose()
        assert ("webhooks" in names) is expected


async def test_a_worker_killed_while_sending_loses_no_event(
        make_settings: Callable[..., Any], database_url: str, bot_processes: Any) -> None:
    """``survey-bot worker`` SIGKILLed while the receiver holds its fifth request: started
    again, it sends that one after its lease and the rest; every event is taken once."""
    from collections import Counter

    from tests.processes import bot_env

    engine = build_engine(make_settings(webhook_url="http://127.0.0.1:9/x",
                                        webhook_secret=SECRET))
    try:
        for n in range(10):
            person = Person(engine, f"p{n}")
            person.command("start", "nps")
            person.press_score(9)
        written = [json.loads(row.payload)["id"] for row in _rows(engine)]
    finally:
        engine.db.dispose()
    verify = documented_verify()
    taken: list[str] = []
    held, dead = asyncio.Event(), asyncio.Event()
    requests = 0

    async def hook(request: web.Request) -> web.Response:
        nonlocal requests
        body = await request.read()
        assert verify(SECRET, request.headers[webhooks.SIGNATURE_HEADER], body)
        requests += 1
        if requests == 5:  # held until the worker is dead: never answered
            held.set()
            await asyncio.wait_for(dead.wait(), timeout=30)
            return web.Response(status=503)
        taken.append(json.loads(body)["id"])
        return web.Response()

    app = web.Application()
    app.router.add_post("/hooks", hook)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        worker = bot_processes.start("worker", bot_env(
            database_url, webhook_url=f"http://127.0.0.1:{port}/hooks", webhook_secret=SECRET,
            outbox_lease_seconds="2"))
        await asyncio.wait_for(held.wait(), timeout=30)
        worker.kill()
        dead.set()
        assert len(taken) == 4
        await worker.restart()
        await wait_for(lambda: len(taken) >= 10, timeout=30)
        await worker.terminate()
    finally:
        await runner.cleanup()
    assert len(written) == 10 and Counter(taken) == Counter(written)
    assert "duplicate window" in worker.output()
