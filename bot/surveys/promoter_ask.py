"""``promoter_ask`` on a survey's NPS question: what the bot offers a promoter once their
survey is over (``docs/advocacy.md``)::

    [surveys.default.questions.promoter_ask]   # or inline: promoter_ask = { … }
    referral = true                            # a personal referral link (default: true)
    referral_url = "https://example.com/invite?ref={ref}"
    review_url = "https://g.page/r/XXXX/review"
    consent_to_name = true                     # ask whether the top referrers may be named

``referral_url`` is where the web link ``/r/<token>`` sends the promoter's friends (without
it a referral is a Telegram deep link only); ``review_url`` the review page the review button
opens through ``/r/<token>``.  ``{ref}`` in either is replaced by the promoter's
``external_id`` (URL-encoded; empty for a customer nobody imported), so the company's site can
record who sent a visitor and import it back as ``referred_by``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from bot.metrics import Metric
from bot.surveys.errors import SurveyConfigError
from scoring import Kind

FIELDS = ("referral", "referral_url", "review_url", "consent_to_name")
REF = "{ref}"
MAX_URL = 2000


@dataclass(frozen=True)
class PromoterAsk:
    """What a promoter is offered: a referral link (``referral``; through the web to
    ``referral_url`` when it is set), a review button (``review_url``), and whether they are
    asked if they may be named."""

    referral: bool = True
    referral_url: str | None = None
    review_url: str | None = None
    consent_to_name: bool = False

    @staticmethod
    def fill(url: str, external_id: str | None) -> str:
        """``url`` with ``{ref}`` replaced by the promoter's external id, URL-encoded."""
        return url.replace(REF, quote(external_id or "", safe=""))


def _url(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SurveyConfigError(f"{where}: expected an http:// or https:// address")
    text = value.strip()
    if len(text) > MAX_URL:
        raise SurveyConfigError(f"{where}: longer than {MAX_URL} characters")
    if any(ch.isspace() for ch in text):
        raise SurveyConfigError(f"{where}: an address has no spaces")
    if "{" in text.replace(REF, "") or "}" in text.replace(REF, ""):
        raise SurveyConfigError(f"{where}: only {REF} may stand in braces")
    try:
        parts = urlsplit(text.replace(REF, "x"))
    except ValueError as exc:
        raise SurveyConfigError(f"{where}: not an address ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SurveyConfigError(f"{where}: expected an http:// or https:// address with a "
                                f"host, got {text[:80]!r}")
    return text


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise SurveyConfigError(f"{where}: expected true or false")
    return value


def parse_promoter_ask(raw: Any, metric: Metric, where: str) -> PromoterAsk:
    """The ``promoter_ask`` table of a question of ``metric``, checked."""
    if metric.kind is not Kind.NET:
        raise SurveyConfigError(f"{where}: only a question of a net metric (NPS) has "
                                f"promoters to ask, not {metric.key}")
    if not isinstance(raw, Mapping):
        raise SurveyConfigError(f"{where}: expected a table ({', '.join(FIELDS)})")
    extra = sorted(set(raw) - set(FIELDS))
    if extra:
        raise SurveyConfigError(f"{where}.{extra[0]}: unknown field (known: "
                                f"{', '.join(FIELDS)})")
    referral = _flag(raw.get("referral", True), f"{where}.referral")
    referral_url = (_url(raw["referral_url"], f"{where}.referral_url")
                    if "referral_url" in raw else None)
    review_url = _url(raw["review_url"], f"{where}.review_url") if "review_url" in raw else None
    if referral_url and not referral:
        raise SurveyConfigError(f"{where}.referral_url: set with referral = false; remove one")
    if not referral and not review_url:
        raise SurveyConfigError(f"{where}: offers nothing: set referral = true or a "
                                "review_url")
    return PromoterAsk(referral, referral_url, review_url,
                       _flag(raw.get("consent_to_name", False), f"{where}.consent_to_name"))
