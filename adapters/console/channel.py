"""A terminal conversation with the engine.  Buttons print as numbered choices: type the number
(or ``#N`` while the bot waits for free text) to press one; score questions take typed numbers."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from typing import TextIO

from bot.engine import Engine
from bot.i18n import negotiate, translator
from bot.messages import (
    AlertPost,
    AlertUpdate,
    Choice,
    EditPressed,
    Inbound,
    Notice,
    Outbound,
    Reply,
    SendTo,
)

CHANNEL = "console"
CUSTOMER_ID = "console-user"
MANAGER_ID = "console-manager"


class ConsoleChannel:
    """Turns typed lines into ``Inbound`` events and outbound values into printed lines."""

    def __init__(self, engine: Engine, *, lang: str | None = None, as_manager: bool = False,
                 name: str = "") -> None:
        self.engine = engine
        self.lang = lang
        self.user_id = MANAGER_ID if as_manager else CUSTOMER_ID
        self.name = name or ("Manager" if as_manager else "Console user")
        self.choices: tuple[Choice, ...] = ()
        self.expects_text = False

    def _inbound(self, line: str) -> Inbound:
        common = {"display_name": self.name, "locale_hint": self.lang,
                  "event_id": f"console-{uuid.uuid4().hex}"}
        stripped = line.strip()
        pick = stripped[1:] if stripped.startswith("#") else stripped
        scores = bool(self.choices) and all(c.value.startswith("a:") for c in self.choices)
        wants_number = stripped.startswith("#") or not (scores or self.expects_text)
        if self.choices and wants_number and pick.isdigit() and 1 <= int(pick) <= len(
                self.choices):
            value = self.choices[int(pick) - 1].value
            return Inbound(CHANNEL, self.user_id, CHANNEL, choice=value, **common)  # type: ignore[arg-type]
        if stripped.startswith("/") and len(stripped) > 1:
            command, _, args = stripped[1:].partition(" ")
            return Inbound(CHANNEL, self.user_id, CHANNEL, command=command.lower(), text=args,
                           **common)  # type: ignore[arg-type]
        return Inbound(CHANNEL, self.user_id, CHANNEL, text=line, **common)  # type: ignore[arg-type]

    def feed(self, line: str) -> list[str]:
        """Handle one typed line; the lines to print."""
        return self.render(self.engine.handle(self._inbound(line)))

    def render(self, outbound: list[Outbound]) -> list[str]:
        lines: list[str] = []
        for item in outbound:
            if isinstance(item, Reply):
                lines.append(item.text)
                self._show_choices(item.choices, lines)
                self.expects_text = item.expects_text
            elif isinstance(item, EditPressed):
                lines.append(f"✓ {item.text}")
                self.choices = ()
            elif isinstance(item, Notice):
                lines.append(f"! {item.text}")
            elif isinstance(item, SendTo):
                lines.append(f"→ [{item.channel}:{item.user_id}] {item.text}")
            elif isinstance(item, (AlertPost, AlertUpdate)):
                lines.append(f"[alert #{item.alert_id} for managers]")
                lines.append(item.text)
                if self.user_id == MANAGER_ID:
                    self._show_choices(item.choices, lines)
            else:  # pragma: no cover - a new outbound type must be rendered here
                raise TypeError(f"the console cannot render {type(item).__name__}")
        return lines

    def _show_choices(self, choices: tuple[Choice, ...], lines: list[str]) -> None:
        if not choices:
            return
        self.choices = choices
        if all(c.value.startswith("a:") for c in choices):
            lines.append("  [" + " ".join(c.label for c in choices) + "]")
        else:
            lines.append("  " + "   ".join(f"#{i}) {c.label}" for i, c in enumerate(choices, 1)))


def run_console(engine: Engine, *, lang: str | None = None, as_manager: bool = False,
                stdin: TextIO | None = None, write: Callable[[str], None] | None = None) -> None:
    """Read lines until end of input or ``/quit``."""
    source = stdin or sys.stdin
    out = write or (lambda text: print(text, flush=True))
    channel = ConsoleChannel(engine, lang=lang, as_manager=as_manager)
    t = translator(negotiate(lang))
    out(t.gettext("survey-bot console: /help lists the commands, /quit leaves."))
    for text in channel.feed("/start"):
        out(text)
    while True:
        if source is sys.stdin and sys.stdin.isatty():
            out_prompt = "> "
            try:
                line = input(out_prompt)
            except EOFError:
                break
        else:
            raw = source.readline()
            if not raw:
                break
            line = raw.rstrip("\n")
        if line.strip() in ("/quit", "/exit"):
            break
        if not line.strip():
            continue
        for text in channel.feed(line):
            out(text)
