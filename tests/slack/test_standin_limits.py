"""The Slack stand-in's posting limit, scripted faults and send log, seen through the real
slack-sdk client and a plain POST to a ``response_url``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.standin import ANY_SEND, BOT_TOKEN, SlackAPIStandIn, SlackLimits


@pytest.fixture
async def client() -> AsyncIterator[tuple[AsyncWebClient, SlackAPIStandIn]]:
    async with SlackAPIStandIn() as api:
        # No retries here: each test sees every answer (slack-sdk retries a dropped
        # connection once by default; test_a_dropped_answer_is_posted_twice shows it).
        yield AsyncWebClient(token=BOT_TOKEN, base_url=api.base_url, retry_handlers=[]), api


async def post_response(url: str, text: str) -> int:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http, \
            http.post(url, json={"text": text}) as resp:
        return resp.status


async def test_channel_limit(client: tuple[AsyncWebClient, SlackAPIStandIn]) -> None:
    web, api = client
    for n in range(20):  # off by default
        await web.chat_postMessage(channel="C1", text=f"m{n}")
    api.limits = SlackLimits(per_channel=0.01, burst=2)
    posted = await web.chat_postMessage(channel="C2", text="one")
    await web.chat_update(channel="C2", ts=posted["ts"], text="one, edited")
    with pytest.raises(SlackApiError) as caught:
        await web.chat_postMessage(channel="C2", text="two")
    assert caught.value.response.status_code == 429
    assert caught.value.response["error"] == "ratelimited"
    assert int(caught.value.response.headers["Retry-After"]) >= 1
    await web.chat_postEphemeral(channel="C3", user="U1", text="another channel")
    # A response_url counts for the channel it was made for.
    url = api.response_url("C3")
    assert await post_response(url, "answer") == 200
    assert await post_response(url, "answer again") == 429
    assert api.log.order("C2") == ["one", "one, edited"]
    assert api.log.order("C3") == ["another channel", "answer"]
    assert [(m, c) for _, m, c, _ in api.limited] == [("chat.postMessage", "C2"),
                                                      ("response_url", "C3")]
    assert SlackLimits.raised(50).per_channel == 50


async def test_scripted_faults(client: tuple[AsyncWebClient, SlackAPIStandIn]) -> None:
    web, api = client
    api.faults.add("chat.postMessage", 429, times=2, retry_after=4)
    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            await web.chat_postMessage(channel="C1", text="x")
        assert caught.value.response.headers["Retry-After"] == "4"
    await web.chat_postMessage(channel="C1", text="x")
    api.faults.add(ANY_SEND, 500)
    api.faults.add(ANY_SEND, 503)
    for status in (500, 503):
        with pytest.raises(SlackApiError) as caught:
            await web.chat_postMessage(channel="C1", text="y")
        assert caught.value.response.status_code == status
    api.faults.add(ANY_SEND, "drop")
    with pytest.raises(aiohttp.ClientError):
        await web.chat_postMessage(channel="C1", text="dropped before")
    api.faults.add(ANY_SEND, "drop_after", chats=["C1"])
    await web.chat_postMessage(channel="C9", text="other channel")
    with pytest.raises(aiohttp.ClientError):
        await web.chat_postMessage(channel="C1", text="dropped after")
    api.faults.add("response_url", 502)
    assert await post_response(api.response_url("C1"), "z") == 502
    await web.auth_test()  # no send: never faulted
    assert api.log.order("C1") == ["x", "dropped after"]
    assert api.faults.pending() == 0


async def test_log_measures(client: tuple[AsyncWebClient, SlackAPIStandIn]) -> None:
    web, api = client
    for text in ("a", "b", "a"):
        await web.chat_postMessage(channel="DU1", text=text)
    posted = await web.chat_postMessage(channel="C0ALERTS", text="alert")
    await web.chat_update(channel="C0ALERTS", ts=posted["ts"], text="alert, claimed")
    assert api.log.duplicates() == {("DU1", "a"): 2}
    assert api.log.peak(3600) == 5
    assert api.log.peak_per_chat(3600) == {"DU1": 3, "C0ALERTS": 2}
    assert api.log.entries[-1].message_id == posted["ts"]


async def test_a_dropped_answer_is_posted_twice(
        client: tuple[AsyncWebClient, SlackAPIStandIn]) -> None:
    _web, api = client
    retrying = AsyncWebClient(token=BOT_TOKEN, base_url=api.base_url)  # slack-sdk's defaults
    api.faults.add(ANY_SEND, "drop")
    await retrying.chat_postMessage(channel="DU1", text="once")
    api.faults.add(ANY_SEND, "drop_after")
    await retrying.chat_postMessage(channel="DU1", text="twice")
    assert [c.status for c in api.calls] == [0, 200, 0, 200]
    assert api.log.order("DU1") == ["once", "twice", "twice"]
    assert api.log.duplicates() == {("DU1", "twice"): 2}
