"""Button values: the one codec for what a button carries (Telegram ``callback_data``, a Slack
button's ``value``, a console choice).

Every value is short ASCII, at most 64 bytes (Telegram's limit), and says what it is by its
first field.  Adapters treat values as opaque except to tell a manager's alert action from the
rest (Slack opens a modal for Reply); they use :func:`decode` for that, never prefix matching.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_BYTES = 64


class AlertAction(StrEnum):
    CLAIM = "claim"
    REPLY = "reply"
    RESOLVE = "resolve"


class CampaignAction(StrEnum):
    SEND = "send"
    CANCEL = "cancel"


class AdvocacyAction(StrEnum):
    """A promoter's answer to the ask (``docs/advocacy.md``)."""

    ACCEPT = "yes"  # give me my links
    DECLINE = "no"  # no, thanks
    NAME = "name"  # you may name me among the people who recommend you
    ANONYMOUS = "anon"  # do not name me


@dataclass(frozen=True, slots=True)
class Score:
    """A score button of survey run ``run_id``, question step ``step``."""

    run_id: int
    step: int
    score: int


@dataclass(frozen=True, slots=True)
class Skip:
    """Skip the follow-up question at ``step`` of run ``run_id``."""

    run_id: int
    step: int


@dataclass(frozen=True, slots=True)
class Language:
    code: str


@dataclass(frozen=True, slots=True)
class StartSurvey:
    """Start a survey (the Slack App Home button)."""


@dataclass(frozen=True, slots=True)
class ConfirmDelete:
    """The answer to "delete my data?"."""

    confirmed: bool


@dataclass(frozen=True, slots=True)
class Alert:
    """A manager's action on alert ``alert_id``."""

    alert_id: int
    action: AlertAction


@dataclass(frozen=True, slots=True)
class Campaign:
    """A manager's answer to the preview of chat campaign ``campaign_id``: Send or Cancel."""

    campaign_id: int
    action: CampaignAction


@dataclass(frozen=True, slots=True)
class Recovery:
    """A customer's answer to "is the problem solved?" (question ``question_id``: the alert
    note that asked it): Yes (``solved``) or No."""

    question_id: int
    solved: bool


@dataclass(frozen=True, slots=True)
class Advocacy:
    """A promoter's answer to promoter ask ``ask_id``."""

    ask_id: int
    action: AdvocacyAction


Button = (Score | Skip | Language | StartSurvey | ConfirmDelete | Alert | Campaign | Recovery
          | Advocacy)


def encode(button: Button) -> str:
    """The value that travels with the button."""
    match button:
        case Score(run_id, step, score):
            value = f"a:{run_id}:{step}:{score}"
        case Skip(run_id, step):
            value = f"skip:{run_id}:{step}"
        case Language(code):
            value = f"lang:{code}"
        case StartSurvey():
            value = "start"
        case ConfirmDelete(confirmed):
            value = "del:yes" if confirmed else "del:no"
        case Alert(alert_id, action):
            value = f"al:{alert_id}:{action.value}"
        case Campaign(campaign_id, action):
            value = f"cp:{campaign_id}:{action.value}"
        case Recovery(question_id, solved):
            value = f"rc:{question_id}:{'yes' if solved else 'no'}"
        case Advocacy(ask_id, action):
            value = f"pa:{ask_id}:{action.value}"
    assert len(value.encode()) <= MAX_BYTES, value
    return value


def _ints(parts: list[str], count: int) -> list[int] | None:
    if len(parts) != count or not all(p.isascii() and p.lstrip("-").isdigit() for p in parts):
        return None
    return [int(p) for p in parts]


def decode(value: str) -> Button | None:
    """The button a value stands for; None for anything we did not make (an old or forged
    value)."""
    if len(value.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None
    kind, _, rest = value.partition(":")
    parts = rest.split(":") if rest else []
    if kind == "a" and (n := _ints(parts, 3)) is not None:
        return Score(*n)
    if kind == "skip" and (n := _ints(parts, 2)) is not None:
        return Skip(*n)
    if kind == "lang" and len(parts) == 1 and parts[0]:
        return Language(parts[0])
    if value == "start":
        return StartSurvey()
    if kind == "del" and parts in (["yes"], ["no"]):
        return ConfirmDelete(parts == ["yes"])
    if kind == "rc" and len(parts) == 2 and parts[1] in ("yes", "no") \
            and (n := _ints(parts[:1], 1)) is not None and n[0] > 0:
        return Recovery(n[0], parts[1] == "yes")
    if kind in ("al", "cp", "pa") and len(parts) == 2 \
            and (n := _ints(parts[:1], 1)) is not None and n[0] > 0:
        try:
            if kind == "cp":
                return Campaign(n[0], CampaignAction(parts[1]))
            if kind == "pa":
                return Advocacy(n[0], AdvocacyAction(parts[1]))
            return Alert(n[0], AlertAction(parts[1]))
        except ValueError:
            return None
    return None
