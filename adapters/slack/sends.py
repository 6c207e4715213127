"""A Slack manager's ``/nps send …``: the people and channels it names (``<@U…>``, ``<#C…>``,
Slack's escaped mentions) become user ids here, a channel's members included and bots left
out, and the engine makes the draft campaign and its preview (bot/engine/chatsend.py); the
rest of the words (``all``, ``plan=pro``) are the engine's to read."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from adapters.slack.words import CHANNEL, send_targets, without_mentions
from bot.engine.outreach import Recipient
from bot.messages import Inbound

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.engine_calls import EngineCalls
    from adapters.slack.people import People, Person
    from bot.delivery.dispatcher import Dispatcher
    from bot.engine import Engine

log = logging.getLogger(__name__)


class SendCommands:
    """Part of :class:`~adapters.slack.app.SlackChannel`."""

    engine: Engine
    people: People
    client: AsyncWebClient
    dispatcher: Dispatcher
    _engine: EngineCalls

    async def _send_command(self, metric: str, body: dict[str, Any], text: str,
                            origin: dict[str, Any], inbox_id: int, person: Person) -> None:
        """The preview of a send, answered through the outbox; a non-manager's names are not
        looked up (the engine refuses them)."""
        manager = str(body["user_id"])
        users, channels = send_targets(text)
        targets: list[Recipient] | None = None
        if (users or channels) and self.engine.is_manager(CHANNEL, manager):
            targets = await self._named(users, channels)
        inbound = Inbound(CHANNEL, manager, "", command=metric, text=without_mentions(text),
                          display_name=person.name, locale_hint=person.locale,
                          event_id=f"cmd:{body.get('trigger_id', '')}", is_private=False)
        said = await self._engine(self.engine.handle, inbound, origin=origin,
                                  inbox_id=inbox_id, targets=targets)
        await self.dispatcher.send_now(said.ids)

    async def _named(self, users: list[str], channels: list[str]) -> list[Recipient]:
        for channel in channels:
            users += await self._members(channel)
        named = []
        for user in dict.fromkeys(users):
            person = await self.people.get(user)
            if not (person.is_bot or person.deleted):
                named.append(Recipient(user, person.name, person.locale))
        return named

    async def _members(self, channel: str) -> list[str]:
        members: list[str] = []
        cursor = ""
        try:
            while True:
                page = await self.client.conversations_members(channel=channel, limit=200,
                                                               cursor=cursor or None)
                members += page.get("members") or []
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
                if not cursor:
                    return members
        except SlackApiError as exc:
            log.warning("slack: conversations.members %s: %s", channel, exc.response.get("error"))
            return members
