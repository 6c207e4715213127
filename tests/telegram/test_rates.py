"""A campaign's response rate in a manager's summary, through the real python-telegram-bot
against the Bot API stand-in: two customers invited by a campaign (one answers), one person who
came by themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.rates_world import invite_by_campaign
from tests.telegram.conftest import running
from tests.telegram.harness import MANAGER_ID


async def test_the_summary_shows_the_response_rate(tg_settings: Callable[..., Any]) -> None:
    async with running(tg_settings, send_window="00:00-24:00") as tg:
        await invite_by_campaign(tg.engine, tg.channel.dispatcher, "telegram",
                                 {"c-311": "311", "c-312": "312"})
        invited = tg.person(311, "Ana", "en")
        assert any("recommend" in text for text in tg.api.texts_to(311))
        await invited.press("9")
        assert tg.api.texts_to(312), "the second customer was asked too"
        by_themselves = tg.person(313, "Radu", "en")
        await by_themselves.say("/start")
        await by_themselves.press("7")

        manager = tg.person(MANAGER_ID, "Maria", "en")
        report = "\n".join(await manager.say("/nps summary 7d by campaign"))
        assert "NPS +50 (n = 2)" in report
        assert "n = 2: 1 after an invitation, 1 on their own" in report
        assert "Response rate: 50% (1 of 2 invitations sent were answered)." in report
        winter = report.split("▸ winter")[1]
        assert "n = 1: 1 after an invitation, 0 on their own" in winter
        assert "Response rate: 50% (1 of 2 invitations sent were answered)." in winter
        await manager.say("/language ro")
        report = "\n".join(await manager.say("/nps summary 7d"))
        assert "Rata de răspuns: 50\xa0% (s-a răspuns la 1 din 2 invitații trimise)." in report
