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
    second the channel sends (a launched chat campaign says it); None: not paced."""

    commands: Mapping[str, str] = field(default_factory=dict)
    buttons: bool = True
    campaign_pace: float | None = None

    def spell(self, command: str) -> str:
        return self.commands.get(command) or "/" + command


SLASH = ChannelStyle()
"""Commands as ``/name`` and buttons: Telegram's way, and the default for an unknown channel."""
