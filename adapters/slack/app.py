"""The Slack channel: a slack-bolt AsyncApp serving events, slash commands and interactions at
``/slack/events`` (or over Socket Mode), feeding the engine and sending what it answers.

Our handler checks every request's signature and timestamp before anything reads its body, and
that the body is what Slack sends (adapters/slack/requests.py); bolt then verifies the signature
once more and acknowledges as bolt does (``process_before_response=False``): it runs each
listener in a task of its own and answers Slack as soon as the listener has called ``ack()``,
its first step, so Slack's 3-second limit holds however slow the database is; slow answers go
through ``response_url``.  Slack's retries carry the
same ``event_id`` and are stored once.  Every text is escaped for Slack (blocks.py).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.engine_calls import CountsHandled, EngineCalls, KeyedLocks
from adapters.lifecycle import run_with_web_app
from adapters.slack.blocks import ACTION_PREFIX, buttons, message, section
from adapters.slack.envelopes import guard
from adapters.slack.people import People
from adapters.slack.requests import Refusal, bolt_request, verify
from adapters.slack.startup import check_token, open_socket
from adapters.slack.words import CHANNEL, dm_inbound, send_targets, slack_style
from adapters.startup import Backoff
from bot import buttons as button_values
from bot.engine import Engine
from bot.i18n import SUPPORTED, Translator, language_name, negotiate, translator
from bot.messages import (
    AlertPost,
    AlertUpdate,
    Choice,
    EditPressed,
    Inbound,
    Notice,
    Outbound,
    Reply,
    ReplyFile,
    SendTo,
)
from bot.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
CHANNEL_KEY: web.AppKey[SlackChannel] = web.AppKey("slack_channel")
REPLY_VIEW = "alert_reply"
UNREACHABLE_ERRORS = {"account_inactive", "user_not_found", "user_disabled", "cannot_dm_bot",
                      "user_not_visible"}
Respond = Callable[..., Awaitable[Any]]
Ack = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an event came from, so answers go back the same way."""

    user_id: str
    chat_id: str = ""
    message_ts: str = ""
    respond: Respond | None = None


def build_client(settings: Settings) -> AsyncWebClient:
    """The Web API client, pointed at ``SLACK_API_URL``; retries 429s after ``Retry-After``."""
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url,
                            timeout=15)
    client.retry_handlers.extend([
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
    ])
    return client


