"""How each channel writes its commands and whether it shows buttons.

The engine words its help, usage and prompts with these, so it never knows a platform's syntax:
each adapter hands its own :class:`ChannelStyle` to ``Engine.use_style`` (Telegram ``/nps``,
Slack the configured slash commands and bare words in a DM, the console ``/nps``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChannelStyle:
    """``commands`` maps an engine command (``start``, ``nps``, ``delete_my_data`` …) to what a
    person types for it; unnamed commands are ``/<name>``.  ``buttons`` is False where choices
    are typed rather than pressed (the console).  ``campaign_pace``: the campaign messages a
    second the channel sends (a launched chat campaign says it); None: not paced.
    ``start_link``: a link that opens the bot with a start payload, ``{payload}`` standing for
    it (Telegram's ``https://t.me/<bot>?start={payload}``); empty where there is none."""

    commands: Mapping[str, str] = field(default_factory=dict)
    buttons: bool = True
    campaign_pace: float | None = None
    start_link: str = ""

    def spell(self, command: str) -> str:
        return self.commands.get(command) or "/" + command

    def link_to_start(self, payload: str) -> str | None:
        """The link that starts the bot with ``payload``; None on a channel without one."""
        return self.start_link.replace("{payload}", payload) if self.start_link else None


SLASH = ChannelStyle()
"""Commands as ``/name`` and buttons: Telegram's way, and the default for an unknown channel."""
