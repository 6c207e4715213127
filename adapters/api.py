"""The HTTP API on the web app (``docs/api.md``): ``POST /api/v1/surveys`` asks a customer for a
survey (a CSAT after a solved ticket), ``GET /api/v1/summary`` returns the CLI's JSON summary.

Only with API_TOKEN: every request carries ``Authorization: Bearer <API_TOKEN>``, compared in
constant time.  Every answer other than 2xx is ``{"error": {"code", "message", "field"}}``;
no input makes a 500, and a database outage is a 503 with ``Retry-After``.  Engine calls go
through :class:`~adapters.engine_calls.EngineCalls`, like the channels'.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlmodel import Session

from adapters.api_models import ApiError, survey_request
from adapters.engine_calls import EngineCalls
from adapters.payloads import BadPayload, json_object
from bot.campaigns.spec import CampaignError, RequestResult, SurveyRequest
from bot.engine import Engine
from bot.engine.transient import DatabaseDown, retrying
from bot.i18n import SUPPORTED, translator
from bot.metrics import METRICS
from bot.periods import PeriodError, parse_period
from bot.reports import SPLITS, UnknownSplit, build_report, report_dict
from bot.settings import Settings

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
MAX_BODY = 64 * 1024
RETRY_AFTER = "5"
SUMMARY_PARAMETERS = ("metric", "period", "by", "lang")
_CAMPAIGN_ERRORS = {  # CampaignError.code -> (status, field)
    "unknown_survey": (422, "survey"), "bad_channel": (422, "channel"),
    "bad_customer": (422, "customer"), "bad_name": (422, "campaign"),
    "bad_state": (409, "campaign"), "name_taken": (409, "campaign"),
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.status, headers=error.headers)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Under /api/: every error as JSON (aiohttp's 404 and 405 too); a database outage a 503;
    a bug a 500 with a JSON body, logged."""
    if not request.path.startswith("/api/"):
        return await handler(request)
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = (exc.reason or "error").lower().replace(" ", "_")
        return error_response(ApiError(exc.status, code, exc.reason or "error",
                                       headers={k: v for k, v in exc.headers.items()
                                                if k.lower() == "allow"}))
    except DatabaseDown:
        log.warning("api: database down; %s %s answered 503", request.method, request.path)
        return error_response(ApiError(503, "unavailable", "the database cannot be reached "
                                       "just now; try again", headers={
                                           "Retry-After": RETRY_AFTER}))
    except Exception:
        log.exception("api: %s %s failed", request.method, request.path)
        return error_response(ApiError(500, "internal", "something went wrong on our side"))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest()


