"""Test helpers: a transcript-style driver of the real engine."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.engine import Engine
from bot.messages import Inbound, Outbound, Reply

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

    def _send(self, **kwargs: Any) -> list[Outbound]:
        kwargs.setdefault("event_id", f"ev-{next(_ids)}")
        inbound = Inbound(self.channel, self.user_id, f"chat-{self.user_id}",
                          display_name=self.name or self.user_id, locale_hint=self.locale_hint,
                          **kwargs)
        self.last = self.engine.handle(inbound)
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
