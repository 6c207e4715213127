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
import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.campaigns import CampaignFeeder
from adapters.engine_calls import EngineCalls
from adapters.inbox import InboxRunner
from adapters.lifecycle import run_with_web_app
from adapters.slack.blocks import ACTION_PREFIX, LINK_PREFIX, message
from adapters.slack.envelopes import guard
from adapters.slack.listeners import Listeners
from adapters.slack.lookups import EmailLookups
from adapters.slack.modal import REPLY_VIEW, reply_metadata, reply_text
from adapters.slack.people import People
from adapters.slack.requests import Refusal, bolt_request, verify
from adapters.slack.sender import SlackSender
from adapters.slack.startup import check_token, open_socket
from adapters.slack.words import CHANNEL, slack_style
from adapters.startup import Backoff
from bot.delivery.dispatcher import Dispatcher
from bot.engine import Engine
from bot.engine.transient import DatabaseDown
from bot.i18n import negotiate, translator
from bot.messages import (
    Inbound,
)
from bot.settings import Settings

log = logging.getLogger(__name__)

DRAIN_SECONDS = 10.0
"""How long stopping waits for the events being processed."""

EVENTS_PATH = "/slack/events"
CHANNEL_KEY: web.AppKey[SlackChannel] = web.AppKey("slack_channel")
Ack = Callable[..., Awaitable[Any]]


def build_client(settings: Settings) -> AsyncWebClient:
    """The Web API client, pointed at ``SLACK_API_URL``.  A 429 is not retried here: the
    outbox's dispatcher waits its ``Retry-After`` (and paces every process)."""
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url,
                            timeout=15)
    client.retry_handlers.append(AsyncConnectionErrorRetryHandler(max_retry_count=1))
    return client


