"""A Slack manager's ``/nps send …``: people and channels named (``<@U…>``, ``<#C…>``) or an
attribute filter, a preview with Send / Cancel in the command's ephemeral answer, the sends at
the wave's pace, the word when they are over; e-mail look-ups (``users.lookupByEmail``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlmodel import Session, select

from bot.campaign_tables import CampaignStatus, Customer
from bot.i18n import translator
from tests.chat_campaigns import EVERY_HOUR, campaign_named, drive, import_customers
from tests.slack.conftest import serving
from tests.slack.harness import MANAGER, SlackHarness

NPS_Q = "How likely are you to recommend us to a friend or colleague?"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def slack(slack_settings: Callable[..., Any]) -> AsyncIterator[SlackHarness]:
    async with serving(slack_settings, send_window=EVERY_HOUR) as harness:
        yield harness


async def _press(slack: SlackHarness, user: str, preview: dict[str, Any],
                 label: str) -> list[dict[str, Any]]:
    """Press ``label`` on an ephemeral preview; what its response_url received."""
    message = {"ts": "1700000000.000100", "blocks": preview["blocks"], "text": preview["text"]}
    button = next(e for b in preview["blocks"] if b["type"] == "actions"
                  for e in b["elements"] if e["text"]["text"] == label)
    body = slack.send.action(user, "C0GENERAL", message, button)
    url = json.loads(parse_qs(body.decode())["payload"][0])["response_url"]
    status, _ = await slack.deliver(body, FORM)
    assert status == 200
    return slack.api.responses[url.rsplit("/", 1)[1]]


async def test_people_and_a_channel_previewed_then_sent(slack: SlackHarness) -> None:
    for uid, locale in (("UW1", "zh-CN"), ("UW2", "en-US"), ("UW3", "ro-RO"), ("UW4", "en-US")):
        slack.api.add_user(uid, uid, locale)
    slack.api.add_user("UBOT9", "Helper bot", "en-US", is_bot=True)
    slack.api.members["C0CUSTOMERS"] = ["UW3", "UW4", "UBOT9", "UW1"]
    slack.api.inactive.add("UW4")
    (preview,) = await slack.command(
        MANAGER, "/nps", "send <@UW1|uw1> <@UW2> <#C0CUSTOMERS|customers>")
    assert preview["response_type"] == "ephemeral"
    assert preview["text"].splitlines() == ["The survey will go to 4 people.",
                                            "Nothing is sent until you press Send."]
    await drive(slack.engine, "slack", slack.channel.dispatcher)
    assert all(slack.api.dm_texts(uid) == [] for uid in ("UW1", "UW2", "UW3"))

    slack.api.add_user("UCUST2", "Customer", "en-US")
    assert await _press(slack, "UCUST2", preview, "Send") == []  # not replaced
    assert slack.ephemerals("UCUST2") == ["Sorry, this is only for managers."]
    assert campaign_named(slack.engine, "nps-")[0].status == CampaignStatus.DRAFT

    (replaced,) = await _press(slack, MANAGER, preview, "Send")
    assert replaced["replace_original"] is True
    assert replaced["text"].endswith("Sending the survey to 4 people, about 50 a second.")
    await drive(slack.engine, "slack", slack.channel.dispatcher)
    for uid, lang in (("UW1", "zh"), ("UW2", "en"), ("UW3", "ro")):
        (first,) = slack.api.dm_texts(uid)
        assert translator(lang).gettext(NPS_Q) in first  # each in the language Slack gave
    assert slack.api.dm_texts("UBOT9") == []
    person = slack.respondent("UW4")
    assert person is not None and person.unreachable
    assert slack.ephemerals(MANAGER) == [
        "Survey sent to 3 of 4; the others opted out or cannot be reached."]
    # The campaign's survey is NPS only, with the campaign stored on the answers.
    await slack.press("UW2", "10")
    await slack.dm("UW2", "Great")
    (answer,) = slack.answers()
    assert answer.survey == "nps" and (answer.campaign or "").startswith("nps-")

    assert await _press(slack, MANAGER, preview, "Send") == []
    assert slack.ephemerals(MANAGER)[-1] == "This survey was sent already."
    await drive(slack.engine, "slack", slack.channel.dispatcher)
    assert len(slack.api.dm_texts("UW1")) == 1


async def test_a_filter_cancel_and_refusals(slack: SlackHarness) -> None:
    for uid in ("UP1", "UP2", "UB1"):
        slack.api.add_user(uid, uid, "en-US")
    import_customers(slack.engine, [
        {"external_id": "p1", "slack_id": "UP1", "plan": "pro"},
        {"external_id": "p2", "slack_id": "UP2", "plan": "pro"},
        {"external_id": "b1", "slack_id": "UB1", "plan": "basic"}])
    (preview,) = await slack.command(MANAGER, "/nps", "send plan=pro")
    assert preview["text"].startswith("The survey will go to 2 people.")
    (cancelled,) = await _press(slack, MANAGER, preview, "Cancel")
    assert cancelled["text"] == "Cancelled: the survey was not sent."
    await drive(slack.engine, "slack", slack.channel.dispatcher)
    assert all(slack.api.dm_texts(uid) == [] for uid in ("UP1", "UP2", "UB1"))
    assert campaign_named(slack.engine, "nps-")[0].status == CampaignStatus.CANCELLED

    (bad,) = await slack.command(MANAGER, "/nps", "send plan~pro")
    assert bad["text"].startswith("I did not understand “plan~pro”.")
    slack.api.add_user("UBOT9", "Helper bot", "en-US", is_bot=True)
    (nobody,) = await slack.command(MANAGER, "/nps", "send <@UBOT9>")
    assert nobody["text"].startswith("Nobody to send to: none of the people named")
    (customer,) = await slack.command("UP1", "/nps", "send <@UP2>")
    assert customer["text"] == "Sorry, this command is only for managers."
    assert not [c for c in slack.api.calls if c.method == "users.info"
                and c.params.get("user") == "UP2"], "a non-manager's names are not looked up"


async def test_customers_known_by_email_are_looked_up_once(
        slack_settings: Callable[..., Any]) -> None:
    async with serving(slack_settings, send_window=EVERY_HOUR,
                       slack_lookup_per_minute=600) as slack:
        slack.api.add_user("UMAIL1", "Ana", "en-US", email="ana@example.com")
        import_customers(slack.engine, [
            {"external_id": "m1", "email": "ana@example.com", "plan": "pro"},
            {"external_id": "m2", "email": "nobody@example.com", "plan": "pro"}])
        assert not [c for c in slack.api.calls if c.method == "users.lookupByEmail"], \
            "not at import"
        (preview,) = await slack.command(MANAGER, "/nps", "send plan=pro")
        assert preview["text"].splitlines()[:2] == [
            "The survey will go to 2 people.",
            "2 of them are known only by e-mail and are looked up on Slack first."]
        slack.api.fail_next("users.lookupByEmail", retry_after=1)  # a 429 first
        await _press(slack, MANAGER, preview, "Send")
        await slack.api.wait_for(lambda: _lookups_done(slack), timeout=20)
        await drive(slack.engine, "slack", slack.channel.dispatcher)
        (first,) = slack.api.dm_texts("UMAIL1")
        assert NPS_Q in first
        person = slack.respondent("UMAIL1")
        assert person is not None and person.customer_id is not None
        with Session(slack.engine.db.read_engine) as s:
            customers = {c.external_id: c for c in s.exec(select(Customer))}
        assert customers["m1"].id == person.customer_id
        assert customers["m1"].slack_lookup_at and customers["m2"].slack_lookup_at
        asked = [c.params["email"] for c in slack.api.calls
                 if c.method == "users.lookupByEmail" and c.status != 429]
        assert sorted(asked) == ["ana@example.com", "nobody@example.com"]
        assert [c.status for c in slack.api.calls
                if c.method == "users.lookupByEmail"].count(429) == 1
        assert slack.ephemerals(MANAGER) == [
            "Survey sent to 1 of 2; the others opted out or cannot be reached."]

        # Asked once: a later campaign skips the one not found, without asking again.
        (later,) = await slack.command(MANAGER, "/csat", "send plan=pro")
        assert "• 1 has no account on this channel" in later["text"].splitlines()
        assert len([c for c in slack.api.calls if c.method == "users.lookupByEmail"]) == 3


def _lookups_done(slack: SlackHarness) -> bool:
    return not slack.engine.pending_lookups(10)


async def test_a_missing_scope_is_logged_and_nobody_is_marked(
        slack_settings: Callable[..., Any]) -> None:
    async with serving(slack_settings, send_window=EVERY_HOUR) as slack:
        slack.api.email_scope = False
        import_customers(slack.engine, [{"external_id": "m1", "email": "ana@example.com"}])
        (preview,) = await slack.command(MANAGER, "/nps", "send all")
        await _press(slack, MANAGER, preview, "Send")
        await slack.api.wait_for(lambda: any(
            c.method == "users.lookupByEmail" for c in slack.api.calls), timeout=20)
        assert slack.engine.pending_lookups(10) == [(_customer_id(slack, "m1"),
                                                     "ana@example.com")]


def _customer_id(slack: SlackHarness, external_id: str) -> int:
    with Session(slack.engine.db.read_engine) as s:
        found = s.exec(select(Customer).where(Customer.external_id == external_id)).one()
        assert found.id is not None
        return found.id
