"""A stand-in for the Slack Web API (and ``response_url``) on 127.0.0.1, for the real
slack-sdk client that slack-bolt uses.

Shapes follow https://api.slack.com/methods.  Every call is recorded (failed ones too); a
planned 429 answers ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After``.  Blocks are
checked as Slack checks them (``invalid_blocks`` for a section text over 3,000 characters, an
empty one, more than 50 blocks, a button label over 75), and so is a ``text`` over 40,000
(``msg_too_long``).  Also here:
``users.lookupByEmail`` with Slack's shapes (the user, without ``locale``; ``users_not_found``;
``missing_scope`` naming ``users:read.email`` when ``api.email_scope`` is False; a planned 429
with ``fail_next``); a signer that signs requests to our app exactly as Slack does, and Socket Mode
(https://api.slack.com/apis/socket-mode): ``apps.connections.open`` hands out a WebSocket URL
on this server, which greets the app with ``hello`` and delivers envelopes that the app must
acknowledge with their ``envelope_id``.

Limits and faults (``tests/standin_limits.py``), all off by default, on the calls that post
(:data:`SEND_METHODS`: ``chat.postMessage``, ``chat.update``, ``chat.postEphemeral`` and posts
to a ``response_url``):

* ``api.limits = SlackLimits(per_channel=1.0, burst=3.0)`` (or ``SlackLimits.raised(50)``):
  a token bucket per channel (a ``response_url`` counts for the channel it was made for);
  over it, 429 ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After`` (whole seconds).
* ``api.faults.add(methods, kind, times=1, seconds=None, share=1.0, chats=None,
  retry_after=1)``: 429 (``Retry-After``), 500/502/503 (``{"ok": false, "error":
  "internal_error"}`` / ``fatal_error``), ``"drop"``, ``"drop_after"`` or ``"hang"``.
  ``fail_next`` is the older form (429 only) and still works.
* ``api.log``: a :class:`~tests.standin_limits.SendLog` of every ACCEPTED post and update with
  its ``time.monotonic()`` stamp, channel, text and ``ts``: ``duplicates()``, ``peak(window)``,
  ``peak_per_chat(window)``, ``order(channel)``.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
from typing import Any

from aiohttp import web

from tests.helpers import wait_for
from tests.slack.limits import SEND_METHODS, Call, LimitsAndFaults, SlackLimits
from tests.slack.sender import SlackSender, sign
from tests.slack.shapes import (
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER,
    MAX_TEXT,
    SIGNING_SECRET,
    TEAM,
    block_problem,
    escaped_properly,
    shown,
)
from tests.standin_limits import (
    ANY_SEND,
    Bucket,
    Faults,
    SendLog,
)

__all__ = ["ANY_SEND", "APP_TOKEN", "BOT_TOKEN", "BOT_USER", "SEND_METHODS", "SIGNING_SECRET",
           "TEAM", "Call", "SlackAPIStandIn", "SlackLimits", "SlackSender", "block_problem",
           "escaped_properly", "shown", "sign"]


class SlackAPIStandIn(LimitsAndFaults):
    """``async with SlackAPIStandIn() as api:``; ``api.base_url`` goes into ``SLACK_API_URL``."""

    def __init__(self, *, limits: SlackLimits | None = None) -> None:
        self.calls: list[Call] = []
        self.limits = limits
        """Slack's posting limit, enforced when set (see the module's docstring)."""
        self.faults = Faults(SEND_METHODS)
        self.log = SendLog()
        self.limited: list[tuple[float, str, str, int]] = []
        """(monotonic stamp, method, channel, Retry-After) of every 429 a limit answered."""
        self._buckets: dict[str, Bucket] = {}
        self._response_channels: dict[str, str] = {}
        self._stopping = asyncio.Event()
        self._by_channel: dict[str, list[str]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self.joined: set[str] = set()
        """Channels (``C…``/``G…``) the bot is in: ``conversations.info`` says ``is_member``,
        and a file shared to any other answers ``not_in_channel``."""
        self.inactive: set[str] = set()
        self.email_scope = True
        """False: ``users.lookupByEmail`` answers ``missing_scope``."""
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._failures: dict[str, list[int]] = {}
        self._ts = itertools.count(1)
        self._response_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.sockets: list[web.WebSocketResponse] = []
        self.acks: dict[str, dict[str, Any]] = {}
        """Socket Mode acknowledgements by envelope id."""
        self._envelopes = itertools.count(1)

    async def __aenter__(self) -> SlackAPIStandIn:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._dispatch)
        app.router.add_post("/response/{rid}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket-mode", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._stopping.set()
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # ------------------------------------------------------------------ set-up

    def add_user(self, user_id: str, name: str, locale: str | None = "en-US",
                 is_bot: bool = False, email: str | None = None) -> None:
        profile = {"display_name": name, "real_name": name}
        if email is not None:
            profile["email"] = email
        data: dict[str, Any] = {"id": user_id, "team_id": TEAM, "name": name.lower(),
                                "real_name": name, "is_bot": is_bot, "deleted": False,
                                "tz": "Europe/Bucharest", "profile": profile}
        if locale is not None:
            data["locale"] = locale
        self.users[user_id] = data

    def fail_next(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        self._failures.setdefault(method, []).extend([retry_after] * times)

    def response_url(self, channel: str = "") -> str:
        """A fresh ``response_url``, for an interaction or command in ``channel``."""
        rid = str(next(self._response_ids))
        self.responses[rid] = []
        if channel:
            self._response_channels[rid] = channel
        return f"http://127.0.0.1:{self.port}/response/{rid}"

    # ------------------------------------------------------------------ limits and faults

    # ------------------------------------------------------------------ queries

    def sent(self, method: str | None = None, channel: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.status == 200 and (method is None or c.method == method)
                and (channel is None or c.params.get("channel") == channel)]

    def dm_texts(self, user_id: str) -> list[str]:
        """Every text the user's DM saw: posts and updates, in order."""
        return [str(c.params.get("text", "")) for c in self.sent(channel=f"D{user_id}")
                if c.method in ("chat.postMessage", "chat.update")]

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        """The bot's messages in a channel as they stand now (after updates), oldest first."""
        return [self.messages[(channel, ts)] for ts in self._by_channel.get(channel, [])]

    def last_buttons(self, channel: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The newest message in a channel that still has buttons, and those buttons."""
        for (chan, _ts), message in sorted(self.messages.items(), key=lambda kv: kv[0][1],
                                            reverse=True):
            if chan != channel:
                continue
            for block in message.get("blocks") or []:
                if block.get("type") == "actions":
                    copied = copy.deepcopy(message)
                    return copied, next(b for b in copied["blocks"]
                                        if b.get("type") == "actions")["elements"]
        raise AssertionError(f"no buttons in {channel}")

    wait_for = staticmethod(wait_for)

    # ------------------------------------------------------------------ HTTP

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                for key, value in (await request.post()).items():
                    params[key] = value if isinstance(value, str) else "<file>"
        for key in ("blocks", "view", "attachments"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        self.calls.append(call)
        token = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if request.headers.get("Authorization") != f"Bearer {token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        channel = str(params.get("channel", ""))
        fault = self.faults.match(method, channel)
        faulted = await self._faulted(request, call, fault)
        if faulted is not None:
            return faulted
        pending = self._failures.get(method)
        if pending:
            retry_after = pending.pop(0)
            call.status = 429
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(retry_after)})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            call.status = 404
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        problem = self._refusal(method, params)
        if not problem and (limited := self._limit_answer(call, method, channel)):
            return limited
        result = {"ok": False, "error": problem} if problem else handler(params)
        if not result.get("ok"):
            call.status = 400  # Slack answers 200 with ok=false; recorded apart for the tests
        else:
            self._accepted(method, channel, str(params.get("text", "")), str(
                result.get("ts") or result.get("message_ts") or ""))
            if fault is not None:  # drop_after: done, but the app never hears so
                return await self._drop(request, call, fault)
        return web.json_response(result)

    @staticmethod
    def _refusal(method: str, params: dict[str, Any]) -> str | None:
        """The error Slack answers for content it refuses, else None."""
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            if len(str(params.get("text") or "")) > MAX_TEXT:
                return "msg_too_long"
            return block_problem(params.get("blocks"))
        if method in ("views.publish", "views.open"):
            view = params.get("view") or {}
            return block_problem(view.get("blocks"), str(view.get("type", "modal")))
        return None

    async def _response_url(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        body = await request.json()
        call = Call("response_url", {"rid": rid, **body})
        self.calls.append(call)
        channel = self._response_channels.get(rid, f"response_url:{rid}")
        fault = self.faults.match("response_url", channel)
        faulted = await self._faulted(request, call, fault)
        if faulted is not None:
            return faulted
        if rid not in self.responses:
            call.status = 404
            return web.Response(status=404, text="expired_url")
        problem = block_problem(body.get("blocks"))
        if problem:
            call.status = 400
            return web.Response(status=400, text=problem)
        if limited := self._limit_answer(call, "response_url", channel):
            return limited
        self.responses[rid].append(body)
        self._accepted("response_url", channel, str(body.get("text", "")), rid)
        if fault is not None:
            return await self._drop(request, call, fault)
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        self.calls.append(Call("upload", {"file_id": request.match_info["file_id"],
                                          "size": len(data), "content": data}))
        return web.Response(text="OK - " + str(len(data)))

    def _ts_now(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    # ------------------------------------------------------------------ Socket Mode

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": len(self.sockets),
                            "debug_info": {"host": "stand-in"},
                            "connection_info": {"app_id": "A0SURVEY"}})
        try:
            async for message in ws:
                if message.type == web.WSMsgType.TEXT:
                    ack = json.loads(message.data)
                    self.acks[str(ack.get("envelope_id"))] = ack
        finally:
            self.sockets.remove(ws)
        return ws

    async def send_raw(self, frame: str) -> None:
        """A text frame exactly as given (a broken envelope, say) over the app's socket."""
        if not self.sockets:
            raise AssertionError("no Socket Mode connection")
        await self.sockets[-1].send_str(frame)

    async def envelope(self, kind: str, payload: Any, *, retry: int = 0,
                       envelope_id: str | None = None) -> str:
        """Deliver ``payload`` over the app's socket as an ``events_api``, ``interactive`` or
        ``slash_commands`` envelope; its id, which the app's acknowledgement must carry."""
        if not self.sockets:
            raise AssertionError("no Socket Mode connection")
        envelope_id = envelope_id or f"env-{next(self._envelopes)}"
        await self.sockets[-1].send_json({
            "envelope_id": envelope_id, "type": kind, "payload": payload,
            "accepts_response_payload": kind != "events_api", "retry_attempt": retry,
            "retry_reason": "timeout" if retry else ""})
        return envelope_id

    # ------------------------------------------------------------------ methods

    def _m_apps_connections_open(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket-mode"}

    def _m_auth_test(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://survey-test.slack.com/", "team": "Survey Test",
                "user": "surveybot", "team_id": TEAM, "user_id": BOT_USER, "bot_id": "BSURVEY",
                "is_enterprise_install": False}

    def _m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(p.get("user", ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        data = dict(user)
        if str(p.get("include_locale")).lower() not in ("true", "1"):
            data.pop("locale", None)
        return {"ok": True, "user": data}

    def _m_users_lookupByEmail(self, p: dict[str, Any]) -> dict[str, Any]:
        """Slack's shapes: the user object (no ``locale``: only users.info gives it), or
        ``users_not_found``; ``missing_scope`` names the scope when the app lacks it."""
        if not self.email_scope:
            return {"ok": False, "error": "missing_scope", "needed": "users:read.email",
                    "provided": "chat:write,commands,im:write,users:read"}
        email = str(p.get("email", "")).strip().lower()
        user = next((u for u in self.users.values()
                     if str(u["profile"].get("email", "")).lower() == email), None)
        if user is None:
            return {"ok": False, "error": "users_not_found"}
        data = dict(user)
        data.pop("locale", None)
        return {"ok": True, "user": data}

    def _m_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        user = str(p.get("users", ""))
        if user in self.inactive:
            return {"ok": False, "error": "account_inactive"}
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": f"D{user}"}}

    def _m_conversations_members(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = p.get("channel", "")
        if channel not in self.members:
            return {"ok": False, "error": "channel_not_found"}
        members = self.members[channel]
        start = int(p.get("cursor") or 0)
        limit = int(p.get("limit") or 100)
        page = members[start : start + limit]
        following = start + limit
        return {"ok": True, "members": page, "response_metadata": {
            "next_cursor": str(following) if following < len(members) else ""}}

    def _m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel", ""))
        if channel.startswith("D") and channel[1:] in self.inactive:
            return {"ok": False, "error": "account_inactive"}
        ts = self._ts_now()
        message = {"type": "message", "user": BOT_USER, "bot_id": "BSURVEY", "ts": ts,
                   "text": p.get("text", ""), "blocks": p.get("blocks") or []}
        self.messages[(channel, ts)] = message
        self._by_channel.setdefault(channel, []).append(ts)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        key = (str(p.get("channel", "")), str(p.get("ts", "")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key].update(text=p.get("text", ""), blocks=p.get("blocks") or [])
        return {"ok": True, "channel": key[0], "ts": key[1], "text": p.get("text", "")}

    def _m_chat_postEphemeral(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._ts_now()}

    def _m_views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return {"ok": True, "view": {"id": "V0REPLY", **(p.get("view") or {})}}

    def _m_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "V0HOME", **(p.get("view") or {})}}

    def _m_conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        """A channel's facts as a bot token sees them: a public one whether the bot is in it
        or not, a private one (``G…``) only when it is."""
        channel = str(p.get("channel", ""))
        if channel.startswith("D"):
            return {"ok": True, "channel": {"id": channel, "is_im": True}}
        if not channel.startswith(("C", "G")) or (
                channel.startswith("G") and channel not in self.joined):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": channel, "is_channel": channel.startswith("C"),
                                        "is_private": channel.startswith("G"),
                                        "is_member": channel in self.joined}}

    def _m_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("filename") or not str(p.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "file_id": "F0EXPORT",
                "upload_url": f"http://127.0.0.1:{self.port}/upload/F0EXPORT"}

    def _m_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel_id", ""))
        if channel.startswith(("C", "G")) and channel not in self.joined:
            return {"ok": False, "error": "not_in_channel"}
        return {"ok": True, "files": [{"id": "F0EXPORT", "title": "export"}]}


