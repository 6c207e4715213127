"""The survey file of the advocacy tests: the default survey asks NPS with a promoter ask
(referral page, review page, consent to be named), then CSAT; ``plain`` has no ask;
``reviews`` offers a review only.  Written with tables, the form an operator's file may take
beside the inline one."""

from __future__ import annotations

from pathlib import Path

REFERRAL_URL = "https://shop.example.com/invite?ref={ref}"
REVIEW_URL = "https://reviews.example.com/acme/write"
PUBLIC_URL = "https://bot.example.com"
NPS_TEXT = "How likely are you to recommend us to a friend or colleague?"

SURVEYS = f"""
[[surveys.default.questions]]
key = "nps"
metric = "nps"
text = "{NPS_TEXT}"
follow_up.promoter = "Thank you! What do you value most about us?"
follow_up.detractor = "We are sorry to hear that. What disappointed you?"

[surveys.default.questions.promoter_ask]
referral_url = "{REFERRAL_URL}"
review_url = "{REVIEW_URL}"
consent_to_name = true

[[surveys.default.questions]]
key = "csat"
metric = "csat"
text = "How satisfied are you with the service you received?"

[[surveys.plain.questions]]
key = "nps"
metric = "nps"
text = "{NPS_TEXT}"

[[surveys.reviews.questions]]
key = "nps"
metric = "nps"
text = "{NPS_TEXT}"
promoter_ask = {{ referral = false, review_url = "{REVIEW_URL}" }}
"""


def survey_file(directory: Path) -> Path:
    path = directory / "advocacy-surveys.toml"
    path.write_text(SURVEYS, encoding="utf-8")
    return path
