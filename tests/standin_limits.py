"""Rate limits, scripted faults and a log of accepted sends, shared by the platform stand-ins
(``tests/telegram/standin.py``, ``tests/slack/standin.py``).

Everything here is off until a test asks for it, so tests that do not care keep their speed.

* :class:`Bucket` — a token bucket: ``rate`` tokens a second, at most ``burst`` saved up.
  ``take(now)`` spends one or answers how many seconds until one is there.
* :class:`Faults` — scripted failures: ``add(methods, kind, times=…, seconds=…, share=…,
  chats=…, retry_after=…)``; ``match(method, chat)`` pops the next one that applies.  ``kind``
  is ``429``, any other HTTP status (``500``, ``502``…), ``"drop"`` (the connection is closed
  before the call does anything), ``"drop_after"`` (the call is carried out and logged, then
  the connection is closed before the answer: the "accepted but never told" window) or
  ``"hang"`` (no answer for ``hang_seconds``, then the connection is closed).
* :class:`Delivery` and :class:`SendLog` — every ACCEPTED send or edit with its
  ``time.monotonic()`` stamp, and the measures a test asks of it: ``duplicates()``,
  ``peak(window)``, ``peak_per_chat(window)``, ``order(chat)``; ``on_add`` hooks run as each
  is accepted, before the answer leaves (a kill point).
* :func:`peak_in_window` — the most stamps inside any window of ``window`` seconds.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

ANY_SEND = "*send*"
"""Pass as ``methods`` to mean every send or edit method of the platform."""

FaultKind = int | str
DROP, DROP_AFTER, HANG = "drop", "drop_after", "hang"


@dataclass
class Bucket:
    """A token bucket: ``rate`` a second, ``burst`` at most; starts full."""

    rate: float
    burst: float = 1.0
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self, now: float) -> float:
        """Spend a token: 0.0 when there was one, else the seconds until there is one."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def give_back(self) -> None:
        """Undo a ``take`` that spent a token (another limit refused the call)."""
        self.tokens = min(self.burst, self.tokens + 1.0)


def retry_after_seconds(wait: float) -> int:
    """What the platforms put in ``retry_after`` / ``Retry-After``: whole seconds, at least 1."""
    return max(1, math.ceil(wait))


@dataclass
class Fault:
    """One scripted failure (see :class:`Faults`)."""

    kind: FaultKind
    methods: str | frozenset[str]
    times: int | None = 1
    until: float | None = None
    share: float = 1.0
    chats: frozenset[Any] | None = None
    retry_after: int = 1
    hang_seconds: float = 30.0

    def applies(self, method: str, chat: Any, sends: Collection[str], now: float) -> bool:
        if self.until is not None and now >= self.until:
            return False
        if self.times is not None and self.times <= 0:
            return False
        if self.methods == ANY_SEND:
            if method not in sends:
                return False
        elif isinstance(self.methods, str):
            if method != self.methods:
                return False
        elif method not in self.methods:
            return False
        return self.chats is None or chat in self.chats


@dataclass
class Faults:
    """The stand-in's script of failures, used in the order they were added."""

    sends: Collection[str]
    script: list[Fault] = field(default_factory=list)
    fired: list[tuple[float, str, Any, FaultKind]] = field(default_factory=list)
    """(monotonic stamp, method, chat, kind) of every failure answered."""
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def add(self, methods: str | Iterable[str] = ANY_SEND, kind: FaultKind = 429, *,
            times: int | None = 1, seconds: float | None = None, share: float = 1.0,
            chats: Iterable[Any] | None = None, retry_after: int = 1,
            hang_seconds: float = 30.0) -> Fault:
        """Fail the next ``times`` calls of ``methods`` (one name, several, or
        :data:`ANY_SEND`) with ``kind``; with ``seconds``, every such call for that long
        (``times=None`` for no count limit); ``share`` fails only that fraction of them (seeded,
        repeatable); ``chats`` only calls to those chats / channels."""
        if seconds is not None and times == 1:
            times = None
        names: str | frozenset[str] = methods if isinstance(methods, str) else frozenset(methods)
        fault = Fault(kind, names, times, None if seconds is None else time.monotonic() + seconds,
                      share, None if chats is None else frozenset(chats), retry_after,
                      hang_seconds)
        self.script.append(fault)
        return fault

    def clear(self) -> None:
        self.script.clear()

    def match(self, method: str, chat: Any) -> Fault | None:
        """The fault this call gets, if any (counted as used)."""
        now = time.monotonic()
        for fault in self.script:
            if not fault.applies(method, chat, self.sends, now):
                continue
            if fault.share < 1.0 and self.rng.random() >= fault.share:
                continue
            if fault.times is not None:
                fault.times -= 1
            self.fired.append((now, method, chat, fault.kind))
            return fault
        return None

    def pending(self) -> int:
        """Counted failures not used yet (faults limited by time alone count 0)."""
        return sum(f.times or 0 for f in self.script)