class Api:
    def __init__(self, engine: Engine, settings: Settings, calls: EngineCalls) -> None:
        self.engine = engine
        self.calls = calls
        self._token = _digest(settings.api_token)
        self.manager_locale = settings.manager_locale

    def authorize(self, request: web.Request) -> None:
        """A 401 unless the request carries the token (compared in constant time)."""
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="survey-bot"'}
        if scheme.lower() != "bearer" or not given.strip():
            raise ApiError(401, "unauthorized", "send Authorization: Bearer <API_TOKEN>",
                           headers=challenge)
        if not hmac.compare_digest(_digest(given.strip()), self._token):
            raise ApiError(401, "unauthorized", "the token is not the API token",
                           headers=challenge)

    # ------------------------------------------------------------------ POST /surveys

    async def surveys(self, request: web.Request) -> web.Response:
        self.authorize(request)
        if request.content_type != "application/json" or request.charset not in (None, "utf-8"):
            raise ApiError(415, "unsupported_media_type",
                           "send the body as Content-Type: application/json (UTF-8)")
        asked = survey_request(await _json_body(request))
        if self.engine.surveys.get(asked.survey) is None:
            raise ApiError(422, "unknown_survey", f"no survey named {asked.survey!r}; known: "
                           + ", ".join(sorted(self.engine.surveys.surveys)), "survey")
        result = await self._request(asked)
        headers = {"Idempotent-Replayed": "true"} if result.duplicate else {}
        return web.json_response({"id": result.id, "status": result.status,
                                  "reason": result.reason}, status=202, headers=headers)

    async def _request(self, asked: SurveyRequest) -> RequestResult:
        try:
            result: RequestResult = await self.calls(self.engine.request_survey, asked)
        except CampaignError as exc:
            status, field = _CAMPAIGN_ERRORS.get(exc.code, (422, None))
            raise ApiError(status, exc.code, str(exc), field) from None
        return result

    # ------------------------------------------------------------------ GET /summary

    async def summary(self, request: web.Request) -> web.Response:
        self.authorize(request)
        query = request.query
        for name in query:
            if name not in SUMMARY_PARAMETERS:
                raise ApiError(400, "unknown_parameter", f"unknown parameter {name!r}; known: "
                               + ", ".join(SUMMARY_PARAMETERS), name)
        metric = query.get("metric", next(iter(METRICS)))
        if metric not in METRICS:
            raise ApiError(400, "bad_metric", f"metric must be one of {', '.join(METRICS)}",
                           "metric")
        by = query.get("by") or None
        lang = query.get("lang") or self.manager_locale
        if lang not in SUPPORTED:
            raise ApiError(400, "bad_lang", f"lang must be one of {', '.join(SUPPORTED)}",
                           "lang")
        text = query.get("period", "30d")
        try:
            period = parse_period(text, self.engine.clock(), self.engine.report_zone)
        except PeriodError as exc:
            raise ApiError(400, "bad_period", str(exc), "period") from None
        try:
            data: dict[str, Any] = await self.calls(summary_data, self.engine, metric, period,
                                                    by, lang)
        except UnknownSplit as exc:
            known = ", ".join((*SPLITS, *exc.attributes))
            raise ApiError(400, "bad_by", f"by must be one of {known} (a split or a customer "
                           "attribute)", "by") from None
        return web.json_response(data, dumps=_dumps)


def summary_data(engine: Engine, metric: str, period: Any, by: str | None,
                 lang: str) -> dict[str, Any]:
    """``survey-bot summary --format json`` (bot/cli.py), on the read-only connection."""
    def once() -> dict[str, Any]:
        with Session(engine.db.read_engine) as session:
            report = build_report(session, metric, period, by, surveys=engine.surveys)
        return report_dict(report, translator(lang))
    return retrying(once)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def _json_body(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object: 413 over MAX_BODY (refused by Content-Length before reading,
    else as soon as it is read past), 400 when it is not UTF-8 JSON or not an object."""
    length = request.content_length
    if length is not None and length > MAX_BODY:
        raise ApiError(413, "too_large", f"the body is over {MAX_BODY // 1024} KB")
    chunks, size = [], 0
    while chunk := await request.content.read(MAX_BODY + 1 - size):
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiError(413, "too_large", f"the body is over {MAX_BODY // 1024} KB")
        chunks.append(chunk)
    try:
        return json_object(b"".join(chunks))
    except BadPayload as exc:
        raise ApiError(400, "bad_json", f"the body is {exc}") from None


def attach(app: web.Application, engine: Engine, settings: Settings,
           calls: EngineCalls | None = None) -> None:
    """Add the API's routes (and its JSON errors) to the web app; a web app without shared
    ``calls`` gets its own, closed with the app."""
    if calls is None:
        own = calls = EngineCalls(engine, settings)

        async def closing(_app: web.Application) -> AsyncIterator[None]:
            yield
            own.close()
        app.cleanup_ctx.append(closing)
    api = Api(engine, settings, calls)
    app.middlewares.append(json_errors)
    app.router.add_post(f"{PREFIX}/surveys", api.surveys)
    app.router.add_get(f"{PREFIX}/summary", api.summary)

