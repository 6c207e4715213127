"""A stand-in for the Slack Web API (and ``response_url``) on 127.0.0.1, for the real
slack-sdk client that slack-bolt uses.

Shapes follow https://api.slack.com/methods.  Every call is recorded (failed ones too); a
planned 429 answers ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After``.  Blocks are
checked as Slack checks them (``invalid_blocks`` for a section text over 3,000 characters, an
empty one, more than 50 blocks, a button label over 75), and so is a ``text`` over 40,000
(``msg_too_long``).  Also here:
a signer that signs requests to our app exactly as Slack does, and Socket Mode
(https://api.slack.com/apis/socket-mode): ``apps.connections.open`` hands out a WebSocket URL
on this server, which greets the app with ``hello`` and delivers envelopes that the app must
acknowledge with their ``envelope_id``.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientSession, ClientTimeout, web

from tests.helpers import wait_for

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A0SURVEY-1-test"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0SURVEY"
BOT_USER = "UBOTSURVEY"
MAX_SECTION = 3000
MAX_BLOCKS = {"message": 50, "home": 100, "modal": 100}
MAX_TEXT = 40_000
_ENTITY = re.compile(r"&(amp|lt|gt);")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def block_problem(blocks: Any, surface: str = "message") -> str | None:
    """Slack's ``invalid_blocks`` check, for the kinds of block the bot sends."""
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS[surface]:
        return "invalid_blocks"
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            text = (block.get("text") or {}).get("text")
            if not isinstance(text, str) or not text or _units(text) > MAX_SECTION:
                return "invalid_blocks"
        elif kind == "actions":
            for element in block.get("elements") or []:
                label = (element.get("text") or {}).get("text") or ""
                if not label or _units(label) > 75 or len(element.get("value") or "") > 2000:
                    return "invalid_blocks"
    return None


def shown(text: str) -> str:
    """What a person sees of an escaped mrkdwn text: the three entities decoded."""
    return _ENTITY.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], text)


def escaped_properly(text: str) -> bool:
    """No ``<`` or ``>`` of markup and every ``&`` the start of an entity: Slack will show
    the text as written and parse nothing in it."""
    return "<" not in text and ">" not in text and "&" not in _ENTITY.sub("", text)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.perf_counter)


class SlackAPIStandIn:
    """``async with SlackAPIStandIn() as api:``; ``api.base_url`` goes into ``SLACK_API_URL``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self.inactive: set[str] = set()
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
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # ------------------------------------------------------------------ set-up

    def add_user(self, user_id: str, name: str, locale: str | None = "en-US",
                 is_bot: bool = False) -> None:
        data: dict[str, Any] = {"id": user_id, "team_id": TEAM, "name": name.lower(),
                                "real_name": name, "is_bot": is_bot, "deleted": False,
                                "tz": "Europe/Bucharest",
                                "profile": {"display_name": name, "real_name": name}}
        if locale is not None:
            data["locale"] = locale
        self.users[user_id] = data

    def fail_next(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        self._failures.setdefault(method, []).extend([retry_after] * times)

    def response_url(self) -> str:
        rid = str(next(self._response_ids))
        self.responses[rid] = []
        return f"http://127.0.0.1:{self.port}/response/{rid}"

    # ------------------------------------------------------------------ queries

    def sent(self, method: str | None = None, channel: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.status == 200 and (method is None or c.method == method)
                and (channel is None or c.params.get("channel") == channel)]

    def dm_texts(self, user_id: str) -> list[str]:
        """Every text the user's DM saw: posts and updates, in order."""
        return [str(c.params.get("text", "")) for c in self.sent(channel=f"D{user_id}")
                if c.method in ("chat.postMessage", "chat.update")]

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
        result = {"ok": False, "error": problem} if problem else handler(params)
        if not result.get("ok"):
            call.status = 400  # Slack answers 200 with ok=false; recorded apart for the tests
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
        self.calls.append(Call("response_url", {"rid": rid, **body}))
        if rid not in self.responses:
            return web.Response(status=404, text="expired_url")
        problem = block_problem(body.get("blocks"))
        if problem:
            self.calls[-1].status = 400
            return web.Response(status=400, text=problem)
        self.responses[rid].append(body)
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

    def _m_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "file_id": "F0EXPORT",
                "upload_url": f"http://127.0.0.1:{self.port}/upload/F0EXPORT"}

    def _m_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "files": [{"id": "F0EXPORT", "title": "export"}]}


