"""The managers' commands about their own work, answered in the event's transaction: ``/nps
alerts`` (:mod:`~bot.engine.alert_list`) and ``/nps digest on|off``
(:mod:`~bot.engine.digests`).  Every metric's command takes them (``/csat alerts`` is the same
list: alerts are one queue, whatever the metric that raised them)."""

from __future__ import annotations

from bot.engine.alert_list import alert_list
from bot.engine.digests import DigestCommand
from bot.engine.turn import EngineConfig, Turn
from bot.reports.alert_stats import wants_stats

WORDS = ("alerts", "digest")


def team_word(args: str) -> tuple[str, str] | None:
    """``alerts`` → ("alerts", ""), ``digest on`` → ("digest", "on"); None for any other
    arguments (a summary's, a send's, ``alerts stats``)."""
    word, _, rest = args.strip().partition(" ")
    word = word.casefold()
    if word == "alerts" and wants_stats(rest):
        return None  # read-only, before the event's transaction (bot/reports/alert_stats.py)
    return (word, rest.strip()) if word in WORDS else None


class TeamCommands:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.digest = DigestCommand(config)

    def on_command(self, turn: Turn, word: str, rest: str) -> None:
        if word == "alerts":
            turn.say(alert_list(turn.session, turn.channel, self.config.clock(), turn.t))
        else:
            self.digest.on_command(turn, rest)
