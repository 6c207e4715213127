"""What a person types in a Slack DM: bare command words (in any of our languages) and the
targets of ``/nps send``."""

from __future__ import annotations

import re

from bot.messages import Inbound
from bot.settings import Settings
from bot.style import ChannelStyle

CHANNEL = "slack"

# Bare words that act as commands in a DM (Slack keeps leading "/" for slash commands).
_WORDS = {
    "start": "start", "începe": "start", "incepe": "start", "开始": "start",
    "stop": "stop", "oprește": "stop", "opreste": "stop", "停止": "stop", "退订": "stop",
    "help": "help", "ajutor": "help", "帮助": "help",
    "language": "language", "limba": "language", "limbă": "language", "语言": "language",
    "delete my data": "delete_my_data", "delete_my_data": "delete_my_data",
    "șterge datele": "delete_my_data", "sterge datele": "delete_my_data",
    "删除我的数据": "delete_my_data",
    "export my data": "export_my_data", "export_my_data": "export_my_data",
    "exportă datele": "export_my_data", "exporta datele": "export_my_data",
    "导出我的数据": "export_my_data",
    "cancel": "cancel", "anulează": "cancel", "anuleaza": "cancel", "取消": "cancel",
}
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")


def slack_style(settings: Settings) -> ChannelStyle:
    """Slack's spelling: the configured slash commands for managers, the English DM words for
    everything else (the Romanian and Chinese words work too)."""
    words = {"start": "start", "stop": "stop", "help": "help", "language": "language",
             "delete_my_data": "delete my data", "export_my_data": "export my data",
             "cancel": "cancel"}
    return ChannelStyle({**words, **settings.slack_commands()},
                        campaign_pace=settings.slack_wave_per_second)


def dm_inbound(user_id: str, chat_id: str, text: str, *, display_name: str,
               locale_hint: str | None, event_id: str | None) -> Inbound:
    """A DM becomes a command when it is one of the command words (``language ro`` keeps its
    argument), otherwise plain text for the engine."""
    stripped = " ".join(text.split())
    lowered = stripped.lower().lstrip("/")
    command, args = None, ""
    if lowered in _WORDS:
        command = _WORDS[lowered]
    else:
        head, _, rest = lowered.partition(" ")
        if head in ("language", "limba", "limbă", "语言", "start") and rest:
            command, args = _WORDS[head], stripped.partition(" ")[2]
    common = {"display_name": display_name, "locale_hint": locale_hint, "event_id": event_id,
              "is_private": True}
    if command is not None:
        return Inbound(CHANNEL, user_id, chat_id, command=command, text=args, **common)  # type: ignore[arg-type]
    return Inbound(CHANNEL, user_id, chat_id, text=text, **common)  # type: ignore[arg-type]


def send_targets(text: str) -> tuple[list[str], list[str]]:
    """User ids and channel ids named in ``send <@U1|ana> <#C1|general>`` (Slack escapes
    mentions in command text when the command has ``should_escape``)."""
    users = list(dict.fromkeys(_USER.findall(text)))
    channels = list(dict.fromkeys(_CHANNEL.findall(text)))
    return users, channels


def without_mentions(text: str) -> str:
    """``send <@U1> plan=pro <#C1>`` → ``send plan=pro``: what is left for the engine."""
    return " ".join(_CHANNEL.sub(" ", _USER.sub(" ", text)).split())
