"""What the engine answered, with the outbox rows that hold it."""

from __future__ import annotations

from collections.abc import Iterable

from bot.messages import Outbound


class Said(list[Outbound]):
    """What the engine answered, in order, and the ids of the outbox rows that hold it (to
    send at once: ``Dispatcher.send_now``)."""

    def __init__(self, items: Iterable[Outbound] = (), ids: Iterable[int] = ()) -> None:
        super().__init__(items)
        self.ids = list(ids)
