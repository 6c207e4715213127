"""The load driver (tests/load) against the Telegram channel in this process."""

from __future__ import annotations

from tests.load import TelegramLoad, answers_mismatch
from tests.telegram.harness import ALERT_CHAT, Harness


async def test_telegram_polling_in_process(tg: Harness) -> None:
    load = TelegramLoad(tg.api)
    result = await load.run(8, timeout=60)
    assert not result.stuck, result.summary()
    await result.wait_acknowledged()
    assert answers_mismatch(result, tg.settings.database_url, "telegram") == []
    manager = result.manager
    alerts = [m for m in tg.api.chat_messages(ALERT_CHAT) if "alert #" in m.get("text", "")]
    assert len(manager.claimed) == len(manager.replied) == len(alerts)

