"""Socket Mode without a crash or a traceback on a broken frame: a bolt
``AsyncSocketModeHandler`` behind the body checks of requests.py.

There is no signature to check (the WebSocket itself is authenticated), but a frame that is not
a JSON object, nests too deeply, or is an envelope our listeners cannot read is logged as one
line and goes no further (slack_sdk would log a traceback for each); an envelope with an id is
acknowledged, so Slack does not send it again.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from adapters.payloads import BadPayload, json_object
from adapters.slack.requests import envelope_problem

log = logging.getLogger(__name__)


def guard(handler: Any) -> None:
    """Put the checks in front of ``handler``'s client (before it connects)."""
    client = handler.client
    enqueue = client.enqueue_message

    async def checked(frame: str) -> None:
        try:
            data = json_object(frame)
        except BadPayload as exc:
            log.warning("slack: refused a Socket Mode frame: %s", exc)
            return
        if "envelope_id" in data or "payload" in data:
            envelope_id = data.get("envelope_id")
            problem = envelope_problem(data.get("type"), envelope_id, data.get("payload"))
            if problem:
                log.warning("slack: refused a Socket Mode envelope: %s", problem)
                if isinstance(envelope_id, str) and envelope_id:
                    await client.send_message(json.dumps({"envelope_id": envelope_id}))
                return
        await enqueue(frame)

    client.enqueue_message = checked
