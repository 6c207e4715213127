"""The Bot API stand-in's limits, scripted faults, refusals and send log, seen through the real
python-telegram-bot client (its own httpx requests)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from tests.standin_limits import ANY_SEND, peak_in_window
from tests.telegram.standin import GROUP, PRIVATE, TOKEN, BotAPIStandIn, TelegramLimits


def retry_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds (an int or a timedelta, by the PTB version and its setting)."""
    value = error.retry_after
    return float(value if isinstance(value, int | float) else value.total_seconds())


@pytest.fixture
async def bot() -> AsyncIterator[tuple[Bot, BotAPIStandIn]]:
    async with BotAPIStandIn() as api, Bot(TOKEN, base_url=api.base_url) as b:
        yield b, api


async def test_limits_are_off_by_default(bot: tuple[Bot, BotAPIStandIn]) -> None:
    b, api = bot
    for n in range(40):
        await b.send_message(5, f"m{n}")
    assert len(api.log) == 40 and api.limited == []


async def test_private_chat_limit_answers_429_with_retry_after(
        bot: tuple[Bot, BotAPIStandIn]) -> None:
    b, api = bot
    # A rate so low that no token comes back during the test: only the burst passes.
    api.limits = TelegramLimits(private=0.01, private_burst=2, overall=None)
    await b.send_message(5, "one")
    await b.send_message(5, "two")
    with pytest.raises(RetryAfter) as caught:
        await b.send_message(5, "three")
    assert retry_seconds(caught.value) >= 1
    call = api.calls[-1]
    assert call.status == 429
    await b.send_message(6, "another chat has a bucket of its own")
    assert api.log.order(5) == ["one", "two"]
    assert [(m, c) for _, m, c, _ in api.limited] == [("sendMessage", 5)]


async def test_group_and_overall_limits(bot: tuple[Bot, BotAPIStandIn]) -> None:
    b, api = bot
    api.limits = TelegramLimits(private=None, group_per_minute=0.5, group_burst=1,
                                overall=0.01, overall_burst=3)
    await b.send_message(-100, "alert")
    with pytest.raises(RetryAfter):
        await b.send_message(-100, "second alert")
    await b.send_message(7, "a")
    await b.send_message(8, "b")
    with pytest.raises(RetryAfter):  # three sends: the whole bot's burst is spent
        await b.send_message(9, "c")
    # An edit counts as a send.
    with pytest.raises(RetryAfter):
        await b.edit_message_text("edited", chat_id=7, message_id=api.log.entries[1].message_id)


async def test_raised_limits_keep_the_shape() -> None:
    limits = TelegramLimits.raised(50)
    assert (limits.private, limits.group_per_minute, limits.overall) == (50, 1000, 1500)


async def test_scripted_faults(bot: tuple[Bot, BotAPIStandIn]) -> None:
    b, api = bot
    api.faults.add("sendMessage", 429, times=2, retry_after=7)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await b.send_message(5, "x")
        assert retry_seconds(caught.value) == 7
    await b.send_message(5, "x")

    api.faults.add(ANY_SEND, 500)
    api.faults.add(ANY_SEND, 502)
    with pytest.raises(NetworkError):
        await b.edit_message_text("y", chat_id=5, message_id=api.log.entries[-1].message_id)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await b.send_message(5, "y")
    api.faults.add(ANY_SEND, "drop")
    with pytest.raises(NetworkError):
        await b.send_message(5, "dropped before")
    api.faults.add(ANY_SEND, "drop_after")
    with pytest.raises(NetworkError):
        await b.send_message(5, "dropped after")
    # Only a chosen chat fails; getMe is no send.
    api.faults.add(ANY_SEND, 429, times=None, seconds=60, chats=[-100])
    await b.get_me()
    await b.send_message(5, "fine")
    with pytest.raises(RetryAfter):
        await b.send_message(-100, "alert")
    assert api.log.order(5) == ["x", "dropped after", "fine"]
    assert [kind for _, _, _, kind in api.faults.fired] == [429, 429, 500, 502, "drop",
                                                            "drop_after", 429]
    assert [c.status for c in api.calls if c.params.get("text") == "dropped before"] == [0]


async def test_a_share_of_calls_fails_repeatably(bot: tuple[Bot, BotAPIStandIn]) -> None:
    b, api = bot
    api.faults.add(ANY_SEND, 429, times=None, share=0.5)
    failed = 0
    for n in range(40):
        try:
            await b.send_message(5, f"m{n}")
        except RetryAfter:
            failed += 1
    assert 5 < failed < 35 and failed + len(api.log) == 40


async def test_blocked_and_kicked(bot: tuple[Bot, BotAPIStandIn]) -> None:
    b, api = bot
    api.blocked.add(5)
    api.kicked.update({-42, -1001234})
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await b.send_message(5, "x")
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await b.send_message(-42, "x")
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await b.send_message(-1001234, "x")
    with pytest.raises(BadRequest):  # other refusals are unchanged
        await b.send_message(6, "")
    assert len(api.log) == 0


async def test_log_measures(bot: tuple[Bot, BotAPIStandIn]) -> None:
    b, api = bot
    for text in ("a", "b", "a"):
        await b.send_message(5, text)
    await b.send_message(-100, "alert")
    await b.send_message(-100, "alert")
    first = api.log.entries[0]
    await b.edit_message_text("a2", chat_id=5, message_id=first.message_id)
    assert api.log.duplicates() == {(5, "a"): 2, (-100, "alert"): 2}
    assert api.log.order(5) == ["a", "b", "a", "a2"]
    assert api.log.order(5, methods={"sendMessage"}) == ["a", "b", "a"]
    assert api.log.peak(3600) == 6
    assert api.log.peak(3600, chat=GROUP) == 2
    assert api.log.peak_per_chat(3600, chat=PRIVATE) == {5: 4}
    assert all(a.at <= b.at for a, b in zip(api.log.entries, api.log.entries[1:], strict=False))


def test_peak_in_window() -> None:
    assert peak_in_window([], 1) == 0
    assert peak_in_window([0.0, 0.5, 0.99, 1.0, 1.2, 5.0], 1.0) == 4
    assert peak_in_window([3.0, 1.0, 2.0], 1.0) == 1


async def test_confirmed_offsets(bot: tuple[Bot, BotAPIStandIn]) -> None:
    b, api = bot
    first = api.message_update({"id": 5, "is_bot": False, "first_name": "A"}, "hi")
    second = api.message_update({"id": 5, "is_bot": False, "first_name": "A"}, "there")
    api.push(first)
    api.push(second)
    updates = await b.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
    assert not api.acknowledged(first["update_id"])
    await b.get_updates(offset=second["update_id"], timeout=0)
    assert api.acknowledged(first["update_id"]) and not api.acknowledged(second["update_id"])
