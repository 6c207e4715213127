"""The campaign service (adapters/campaigns.py): which processes run it, a ``worker`` in this
process sending a campaign through the real python-telegram-bot against the Bot API stand-in,
and the service carrying on after the database went away (PostgreSQL behind a proxy)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from adapters.campaigns import CampaignFeeder, ahead_for
from adapters.engine_calls import EngineCalls
from adapters.runner import build_web_app, plan, run, services_for
from adapters.services import Services
from bot.app import build_engine
from bot.campaigns.spec import CampaignSpec
from bot.settings import Settings
from tests.campaign_run import add_customers, campaign_rows
from tests.helpers import wait_for
from tests.slack.standin import BOT_TOKEN, SIGNING_SECRET
from tests.tcpproxy import TcpProxy
from tests.telegram.standin import TOKEN, BotAPIStandIn

pytestmark = pytest.mark.timeout(90)
ANY_HOUR = {"send_window": "00:00-24:00"}


def _settings(url: str, **values: Any) -> Settings:
    return Settings(_env_file=None, database_url=url, **values)  # type: ignore[call-arg]


def test_ahead_is_a_few_seconds_of_the_campaign_pace(make_settings: Callable[..., Any]) -> None:
    settings = make_settings(telegram_bulk_rate=30, slack_wave_per_second=2)
    assert ahead_for(settings, "telegram") == 90
    assert ahead_for(settings, "slack") == 6
    paid = make_settings(telegram_paid_broadcast=True, telegram_paid_broadcast_rate=1000)
    assert ahead_for(paid, "telegram") == 3000
    assert ahead_for(make_settings(slack_wave_per_second=0.1), "slack") == 1


def _feeders(found: list[Any]) -> dict[str, CampaignFeeder | None]:
    out = {}
    for service in found:
        channel = getattr(service, "channel", None)
        if channel is not None and hasattr(channel, "campaigns"):
            out[service.name] = channel.campaigns
    return out


async def test_the_worker_runs_it_for_the_channels_web_serves(
        make_settings: Callable[..., Any]) -> None:
    """A worker beside ``web``: the Telegram webhook's and Slack HTTP's queues run it; the web
    app that gunicorn's processes serve does not."""
    settings: Settings = make_settings(
        telegram_bot_token=TOKEN, telegram_webhook_url="https://bot.example/telegram/webhook",
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET)
    engine = build_engine(settings)
    calls = EngineCalls(engine, settings)
    try:
        feeders = _feeders(services_for(engine, settings, "worker", Services(), calls))
        assert set(feeders) == {"telegram queues", "slack queues"}
        assert all(isinstance(f, CampaignFeeder) for f in feeders.values())
        assert {f.channel for f in feeders.values() if f} == {"telegram", "slack"}
        web_app = build_web_app(engine, settings, plan(settings, "web"), register=False,
                                calls=calls)
        assert web_app.router.routes()  # the web role's channels, with no campaign service
        for channel in _web_channels(engine, settings, calls):
            assert channel.campaigns is None
    finally:
        calls.close()
        engine.db.dispose()


def _web_channels(engine: Any, settings: Settings, calls: EngineCalls) -> list[Any]:
    from adapters.slack.app import SlackChannel
    from adapters.telegram.app import TelegramChannel

    return [TelegramChannel(engine, settings, webhook=True, register=False, calls=calls),
            SlackChannel(engine, settings, calls=calls)]


