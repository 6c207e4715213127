"""The console channel: the real engine and storage in a terminal (like Rasa's shell)."""

from adapters.console.channel import ConsoleChannel, run_console

__all__ = ["ConsoleChannel", "run_console"]
