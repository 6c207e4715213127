"""Survey waves a Slack manager sends (``/nps send @ana #customers``): each person's first
question goes to the outbox in the campaign lane, paced by the dispatcher at
``SLACK_WAVE_PER_SECOND``; the manager hears how many it reached once they are out."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from adapters.slack.words import CHANNEL, send_targets
from bot.engine.outreach import Recipient
from bot.i18n import Translator

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.engine_calls import EngineCalls
    from adapters.slack.people import People
    from bot.delivery.dispatcher import Dispatcher
    from bot.engine import Engine

log = logging.getLogger(__name__)

WAVE_CHECK_SECONDS = 0.5


class Waves:
    """Part of :class:`~adapters.slack.app.SlackChannel`."""

    engine: Engine
    commands: dict[str, str]
    people: People
    client: AsyncWebClient
    dispatcher: Dispatcher
    waves: set[asyncio.Task[None]]
    _engine: EngineCalls

    async def _reader(self, user: str) -> Translator:
        raise NotImplementedError

    async def _send_wave(self, metric: str, manager: str, text: str,
                         origin: dict[str, Any], inbox_id: int) -> None:
        """Each person's first question goes to the outbox in the campaign lane, which the
        dispatcher sends at the wave's pace (SLACK_WAVE_PER_SECOND).  The command is marked
        processed with the first word to the manager, so a wave starts at most once."""
        tm = await self._reader(manager)
        command = next(name for name, m in self.commands.items() if m == metric)
        if not self.engine.is_manager(CHANNEL, manager):
            await self._tell(origin, tm.gettext("Sorry, this command is only for managers."),
                             inbox_id)
            return
        users, channels = send_targets(text)
        for channel in channels:
            users += await self._members(channel)
        people = []
        for user in dict.fromkeys(users):
            person = await self.people.get(user)
            if not (person.is_bot or person.deleted):
                people.append((user, person))
        if not people:
            await self._tell(origin, tm.gettext(
                "Nobody to send to. Name people or a channel: {cmd} send @ana @radu, or "
                "{cmd} send #customers").format(cmd=command), inbox_id)
            return
        campaign = f"slack-{metric}-{date.today().isoformat()}"
        notice = tm.ngettext(
            "Sending the survey to {count} person, about one a second.",
            "Sending the survey to {count} people, about one a second.", len(people),
        ).format(count=len(people))
        said = await self._engine(
            self.engine.start_wave, channel=CHANNEL, manager_id=manager,
            people=[Recipient(user, person.name, person.locale) for user, person in people],
            notice=notice, survey=metric, campaign=campaign, origin=origin, inbox_id=inbox_id)
        if not said.ids:
            return  # processed already
        await self.dispatcher.send_now(said.ids[:1])
        ids = said.ids[1:]
        self.dispatcher.wake()
        task = asyncio.create_task(self._wave_done(ids, len(people), origin, tm))
        self.waves.add(task)
        task.add_done_callback(self.waves.discard)

    async def _wave_done(self, ids: list[int], count: int, origin: dict[str, Any],
                         tm: Translator) -> None:
        """Once the wave's messages are out: how many reached their person."""
        open_, sent = len(ids), 0
        while open_:
            await asyncio.sleep(WAVE_CHECK_SECONDS)
            open_, sent = await asyncio.to_thread(self.engine.queues.tally, ids)
        await self._tell(origin, tm.gettext(
            "Survey sent to {sent} of {count}; the others opted out or cannot be reached."
        ).format(sent=sent, count=count))

    async def _tell(self, origin: dict[str, Any], text: str,
                    inbox_id: int | None = None) -> bool:
        """A word to the manager who sent the command, through the outbox; False when the
        event ``inbox_id`` was processed already."""
        said = await self._engine(self.engine.tell, CHANNEL, str(origin.get("user", "")),
                                  text, origin=origin, inbox_id=inbox_id)
        await self.dispatcher.send_now(said.ids)
        return bool(said.ids)

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


