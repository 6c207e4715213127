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