class SlackChannel(CountsHandled):
    """One Slack app: bolt listeners that turn Slack payloads into engine events."""

    def __init__(self, engine: Engine, settings: Settings, *, socket_mode: bool = False,
                 backoff: Backoff | None = None, calls: EngineCalls | None = None) -> None:
        self.engine = engine
        engine.use_style(CHANNEL, slack_style(settings))
        self.settings = settings
        self.backoff = backoff
        self.verifier = (None if socket_mode or not settings.slack_signing_secret
                         else SignatureVerifier(settings.slack_signing_secret))
        self.client = build_client(settings)
        self.people = People(self.client)
        self.app = AsyncApp(  # the token travels with the client
            signing_secret=settings.slack_signing_secret or None,
            client=self.client,
            # Verified by handle_http first; bolt's own check stays on as a second lock (one
            # HMAC more) for any other way a request might reach it.
            request_verification_enabled=not socket_mode,
            # bolt's own acknowledgements: each listener runs in a task of bolt's, and Slack
            # gets its 200 once the listener has called ack(), before the work behind it.
            process_before_response=False,
        )
        self.commands = {command: metric for metric, command in settings.slack_commands().items()}
        self.wave_pause = 1.0 / settings.slack_wave_per_second
        self.waves: set[asyncio.Task[None]] = set()
        self._lock = KeyedLocks()
        self._own_calls = calls is None  # else the process's, closed by its owner
        self._engine = calls or EngineCalls(engine, settings)
        self._tasks: set[asyncio.Task[Any]] = set()
        # As many listeners at work at once as there are engine threads; the others wait their
        # turn (in order) without taking the event loop from the acknowledgements.
        self._working = asyncio.Semaphore(self._engine.threads)
        self._register()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """One HTTP session for every Web API call: kept-alive connections instead of a new
        one per call (slack_sdk's default).  ``auth.test`` checks the token and that Slack can
        be reached (network errors retried with backoff, a refused token said at once)."""
        if self.client.session is None:
            self.client.session = ClientSession(timeout=ClientTimeout(total=30))
        await self._engine.start()
        try:
            await check_token(self.client, backoff=self.backoff)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        for task in list(self.waves):
            task.cancel()
        if self._tasks:  # let work already acknowledged to Slack finish
            await asyncio.wait(list(self._tasks), timeout=10)
        session, self.client.session = self.client.session, None
        if session is not None:
            await session.close()
        if self._own_calls:
            self._engine.close()

    # ------------------------------------------------------------------ wiring

    def _register(self) -> None:
        app = self.app
        # Bolt tries listeners in this order, each matcher costing a few microseconds: the
        # requests that come in bursts (button presses, slash commands) first.
        app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(self._ack_action)
        for name in self.commands:
            app.command(name)(self._ack_command)
        app.event("message")(self._ack_message)
        app.event("app_home_opened")(self._ack_home)
        app.view(REPLY_VIEW)(self._ack_reply)
        app.error(self._on_error)

    # Each listener acknowledges first; bolt answers Slack then, while the listener goes on
    # with the work in bolt's task.  _work counts it and lets stop() wait for it.

    async def _work(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            async with self._working:
                await work
        except Exception:
            log.exception("slack: listener failed")
        finally:
            self.handled += 1
            if task is not None:
                self._tasks.discard(task)

    async def _ack_message(self, ack: Ack, event: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        await self._work(self._on_message(event, body))

    async def _ack_home(self, ack: Ack, event: dict[str, Any]) -> None:
        await ack()
        await self._work(self._on_home(event))

    async def _ack_action(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        await self._work(self._on_action(body))

    async def _ack_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        await ack()  # within Slack's 3 seconds; the answer follows through response_url
        await self._work(self._on_command(body, respond))

    @staticmethod
    def _reply_text(view: dict[str, Any]) -> str:
        """The reply typed in the modal (``state.values.reply.text.value``), or ""."""
        value: Any = view
        for key in ("state", "values", "reply", "text", "value"):
            value = value.get(key) if isinstance(value, dict) else None
        return value if isinstance(value, str) else ""

    @staticmethod
    def _reply_metadata(view: dict[str, Any]) -> tuple[int, str]:
        """The alert id and the manager's language, as the modal was opened with them."""
        alert, _, lang = str(view.get("private_metadata") or "").partition(":")
        return (int(alert) if alert.isdigit() else 0), lang

    async def _ack_reply(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """An empty reply is refused inside the modal, which stays open."""
        if not self._reply_text(view).strip():
            t = translator(self._reply_metadata(view)[1] or self.settings.manager_locale)
            await ack(response_action="errors", errors={
                "reply": t.gettext("Please write a message.")})
            return
        await ack()
        await self._work(self._on_reply_submitted(body, view))

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("slack: error handling %s", body.get("type"), exc_info=error)

    async def handle_http(self, request: web.Request) -> web.Response:
        """``POST /slack/events``: signed by Slack (401 otherwise, before the body is read as
        anything) and shaped as Slack sends it (400 otherwise); then bolt's."""
        try:
            try:
                raw = await request.read()
            except web.HTTPRequestEntityTooLarge:
                raise Refusal(413, "a body over the size limit") from None
            if self.verifier is None:
                raise Refusal(401, "SLACK_SIGNING_SECRET is not set")
            verify(self.verifier, raw, request.headers)
            bolt = bolt_request(raw, request.content_type, request.query_string,
                                request.headers)
        except Refusal as refused:
            log.warning("slack: refused a request from %s: %s", request.remote, refused.reason)
            return web.json_response({"ok": False, "error": refused.reason},
                                     status=refused.status)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt))

    # ------------------------------------------------------------------ listeners

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if (event.get("channel_type") != "im" or event.get("bot_id")
                or event.get("subtype") not in (None, "file_share")):
            return
        user, chat = event.get("user", ""), event.get("channel", "")
        if not user or not chat:
            return
        person = await self.people.get(user)
        inbound = dm_inbound(user, chat, event.get("text") or "", display_name=person.name,
                             locale_hint=person.locale, event_id=body.get("event_id"))
        async with self._lock(user):
            out = await self._engine(self.engine.handle, inbound)
            await self.deliver(out, Origin(user, chat))

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

    async def _on_action(self, body: dict[str, Any]) -> None:
        action = (body.get("actions") or [{}])[0]
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
            await self._open_reply_modal(body.get("trigger_id", ""), pressed.alert_id, tm)
            return
        inbound = Inbound(CHANNEL, user, channel if channel.startswith("D") else "",
                          choice=value, display_name=person.name, locale_hint=person.locale,
                          # What identifies the press (a replayed request carries the same
                          # trigger_id), and nothing that identifies the person.
                          event_id="act:" + str(body.get("trigger_id")
                                                or action.get("action_ts", "")),
                          is_private=channel.startswith("D"))
        async with self._lock(user):
            out = await self._engine(self.engine.handle, inbound)
            await self.deliver(out, Origin(user, channel, ts))

    async def _reader(self, user: str) -> Translator:
        """The language ``user`` reads (a manager's own choice, else MANAGER_LOCALE)."""
        return translator(await self._engine(self.engine.reader_locale, CHANNEL, user))

    async def _open_reply_modal(self, trigger_id: str, alert_id: int, tm: Translator) -> None:
        view = {
            "type": "modal", "callback_id": REPLY_VIEW,
            "private_metadata": f"{alert_id}:{tm.lang}",
            "title": {"type": "plain_text", "text": tm.gettext("Reply to the customer")[:24]},
            "submit": {"type": "plain_text", "text": tm.gettext("Send")[:24]},
            "close": {"type": "plain_text", "text": tm.gettext("Cancel")[:24]},
            "blocks": [{
                "type": "input", "block_id": "reply",
                "label": {"type": "plain_text",
                          "text": tm.gettext("Your message; the bot sends it to the customer.")},
                "element": {"type": "plain_text_input", "action_id": "text", "multiline": True,
                            "max_length": self.settings.comment_max_length},
            }],
        }
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as exc:
            log.warning("slack: views.open failed: %s", exc.response.get("error"))

    async def _on_reply_submitted(self, body: dict[str, Any], view: dict[str, Any]) -> None:
        text = self._reply_text(view)
        if not text.strip():
            return
        user = body["user"]["id"]
        person = await self.people.get(user)
        alert_id = self._reply_metadata(view)[0]
        if not alert_id:
            return
        out = await self._engine(
            self.engine.reply_to_alert, channel=CHANNEL, manager_id=user, alert_id=alert_id,
            text=text, manager_name=person.name)
        await self.deliver(out, Origin(user, self.settings.slack_alert_channel))

    async def _on_command(self, body: dict[str, Any], respond: Respond) -> None:
        """Acknowledged already; the answer follows through ``response_url``."""
        metric = self.commands[body["command"]]
        user = body["user_id"]
        text = " ".join((body.get("text") or "").split())
        person = await self.people.get(user)
        if text.split(" ")[0].lower() == "send":
            await self._send_wave(metric, user, text, respond)
            return
        inbound = Inbound(CHANNEL, user, "", command=metric, text=text,
                          display_name=person.name, locale_hint=person.locale,
                          event_id=f"cmd:{body.get('trigger_id', '')}", is_private=False)
        out = await self._engine(self.engine.handle, inbound)
        await self.deliver(out, Origin(user, body.get("channel_id", ""), respond=respond))

    # ------------------------------------------------------------------ waves

    async def _send_wave(self, metric: str, manager: str, text: str, respond: Respond) -> None:
        tm = await self._reader(manager)
        command = next(name for name, m in self.commands.items() if m == metric)
        if not self.engine.is_manager(CHANNEL, manager):
            await respond(**message(tm.gettext("Sorry, this command is only for managers.")),
                          response_type="ephemeral")
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
            await respond(**message(tm.gettext(
                "Nobody to send to. Name people or a channel: {cmd} send @ana @radu, or "
                "{cmd} send #customers").format(cmd=command)), response_type="ephemeral")
            return
        await respond(**message(tm.ngettext(
            "Sending the survey to {count} person, about one a second.",
            "Sending the survey to {count} people, about one a second.", len(people),
        ).format(count=len(people))), response_type="ephemeral")
        task = asyncio.create_task(self._wave(metric, people, respond, tm))
        self.waves.add(task)
        task.add_done_callback(self.waves.discard)

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

    async def _wave(self, metric: str, people: Sequence[tuple[str, Any]],
                    respond: Respond, tm: Translator) -> None:
        """One DM after another at a pace Slack accepts; a summary to the manager at the end."""
        sent = 0
        campaign = f"slack-{metric}-{date.today().isoformat()}"
        for i, (user, person) in enumerate(people):
            if i:
                await asyncio.sleep(self.wave_pause)
            try:
                out = await self._engine(
                    self.engine.start_survey_for, channel=CHANNEL, user_id=user,
                    display_name=person.name, locale_hint=person.locale, survey=metric,
                    campaign=campaign)
                for item in out:
                    if isinstance(item, SendTo) and await self.send_to(item):
                        sent += 1
            except Exception:
                log.exception("slack: survey to %s not sent", user)
        try:
            await respond(**message(tm.gettext(
                "Survey sent to {sent} of {count}; the others opted out or cannot be reached."
            ).format(sent=sent, count=len(people))), response_type="ephemeral")
        except Exception:  # noqa: BLE001 - the response_url may have expired after 30 minutes
            log.info("slack: wave finished: %s of %s sent", sent, len(people))

    # ------------------------------------------------------------------ outbound

    async def deliver(self, out: Sequence[Outbound], origin: Origin) -> None:
        for item in out:
            try:
                if isinstance(item, Reply):
                    await self._answer(origin, item.text, item.choices)
                elif isinstance(item, EditPressed):
                    if origin.chat_id and origin.message_ts:
                        await self.client.chat_update(channel=origin.chat_id,
                                                      ts=origin.message_ts, **message(item.text))
                    else:
                        await self._answer(origin, item.text)
                elif isinstance(item, Notice):
                    await self._answer(origin, item.text, ephemeral=True)
                elif isinstance(item, SendTo):
                    await self.send_to(item)
                elif isinstance(item, AlertPost):
                    await self.post_alert(item.alert_id, item.text, item.choices)
                elif isinstance(item, AlertUpdate):
                    await self.update_alert(item)
                elif isinstance(item, ReplyFile):
                    await self.send_file(origin, item)
            except SlackApiError as exc:
                log.warning("slack: %s not delivered: %s", type(item).__name__,
                            exc.response.get("error"))

    async def _answer(self, origin: Origin, text: str, choices: Sequence[Choice] = (),
                      *, ephemeral: bool = False) -> None:
        """Back to where the event came from: the command's response_url, the DM, or an
        ephemeral message in a shared channel."""
        shown = message(text, choices)
        if origin.respond is not None:
            await origin.respond(**shown, response_type="ephemeral")
        elif origin.chat_id.startswith("D") and not ephemeral:
            await self.client.chat_postMessage(channel=origin.chat_id, **shown)
        elif origin.chat_id:
            await self.client.chat_postEphemeral(channel=origin.chat_id, user=origin.user_id,
                                                 **shown)
        else:
            await self.send_to(SendTo(CHANNEL, origin.user_id, "", text, tuple(choices)))

    async def send_file(self, origin: Origin, item: ReplyFile) -> None:
        """A file in the person's DM (Slack has no ephemeral files)."""
        chat = origin.chat_id
        if not chat.startswith("D"):
            opened = await self.client.conversations_open(users=origin.user_id)
            chat = opened["channel"]["id"]
        await self.client.files_upload_v2(channel=chat, content=item.content,
                                          filename=item.filename, title=item.filename,
                                          initial_comment=item.caption)

    async def send_to(self, item: SendTo) -> bool:
        """A DM (opened first when we have no DM channel yet)."""
        if item.channel != CHANNEL:
            log.warning("slack: cannot deliver a message for %s", item.channel)
            return False
        try:
            chat = item.chat_id
            if not chat.startswith("D"):
                opened = await self.client.conversations_open(users=item.user_id)
                chat = opened["channel"]["id"]
            await self.client.chat_postMessage(channel=chat, **message(item.text, item.choices))
            return True
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in UNREACHABLE_ERRORS:
                await self._engine(self.engine.mark_unreachable, CHANNEL, item.user_id)
            log.warning("slack: DM to %s failed: %s", item.user_id, error)
            return False

    async def post_alert(self, alert_id: int, text: str, choices: Sequence[Choice]) -> None:
        channel = self.settings.slack_alert_channel
        if not channel:
            log.warning("slack: SLACK_ALERT_CHANNEL is not set; alert #%s stays in the database "
                        "only", alert_id)
            return
        response = await self.client.chat_postMessage(channel=channel,
                                                      **message(text, choices))
        await self._engine(self.engine.set_alert_ref, alert_id,
                           f"{response['channel']}:{response['ts']}")

    async def update_alert(self, item: AlertUpdate) -> None:
        channel, _, ts = item.ref.partition(":")
        if not channel or not ts:
            await self.post_alert(item.alert_id, item.text, item.choices)
            return
        await self.client.chat_update(channel=channel, ts=ts, **message(item.text, item.choices))


def attach_web(web_app: web.Application, engine: Engine, settings: Settings, *,
               calls: EngineCalls | None = None) -> SlackChannel:
    """Serve events, commands and interactions at ``/slack/events`` on the shared web server."""
    channel = SlackChannel(engine, settings, calls=calls)
    web_app[CHANNEL_KEY] = channel
    web_app.router.add_post(EVENTS_PATH, channel.handle_http)
    run_with_web_app(web_app, channel.start, channel.stop)
    return channel


async def run_socket_mode(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    """Socket Mode (``SLACK_APP_TOKEN``): no public URL needed."""
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    channel = SlackChannel(engine, settings, socket_mode=True)
    await channel.start()
    handler = AsyncSocketModeHandler(channel.app, settings.slack_app_token)
    guard(handler)
    try:
        await open_socket(handler, backoff=channel.backoff)
    except BaseException:
        await channel.stop()
        raise
    try:
        await stop.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await channel.stop()

