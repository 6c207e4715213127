"""Test helpers: a transcript-style driver of the real engine, seeded answers, language checks."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlmodel import Session

from bot.engine import Engine
from bot.messages import Inbound, Outbound, Reply
from bot.metrics import METRICS
from bot.models import Answer, Respondent, SurveyRun
from bot.store import add_answer

_ids = itertools.count(1)


@dataclass
class Person:
    """One person talking to the engine on a channel; remembers the last buttons shown."""

    engine: Engine
    user_id: str
    channel: str = "console"
    locale_hint: str | None = None
    name: str = ""
    last: list[Outbound] = field(default_factory=list)
    deliver: bool = True
    """Have the console's outbox send what the engine said (False: leave it in the outbox)."""

    def _send(self, **kwargs: Any) -> list[Outbound]:
        kwargs.setdefault("event_id", f"ev-{next(_ids)}")
        inbound = Inbound(self.channel, self.user_id, f"chat-{self.user_id}",
                          display_name=self.name or self.user_id, locale_hint=self.locale_hint,
                          **kwargs)
        said = self.engine.handle(inbound)
        if self.deliver:
            from adapters.console.outbox import send_all

            send_all(self.engine.queues, said.ids)
        self.last = said
        return self.last

    def say(self, text: str, **kwargs: Any) -> list[Outbound]:
        return self._send(text=text, **kwargs)

    def command(self, name: str, args: str = "", **kwargs: Any) -> list[Outbound]:
        return self._send(command=name, text=args, **kwargs)

    def press(self, value: str, **kwargs: Any) -> list[Outbound]:
        return self._send(choice=value, **kwargs)

    def press_score(self, score: int) -> list[Outbound]:
        """Press the button labelled ``score`` in the last reply that had score buttons."""
        for item in reversed(self.last):
            if isinstance(item, Reply):
                for choice in item.choices:
                    if choice.value.startswith("a:") and choice.label == str(score):
                        return self.press(choice.value)
        raise AssertionError(f"no score button {score} in {self.last!r}")


def texts(outbound: list[Outbound]) -> str:
    return "\n".join(getattr(o, "text", "") for o in outbound)


def of_type(outbound: list[Outbound], kind: type) -> list[Any]:
    return [o for o in outbound if isinstance(o, kind)]


def seed_answers(engine: Engine, rows: Sequence[tuple[str, int, int, str | None]], *,
                 channel: str = "console", locale: str = "en", user_id: str | None = None,
                 display_name: str = "Seed", now: datetime | None = None) -> None:
    """Store finished answers for one respondent, straight through the store (counts included).

    rows: (metric, score, days before ``now``, comment); row i is i minutes earlier still.
    """
    now = now or engine.clock()
    with Session(engine.db.engine) as s:
        person = Respondent(channel=channel, platform_user_id=user_id or f"seed-{channel}-{locale}",
                            display_name=display_name, locale=locale)
        s.add(person)
        s.flush()
        for i, (metric, score, days, comment) in enumerate(rows):
            run = SurveyRun(respondent_id=person.id, survey="default",  # type: ignore[arg-type]
                            status="completed")
            s.add(run)
            s.flush()
            low, high = METRICS[metric].scale
            add_answer(session=s, answer=Answer(
                respondent_id=person.id, survey_run_id=run.id,  # type: ignore[arg-type]
                survey="default", question_key=f"{metric}{i}", metric=metric, score=score,
                scale_min=low, scale_max=high, bucket=METRICS[metric].bucket(score),
                comment=comment, locale=locale, channel=channel,
                created_at=now - timedelta(days=days, minutes=i)), zone=engine.report_zone)
        s.commit()


CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORDS = re.compile(r"\b(the|you|your|thank|please|answer|survey)\b", re.IGNORECASE)


def assert_language(texts: list[str], lang: str) -> None:
    """Every text is in ``lang``: Chinese has Han characters, Romanian no common English
    words, English no Han characters."""
    assert texts
    for text in texts:
        if lang == "zh":
            assert CJK.search(text), f"not Chinese: {text!r}"
        elif lang == "ro":
            assert not ENGLISH_WORDS.search(text), f"English in Romanian: {text!r}"
        else:
            assert not CJK.search(text), f"Chinese in English: {text!r}"


def _queues_state(engine: Engine, channel: str | None) -> tuple[int, int, int]:
    from sqlalchemy import func
    from sqlmodel import select as sql_select

    from bot.models import InboxEvent

    with Session(engine.db.read_engine) as s:
        query = sql_select(func.count()).select_from(InboxEvent)
        if channel:
            query = query.where(InboxEvent.channel == channel)
        stored = int(s.exec(query).one())
    return (engine.queues.events_waiting(channel), engine.queues.waiting(channel), stored)


async def settle(engine: Engine, *, channel: str | None = None, stored: int = 0,
                 timeout: float = 10) -> None:
    """Wait until at least ``stored`` events are in the inbox, every one processed, and the
    outbox is empty: everything the bot decided to say was answered by the platform."""
    async with asyncio.timeout(timeout):
        while True:
            events, messages, total = await asyncio.to_thread(_queues_state, engine, channel)
            if not events and not messages and total >= stored:
                return
            await asyncio.sleep(0.005)


async def wait_for(predicate: Callable[[], bool], timeout: float = 10) -> None:
    """Wait until ``predicate()`` holds, polling every 5 ms; TimeoutError after ``timeout``."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def health_processes(port: int, want: int, timeout: float = 30) -> set[int]:
    """Ask /healthz on fresh connections until ``want`` different processes have answered."""
    seen: set[int] = set()
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5),
                                     connector=connector) as http:
        async with asyncio.timeout(timeout):
            while len(seen) < want:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        seen.add(int((await resp.json())["process"]))
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
    return seen


@contextmanager
def survey_bot_web(settings: Mapping[str, str], cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``survey-bot web`` as an operator starts it: its settings from the environment only (the
    caller's own bot settings left out), run in ``cwd`` (no stray .env file); stopped with
    SIGTERM at the end of the block if it still runs."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "SLACK_", "DATABASE_", "WEB_", "ENGINE_"))}
    env.update(settings)
    server = subprocess.Popen([sys.executable, "-m", "adapters.cli", "web"], cwd=cwd, env=env)
    try:
        yield server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def last_sunday_noon(now: datetime | None = None) -> datetime:
    """Noon (UTC) of the last Sunday on or before ``now``: answers dated back from it fall in
    whole ISO weeks whatever day the suite runs."""
    now = now or datetime.now(UTC)
    day = now.date() - timedelta(days=(now.weekday() + 1) % 7)
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def seed_weeks(engine: Engine, *, channel: str, user_id: str, weeks: int = 8) -> None:
    """``weeks`` whole ISO weeks of NPS answers before the last Sunday, 40 a week (+25 each
    week: 20 promoters, 10 passives, 10 detractors)."""
    rows: list[tuple[str, int, int, str | None]] = []
    for week in range(weeks):
        rows += [("nps", 10 if i < 20 else (8 if i < 30 else 3), 7 * week + i % 7, None)
                 for i in range(40)]
    seed_answers(engine, rows, channel=channel, user_id=user_id, now=last_sunday_noon())


def race(engines: Sequence[Engine], call: Callable[[Engine], list[int]]) -> list[list[int]]:
    """``call`` on each engine at the same moment, in threads of its own (two workers racing
    for one piece of work): what each returned, in the order they finished."""
    results: list[list[int]] = []
    start = threading.Barrier(len(engines))

    def tick(engine: Engine) -> None:
        start.wait(timeout=10)
        results.append(call(engine))

    threads = [threading.Thread(target=tick, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results
