"""``GET /r/<token>`` on the web app: a promoter's referral or review link (``docs/advocacy.md``).

* A known token answers **302** to the page its link leads to and counts one click.
* A link-preview crawler (Telegram, Slack, WhatsApp, Facebook, X, Discord, LinkedIn … fetch a
  link as soon as it is pasted into a chat), a request without a User-Agent and any ``HEAD``
  get the same redirect, **not counted**.
* An unknown or malformed token answers **404**, in the reader's language (Accept-Language),
  and counts nothing.
* A database that cannot be reached answers **503** with ``Retry-After``; no request makes a
  500.

The redirect is not cached (``Cache-Control: no-store``, so every click reaches us) and sends no
``Referer`` on (``Referrer-Policy: no-referrer``: the token stays ours).
"""

from __future__ import annotations

import logging
import re

from aiohttp import web

from adapters.engine_calls import EngineCalls
from bot.engine import Engine
from bot.i18n import SUPPORTED, negotiate, translator

log = logging.getLogger(__name__)

PATH = "/r/{token}"
RETRY_AFTER = "5"
PREVIEW_AGENTS = re.compile(
    r"telegrambot|slackbot|slack-imgproxy|facebookexternalhit|facebookcatalog|facebot|"
    r"meta-externalagent|twitterbot|whatsapp|discordbot|linkedinbot|skypeuripreview|"
    r"microsoftpreview|teamsbot|vkshare|redditbot|embedly|iframely|quora link preview|"
    r"bitlybot|mastodon|cardyb|googlebot|google-inspectiontool|bingbot|duckduckbot|"
    r"yandexbot|baiduspider|applebot|petalbot|semrush|ahrefs|crawler|spider|\w+bot/",
    re.IGNORECASE)
"""User-Agents of programs that fetch a link to preview or index it, not people."""
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex, nofollow"}


def is_preview(method: str, user_agent: str) -> bool:
    """A request not to count: a HEAD, no User-Agent, or a known crawler's."""
    return method == "HEAD" or not user_agent.strip() or bool(PREVIEW_AGENTS.search(user_agent))


def reader_language(accept_language: str) -> str:
    """The first of our languages the Accept-Language header names (by its q order)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag.strip() and q > 0:
            ranked.append((-q, i, tag.strip()))
    for _q, _i, tag in sorted(ranked):
        found = negotiate(tag, "")
        if found in SUPPORTED:
            return found
    return "en"


def _page(status: int, text: str, lang: str, headers: dict[str, str] | None = None
          ) -> web.Response:
    return web.Response(status=status, text=text + "\n", content_type="text/plain",
                        charset="utf-8", headers={**HEADERS, "Content-Language": lang,
                                                  **(headers or {})})


class Redirect:
    def __init__(self, engine: Engine, calls: EngineCalls) -> None:
        self.engine = engine
        self.calls = calls

    async def follow(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info.get("token", "")
        counted = not is_preview(request.method, request.headers.get("User-Agent", ""))
        lang = reader_language(request.headers.get("Accept-Language", ""))
        t = translator(lang)
        try:
            target: str | None = await self.calls(self.engine.follow_link, token, count=counted)
        except Exception:  # a database down or anything else: never a 500
            log.warning("redirect: the link could not be looked up", exc_info=True)
            return _page(503, t.gettext("This link cannot be opened just now. Please try "
                                        "again in a minute."), lang,
                         {"Retry-After": RETRY_AFTER})
        if target is None:
            log.info("redirect: an unknown link was asked for")
            return _page(404, t.gettext("This link is not valid. Please check that it was "
                                        "copied whole."), lang)
        return web.Response(status=302, headers={**HEADERS, "Location": target})


def attach(app: web.Application, engine: Engine, calls: EngineCalls) -> None:
    """Add ``GET /r/<token>`` (and its HEAD) to the web app."""
    app.router.add_get(PATH, Redirect(engine, calls).follow)
