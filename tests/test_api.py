"""The HTTP API over real HTTP on 127.0.0.1, on SQLite and PostgreSQL: the token, the body's
size, type and shape, every 4xx naming its problem as JSON, the summary equal to the CLI's
JSON, and a database outage answered 503 with Retry-After."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from adapters.api import MAX_BODY
from adapters.engine_calls import EngineCalls
from adapters.runner import build_web_app, plan, run
from bot.app import build_engine
from bot.cli import main
from bot.engine import Engine
from bot.models import utcnow
from bot.settings import Settings
from tests.helpers import free_port, health_processes
from tests.reporting import Row, store_rows
from tests.tcpproxy import TcpProxy

TOKEN = "api-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GOOD = {"customer": {"external_id": "C-1", "telegram_id": "5001",
                     "attributes": {"plan": "pro", "revenue:number": "1200"}},
        "survey": "csat", "campaign": "ticket-closed", "delay": "2h",
        "idempotency_key": "ticket-4711"}


@dataclass
class Site:
    url: str
    engine: Engine
    http: aiohttp.ClientSession

    async def post(self, body: Any = None, *, raw: bytes | None = None,
                   headers: dict[str, str] | None = None) -> tuple[int, Any, Any]:
        data = raw if raw is not None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **AUTH, **(headers or {})}
        async with self.http.post(f"{self.url}/api/v1/surveys", data=data,
                                  headers=sent) as response:
            return response.status, await _body(response), response.headers

    async def get(self, path: str, headers: dict[str, str] | None = None,
                  ) -> tuple[int, Any, Any]:
        async with self.http.get(f"{self.url}{path}",
                                 headers=AUTH if headers is None else headers) as response:
            return response.status, await _body(response), response.headers


async def _body(response: aiohttp.ClientResponse) -> Any:
    text = await response.text()
    try:
        return json.loads(text)
    except ValueError:
        return text


async def serve(engine: Engine, settings: Any) -> AsyncIterator[Site]:
    calls = EngineCalls(engine, settings)
    app = build_web_app(engine, settings, plan(settings, "web"), register=False, calls=calls)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            yield Site(f"http://127.0.0.1:{port}", engine, http)
    finally:
        await runner.cleanup()
        calls.close()


@pytest.fixture
async def site(make_settings: Callable[..., Any]) -> AsyncIterator[Site]:
    settings = make_settings(api_token=TOKEN)
    engine = build_engine(settings)
    try:
        async for found in serve(engine, settings):
            yield found
    finally:
        engine.db.dispose()


def _error(body: Any, code: str, field: str | None = None) -> None:
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert body["error"]["code"] == code, body
    assert body["error"]["message"], body
    if field is not None:
        assert body["error"].get("field") == field, body


# ---------------------------------------------------------------------- the token


async def test_no_token_or_a_wrong_one_is_401(site: Site) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": TOKEN},
                    {"Authorization": "Basic " + TOKEN}, {"Authorization": f"Bearer {TOKEN}x"}):
        status, body, response_headers = await site.post(GOOD, headers=headers or {
            "Authorization": ""})
        assert status == 401, headers
        _error(body, "unauthorized")
        assert response_headers["WWW-Authenticate"].startswith("Bearer")
        status, body, _ = await site.get("/api/v1/summary", headers=headers)
        assert status == 401
        _error(body, "unauthorized")


async def test_the_right_token_passes(site: Site) -> None:
    status, body, _ = await site.get("/api/v1/summary")
    assert status == 200 and body["metric"] == "nps"


async def test_without_api_token_the_routes_do_not_exist(
        make_settings: Callable[..., Any]) -> None:
    settings = make_settings()
    engine = build_engine(settings)
    try:
        async for found in serve(engine, settings):
            status, _, _ = await found.post(GOOD)
            assert status == 404
            status, _, _ = await found.get("/api/v1/summary")
            assert status == 404
    finally:
        engine.db.dispose()


async def test_run_serves_the_api_with_api_token_alone(make_settings: Callable[..., Any]) -> None:
    port = free_port()
    settings = make_settings(api_token=TOKEN, host="127.0.0.1", port=port)
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, "run", stop))
    try:
        await health_processes(port, 1, timeout=15)
        async with aiohttp.ClientSession() as http, http.get(
                f"http://127.0.0.1:{port}/api/v1/summary?metric=csat", headers=AUTH) as got:
            assert got.status == 200 and (await got.json())["metric"] == "csat"
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


@pytest.mark.parametrize("mode,served", [("web", True), ("run", True), ("worker", False)])
def test_the_roles_that_serve_the_api(make_settings: Callable[..., Any], mode: str,
                                      served: bool) -> None:
    assert plan(make_settings(api_token=TOKEN), mode)["api"] is served
    assert plan(make_settings(), mode)["api"] is False


# ---------------------------------------------------------------------- the body


async def test_a_body_over_64_kb_is_413(site: Site) -> None:
    big = dict(GOOD, customer={"external_id": "C-1", "name": "x" * MAX_BODY})
    status, body, _ = await site.post(big)
    assert status == 413
    _error(body, "too_large")

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: refused while read
        for _ in range(20):
            yield b" " * 8192

    async with site.http.post(f"{site.url}/api/v1/surveys", data=chunked(), headers={
            "Content-Type": "application/json", **AUTH}) as response:
        assert response.status == 413
        _error(await response.json(), "too_large")


async def test_bad_json_is_400(site: Site) -> None:
    for raw in (b"{", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe{}", b"", b"{" * 100
                + b"}" * 100):
        status, body, _ = await site.post(raw=raw)
        assert status == 400, raw
        _error(body, "bad_json")


async def test_a_wrong_content_type_is_415(site: Site) -> None:
    for kind in ("text/plain", "application/x-www-form-urlencoded",
                 "application/json; charset=latin-1"):
        status, body, _ = await site.post(GOOD, headers={"Content-Type": kind})
        assert status == 415, kind
        _error(body, "unsupported_media_type")


@pytest.mark.parametrize("change,code,field", [
    ({"customer": {}}, "missing_customer", "customer"),
    ({"customer": {"attributes": {"plan": "pro"}}}, "missing_customer", "customer"),
    ({"customer": None}, "bad_customer", "customer"),
    ({"customer": "C-1"}, "bad_customer", "customer"),
    ({"customer": {"external_id": "C-1", "phone": "1"}}, "unknown_field", "customer.phone"),
    ({"customer": {"telegram_id": "abc"}}, "bad_customer", "customer.telegram_id"),
    ({"customer": {"telegram_id": -5}}, "bad_customer", "customer.telegram_id"),
    ({"customer": {"slack_id": "nobody"}}, "bad_customer", "customer.slack_id"),
    ({"customer": {"email": "not-an-address"}}, "bad_customer", "customer.email"),
    ({"customer": {"external_id": "C-1", "timezone": "Mars/Olympus"}}, "bad_customer",
     "customer.timezone"),
    ({"customer": {"external_id": "C-1", "attributes": {"revenue:number": "lots"}}},
     "bad_attribute", "customer.attributes.revenue:number"),
    ({"customer": {"external_id": "C-1", "attributes": {"9lives": "x"}}},
     "bad_attribute", "customer.attributes.9lives"),
    ({"customer": {"external_id": "C-1", "attributes": {"plan": {"a": 1}}}},
     "bad_attribute", None),
    ({"survey": "nope"}, "unknown_survey", "survey"),
    ({"survey": ""}, "bad_survey", "survey"),
    ({"survey": 5}, "bad_survey", "survey"),
    ({"delay": "2 weeks"}, "bad_delay", "delay"),
    ({"delay": "-1h"}, "bad_delay", "delay"),
    ({"delay": -30}, "bad_delay", "delay"),
    ({"delay": True}, "bad_delay", "delay"),
    ({"delay": "1000d"}, "bad_delay", "delay"),
    ({"delay": None}, "bad_delay", "delay"),
    ({"campaign": "p-personal"}, "bad_campaign", "campaign"),
    ({"campaign": "a b"}, "bad_campaign", "campaign"),
    ({"idempotency_key": "x" * 200}, "bad_idempotency_key", "idempotency_key"),
    ({"cooldown_days": -1}, "bad_cooldown", "cooldown_days"),
    ({"channel": "fax"}, "bad_channel", "channel"),
    ({"surveys": "csat"}, "unknown_field", "surveys"),
    ({"customer": {"external_id": "C\u0000"}}, "bad_text", "customer.external_id"),
    ({"customer": {"external_id": "C", "attributes": {"plan": "\ud800"}}}, "bad_text",
     "customer.attributes.plan"),
])
async def test_a_bad_field_is_422_naming_it(site: Site, change: dict[str, Any], code: str,
                                            field: str | None) -> None:
    status, body, _ = await site.post({**GOOD, **change})
    assert status == 422, body
    _error(body, code, field)


async def test_a_missing_survey_is_422(site: Site) -> None:
    status, body, _ = await site.post({"customer": {"external_id": "C-1"}})
    assert status == 422
    _error(body, "missing_field", "survey")


async def test_every_error_is_json(site: Site) -> None:
    status, body, headers = await site.get("/api/v1/surveys")
    assert status == 405 and "POST" in headers.get("Allow", "")
    _error(body, "method_not_allowed")
    status, body, _ = await site.get("/api/v1/nothing")
    assert status == 404
    _error(body, "not_found")


# ---------------------------------------------------------------------- the summary


@pytest.fixture
def answers(site: Site) -> None:
    now = utcnow()
    store_rows(site.engine, [Row("nps", 10, now - timedelta(days=1, hours=h), "telegram")
                             for h in range(12)]
               + [Row("nps", 3, now - timedelta(days=2), "slack", "ro", "spring",
                      comment="Too slow")]
               + [Row("csat", 4, now - timedelta(days=3))])


@pytest.mark.usefixtures("answers")
async def test_the_summary_is_the_clis_json(site: Site, database_url: str,
                                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    for query, args in (("metric=nps&period=30d&by=channel", ["--by", "channel"]),
                        ("metric=csat&period=7d", ["--metric", "csat", "--period", "7d"]),
                        ("", []),
                        ("metric=nps&by=language&lang=ro", ["--by", "language", "--lang", "ro"])):
        status, body, _ = await site.get(f"/api/v1/summary?{query}")
        assert status == 200, body
        capsys.readouterr()
        code = main(["summary", "--format", "json", *args] + (
            ["--metric", "nps"] if "--metric" not in args else []))
        assert code == 0
        assert body == json.loads(capsys.readouterr().out), query
    status, body, _ = await site.get("/api/v1/summary?metric=nps&period=30d&by=channel")
    assert {s["key"]: s["n"] for s in body["segments"]} == {"telegram": 12, "slack": 1}


@pytest.mark.parametrize("query,code,field", [
    ("metric=revenue", "bad_metric", "metric"),
    ("period=fortnight", "bad_period", "period"),
    ("period=2026-13", "bad_period", "period"),
    ("by=colour", "bad_by", "by"),
    ("lang=fr", "bad_lang", "lang"),
    ("metrc=nps", "unknown_parameter", "metrc"),
])
async def test_a_bad_summary_parameter_is_400(site: Site, query: str, code: str,
                                              field: str) -> None:
    status, body, _ = await site.get(f"/api/v1/summary?{query}")
    assert status == 400
    _error(body, code, field)


async def test_the_summary_splits_by_a_customer_attribute(site: Site) -> None:
    from tests.insight import world
    from tests.test_insight import NOW

    site.engine.clock = lambda: NOW
    world(site.engine, NOW)
    status, body, _ = await site.get("/api/v1/summary?period=30d&by=revenue")
    assert status == 200, body
    assert [(s["key"], s["label"], s["n"]) for s in body["segments"]] == [
        ("..250", "under 250", 2), ("250..500", "250 to under 500", 1),
        ("1000..", "1,000 and over", 4), ("", "without revenue", 2)]
    status, body, _ = await site.get("/api/v1/summary?by=colour")
    assert status == 400
    _error(body, "bad_by", "by")
    assert "plan, revenue, signed_up" in body["error"]["message"]


# ---------------------------------------------------------------------- an outage


async def test_a_database_outage_is_503_with_retry_after(postgres_url: str) -> None:
    """PostgreSQL goes away (SQLite is a file: it has no outage of this kind)."""
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        settings = Settings(_env_file=None, api_token=TOKEN,  # type: ignore[call-arg]
                            database_url=proxy.url(postgres_url))
        engine = build_engine(settings)
        try:
            async for found in serve(engine, settings):
                assert (await found.get("/api/v1/summary"))[0] == 200
                proxy.cut()
                status, body, headers = await found.get("/api/v1/summary")
                assert status == 503 and headers["Retry-After"].isdigit()
                _error(body, "unavailable")
                status, body, headers = await found.post(GOOD)
                assert status == 503 and headers["Retry-After"].isdigit()
                _error(body, "unavailable")
                proxy.restore()
                assert (await found.get("/api/v1/summary"))[0] == 200
                status, body, headers = await found.post(GOOD)  # nothing was done before
                assert status == 202 and "Idempotent-Replayed" not in headers, body
        finally:
            engine.db.dispose()


# ---------------------------------------------------------------------- any input


_ODD: list[Any] = [None, True, False, 0, -1, 2**70, 1e308, -0.5, "", " ", "x" * 5000,
                   "\u0000", "\ud800", "ț" * 10, [], [1, "a"], {}, {"a": {"b": [None]}},
                   [[[[[[]]]]]]]


def _mutants(seed: int, count: int) -> list[bytes]:
    """GOOD with one field (at any depth) replaced by an odd value, a field added or removed,
    and raw texts JSON allows but we do not (NaN, Infinity)."""
    import random

    rnd = random.Random(seed)
    found: list[bytes] = [b'{"survey": NaN, "customer": {"external_id": "C"}}',
                          b'{"survey": "csat", "delay": Infinity, "customer": {"email": "a@b.c"}}',
                          b'{"survey": "csat", "cooldown_days": NaN, "customer": {"slack_id": "U1"'
                          b'}}', b'{"survey": "csat", "customer": {"external_id": "C", '
                          b'"attributes": {"n:number": NaN}}}']
    paths = [("survey",), ("campaign",), ("delay",), ("idempotency_key",), ("cooldown_days",),
             ("channel",), ("customer",), ("customer", "external_id"),
             ("customer", "telegram_id"), ("customer", "attributes"),
             ("customer", "attributes", "plan"), ("customer", "email"),
             ("customer", "timezone"), ("customer", "language"), ("customer", "name")]
    for _ in range(count):
        body = json.loads(json.dumps(GOOD))
        body["idempotency_key"] = f"fuzz-{rnd.random()}"
        *outer, last = rnd.choice(paths)
        where = body
        for key in outer:
            where = where.setdefault(key, {}) if isinstance(where.get(key), dict) else where
        action = rnd.random()
        if action < 0.15:
            where.pop(last, None)
        elif action < 0.25:
            where[f"extra{rnd.randint(0, 9)}"] = rnd.choice(_ODD)
        else:
            where[last] = rnd.choice(_ODD)
        found.append(json.dumps(body).encode("utf-8", "surrogatepass"))
    return found


async def test_no_input_makes_a_500_and_a_refusal_changes_nothing(site: Site) -> None:
    from tests.bad_input import raw_post, row_counts

    before = row_counts(site.engine)
    accepted = 0
    for raw in _mutants(11, 150):
        status, body, _ = await site.post(raw=raw)
        assert status in (202, 400, 409, 413, 422), (status, raw[:200], body)
        if status == 202:
            accepted += 1
            before = row_counts(site.engine)
            continue
        _error(body, body["error"]["code"])
        assert row_counts(site.engine) == before, raw[:200]
    assert accepted > 0  # the mutants are not all refusals: some odd values are fine
    for header in (b"Authorization: Bearer \xff\xfe\r\n", b"Authorization: \r\n",
                   b"Authorization: Bearer " + TOKEN.encode() + b"\xc3\r\n"):
        assert await raw_post(f"{site.url}/api/v1/surveys", header) == 401


async def test_gunicorn_web_processes_serve_the_api_and_agree_on_a_key(
        database_url: str, tmp_path: Path) -> None:
    """``survey-bot web`` with two web processes: the API answers from both, and requests
    with one idempotency key spread over them are one invitation."""
    from sqlmodel import Session, func, select

    from bot.campaign_tables import Invitation
    from bot.db import open_database
    from tests.helpers import survey_bot_web

    port = free_port()
    env = {"DATABASE_URL": database_url, "WEB_CONCURRENCY": "2", "HOST": "127.0.0.1",
           "PORT": str(port), "LOG_LEVEL": "WARNING", "API_TOKEN": TOKEN}
    with survey_bot_web(env, tmp_path):
        assert len(await health_processes(port, 2, timeout=60)) == 2
        connector = aiohttp.TCPConnector(force_close=True)  # a new connection each time
        async with aiohttp.ClientSession(connector=connector,
                                         timeout=aiohttp.ClientTimeout(total=30)) as http:
            async def post() -> tuple[int, Any]:
                async with http.post(f"http://127.0.0.1:{port}/api/v1/surveys", json=GOOD,
                                     headers=AUTH) as response:
                    return response.status, await response.json()
            answers = await asyncio.gather(*(post() for _ in range(12)))
            async with http.get(f"http://127.0.0.1:{port}/api/v1/summary?by=campaign",
                                headers=AUTH) as response:
                assert response.status == 200
                assert (await response.json())["by"] == "campaign"
    assert {status for status, _ in answers} == {202}
    assert len({body["id"] for _, body in answers}) == 1
    db = open_database(database_url)
    try:
        with Session(db.read_engine) as session:
            assert session.exec(select(func.count()).select_from(Invitation)).one() == 1
    finally:
        db.dispose()