async def test_a_worker_sends_a_campaign_and_stops(database_url: str,
                                                   make_settings: Callable[..., Any]) -> None:
    add_customers(database_url, 40, telegram_from=81_000)
    async with BotAPIStandIn() as api:
        settings = make_settings(telegram_bot_token=TOKEN, telegram_api_base_url=api.base_url,
                                 telegram_bulk_rate=200, **ANY_HOUR)
        stop = asyncio.Event()
        worker = asyncio.create_task(run(settings, "worker", stop))
        engine = build_engine(settings)
        try:
            await wait_for(lambda: bool(api.sent("getUpdates")) or worker.done(), 20)
            preview = await asyncio.to_thread(engine.create_campaign, CampaignSpec(
                name="worker-sends", survey="nps", channel="telegram"))
            assert preview.recipients == 40 and preview.skipped == {}
            chats = set(range(81_000, 81_040))
            await wait_for(lambda: {c.params.get("chat_id") for c in api.sent("sendMessage")}
                           >= chats or worker.done(), 30)
            assert not worker.done()
            stop.set()
            await asyncio.wait_for(worker, 20)
        finally:
            stop.set()
            engine.db.dispose()
        rows = campaign_rows(database_url, "worker-sends")
        assert rows.by_status == {"sent": 40}
        assert len(api.sent("sendMessage")) == 40


async def test_the_service_backs_off_while_the_database_is_down(postgres_url: str) -> None:
    """A campaign made while the worker's database connection is cut: the service's steps fail
    (logged), the worker keeps running, and once the database answers the campaign goes out."""
    add_customers(postgres_url, 20, telegram_from=82_000)
    db = make_url(postgres_url)
    with TcpProxy(db.host or "127.0.0.1", db.port or 5432) as proxy:
        async with BotAPIStandIn() as api:
            settings = _settings(
                proxy.url(postgres_url), telegram_bot_token=TOKEN,
                telegram_api_base_url=api.base_url, telegram_bulk_rate=200,
                telegram_webhook_url="https://bot.example/telegram/webhook", **ANY_HOUR)
            direct = build_engine(_settings(postgres_url, **ANY_HOUR))  # not through the proxy
            stop = asyncio.Event()
            worker = asyncio.create_task(run(settings, "worker", stop))
            try:
                await asyncio.sleep(1.5)  # started: the queues' dispatcher and the service
                assert not worker.done()
                proxy.cut()
                await asyncio.to_thread(direct.create_campaign, CampaignSpec(
                    name="after-outage", survey="nps", channel="telegram"))
                await asyncio.sleep(3)
                assert not worker.done() and not api.sent("sendMessage")
                proxy.restore()
                await wait_for(lambda: len(api.sent("sendMessage")) >= 20 or worker.done(), 40)
                assert not worker.done()
            finally:
                stop.set()
                await asyncio.wait_for(worker, 20)
                direct.db.dispose()
    assert campaign_rows(postgres_url, "after-outage").by_status == {"sent": 20}


async def test_steps_start_small_and_grow(database_url: str,
                                          make_settings: Callable[..., Any]) -> None:
    """A campaign's first step writes one tick's worth of the pace (its first send waits for
    a short transaction), the next ones twice as many up to ``ahead`` queued unsent."""
    add_customers(database_url, 100, telegram_from=83_000)
    settings = make_settings(telegram_bulk_rate=20, **ANY_HOUR)  # ahead 60, first 4
    engine = build_engine(settings)
    calls = EngineCalls(engine, settings)
    try:
        from adapters.telegram.client import build_application
        from adapters.telegram.sender import TelegramSender
        from bot.delivery.dispatcher import Dispatcher

        async def none() -> str:
            return ""

        async def ignore(_old: str, _new: str) -> None:
            return None

        app = build_application(make_settings(telegram_bot_token=TOKEN), webhook=True)
        sender = TelegramSender(app.bot, settings, alert_chat=none, migrated=ignore)
        feeder = CampaignFeeder.for_channel(calls, "telegram", Dispatcher(engine.queues, sender),
                                            settings)
        assert (feeder.ahead, feeder.first) == (60, 4)
        await asyncio.to_thread(engine.create_campaign, CampaignSpec(
            name="grows", survey="nps", channel="telegram"))
        written = [len(await feeder.tick()) for _ in range(6)]  # nothing is sent meanwhile
        assert written == [4, 4, 8, 16, 28, 0]  # 4 queued in all, then 8, 16, 32, 60, 60
        assert campaign_rows(database_url, "grows").by_status == {"queued": 60, "planned": 40}
    finally:
        calls.close()
        engine.db.dispose()
