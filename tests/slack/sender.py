"""Requests to our app's ``/slack/events`` shaped and signed exactly as Slack sends them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import ClientSession, ClientTimeout

from tests.slack.shapes import BOT_USER, SIGNING_SECRET, TEAM

if TYPE_CHECKING:
    from tests.slack.standin import SlackAPIStandIn


def sign(body: bytes, *, secret: str = SIGNING_SECRET,
         timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack puts on a request: ``v0=`` HMAC-SHA256 of ``v0:<ts>:<body>``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class SlackSender:
    """Sends Slack-shaped, Slack-signed requests to our app's ``/slack/events``."""

    def __init__(self, url: str, api: SlackAPIStandIn, *, prefix: str = "") -> None:
        """``prefix`` goes into every event and trigger id: two senders to one app (and one
        database) never repeat an id."""
        self.url = url
        self.api = api
        self.prefix = prefix
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
            "type": "event_callback",
            "event_id": event_id or f"Ev{self.prefix}{next(self._events):08d}",
            "event_time": int(time.time()), "authorizations": [
                {"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
            "event": {"type": "message", "channel": f"D{user}", "channel_type": "im",
                      "user": user, "text": text, "ts": f"{time.time():.6f}",
                      "event_ts": f"{time.time():.6f}"},
        }).encode()

    def home_event(self, user: str) -> bytes:
        return json.dumps({
            "team_id": TEAM, "api_app_id": "A0SURVEY", "type": "event_callback",
            "event_id": f"Ev{self.prefix}{next(self._events):08d}", "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "channel": f"D{user}",
                      "tab": "home"}}).encode()

    def action(self, user: str, channel: str, message: dict[str, Any],
               button: dict[str, Any], *, trigger_id: str | None = None) -> bytes:
        n = next(self._actions)
        payload = {
            "type": "block_actions", "team": {"id": TEAM, "domain": "survey-test"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0SURVEY", "token": "legacy",
            "trigger_id": trigger_id or f"trig-{self.prefix}{n}",
            "response_url": self.api.response_url(channel),
            "actions": [{"type": "button", "action_id": button["action_id"], "block_id":
                         "choices", "text": button["text"],
                         # a link button carries its url, the others their value
                         **{k: button[k] for k in ("value", "url") if k in button},
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
            "A0SURVEY", "response_url": response_url or self.api.response_url(channel),
            "trigger_id": f"trig-cmd-{self.prefix}{next(self._actions)}"}).encode()

    def view_submission(self, user: str, alert_view: dict[str, Any], text: str) -> bytes:
        view = dict(alert_view)
        view["state"] = {"values": {"reply": {"text": {"type": "plain_text_input",
                                                       "value": text}}}}
        payload = {"type": "view_submission", "team": {"id": TEAM, "domain": "survey-test"},
                   "user": {"id": user, "username": user.lower(), "team_id": TEAM},
                   "api_app_id": "A0SURVEY", "token": "legacy",
                   "trigger_id": f"trig-v-{self.prefix}{next(self._actions)}", "view": view}
        return urlencode({"payload": json.dumps(payload)}).encode()
