"""Serve the real slack-bolt app on 127.0.0.1 and talk to it as Slack does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlmodel import Session, select

from adapters.slack.app import SlackChannel
from bot.engine import Engine
from bot.models import Answer, Respondent
from bot.settings import Settings
from tests.helpers import settle
from tests.slack.standin import SlackAPIStandIn, SlackSender

MANAGER = "UMANAGER1"
ALERTS = "C0ALERTS"


@dataclass
class SlackHarness:
    api: SlackAPIStandIn
    send: SlackSender
    channel: SlackChannel
    engine: Engine
    settings: Settings
    runner: web.AppRunner

    async def deliver(self, body: bytes, content_type: str = "application/json",
                      **kwargs: Any) -> tuple[int, str]:
        status, text = await self.send.post(body, content_type, **kwargs)
        await settle(self.engine, channel="slack")
        return status, text

    async def dm(self, user: str, text: str, **kwargs: Any) -> list[str]:
        before = len(self.api.dm_texts(user))
        status, _ = await self.deliver(self.send.dm_event(user, text, **kwargs))
        assert status == 200
        return self.api.dm_texts(user)[before:]

    def button(self, channel: str, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
        message, elements = self.api.last_buttons(channel)
        return message, next(e for e in elements if e["text"]["text"] == label)

    async def press(self, user: str, label: str, channel: str | None = None,
                    message: dict[str, Any] | None = None) -> list[str]:
        chan = f"D{user}" if channel is None else channel
        if message is None:
            message, button = self.button(chan, label)
        else:
            button = next(e for b in message["blocks"] if b["type"] == "actions"
                          for e in b["elements"] if e["text"]["text"] == label)
        before = len(self.api.dm_texts(user))
        status, _ = await self.deliver(self.send.action(user, chan, json.loads(json.dumps(
            message)), button), "application/x-www-form-urlencoded")
        assert status == 200
        return self.api.dm_texts(user)[before:]

    async def command(self, user: str, command: str, text: str) -> list[dict[str, Any]]:
        url = self.api.response_url()
        status, _ = await self.deliver(self.send.command(user, command, text, response_url=url),
                                       "application/x-www-form-urlencoded")
        assert status == 200
        return self.api.responses[url.rsplit("/", 1)[1]]

    def ephemerals(self, user: str) -> list[str]:
        return [str(c.params.get("text")) for c in self.api.sent("chat.postEphemeral")
                if c.params.get("user") == user]

    def answers(self) -> list[Answer]:
        with Session(self.engine.db.read_engine) as s:
            return list(s.exec(select(Answer).order_by(Answer.id)))  # type: ignore[arg-type]

    def respondent(self, user: str) -> Respondent | None:
        with Session(self.engine.db.read_engine) as s:
            return s.exec(select(Respondent).where(Respondent.channel == "slack",
                                                   Respondent.platform_user_id == user)).first()
