"""The promoter ask through the real slack-bolt app and the Web API stand-in, on SQLite and
PostgreSQL: a promoter's ask in their language in the DM, its buttons; the links they get (the
web link and a Block Kit link button to the review page, acknowledged when pressed); Slack's
link unfurler fetching the link is not a click, the promoter's browser is; the consent."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import Session, select

from adapters.slack.blocks import LINK_PREFIX
from bot.advocacy_tables import AdvocacyLink, AskStatus, LinkKind, PromoterAsk
from bot.i18n import translator
from tests.advocacy.surveys import PUBLIC_URL, REVIEW_URL, survey_file
from tests.slack.conftest import serving
from tests.slack.harness import SlackHarness

WEB_LINK = re.compile(re.escape(PUBLIC_URL) + r"/r/([A-Za-z0-9_-]{32})")
OFFER = ("Since you would recommend us: may we give you a personal link to share with friends, "
         "and a link to leave us a review?")


@pytest.fixture
def settings_for(slack_settings: Callable[..., Any], tmp_path: Path) -> Callable[..., Any]:
    def make(api: Any, **overrides: Any) -> Any:
        return slack_settings(api, survey_file=str(survey_file(tmp_path)),
                              public_url=PUBLIC_URL, **overrides)
    return make


async def get(slack: SlackHarness, path: str, agent: str) -> tuple[int, str]:
    base = slack.send.url.removesuffix("/slack/events")  # the same web app
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http, \
            http.get(base + path, headers={"User-Agent": agent}, allow_redirects=False) as resp:
        return resp.status, resp.headers.get("Location", "")


def clicks(slack: SlackHarness) -> dict[str, int]:
    with Session(slack.engine.db.read_engine) as s:
        return {link.kind: link.clicks for link in s.exec(select(AdvocacyLink))}


@pytest.mark.parametrize("user,locale,lang", [("UPROMO1", "en-GB", "en"),
                                              ("UPROMO2", "zh-CN", "zh")])
async def test_a_slack_promoter_gets_the_ask_and_the_links(
        settings_for: Callable[..., Any], user: str, locale: str, lang: str) -> None:
    t = translator(lang)
    async with serving(settings_for) as slack:
        slack.api.add_user(user, "Ana Pop", locale)
        await slack.dm(user, "start")
        await slack.press(user, "10")
        await slack.dm(user, "Quick and kind")
        got = await slack.press(user, "5")
        assert got[-1] == (t.gettext("Thank you for your answers! They help us improve.")
                           + "\n\n" + t.gettext(OFFER))
        _message, elements = slack.api.last_buttons(f"D{user}")
        assert [e["text"]["text"] for e in elements] == [t.gettext("Yes, gladly"),
                                                         t.gettext("No, thanks")]

        got = await slack.press(user, t.gettext("Yes, gladly"))
        assert got[0].endswith(t.gettext("Thank you for recommending us!"))
        [links] = [text for text in got if WEB_LINK.search(text)]
        assert "t.me" not in links  # Slack has no start links: the web link only
        referral = WEB_LINK.search(links)
        assert referral is not None
        message = next(m for m in slack.api.channel_messages(f"D{user}")
                       if any(e.get("url") for b in m.get("blocks", [])
                              if b["type"] == "actions" for e in b["elements"]))
        [button] = [e for b in message["blocks"] if b["type"] == "actions"
                    for e in b["elements"]]
        assert button["text"]["text"] == t.gettext("Leave a review")
        assert button["action_id"].startswith(LINK_PREFIX)
        assert button["url"].startswith(PUBLIC_URL + "/r/")
        before = len(slack.api.dm_texts(user))
        assert await slack.press(user, t.gettext("Leave a review"), message=message) == []
        assert len(slack.api.dm_texts(user)) == before  # only acknowledged

        # Slack unfurls the link when it is pasted: no click; a browser: one.
        path = f"/r/{referral.group(1)}"
        assert await get(slack, path, "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/"
                                      "robots)") == (302, "https://shop.example.com/invite?ref=")
        assert clicks(slack) == {LinkKind.REFERRAL: 0, LinkKind.REVIEW: 0}
        review = button["url"].removeprefix(PUBLIC_URL)
        assert await get(slack, review, "Mozilla/5.0 (Macintosh) Safari/605.1.15") == (
            302, REVIEW_URL)
        assert clicks(slack) == {LinkKind.REFERRAL: 0, LinkKind.REVIEW: 1}

        got = await slack.press(user, t.gettext("No, keep me anonymous"))
        assert got == [t.gettext("Thank you: we will not mention your name.")]
        with Session(slack.engine.db.read_engine) as s:
            ask = s.exec(select(PromoterAsk)).one()
        assert (ask.channel, ask.locale, ask.status, ask.named) == (
            "slack", lang, AskStatus.ACCEPTED, False)


async def test_a_slack_promoter_may_decline(settings_for: Callable[..., Any]) -> None:
    async with serving(settings_for) as slack:
        slack.api.add_user("UPROMO3", "Dan", "en-US")
        await slack.dm("UPROMO3", "start")
        await slack.press("UPROMO3", "9")
        await slack.dm("UPROMO3", "Price")
        await slack.press("UPROMO3", "4")
        got = await slack.press("UPROMO3", "No, thanks")
        assert got == ["Thank you for your answers! They help us improve.\n\nNo problem. "
                       "Thank you all the same!"]
        with Session(slack.engine.db.read_engine) as s:
            assert s.exec(select(PromoterAsk)).one().status == AskStatus.DECLINED
            assert s.exec(select(AdvocacyLink)).all() == []