def sign(body: bytes, *, secret: str = SIGNING_SECRET,
         timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack puts on a request: ``v0=`` HMAC-SHA256 of ``v0:<ts>:<body>``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class SlackSender:
    """Sends Slack-shaped, Slack-signed requests to our app's ``/slack/events``."""

    def __init__(self, url: str, api: SlackAPIStandIn) -> None:
        self.url = url
        self.api = api
        self._events = itertools.count(1)
        self._actions = itertools.count(1)

    async def post(self, body: bytes, content_type: str, *, headers: dict[str, str] | None = None,
                   signed: dict[str, str] | None = None) -> tuple[int, str]:
        all_headers = {"Content-Type": content_type, **(signed if signed is not None else
                                                         sign(body)), **(headers or {})}
        async with ClientSession(timeout=ClientTimeout(total=10)) as http, http.post(
                self.url, data=body, headers=all_headers) as resp:
            return resp.status, await resp.text()

    def dm_event(self, user: str, text: str, *, event_id: str | None = None) -> bytes:
        return json.dumps({
            "token": "legacy", "team_id": TEAM, "api_app_id": "A0SURVEY",
            "type": "event_callback", "event_id": event_id or f"Ev{next(self._events):08d}",
            "event_time": int(time.time()), "authorizations": [
                {"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
            "event": {"type": "message", "channel": f"D{user}", "channel_type": "im",
                      "user": user, "text": text, "ts": f"{time.time():.6f}",
                      "event_ts": f"{time.time():.6f}"},
        }).encode()

    def home_event(self, user: str) -> bytes:
        return json.dumps({
            "team_id": TEAM, "api_app_id": "A0SURVEY", "type": "event_callback",
            "event_id": f"Ev{next(self._events):08d}", "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "channel": f"D{user}",
                      "tab": "home"}}).encode()

    def action(self, user: str, channel: str, message: dict[str, Any],
               button: dict[str, Any]) -> bytes:
        n = next(self._actions)
        payload = {
            "type": "block_actions", "team": {"id": TEAM, "domain": "survey-test"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0SURVEY", "token": "legacy", "trigger_id": f"trig-{n}",
            "response_url": self.api.response_url(),
            "actions": [{"type": "button", "action_id": button["action_id"], "block_id":
                         "choices", "value": button["value"], "text": button["text"],
                         "action_ts": f"{time.time():.6f}{n}"}],
        }
        if channel:
            payload.update(container={"type": "message", "message_ts": message["ts"],
                                      "channel_id": channel, "is_ephemeral": False},
                           channel={"id": channel, "name": "directmessage"
                                    if channel.startswith("D") else "alerts"},
                           message=message)
        else:  # a button on the App Home tab
            payload.update(container={"type": "view", "view_id": "V0HOME"},
                           view={"id": "V0HOME", "type": "home"})
        return urlencode({"payload": json.dumps(payload)}).encode()

    def command(self, user: str, command: str, text: str, *, channel: str = "C0GENERAL",
                response_url: str | None = None) -> bytes:
        return urlencode({
            "token": "legacy", "team_id": TEAM, "team_domain": "survey-test",
            "channel_id": channel, "channel_name": "general", "user_id": user,
            "user_name": user.lower(), "command": command, "text": text, "api_app_id":
            "A0SURVEY", "response_url": response_url or self.api.response_url(),
            "trigger_id": f"trig-cmd-{next(self._actions)}"}).encode()

    def view_submission(self, user: str, alert_view: dict[str, Any], text: str) -> bytes:
        view = dict(alert_view)
        view["state"] = {"values": {"reply": {"text": {"type": "plain_text_input",
                                                       "value": text}}}}
        payload = {"type": "view_submission", "team": {"id": TEAM, "domain": "survey-test"},
                   "user": {"id": user, "username": user.lower(), "team_id": TEAM},
                   "api_app_id": "A0SURVEY", "token": "legacy",
                   "trigger_id": f"trig-v-{next(self._actions)}", "view": view}
        return urlencode({"payload": json.dumps(payload)}).encode()
