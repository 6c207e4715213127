"""Survey definitions: data an operator can edit (TOML), validated on load."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.i18n import SUPPORTED, Translator
from bot.metrics import METRICS, Metric
from bot.surveys.errors import SurveyConfigError as SurveyConfigError
from bot.surveys.promoter_ask import PromoterAsk as PromoterAsk
from bot.surveys.promoter_ask import parse_promoter_ask

DEFAULT_FILE = Path(__file__).resolve().parent / "default.toml"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Text:
    """A question's wording: an English catalog msgid, or the operator's own per language."""

    msgid: str
    own: Mapping[str, str] = field(default_factory=dict)

    def render(self, t: Translator) -> str:
        if self.own:
            return self.own.get(t.lang) or self.own["en"]
        return t.gettext(self.msgid)


@dataclass(frozen=True)
class Question:
    key: str
    metric: str
    text: Text
    follow_up: Mapping[str, Text]
    alert_on: tuple[str, ...]
    promoter_ask: PromoterAsk | None = None
    """What the bot offers a promoter after this question (``docs/advocacy.md``)."""

    @property
    def spec(self) -> Metric:
        """The facts of its metric (scale, buckets, layout, labels)."""
        return METRICS[self.metric]

    @property
    def scale(self) -> tuple[int, int]:
        return self.spec.scale


@dataclass(frozen=True)
class Survey:
    name: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class SurveyCatalog:
    surveys: Mapping[str, Survey]

    @property
    def default(self) -> Survey:
        return self.surveys["default"]

    def get(self, name: str | None) -> Survey | None:
        return self.surveys.get(name) if name else None


def _text(value: Any, where: str) -> Text:
    if isinstance(value, str) and value.strip():
        return Text(value.strip())
    if isinstance(value, dict):
        unknown = set(value) - set(SUPPORTED)
        if unknown:
            raise SurveyConfigError(f"{where}: unknown language {sorted(unknown)[0]!r}")
        if not isinstance(value.get("en"), str) or not value["en"].strip():
            raise SurveyConfigError(f"{where}.en: an English text is required")
        own = {k: str(v).strip() for k, v in value.items() if str(v).strip()}
        return Text(own["en"], own)
    raise SurveyConfigError(f"{where}: expected a text or a table of texts per language")


def _question(raw: Any, where: str) -> Question:
    if not isinstance(raw, dict):
        raise SurveyConfigError(f"{where}: expected a table")
    known = {"key", "metric", "text", "follow_up", "alert_on", "promoter_ask"}
    extra = set(raw) - known
    if extra:
        raise SurveyConfigError(f"{where}.{sorted(extra)[0]}: unknown field")
    key = raw.get("key")
    if not isinstance(key, str) or not _NAME.match(key):
        raise SurveyConfigError(f"{where}.key: expected letters, digits, _ or - (1-64)")
    metric = raw.get("metric")
    if not isinstance(metric, str) or metric not in METRICS:
        raise SurveyConfigError(
            f"{where}.metric: expected one of {', '.join(METRICS)}, got {metric!r}")
    buckets = METRICS[metric].buckets
    follow_raw = raw.get("follow_up", {})
    if not isinstance(follow_raw, dict):
        raise SurveyConfigError(f"{where}.follow_up: expected a table of bucket = text")
    follow: dict[str, Text] = {}
    for bucket, text in follow_raw.items():
        if bucket not in buckets:
            raise SurveyConfigError(
                f"{where}.follow_up.{bucket}: not a {metric} bucket ({', '.join(buckets)})")
        follow[bucket] = _text(text, f"{where}.follow_up.{bucket}")
    alert_on = raw.get("alert_on", list(METRICS[metric].alert_on))
    if not isinstance(alert_on, list) or any(b not in buckets for b in alert_on):
        raise SurveyConfigError(f"{where}.alert_on: expected a list of {metric} buckets")
    ask = None
    if "promoter_ask" in raw:
        ask = parse_promoter_ask(raw["promoter_ask"], METRICS[metric], f"{where}.promoter_ask")
    return Question(key, metric, _text(raw.get("text"), f"{where}.text"), follow,
                    tuple(alert_on), ask)


def parse_surveys(data: Mapping[str, Any], source: str = "surveys") -> SurveyCatalog:
    """Validate the parsed TOML document."""
    surveys_raw = data.get("surveys")
    if not isinstance(surveys_raw, dict) or not surveys_raw:
        raise SurveyConfigError(f"{source}: expected at least one [surveys.<name>] table")
    surveys: dict[str, Survey] = {}
    for name, body in surveys_raw.items():
        where = f"{source}: surveys.{name}"
        if not _NAME.match(name):
            raise SurveyConfigError(f"{where}: a survey name is letters, digits, _ or - (1-64)")
        if not isinstance(body, dict) or not isinstance(body.get("questions"), list):
            raise SurveyConfigError(f"{where}.questions: expected a list of questions")
        if not body["questions"]:
            raise SurveyConfigError(f"{where}.questions: a survey needs at least one question")
        extra = set(body) - {"questions"}
        if extra:
            raise SurveyConfigError(f"{where}.{sorted(extra)[0]}: unknown field")
        questions = tuple(
            _question(q, f"{where}.questions[{i}]") for i, q in enumerate(body["questions"])
        )
        keys = [q.key for q in questions]
        if len(set(keys)) != len(keys):
            dup = next(k for k in keys if keys.count(k) > 1)
            raise SurveyConfigError(f"{where}.questions: key {dup!r} is used twice")
        surveys[name] = Survey(name, questions)
    if "default" not in surveys:
        raise SurveyConfigError(f"{source}: a survey named 'default' is required")
    return SurveyCatalog(surveys)


def load_surveys(path: Path | None = None) -> SurveyCatalog:
    """Load and validate a survey file (the built-in one when ``path`` is None)."""
    file = path or DEFAULT_FILE
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SurveyConfigError(f"SURVEY_FILE: {file} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SurveyConfigError(f"{file}: not valid TOML: {exc}") from exc
    return parse_surveys(data, str(file))