@dataclass(frozen=True)
class Delivery:
    """One accepted send or edit, as the stand-in saw it."""

    at: float
    """``time.monotonic()`` when the stand-in accepted it."""
    method: str
    chat: Any
    """Telegram: the ``chat_id`` (int); Slack: the channel id, or ``response_url:<id>``."""
    text: str
    message_id: Any
    """Telegram: ``message_id`` (int); Slack: the message's ``ts``."""


def peak_in_window(stamps: Sequence[float], window: float) -> int:
    """The most stamps inside any half-open window ``[t, t + window)``."""
    ordered = sorted(stamps)
    best, start = 0, 0
    for end, stamp in enumerate(ordered):
        while ordered[start] <= stamp - window:
            start += 1
        best = max(best, end - start + 1)
    return best


@dataclass
class SendLog:
    """Every accepted send or edit, in the order the stand-in accepted them."""

    entries: list[Delivery] = field(default_factory=list)
    on_add: list[Callable[[Delivery], None]] = field(default_factory=list)
    """Called with each accepted send before the stand-in answers it: a test's kill point
    ("the platform accepted it, the bot has not heard so")."""

    def add(self, entry: Delivery) -> None:
        self.entries.append(entry)
        for hook in list(self.on_add):
            hook(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def select(self, *, methods: Collection[str] | None = None,
               chat: Callable[[Any], bool] | Any = None) -> list[Delivery]:
        """The entries of those methods (all when None) and chats (one id, a predicate over
        the chat, or all when None)."""
        out = []
        for entry in self.entries:
            if methods is not None and entry.method not in methods:
                continue
            if chat is not None and not (chat(entry.chat) if callable(chat)
                                         else entry.chat == chat):
                continue
            out.append(entry)
        return out

    def duplicates(self, methods: Collection[str] | None = None) -> dict[tuple[Any, str], int]:
        """``(chat, text)`` pairs accepted more than once, with their counts (of ``methods``;
        by default every method the log holds that posts a new message, not edits)."""
        chosen = self.select(methods=methods) if methods is not None else [
            e for e in self.entries if not e.method.startswith(("edit", "chat.update"))]
        counts = Counter((e.chat, e.text) for e in chosen)
        return {pair: n for pair, n in counts.items() if n > 1}

    def peak(self, window: float, *, methods: Collection[str] | None = None,
             chat: Callable[[Any], bool] | Any = None) -> int:
        """The most accepted sends inside any ``window`` seconds (overall, or of those chats)."""
        return peak_in_window([e.at for e in self.select(methods=methods, chat=chat)], window)

    def peak_per_chat(self, window: float, *, methods: Collection[str] | None = None,
                      chat: Callable[[Any], bool] | None = None) -> dict[Any, int]:
        """Per chat: the most accepted sends inside any ``window`` seconds."""
        stamps: dict[Any, list[float]] = {}
        for entry in self.select(methods=methods, chat=chat):
            stamps.setdefault(entry.chat, []).append(entry.at)
        return {c: peak_in_window(s, window) for c, s in stamps.items()}

    def order(self, chat: Any, methods: Collection[str] | None = None) -> list[str]:
        """The texts one chat received, in the order accepted."""
        return [e.text for e in self.select(methods=methods, chat=chat)]
