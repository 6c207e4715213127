"""``GET /r/<token>`` on the real aiohttp web app, over HTTP on 127.0.0.1, on SQLite and
PostgreSQL: a browser's click is counted and answered 302 to the link's page; a link-preview
crawler, a HEAD and a request without a User-Agent get the redirect uncounted; an unknown or
malformed token is a 404 in the reader's language with nothing counted; a database that cannot
be reached is a 503, never a 500."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlmodel import Session, select

from adapters.runner import build_web_app, plan
from bot import deeplinks
from bot.advocacy_tables import AdvocacyLink, LinkKind, PromoterAsk
from bot.app import build_engine
from bot.engine import Engine
from bot.messages import Reply
from bot.models import utcnow
from tests.advocacy.surveys import PUBLIC_URL, REVIEW_URL, survey_file
from tests.helpers import Person, free_port
from tests.tcpproxy import TcpProxy

BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0.0.0 Safari/537.36")
PREVIEWS = [
    "TelegramBot (like TwitterBot)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.23.20.0 A",
    "Twitterbot/1.0",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]
WEB_LINK = re.compile(re.escape(PUBLIC_URL) + r"/r/([A-Za-z0-9_-]{32})")


@dataclass
class Site:
    engine: Engine
    base: str
    http: aiohttp.ClientSession

    async def get(self, path: str, *, agent: str | None = BROWSER, method: str = "GET",
                  **headers: str) -> tuple[int, str, dict[str, str]]:
        sent = dict(headers)
        skip: list[str] = []
        if agent is None:
            skip.append("User-Agent")
        else:
            sent["User-Agent"] = agent
        async with self.http.request(method, self.base + path, headers=sent,
                                     allow_redirects=False, skip_auto_headers=skip) as resp:
            return resp.status, await resp.text(), dict(resp.headers)

    def clicks(self) -> dict[str, int]:
        with Session(self.engine.db.read_engine) as s:
            return {link.kind: link.clicks for link in s.exec(select(AdvocacyLink))}


@asynccontextmanager
async def serve(engine: Engine, settings: Any) -> AsyncIterator[Site]:
    port = free_port()
    runner = web.AppRunner(build_web_app(engine, settings, plan(settings, "web"),
                                         register=False))
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            yield Site(engine, f"http://127.0.0.1:{port}", http)
    finally:
        await runner.cleanup()


@pytest.fixture
async def site(make_settings: Callable[..., Any], tmp_path: Path) -> AsyncIterator[Site]:
    settings = make_settings(survey_file=str(survey_file(tmp_path)), public_url=PUBLIC_URL)
    engine = build_engine(settings)
    try:
        async with serve(engine, settings) as running:
            yield running
    finally:
        engine.db.dispose()


def accepted_links(engine: Engine, user: str = "ana") -> tuple[str, str]:
    """A console promoter takes the ask: the tokens of their referral and review links."""
    ana = Person(engine, user)
    ana.command("start")
    ana.press_score(10)
    ana.say("Quick and friendly")
    ana.press_score(5)
    yes = next(c for o in ana.last if isinstance(o, Reply) for c in o.choices
               if c.label == "Yes, gladly")
    out = ana.press(yes.value)
    [links] = [o for o in out if isinstance(o, Reply) and WEB_LINK.search(o.text)]
    referral = WEB_LINK.search(links.text)
    assert referral is not None
    [review] = [c.url for c in links.choices]
    return referral.group(1), review.removeprefix(PUBLIC_URL + "/r/")


async def test_a_click_is_counted_and_redirected(site: Site) -> None:
    referral, review = accepted_links(site.engine)
    assert site.clicks() == {LinkKind.REFERRAL: 0, LinkKind.REVIEW: 0}
    status, _, headers = await site.get(f"/r/{referral}")
    assert status == 302
    assert headers["Location"] == "https://shop.example.com/invite?ref="  # nobody imported
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"
    status, _, headers = await site.get(f"/r/{review}")
    assert (status, headers["Location"]) == (302, REVIEW_URL)
    await site.get(f"/r/{review}")
    assert site.clicks() == {LinkKind.REFERRAL: 1, LinkKind.REVIEW: 2}
    with Session(site.engine.db.read_engine) as s:
        link = s.exec(select(AdvocacyLink).where(AdvocacyLink.kind == LinkKind.REVIEW)).one()
    assert link.first_click_at is not None and link.last_click_at is not None


async def test_previews_and_head_get_the_redirect_uncounted(site: Site) -> None:
    referral, _ = accepted_links(site.engine)
    for agent in PREVIEWS:
        status, _, headers = await site.get(f"/r/{referral}", agent=agent)
        assert (status, headers["Location"]) == (302, "https://shop.example.com/invite?ref="), \
            agent
    status, _, _ = await site.get(f"/r/{referral}", method="HEAD")
    assert status == 302
    status, _, _ = await site.get(f"/r/{referral}", agent=None)
    assert status == 302
    assert site.clicks()[LinkKind.REFERRAL] == 0
    await site.get(f"/r/{referral}")
    assert site.clicks()[LinkKind.REFERRAL] == 1


@pytest.mark.parametrize("path", [
    "/r/" + "A" * 32,  # well formed, unknown
    "/r/short",
    "/r/" + "x" * 300,
    "/r/%00%ff%fe",
    "/r/..%2F..%2Fetc",
    "/r/ab%20cd" + "e" * 30,
    "/r/" + "送货" * 12,
])
async def test_an_unknown_or_malformed_token_is_a_404_and_counts_nothing(
        site: Site, path: str) -> None:
    accepted_links(site.engine)
    status, body, headers = await site.get(path)
    assert status == 404
    assert body.strip() == "This link is not valid. Please check that it was copied whole."
    assert "Location" not in headers
    assert site.clicks() == {LinkKind.REFERRAL: 0, LinkKind.REVIEW: 0}


async def test_the_404_speaks_the_readers_language(site: Site) -> None:
    status, body, headers = await site.get("/r/" + "B" * 32,
                                           **{"Accept-Language": "de-DE, ro;q=0.8, en;q=0.5"})
    assert (status, headers["Content-Language"]) == (404, "ro")
    assert body.strip() == ("Acest link nu este valid. Vă rugăm să verificați că a fost copiat "
                            "în întregime.")
    status, body, _ = await site.get("/r/" + "B" * 32, **{"Accept-Language": "zh-CN,zh;q=0.9"})
    assert body.strip() == "此链接无效。请检查链接是否完整复制。"
    status, _, _ = await site.get("/r/" + "B" * 32, **{"Accept-Language": ";;q=x,,"})
    assert status == 404


async def test_a_referral_with_no_page_and_other_methods(site: Site) -> None:
    """A Telegram-only referral (no referral_url) has no page: 404. POST is refused (405)."""
    referral, _ = accepted_links(site.engine)
    token = deeplinks.new_token()
    with Session(site.engine.db.engine) as s:
        ask = s.exec(select(PromoterAsk)).one()
        s.add(AdvocacyLink(digest=deeplinks.digest(token), ask_id=ask.id or 0,
                           kind=LinkKind.REFERRAL, target=None, created_at=utcnow()))
        s.commit()
    status, _, _ = await site.get(f"/r/{token}")
    assert status == 404
    status, _, _ = await site.get(f"/r/{referral}", method="POST")
    assert status == 405
    assert site.clicks()[LinkKind.REFERRAL] == 0


async def test_a_database_that_cannot_be_reached_is_a_503(
        postgres_url: str, make_settings: Callable[..., Any], tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    db = make_url(postgres_url)
    with TcpProxy(db.host or "127.0.0.1", db.port or 5432) as proxy:
        settings = make_settings(database_url=proxy.url(postgres_url),
                                 survey_file=str(survey_file(tmp_path)), public_url=PUBLIC_URL)
        engine = build_engine(settings)
        try:
            referral, _ = accepted_links(engine)
            async with serve(engine, settings) as running:
                engine.db.engine.dispose()
                engine.db.read_engine.dispose()
                proxy.cut()
                status, body, headers = await running.get(f"/r/{referral}")
                assert (status, headers["Retry-After"]) == (503, "5")
                assert "try again" in body
                proxy.restore()
                status, _, _ = await running.get(f"/r/{referral}")
                assert status == 302
                assert running.clicks()[LinkKind.REFERRAL] == 1
        finally:
            engine.db.dispose()
