"""The engine's input and output contract.

Adapters build one :class:`Inbound` per platform event and call ``Engine.handle``; the engine
answers with a list of outbound values that the adapter renders and sends.  Nothing here knows
about a platform SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

Channel = str
"""A channel name: ``"console"``, ``"telegram"`` or ``"slack"``."""


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a person did: typed text, ran a command, or pressed a button.

    ``command`` is set by the adapter when the platform marks the input as a command (Telegram's
    ``bot_command`` entity, a Slack slash command, a bare ``start``/``stop``/``help`` in a Slack
    DM, a leading ``/`` on the console); ``text`` then holds only the arguments.  ``choice`` holds
    the value of a pressed button, exactly as the engine put it into :class:`Choice.value`.
    ``event_id`` is the platform's id of the delivery (Telegram ``update_id``, Slack ``event_id``
    or action ts), used so a redelivered event changes nothing.
    """

    channel: Channel
    user_id: str
    chat_id: str
    text: str | None = None
    command: str | None = None
    choice: str | None = None
    display_name: str = ""
    locale_hint: str | None = None
    event_id: str | None = None
    is_private: bool = True


@dataclass(frozen=True, slots=True)
class Choice:
    """A button.  ``value`` is at most 64 bytes (Telegram's callback_data limit).

    ``opens`` makes it a link instead: the ``platform_ref`` of a message the bot posted (an
    alert), which the adapter turns into that message's link (a Telegram supergroup's
    ``t.me/c/…``, a Slack permalink); a channel that cannot link to it leaves the button out.
    Its ``value`` is then empty.

    ``url`` makes it a link to a web page (a promoter's review button): a Telegram URL
    button, a Slack link button, a line with the address on the console."""

    label: str
    value: str
    opens: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """Send ``text`` (with optional buttons) to the chat the inbound came from.

    ``columns`` is the suggested number of buttons per row.  ``expects_text`` says the engine
    now waits for free text from this person (Telegram may show a ForceReply).
    """

    text: str
    choices: tuple[Choice, ...] = ()
    columns: int = 6
    expects_text: bool = False


@dataclass(frozen=True, slots=True)
class EditPressed:
    """Replace the message whose button was pressed with ``text`` and no buttons."""

    text: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A short notice to the person who acted (Telegram callback answer, Slack ephemeral).

    Adapters that have no transient notice for the event send it as a normal message.
    """

    text: str


@dataclass(frozen=True, slots=True)
class SendTo:
    """A message to another person on ``channel``: e.g. a manager's reply to a customer, or the
    first question of a survey a manager sent out.  ``chat_id`` may be empty when the adapter must
    open a DM to ``user_id`` first (Slack ``conversations.open``).  ``name`` is how the sender
    knows the person, for a "not sent" notice (empty: the adapter shows ``user_id``)."""

    channel: Channel
    user_id: str
    chat_id: str
    text: str
    choices: tuple[Choice, ...] = ()
    columns: int = 6
    name: str = ""


@dataclass(frozen=True, slots=True)
class AlertPost:
    """Post a new alert to the managers' alert chat of ``channel``.

    After sending, the adapter calls ``Engine.set_alert_ref(alert_id, ref)`` with whatever it needs
    to edit that message later (e.g. ``"<chat_id>:<message_id>"`` or ``"<channel>:<ts>"``).
    """

    channel: Channel
    alert_id: int
    text: str
    choices: tuple[Choice, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class AlertUpdate:
    """Edit the alert message posted earlier (``ref`` as stored with ``set_alert_ref``; empty when
    it was never posted, in which case the adapter posts it anew)."""

    channel: Channel
    alert_id: int
    ref: str
    text: str
    choices: tuple[Choice, ...] = field(default=())


class Mime(StrEnum):
    """The kinds of file the bot sends, one definition each."""

    JSON = "application/json"
    CSV = "text/csv"
    PNG = "image/png"


IMAGES = frozenset({Mime.PNG})
"""Files shown as a picture: a Telegram photo, a Slack image the channel may see."""


@dataclass(frozen=True, slots=True)
class TeamPost:
    """A message to the managers' chat of ``channel`` (where alerts go), not about one alert:
    the weekly digest."""

    channel: Channel
    text: str
    choices: tuple[Choice, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class TeamFile:
    """A file to the managers' chat of ``channel``: an image (``mime`` image/png) is shown as a
    picture, anything else as a document, with ``caption`` beside it."""

    channel: Channel
    filename: str
    content: bytes
    caption: str = ""
    mime: str = "image/png"


@dataclass(frozen=True, slots=True)
class ReplyFile:
    """Send a file to the chat the inbound came from, with ``caption`` beside it: an image
    (:data:`IMAGES`) as a picture (Telegram ``sendPhoto``; on Slack in the channel asked in when
    the bot is there, else the DM), any other file as a document (Telegram ``sendDocument``, a
    Slack upload to the DM); the console writes it and prints its path."""

    filename: str
    content: bytes
    caption: str = ""
    mime: str = Mime.JSON

    @property
    def is_image(self) -> bool:
        return self.mime in IMAGES


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """An event for the company's own system, POSTed to WEBHOOK_URL (:mod:`bot.webhooks`);
    ``body`` is the exact JSON sent (and signed) at every attempt."""

    id: str
    type: str
    created_at: str
    body: str


Outbound = (Reply | EditPressed | Notice | SendTo | AlertPost | AlertUpdate | ReplyFile
            | WebhookEvent | TeamPost | TeamFile)
