"""The weekly digest decided once per period (docs/digest.md), on SQLite and PostgreSQL, with
injected clocks: at its minute by one of two racing engines (two workers), never again after a
restart, a digest missed while every process was down sent when one comes up in the same
week, a new schedule's first week, and what it says (the outbox rows it writes).  Through the
real Telegram and Slack stacks: tests/telegram/test_alert_list.py,
tests/slack/test_slack_alert_list.py; as real processes: tests/test_digest_processes.py."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import matplotlib.image
import pytest
from sqlmodel import Session, col, select

from bot import buttons
from bot.app import build_engine
from bot.delivery import codec
from bot.digest_tables import Digest, DigestSubscriber
from bot.engine import Engine
from bot.messages import Inbound, Reply, ReplyFile, TeamFile, TeamPost
from bot.models import OutboxMessage
from tests.helpers import race, seed_answers

MONDAY_NINE = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
"""Monday 2 March 2026, 09:00 in Bucharest (UTC+2)."""
ZONE = "Europe/Bucharest"
MANAGER = "900"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def engines(make_settings: Callable[..., Any]) -> Iterator[Callable[[Clock], Engine]]:
    """Engines ("workers") on one database, each with the clock it is given."""
    made: list[Engine] = []
    settings = make_settings(
        digest_schedule="mon 09:00", report_timezone=ZONE, telegram_bot_token="1:x",
        telegram_alert_chat_id="-1001", telegram_manager_ids=MANAGER, slack_bot_token="xoxb",
        slack_alert_channel="C0ALERTS", slack_manager_ids="UMANAGER1")

    def make(clock: Clock) -> Engine:
        engine = build_engine(settings)
        engine.clock = clock
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.db.dispose()


def rows(engine: Engine) -> list[OutboxMessage]:
    with Session(engine.db.read_engine) as s:
        return list(s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def digests(engine: Engine) -> list[Digest]:
    with Session(engine.db.read_engine) as s:
        return list(s.exec(select(Digest).order_by(col(Digest.period))))


def manager_says(engine: Engine, text: str, command: str | None = "nps") -> None:
    engine.handle(Inbound("telegram", MANAGER, MANAGER, text=text, command=command,
                          display_name="Maria", event_id=f"m-{text}-{command}"))


def test_at_its_minute_two_workers_decide_it_once_and_a_restart_changes_nothing(
        engines: Callable[[Clock], Engine]) -> None:
    clock = Clock(MONDAY_NINE - timedelta(minutes=1))
    first, second = engines(clock), engines(clock)
    assert first.send_digest() == [], "the week before began before the schedule was seen"
    seed_answers(first, [("nps", s, d, "Prea lent" if s < 7 else None)
                         for s, d in [(10, 1), (9, 2), (3, 3), (8, 4), (0, 5), (10, 6)]],
                 channel="telegram", locale="ro", now=MONDAY_NINE)
    seed_answers(first, [("csat", 5, 1, None), ("csat", 2, 2, None)], channel="slack",
                 now=MONDAY_NINE, user_id="UCUST")
    manager_says(first, "ro", command="language")
    manager_says(first, "digest on")
    before = len(rows(first))

    clock.at = MONDAY_NINE + timedelta(seconds=10)
    results = race((first, second), lambda engine: engine.send_digest())
    written = [ids for ids in results if ids]
    assert len(results) == 2 and len(written) == 1, results
    assert first.send_digest() == [] and second.send_digest() == []
    clock.at = MONDAY_NINE + timedelta(seconds=40)
    assert engines(clock).send_digest() == [], "a restarted worker sends it again"

    new = rows(first)[before:]
    assert [r.id for r in new] == written[0]
    [made] = digests(first)
    assert made.period == "2026-03-02T07:00Z" and made.messages == len(new) == 6
    items = [(r.channel, r.destination, codec.loads(r.kind, r.payload)) for r in new]
    charts = {(c, d): i for c, d, i in items if isinstance(i, TeamFile | ReplyFile)}
    posts = {(c, d): i for c, d, i in items if not isinstance(i, TeamFile | ReplyFile)}
    assert set(charts) == set(posts), "each copy is followed by its trend chart"
    for chart in charts.values():  # the real chart: /nps trend's NPS weeks, as a PNG
        assert chart.mime == "image/png" and chart.content.startswith(b"\x89PNG\r\n\x1a\n")
        image = matplotlib.image.imread(io.BytesIO(chart.content), format="png")
        assert 600 <= image.shape[1] <= 2000
    own_chart = charts[("telegram", f"user:{MANAGER}")]
    assert charts[("telegram", "alerts")].content != own_chart.content, "the manager's is in ro"
    team = posts[("telegram", "alerts")]
    assert isinstance(team, TeamPost) and team.text.startswith(
        "📬 Weekly digest · Feb 23\u2009–\u2009Mar 1, 2026\n")
    assert isinstance(posts[("slack", "alerts")], TeamPost)
    own = posts[("telegram", f"user:{MANAGER}")]
    assert isinstance(own, Reply) and own.text.startswith("📬 Rezumat săptămânal")
    assert "NPS +17 (n = 6)" in team.text and "too few to trust" in team.text
    assert "CSAT 50% satisfied (4–5)" in team.text
    assert "CES: no answers in this period." in team.text
    assert "“Prea lent”" in team.text and "Latest comments from unhappy customers:" in team.text


def test_a_digest_missed_while_every_process_was_down_goes_when_one_comes_up(
        engines: Callable[[Clock], Engine]) -> None:
    clock = Clock(MONDAY_NINE - timedelta(hours=2))
    assert engines(clock).send_digest() == []  # a worker that ran before the minute
    clock.at = MONDAY_NINE + timedelta(hours=5)  # every process was down at 09:00
    late = engines(clock)
    assert late.send_digest(), "sent when a process comes up within the week"
    clock.at = MONDAY_NINE + timedelta(days=6, hours=23, minutes=59)
    assert late.send_digest() == []
    clock.at = MONDAY_NINE + timedelta(days=7)
    assert late.send_digest(), "the next week's"
    assert [d.period for d in digests(late)] == ["2026-03-02T07:00Z", "2026-03-09T07:00Z"]


def test_a_new_schedule_starts_with_the_first_moment_after_it_was_seen(
        engines: Callable[[Clock], Engine], make_settings: Callable[..., Any]) -> None:
    clock = Clock(MONDAY_NINE + timedelta(days=2))  # set on a Wednesday
    engine = engines(clock)
    assert engine.send_digest() == [], "no digest for a week that began before it was set"
    clock.at = MONDAY_NINE + timedelta(days=7, seconds=5)
    assert engine.send_digest()
    # Changed to Friday 17:00: its first period is the next Friday's.
    friday = build_engine(make_settings(digest_schedule="fri 17:00", report_timezone=ZONE,
                                        telegram_bot_token="1:x",
                                        telegram_alert_chat_id="-1001"))
    try:
        friday.clock = clock
        clock.at = MONDAY_NINE + timedelta(days=8)
        assert friday.send_digest() == []
        clock.at = MONDAY_NINE + timedelta(days=11, hours=8)  # Friday 17:00 Bucharest
        assert friday.send_digest()
    finally:
        friday.db.dispose()
    assert len(digests(engine)) == 2


def test_digest_on_and_off_is_the_managers_own(engines: Callable[[Clock], Engine]) -> None:
    clock = Clock(MONDAY_NINE - timedelta(minutes=5))
    engine = engines(clock)
    engine.send_digest()
    said = engine.handle(Inbound("telegram", MANAGER, MANAGER, command="nps",
                                 text="digest on", event_id="d1"))
    assert said[0].text == ("Done: the weekly digest will come to your own chat with the bot, "
                            "every Monday at 9:00\u202fAM (Europe/Bucharest).")
    said = engine.handle(Inbound("telegram", MANAGER, MANAGER, command="csat", text="digest",
                                 event_id="d2"))
    assert said[0].text.startswith("The weekly digest comes to your own chat with the bot.\n"
                                   "Usage: /nps digest on|off")
    said = engine.handle(Inbound("telegram", MANAGER, MANAGER, command="nps",
                                 text="digest off", event_id="d3"))
    assert "no longer" in said[0].text
    said = engine.handle(Inbound("telegram", "201", "201", command="nps", text="digest on",
                                 event_id="d4"))
    assert said[0].text == "Sorry, this command is only for managers."
    clock.at = MONDAY_NINE
    ids = engine.send_digest()
    assert {r.destination for r in rows(engine) if r.id in ids} == {"alerts"}


def test_a_manager_who_deletes_their_data_gets_no_more_digests(
        engines: Callable[[Clock], Engine]) -> None:
    engine = engines(Clock(MONDAY_NINE - timedelta(minutes=5)))
    manager_says(engine, "digest on")
    with Session(engine.db.read_engine) as s:
        assert len(list(s.exec(select(DigestSubscriber)))) == 1
    engine.handle(Inbound("telegram", MANAGER, MANAGER, choice=buttons.encode(
        buttons.ConfirmDelete(True)), event_id="delete"))
    with Session(engine.db.read_engine) as s:
        assert list(s.exec(select(DigestSubscriber))) == []


def test_the_digest_has_no_chart_when_its_weeks_hold_no_answer(
        engines: Callable[[Clock], Engine]) -> None:
    clock = Clock(MONDAY_NINE - timedelta(minutes=1))
    engine = engines(clock)
    assert engine.send_digest() == []
    seed_answers(engine, [("csat", 5, 1, None)], channel="slack", now=MONDAY_NINE,
                 user_id="UCUST")
    clock.at = MONDAY_NINE + timedelta(seconds=10)
    ids = engine.send_digest()
    new = [codec.loads(r.kind, r.payload) for r in rows(engine) if r.id in ids]
    assert len(new) == 2 and not any(isinstance(i, TeamFile) for i in new), new