def inbox_key(body: dict[str, Any]) -> tuple[str, str] | None:
    """What identifies the person's act (``event_id``; ``trigger_id`` for commands and
    presses; the view's id and hash for a modal submission) and whose events are kept in
    order; None for what is not stored (url_verification, a closed modal)."""
    kind = body.get("type")
    if kind == "event_callback" and body.get("event_id"):
        event = body.get("event") or {}
        return f"event:{body['event_id']}", f"user:{event.get('user') or body['event_id']}"
    user = body.get("user_id") or (body.get("user") or {}).get("id") or ""
    if body.get("command") and body.get("trigger_id"):
        return f"cmd:{body['trigger_id']}", f"user:{user}"
    if kind == "block_actions":
        action = (body.get("actions") or [{}])[0]
        act = body.get("trigger_id") or action.get("action_ts") or ""
        return (f"act:{act}", f"user:{user}") if act else None
    if kind == "view_submission":
        # A modal submitted again after Slack showed its errors keeps its id and hash; what
        # was typed tells the new submission from a replay of the old.
        view = body.get("view") or {}
        typed = json.dumps((view.get("state") or {}).get("values"), sort_keys=True)
        digest = hashlib.sha256(typed.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return f"view:{view.get('id')}:{view.get('hash')}:{digest}", f"user:{user}"
    return None


class SlackChannel(Listeners):
    """One Slack app: requests stored in the inbox before Slack gets its 200, bolt listeners
    that acknowledge them, and their processing, which sends through the outbox."""

    def __init__(self, engine: Engine, settings: Settings, *, socket_mode: bool = False,
                 backoff: Backoff | None = None, calls: EngineCalls | None = None,
                 campaigns: bool = False) -> None:
        """``campaigns``: also run the campaign service (:mod:`adapters.campaigns`)."""
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
            # bolt's own acknowledgement: it answers Slack when a listener calls ack() and
            # lets the listener go on in a task of its own.
            process_before_response=False,
        )
        self.commands = {command: metric for metric, command in settings.slack_commands().items()}
        self._own_calls = calls is None  # else the process's, closed by its owner
        self._engine = calls or EngineCalls(engine, settings)
        self.sender = SlackSender(self.client, settings)
        self.dispatcher = Dispatcher(engine.queues, self.sender,
                                     lease=timedelta(seconds=settings.outbox_lease_seconds))
        self.inbox: InboxRunner[dict[str, Any]] = InboxRunner(
            engine.queues, CHANNEL, process=self._apply,
            decode=lambda row: json.loads(row.payload))
        self.campaigns = (CampaignFeeder.for_channel(self._engine, CHANNEL, self.dispatcher,
                                                     settings) if campaigns else None)
        self.lookups = EmailLookups(engine, self._engine, self.client,
                                    settings.slack_lookup_per_minute)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
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
        self._stop.clear()
        self._tasks = [asyncio.create_task(self.dispatcher.run(self._stop)),
                       asyncio.create_task(self.inbox.sweep(self._stop)),
                       asyncio.create_task(self.lookups.run(self._stop))]
        if self.campaigns is not None:
            self._tasks.append(asyncio.create_task(self.campaigns.run(self._stop)))

    async def stop(self) -> None:
        await self.inbox.drain(DRAIN_SECONDS)  # bolt's listener tasks at our events
        self._stop.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=15)
        await self.sender.close()
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
        app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(self._ack_then_run)
        app.action(re.compile("^" + re.escape(LINK_PREFIX)))(self._ack_link)
        for name in self.commands:
            app.command(name)(self._ack_then_run)
        app.event("message")(self._ack_then_run)
        app.event("app_home_opened")(self._ack_then_run)
        app.view(REPLY_VIEW)(self._ack_reply)
        app.error(self._on_error)

    async def _ack_then_run(self, ack: Ack, body: dict[str, Any],
                            context: dict[str, Any]) -> None:
        inbox_id = await self._stored(body, context)
        await ack()  # within Slack's 3 seconds; answers follow through the outbox
        if inbox_id is not None:
            await self.inbox.run(inbox_id, self._order_key(body))

    async def _ack_link(self, ack: Ack, body: dict[str, Any], context: dict[str, Any]) -> None:
        """A link button: Slack opened its URL; nothing to do but acknowledge (and mark the
        stored request done)."""
        await ack()
        inbox_id = context.get("inbox_id")
        if inbox_id is not None:
            await self._finish(int(inbox_id))

    async def _stored(self, body: dict[str, Any], context: dict[str, Any]) -> int | None:
        """The inbox id handle_http stored the request under; in Socket Mode (no HTTP
        handler) it is stored here, before the acknowledgement."""
        if "inbox_id" in context:
            return int(context["inbox_id"])
        key = inbox_key(body)
        if key is None:
            return None
        try:
            return await self.inbox.store(key[0], key[1], _dump(body), body)
        except DatabaseDown as exc:
            log.warning("slack: database down, a Socket Mode envelope is not stored: %s", exc)
            return None

    @staticmethod
    def _order_key(body: dict[str, Any]) -> str:
        key = inbox_key(body)
        return key[1] if key else "user:"

    async def _ack_reply(self, ack: Ack, body: dict[str, Any], view: dict[str, Any],
                         context: dict[str, Any]) -> None:
        """An empty reply is refused inside the modal, which stays open."""
        inbox_id = await self._stored(body, context)
        if not reply_text(view).strip():
            t = translator(reply_metadata(view)[1] or self.settings.manager_locale)
            await ack(response_action="errors", errors={
                "reply": t.gettext("Please write a message.")})
        else:
            await ack()
        if inbox_id is not None:
            await self.inbox.run(inbox_id, self._order_key(body))

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("slack: error handling %s", body.get("type"), exc_info=error)

    async def handle_http(self, request: web.Request) -> web.Response:
        """``POST /slack/events``: signed by Slack (401 otherwise, before the body is read as
        anything) and shaped as Slack sends it (400 otherwise); stored in the inbox (a replay
        or a retry of a stored request is answered 200 and changes nothing); then bolt's."""
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
        body: dict[str, Any] = bolt.body
        key = inbox_key(body)
        if key is not None:
            try:
                inbox_id = await self.inbox.store(key[0], key[1], _dump(body), body)
            except DatabaseDown as exc:
                log.warning("slack: database down, %s not stored: %s", key[0], exc)
                return await self._not_recorded(body)
            if inbox_id is None:
                log.info("slack: %s was stored before (a retry or a replay): ignored", key[0])
                return web.Response(status=200)
            bolt.context["inbox_id"] = inbox_id
        return await to_aiohttp_response(await self.app.async_dispatch(bolt))

    async def _not_recorded(self, body: dict[str, Any]) -> web.Response:
        """The database did not answer within its retry: Slack retries events after a 5xx;
        a person's command, press or modal is never retried, so they are told."""
        if body.get("type") == "event_callback":
            return web.json_response({"ok": False, "error": "try again"}, status=503)
        user = body.get("user_id") or (body.get("user") or {}).get("id") or ""
        t = translator(negotiate((await self.people.get(user)).locale if user else None,
                                 self.settings.slack_default_locale
                                 or self.settings.default_locale))
        text = t.gettext("Not recorded: we could not save that just now. Please try again.")
        if body.get("type") == "view_submission":
            return web.json_response({"response_action": "errors", "errors": {"reply": text}})
        if body.get("type") == "block_actions" and body.get("response_url"):
            with contextlib.suppress(Exception):
                await self.sender.respond(str(body["response_url"]), {
                    **message(text), "response_type": "ephemeral", "replace_original": False})
            return web.Response(status=200)
        return web.json_response({**message(text), "response_type": "ephemeral"})

    # ------------------------------------------------------------------ processing

    async def _apply(self, body: dict[str, Any], inbox_id: int) -> None:
        """One stored request, once."""
        kind = body.get("type")
        if kind == "event_callback":
            event = body.get("event") or {}
            if event.get("type") == "message":
                await self._on_message(event, body, inbox_id)
                return
            if event.get("type") == "app_home_opened":
                await self._on_home(event)  # not worth an outbox row: views are replaced
            await self._finish(inbox_id)
        elif kind == "block_actions":
            await self._on_action(body, inbox_id)
        elif kind == "view_submission":
            await self._on_reply_submitted(body, inbox_id)
        elif body.get("command") in self.commands:
            await self._on_command(body, inbox_id)
        else:
            await self._finish(inbox_id)

    async def _finish(self, inbox_id: int) -> bool:
        done: bool = await asyncio.to_thread(self.engine.queues.finish_event, inbox_id)
        return done

    async def _handle(self, inbound: Inbound, origin: dict[str, Any], inbox_id: int) -> None:
        said = await self._engine(self.engine.handle, inbound, origin=origin,
                                  inbox_id=inbox_id)
        await self.dispatcher.send_now(said.ids)


def _dump(body: dict[str, Any]) -> str:
    # ASCII: a lone surrogate in a request survives the round trip through the database.
    return json.dumps(body, separators=(",", ":"))


def attach_web(web_app: web.Application, engine: Engine, settings: Settings, *,
               calls: EngineCalls | None = None, campaigns: bool = False) -> SlackChannel:
    """Serve events, commands and interactions at ``/slack/events`` on the shared web server;
    ``campaigns`` runs the campaign service (``survey-bot run``)."""
    channel = SlackChannel(engine, settings, calls=calls, campaigns=campaigns)
    web_app[CHANNEL_KEY] = channel
    web_app.router.add_post(EVENTS_PATH, channel.handle_http)
    run_with_web_app(web_app, channel.start, channel.stop)
    return channel


async def run_socket_mode(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    """Socket Mode (``SLACK_APP_TOKEN``): no public URL needed."""
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    channel = SlackChannel(engine, settings, socket_mode=True, campaigns=True)
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

