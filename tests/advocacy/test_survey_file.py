"""``promoter_ask`` in a survey file: read into the question, checked at load with an error
that names the field; the built-in surveys stay valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.surveys import PromoterAsk, SurveyConfigError, load_surveys
from tests.advocacy.surveys import REFERRAL_URL, REVIEW_URL, survey_file

NPS = 'key = "q", metric = "nps", text = "How likely?"'


def load(tmp_path: Path, ask: str, question: str = NPS) -> PromoterAsk | None:
    path = tmp_path / "s.toml"
    path.write_text(f"[surveys.default]\nquestions = [{{ {question}, promoter_ask = {ask} }}]\n",
                    encoding="utf-8")
    return load_surveys(path).default.questions[0].promoter_ask


def test_the_shape_is_read(tmp_path: Path) -> None:
    catalog = load_surveys(survey_file(tmp_path))
    assert catalog.default.questions[0].promoter_ask == PromoterAsk(
        referral=True, referral_url=REFERRAL_URL, review_url=REVIEW_URL, consent_to_name=True)
    assert catalog.default.questions[1].promoter_ask is None
    assert load(tmp_path, "{}") == PromoterAsk()  # a Telegram referral link, nothing else
    assert load(tmp_path, '{ referral = false, review_url = "https://r.example/x" }') == \
        PromoterAsk(False, None, "https://r.example/x", False)
    assert all(q.promoter_ask is None for s in load_surveys().surveys.values()
               for q in s.questions)


def test_ref_is_filled_url_encoded() -> None:
    assert PromoterAsk.fill("https://s.example/i?ref={ref}&x=1", "c 1/ă") == \
        "https://s.example/i?ref=c%201%2F%C4%83&x=1"
    assert PromoterAsk.fill("https://s.example/i?ref={ref}", None) == "https://s.example/i?ref="


@pytest.mark.parametrize("ask,question,message", [
    ('"yes"', NPS, "promoter_ask: expected a table"),
    ("{ colour = 1 }", NPS, "promoter_ask.colour: unknown field"),
    ('{ referral_url = "ftp://x.example/a" }', NPS,
     "promoter_ask.referral_url: expected an http:// or https:// address with a host"),
    ('{ review_url = "https:///nohost" }', NPS, "promoter_ask.review_url: expected an http"),
    ('{ review_url = "https://x.example/a b" }', NPS, "review_url: an address has no spaces"),
    ('{ review_url = "https://x.example/{name}" }', NPS,
     "review_url: only {ref} may stand in braces"),
    ('{ review_url = 3 }', NPS, "review_url: expected an http:// or https:// address"),
    ("{ referral = false }", NPS, "promoter_ask: offers nothing"),
    ('{ referral = false, referral_url = "https://x.example" }', NPS,
     "referral_url: set with referral = false"),
    ('{ consent_to_name = "yes" }', NPS, "consent_to_name: expected true or false"),
    ("{}", 'key = "q", metric = "csat", text = "Happy?"',
     "promoter_ask: only a question of a net metric (NPS) has promoters to ask, not csat"),
])
def test_a_bad_promoter_ask_is_refused_naming_the_field(tmp_path: Path, ask: str,
                                                         question: str, message: str) -> None:
    with pytest.raises(SurveyConfigError) as caught:
        load(tmp_path, ask, question)
    assert "surveys.default.questions[0].promoter_ask" in str(caught.value)
    assert message in str(caught.value)
