"""Load drivers: many customers answering a survey at once, and a manager handling the alerts,
against a bot in this process (the harnesses) or in another (``tests/processes.py``).

They talk to the bot only as the platform would and read only what the platform's stand-in
saw, so the same driver serves both::

    load = TelegramLoad(api)                                   # polling: updates queued
    load = TelegramLoad(api, webhook_url=url, secret=secret)   # webhook: POSTed until 200
    load = SlackLoad(api, "http://127.0.0.1:<port>/slack/events")
    result = await load.run(20, manager=True, replies=True, timeout=60)
    assert not result.stuck, result.summary()
    assert answers_mismatch(result, database_url, "telegram") == []

A customer (:class:`Customer`, following :class:`Plan`) sends ``/start`` (Slack: ``start`` in
its DM), presses its planned score on every score question (a message whose buttons are all
numbers), types its comment on every follow-up question (the catalogs' follow-up texts in its
language), and has finished when the thanks arrives.  It never starts over; a press the bot did
not acknowledge (Slack) is pressed again after ``retry_pause``, and so is a question after a
``try_again`` text.  The manager (:class:`TelegramManager`, :class:`SlackManager`) claims each
alert in the managers' chat, presses Reply and answers the prompt or modal.

Every update or request is a :class:`Sent` in ``load.sent`` and ``result.sent``: ``kind``,
``key`` (``update_id``, ``event_id``, ``trigger_id``), ``actor``, ``at``, ``status``,
``attempts``, ``is_acked()`` (a 200; for polling, a later ``getUpdates`` offset confirmed it)
and ``accepted()``.  :class:`LoadResult`: ``customers`` (:class:`CustomerResult`: ``finished``,
``given`` — (metric, score, comment) as answered —, ``questions``, ``repeats``, ``seconds``,
``transcript``), ``manager``, ``finished``, ``stuck``, ``acknowledged()``, ``summary()``.
:func:`stored_answers` and :func:`answers_mismatch` compare with the database.
"""

from tests.load.common import (
    Customer,
    CustomerResult,
    LoadResult,
    Message,
    Plan,
    Sent,
    answers_mismatch,
    plans,
    run_load,
    stored_answers,
)
from tests.load.slack import SlackLoad, SlackManager
from tests.load.telegram import TelegramLoad, TelegramManager

__all__ = ["Customer", "CustomerResult", "LoadResult", "Message", "Plan", "Sent", "SlackLoad",
           "SlackManager", "TelegramLoad", "TelegramManager", "answers_mismatch", "plans",
           "run_load", "stored_answers"]
