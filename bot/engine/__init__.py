"""The survey engine: synchronous, never touches the network, never imports a platform SDK.
``Engine`` (in :mod:`bot.engine.facade`) is what adapters call."""

from bot.engine.facade import Engine

__all__ = ["Engine"]
