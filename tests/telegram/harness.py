"""Drive the real python-telegram-bot Application, polling the Bot API stand-in."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from adapters.telegram.app import TelegramChannel
from bot.engine import Engine
from bot.models import Answer, Respondent
from bot.settings import Settings
from tests.helpers import settle
from tests.telegram.standin import BotAPIStandIn, user

MANAGER_ID = 900
ALERT_CHAT = -1001


@dataclass
class Harness:
    api: BotAPIStandIn
    channel: TelegramChannel
    engine: Engine
    settings: Settings
    pushed: set[int] = field(default_factory=set)

    async def deliver(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates and wait until the bot has handled it."""
        self.api.push(update)
        self.pushed.add(update["update_id"])
        await settle(self.engine, channel="telegram", stored=len(self.pushed))

    def person(self, uid: int, name: str, lang: str | None) -> TgUser:
        return TgUser(self, user(uid, name, lang))

    def answers(self) -> list[Answer]:
        with Session(self.engine.db.read_engine) as s:
            return list(s.exec(select(Answer).order_by(Answer.id)))  # type: ignore[arg-type]

    def respondent(self, uid: int) -> Respondent | None:
        with Session(self.engine.db.read_engine) as s:
            return s.exec(select(Respondent).where(
                Respondent.channel == "telegram",
                Respondent.platform_user_id == str(uid))).first()


@dataclass
class TgUser:
    h: Harness
    frm: dict[str, Any]
    chat_id: int | None = None
    seen: int = field(default=0)

    @property
    def uid(self) -> int:
        return int(self.frm["id"])

    @property
    def chat(self) -> int:
        return self.chat_id if self.chat_id is not None else self.uid

    async def say(self, text: str, **kwargs: Any) -> list[str]:
        """Send a message; the texts the chat received in answer."""
        before = len(self.h.api.texts_to(self.chat))
        await self.h.deliver(self.h.api.message_update(self.frm, text, chat_id=self.chat_id,
                                                       **kwargs))
        return self.h.api.texts_to(self.chat)[before:]

    def keyboard_message(self, label: str) -> tuple[dict[str, Any], str]:
        """The newest message in this chat with a button ``label``, and that button's data."""
        def has(message: dict[str, Any]) -> bool:
            return any(b["text"] == label for row in
                       message.get("reply_markup", {}).get("inline_keyboard", []) for b in row)
        message = copy.deepcopy(self.h.api.last_message(self.chat, has))
        data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                    for b in row if b["text"] == label)
        return message, data

    async def press(self, label: str, message: dict[str, Any] | None = None) -> list[str]:
        """Press a button (on the newest keyboard that has it, or on ``message``)."""
        if message is None:
            message, data = self.keyboard_message(label)
        else:
            data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                        for b in row if b["text"] == label)
        before = len(self.h.api.texts_to(self.chat))
        await self.h.deliver(self.h.api.callback_update(self.frm, dict(message), data))
        return self.h.api.texts_to(self.chat)[before:]

    def toasts(self) -> list[str]:
        return [str(c.params.get("text", "")) for c in self.h.api.sent("answerCallbackQuery")]
