"""What the Slack channel does with each kind of request once bolt has acknowledged it and the
inbox holds it: a DM, the App Home tab, a button press (a manager's Reply opens the modal at
once: a trigger_id is good for three seconds), the reply modal's submission and a slash
command, each made an :class:`~bot.messages.Inbound` for the engine."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from adapters.slack.blocks import LINK_PREFIX, buttons, section
from adapters.slack.modal import reply_metadata, reply_modal, reply_text
from adapters.slack.sends import SendCommands
from adapters.slack.words import CHANNEL, dm_inbound
from bot import buttons as button_values
from bot.i18n import SUPPORTED, Translator, language_name, negotiate, translator
from bot.messages import Choice, Inbound

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)


class Listeners(SendCommands):
    """Part of :class:`~adapters.slack.app.SlackChannel` (with its ``/nps send``)."""

    settings: Settings
    commands: dict[str, str]

    # The channel's own (adapters/slack/app.py): annotations only, so the methods found are
    # its.
    _finish: Callable[[int], Awaitable[bool]]
    _handle: Callable[[Inbound, dict[str, Any], int], Awaitable[None]]

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any],
                          inbox_id: int) -> None:
        user, chat = event.get("user", ""), event.get("channel", "")
        if (event.get("channel_type") != "im" or event.get("bot_id") or not user or not chat
                or event.get("subtype") not in (None, "file_share")):
            await self._finish(inbox_id)
            return
        person = await self.people.get(user)
        inbound = dm_inbound(user, chat, event.get("text") or "", display_name=person.name,
                             locale_hint=person.locale, event_id=body.get("event_id"))
        await self._handle(inbound, {"user": user, "chat": chat}, inbox_id)

    async def _on_home(self, event: dict[str, Any]) -> None:
        try:
            if event.get("tab", "home") != "home":
                return
            user = event["user"]
            person = await self.people.get(user)
            lang = await self._engine(self.engine.chosen_locale, CHANNEL, user) or negotiate(
                person.locale, self.settings.slack_default_locale or self.settings.default_locale)
            t = translator(lang)
            choices = [Choice(t.gettext("Start the survey"),
                              button_values.encode(button_values.StartSurvey()))] + [
                Choice(language_name(code), button_values.encode(button_values.Language(code)))
                for code in SUPPORTED]
            blocks = [section(t.gettext("I ask a few short questions about our service.")),
                      buttons(choices, "home")]  # section() escapes: App Home is mrkdwn too
            await self.client.views_publish(user_id=user, view={"type": "home",
                                                                "blocks": blocks})
        except SlackApiError as exc:
            log.warning("slack: views.publish failed: %s", exc.response.get("error"))

    async def _on_action(self, body: dict[str, Any], inbox_id: int) -> None:
        action = (body.get("actions") or [{}])[0]
        if str(action.get("action_id", "")).startswith(LINK_PREFIX):
            await self._finish(inbox_id)  # a link button taken up by the sweeper
            return
        value = str(action.get("value") or "")
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id", "")
        ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get(
            "message_ts", "")
        person = await self.people.get(user)
        pressed = button_values.decode(value)
        if (isinstance(pressed, button_values.Alert)
                and pressed.action is button_values.AlertAction.REPLY
                and self.engine.is_manager(CHANNEL, user)):
            tm = await self._reader(user)
            try:  # directly, not through the outbox: a trigger_id is good for three seconds
                await self.client.views_open(
                    trigger_id=body.get("trigger_id", ""),
                    view=reply_modal(pressed.alert_id, tm, self.settings.comment_max_length))
            except SlackApiError as exc:
                log.warning("slack: views.open failed: %s", exc.response.get("error"))
            await self._finish(inbox_id)
            return
        inbound = Inbound(CHANNEL, user, channel if channel.startswith("D") else "",
                          choice=value, display_name=person.name, locale_hint=person.locale,
                          # What identifies the press (a replayed request carries the same
                          # trigger_id), and nothing that identifies the person.
                          event_id="act:" + str(body.get("trigger_id")
                                                or action.get("action_ts", "")),
                          is_private=channel.startswith("D"))
        origin = {"user": user, "chat": channel, "ts": ts}
        if isinstance(pressed, button_values.Campaign) and body.get("response_url"):
            # A campaign's preview is the command's ephemeral answer: chat.update cannot edit
            # it, its response_url can.
            origin["pressed_url"] = str(body["response_url"])
        await self._handle(inbound, origin, inbox_id)

    async def _reader(self, user: str) -> Translator:
        """The language ``user`` reads (a manager's own choice, else MANAGER_LOCALE)."""
        return translator(await self._engine(self.engine.reader_locale, CHANNEL, user))

    async def _on_reply_submitted(self, body: dict[str, Any], inbox_id: int) -> None:
        view = body.get("view") or {}
        text = reply_text(view)
        alert_id = reply_metadata(view)[0]
        if not text.strip() or not alert_id:
            await self._finish(inbox_id)
            return
        user = body["user"]["id"]
        person = await self.people.get(user)
        said = await self._engine(
            self.engine.reply_to_alert, channel=CHANNEL, manager_id=user, alert_id=alert_id,
            text=text, manager_name=person.name, inbox_id=inbox_id,
            origin={"user": user, "chat": self.settings.slack_alert_channel})
        await self.dispatcher.send_now(said.ids)

    async def _on_command(self, body: dict[str, Any], inbox_id: int) -> None:
        """Acknowledged already; the answer follows through ``response_url``."""
        metric = self.commands[body["command"]]
        user = body["user_id"]
        text = " ".join((body.get("text") or "").split())
        origin = {"user": user, "chat": body.get("channel_id", ""),
                  "response_url": body.get("response_url", "")}
        person = await self.people.get(user)
        if text.split(" ")[0].lower() == "send":
            await self._send_command(metric, body, text, origin, inbox_id, person)
            return
        inbound = Inbound(CHANNEL, user, "", command=metric, text=text,
                          display_name=person.name, locale_hint=person.locale,
                          event_id=f"cmd:{body.get('trigger_id', '')}", is_private=False)
        await self._handle(inbound, origin, inbox_id)
