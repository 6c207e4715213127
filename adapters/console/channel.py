"""A terminal conversation with the engine (like Rasa's shell), with the real engine and storage.

There are up to two sides, each a pane of its own: the customer's chat, and the managers' chat
(a manager's replies and the alerts the managers' group would see).  ``chat`` shows the
customer, ``chat --as-manager`` the managers' side, ``chat --demo`` both, with ``/switch`` to
type as the other side.  Buttons print as numbered choices: type ``#N`` (or ``N`` where no score
is asked) to press one; scores are typed.  Numbers refer to the buttons a pane printed last, so a
manager's alert button and a customer's answer can never be taken for one another.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from adapters.console.outbox import send_all
from bot import buttons
from bot.engine import Engine
from bot.i18n import Translator, negotiate, translator
from bot.messages import (
    AlertPost,
    AlertUpdate,
    Choice,
    EditPressed,
    Inbound,
    Notice,
    Outbound,
    Reply,
    ReplyFile,
    SendTo,
    TeamFile,
    TeamPost,
)
from bot.style import ChannelStyle

CHANNEL = "console"
CUSTOMER_ID = "console-user"
MANAGER_ID = "console-manager"
STYLE = ChannelStyle(buttons=False)
CAMPAIGN_AHEAD = 200
CAMPAIGN_ROUNDS = 5
"""Choices are typed in a terminal: prompts say "type", not "press"."""


@dataclass
class Pane:
    """One side of the console: who types there, and the buttons it shows."""

    user_id: str
    name: str
    lang: str | None
    choices: dict[int, str] = field(default_factory=dict)
    scores_shown: bool = False
    expects_text: bool = False

    def title(self, t: Translator) -> str:
        if self.user_id == MANAGER_ID:
            return t.gettext("Managers' chat")
        return t.gettext("Customer's chat")


class ConsoleChannel:
    """Turns typed lines into ``Inbound`` events and outbound values into printed lines."""

    def __init__(self, engine: Engine, *, lang: str | None = None, as_manager: bool = False,
                 demo: bool = False, name: str = "", files: Path | None = None) -> None:
        self.engine = engine
        engine.use_style(CHANNEL, STYLE)
        self.t = translator(negotiate(lang))
        self.files = files or Path.cwd()
        self.customer = Pane(CUSTOMER_ID, name or "Console user", lang) if (
            demo or not as_manager) else None
        self.manager = Pane(MANAGER_ID, "Manager", None) if demo or as_manager else None
        active = self.manager if as_manager and not demo else self.customer
        assert active is not None
        self.active: Pane = active
        self._shown: Pane | None = None

    @property
    def demo(self) -> bool:
        return self.customer is not None and self.manager is not None

    # ------------------------------------------------------------------ input

    def switch(self) -> list[str]:
        """``/switch`` in a demo: type as the other side."""
        if not self.demo:
            return [self.t.gettext("Only the demo has two sides (survey-bot chat --demo).")]
        other = self.manager if self.active is self.customer else self.customer
        assert other is not None
        self.active = other
        self._shown = None
        return [self.t.gettext("Now typing in: {side}").format(side=other.title(self.t))]

    def _inbound(self, pane: Pane, line: str) -> Inbound:
        common = {"display_name": pane.name, "locale_hint": pane.lang,
                  "event_id": f"console-{uuid.uuid4().hex}"}
        stripped = line.strip()
        numbered = stripped.startswith("#")
        pick = stripped[1:] if numbered else stripped
        bare_pick = not (pane.scores_shown or pane.expects_text)
        if (numbered or bare_pick) and pick.isdigit() and int(pick) in pane.choices:
            return Inbound(CHANNEL, pane.user_id, pane.user_id, choice=pane.choices[int(pick)],
                           **common)  # type: ignore[arg-type]
        if stripped.startswith("/") and len(stripped) > 1:
            command, _, args = stripped[1:].partition(" ")
            return Inbound(CHANNEL, pane.user_id, pane.user_id, command=command.lower(),
                           text=args, **common)  # type: ignore[arg-type]
        return Inbound(CHANNEL, pane.user_id, pane.user_id, text=line,
                       **common)  # type: ignore[arg-type]

    def feed(self, line: str) -> list[str]:
        """Handle one typed line; the lines to print."""
        if line.strip().lower() == "/switch":
            return self.switch()
        said = self.engine.handle(self._inbound(self.active, line))
        items = [d.item for d in send_all(self.engine.queues, said.ids)] or list(said)
        return self.render(items + self._campaigns())

    def _campaigns(self) -> list[Outbound]:
        """The console runs no campaign service: what a launched campaign sends (within the
        send window) goes at once, and so does the manager's word when it is over."""
        out: list[Outbound] = []
        for _ in range(CAMPAIGN_ROUNDS):
            ids = self.engine.campaign_tick(CHANNEL, ahead=CAMPAIGN_AHEAD)
            if not ids:
                break
            out += [d.item for d in send_all(self.engine.queues, ids)]
        return out

    # ------------------------------------------------------------------ output

    def render(self, outbound: list[Outbound], pane: Pane | None = None) -> list[str]:
        """Print what the engine answered ``pane`` (the active side by default), each line in
        the pane it belongs to."""
        acting = pane or self.active
        lines: list[str] = []
        fresh: set[int] = set()  # panes whose buttons this batch replaces

        def to(target: Pane, *text: str) -> None:
            if self.demo and target is not self._shown:
                lines.append(f"── {target.title(self.t)} ──")
            self._shown = target
            lines.extend(text)

        def show(target: Pane, choices: tuple[Choice, ...]) -> None:
            if id(target) not in fresh:
                fresh.add(id(target))
                target.choices, target.scores_shown = {}, False
            pages = [c for c in choices if c.url]  # a web page: its address, to copy
            if pages:
                to(target, *(f"  {c.label}: {c.url}" for c in pages))
            # A posted message cannot be opened from a terminal.
            choices = tuple(c for c in choices if not (c.opens or c.url))
            if not choices:
                return
            if all(isinstance(buttons.decode(c.value), buttons.Score) for c in choices):
                target.scores_shown = True
                to(target, "  [" + " ".join(c.label for c in choices) + "]")
                return
            start = len(target.choices) + 1
            for n, choice in enumerate(choices, start):
                target.choices[n] = choice.value
            to(target, "  " + "   ".join(f"#{n}) {c.label}" for n, c in
                                         enumerate(choices, start)))

        for item in outbound:
            if isinstance(item, Reply):
                to(acting, item.text)
                show(acting, item.choices)
                acting.expects_text = item.expects_text
            elif isinstance(item, EditPressed):
                to(acting, f"✓ {item.text}")
                show(acting, ())
            elif isinstance(item, Notice):
                to(acting, f"! {item.text}")
            elif isinstance(item, SendTo):
                target = self._pane_of(item.user_id)
                if target is None:
                    to(acting, f"→ [{item.channel}:{item.user_id}] {item.text}")
                else:
                    to(target, item.text)
                    show(target, item.choices)
            elif isinstance(item, (AlertPost, AlertUpdate, TeamPost, TeamFile)):
                if self.manager is None:
                    to(acting, self.t.gettext(
                        "(An alert went to the managers' chat; survey-bot chat --demo shows "
                        "both sides.)"))
                elif isinstance(item, TeamFile):
                    to(self.manager, f"📎 {item.caption}", f"  {self._save(item)}")
                else:
                    to(self.manager, item.text)
                    show(self.manager, item.choices)
            elif isinstance(item, ReplyFile):  # a chart too: the terminal shows its path
                path = self._save(item)
                to(acting, f"{'🖼' if item.is_image else '📎'} {item.caption}", f"  {path}")
            else:  # pragma: no cover - a new outbound type must be rendered here
                raise TypeError(f"the console cannot render {type(item).__name__}")
        return lines

    def _pane_of(self, user_id: str) -> Pane | None:
        return next((p for p in (self.customer, self.manager)
                     if p is not None and p.user_id == user_id), None)

    def _save(self, item: ReplyFile | TeamFile) -> Path:
        """Write a file the engine sent into ``files`` without overwriting another."""
        target = self.files / item.filename
        stem, suffix, n = target.stem, target.suffix, 1
        while target.exists():
            n += 1
            target = self.files / f"{stem}-{n}{suffix}"
        target.write_bytes(item.content)
        return target

    def prompt(self) -> str:
        return (self.active.title(self.t) + "> ") if self.demo else "> "


def run_console(engine: Engine, *, lang: str | None = None, as_manager: bool = False,
                demo: bool = False, stdin: TextIO | None = None,
                write: Callable[[str], None] | None = None, files: Path | None = None) -> None:
    """Read lines until end of input or ``/quit``."""
    source = stdin or sys.stdin
    out = write or (lambda text: print(text, flush=True))
    channel = ConsoleChannel(engine, lang=lang, as_manager=as_manager, demo=demo, files=files)
    t = channel.t
    out(t.gettext("survey-bot console: /help lists the commands, /quit leaves."))
    if demo:
        out(t.gettext("Demo: you are the customer. Type /switch to act as the manager, and "
                      "again to come back."))
    for text in channel.feed("/help" if as_manager and not demo else "/start"):
        out(text)
    while True:
        if source is sys.stdin and sys.stdin.isatty():
            try:
                line = input(channel.prompt())
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
