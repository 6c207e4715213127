"""Audience filters: parsed strictly, compared by each attribute's kind, in SQL."""

from __future__ import annotations

import pytest

from bot.audience.values import typed
from bot.campaign_tables import AttributeKind
from bot.campaigns import filters
from bot.campaigns.spec import CampaignError, CampaignSpec
from bot.engine import Engine
from tests.campaigns.helpers import (
    Clock,
    add_customers,
    bind_all,
    customer,
    invitations,
    outcome_of,
)

PEOPLE = [
    # external id, plan, country, revenue, signed_up, city, language
    ("a", "pro", "RO", "1200", "2026-01-15", "Cluj Napoca", "ro"),
    ("b", "Pro", "ro", "900", "2025-12-31", "Iași", "en"),
    ("c", "free", "RO", "15000", "2026-06-01", "cluj napoca", "zh"),
    ("d", "free", "DE", "80", "2024-03-03", "Berlin", "en"),
]


def audience(engine: Engine, name: str, text: str) -> set[str]:
    """The external ids a campaign with this filter plans (everyone has a console account)."""
    engine.create_campaign(CampaignSpec(name, "nps", channel="console", audience=text,
                                        cooldown_days=0))
    return set(outcome_of(engine, name))


@pytest.fixture
def people(engine_clock: tuple[Engine, Clock]) -> Engine:
    engine, _clock = engine_clock
    add_customers(engine, [customer(ext, language=lang, attributes={
        "plan": plan, "country": country, "revenue": revenue, "signed_up": signed,
        "city": typed(city, AttributeKind.TEXT).text})
        for ext, plan, country, revenue, signed, city, lang in PEOPLE])
    bind_all(engine, "console")
    return engine


@pytest.mark.parametrize("text,expected", [
    ("", "abcd"),
    ("all", "abcd"),
    ("plan=pro", "ab"),  # text: case-insensitive
    ("plan=PRO country=ro", "ab"),
    ("plan!=pro", "cd"),
    ("revenue>=1000", "ac"),  # a number: 900 < 1000 < 15000 (as text "900" > "15000")
    ("revenue<1000", "bd"),
    ("revenue=900", "b"),
    ("signed_up>=2026-01-01", "ac"),  # a date
    ("signed_up<2026-01-01", "bd"),
    ('city="Cluj Napoca"', "ac"),
    ("city='cluj napoca' revenue>10000", "c"),
    ("language=ro", "a"),
    ("language!=en", "ac"),
    ("nobody=here", ""),
])
def test_filters_compare_by_kind(people: Engine, text: str, expected: str) -> None:
    assert audience(people, "f", text) == set(expected)


@pytest.mark.parametrize("text,token", [
    ("plan", "plan"),
    ("plan=pro country", "country"),
    ("=pro", "=pro"),
    ('city="Cluj', 'city="Cluj'),
    ("revenue>abc", "revenue>abc"),
    ("language>ro", "language>ro"),
    ("language=xx", "language=xx"),
])
def test_a_bad_filter_names_its_token(people: Engine, text: str, token: str) -> None:
    with pytest.raises(CampaignError) as caught:
        people.create_campaign(CampaignSpec("bad", "nps", channel="console", audience=text))
    assert caught.value.code == "bad_filter"
    assert caught.value.params["token"] == token
    assert invitations(people) == []  # nothing written


def test_parse_takes_quotes_and_operators() -> None:
    parsed = filters.parse('plan=pro  city="Cluj Napoca" revenue>=10 x!=y a<2 b<=3 c>4')
    assert [(c.name, c.op, c.value) for c in parsed] == [
        ("plan", "=", "pro"), ("city", "=", "Cluj Napoca"), ("revenue", ">=", "10"),
        ("x", "!=", "y"), ("a", "<", "2"), ("b", "<=", "3"), ("c", ">", "4")]
