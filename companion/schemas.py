"""What may come in. Every body is checked here before anything else sees it."""

from __future__ import annotations

import unicodedata
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from companion.domain import actions, contract, learnings, report_back, signals, timers
from companion.domain.model import Admission, Allocation, Arrival, Phase
from companion.domain.roster import ASSIGNABLE

NAME_MAX = 40
SET_NAME_MAX = 80
EXPECTED_MAX = 30  # names a facilitator may list as expected members of a new set
TOKEN_MAX = 512
# An Entra ID access token is a JWT of one to three kilobytes; a generous bound, far below the
# body limit.
TEAMS_TOKEN_MAX = 8192


class PlainText(fields.String):
    """Trimmed single-line text with no control characters, so it renders the same everywhere."""

    def __init__(self, max_length: int, min_length: int = 1, **kwargs: Any) -> None:
        length = validate.Length(min=min_length, max=max_length)
        kwargs.setdefault("required", "load_default" not in kwargs)
        super().__init__(validate=length, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if any(unicodedata.category(ch).startswith("C") for ch in text):
            raise ValidationError("Use letters, numbers and punctuation only.")
        return text


class Token(fields.String):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=True, validate=validate.Length(min=1, max=TOKEN_MAX), **kwargs)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class StrictBoolean(fields.Boolean):
    """JSON ``true`` or ``false`` only: a 1 or a "yes" is a client's mistake, not a choice."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def _teams_token() -> fields.String:
    """Optional everywhere: Teams sign-in helps recognise people, and is never needed to join."""
    return fields.String(load_default=None, validate=validate.Length(min=1, max=TEAMS_TOKEN_MAX))


# A device remembers at most this many links (companion/static/devices.js keeps 20).
REMEMBERED_MAX = 20


def _remembered(required: bool = False) -> fields.List:
    bounds = validate.Length(min=1 if required else 0, max=REMEMBERED_MAX)
    if required:
        return fields.List(Token(), required=True, validate=bounds)
    return fields.List(Token(), load_default=list, validate=bounds)


class CreateSetSchema(StrictSchema):
    set_name = PlainText(SET_NAME_MAX)
    facilitator_name = PlainText(NAME_MAX)
    expected_members = fields.List(
        PlainText(NAME_MAX), load_default=list, validate=validate.Length(max=EXPECTED_MAX)
    )
    admission = fields.String(
        load_default=Admission.ASK.value, validate=validate.OneOf([a.value for a in Admission])
    )
    teams_token = _teams_token()


# How someone may say they came: the founder's own arrival is not one of them.
JOINING_ARRIVALS = [a.value for a in Arrival if a is not Arrival.FOUNDED]


class JoinSchema(StrictSchema):
    invite_token = Token()
    display_name = PlainText(NAME_MAX)
    came_by = fields.String(
        load_default=Arrival.INVITE.value, validate=validate.OneOf(JOINING_ARRIVALS)
    )
    # The links this device holds: one of a person removed from this set marks them as such.
    participant_tokens = _remembered()
    teams_token = _teams_token()


class RejoinSchema(StrictSchema):
    invite_token = Token()
    participant_tokens = _remembered()
    teams_token = _teams_token()

    @validates_schema
    def _someone_to_recognise(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("participant_tokens") and not data.get("teams_token"):
            message = "Send at least one link, or a Teams sign-in token."
            raise ValidationError(message, field_name="participant_tokens")


class FacilitatedSetsSchema(StrictSchema):
    participant_tokens = _remembered(required=True)


class HomeSchema(StrictSchema):
    """A facilitator's home: the links this device holds (none, on a new device) and, inside
    Teams, the sign-in token that finds their sets on any device."""

    participant_tokens = _remembered()
    teams_token = _teams_token()


class ConnectAuthSchema(StrictSchema):
    token = Token()


class StageAuthSchema(StrictSchema):
    """A stage view connects with its stage link's token under ``stage``, never ``token``: each
    kind is read only as itself, so a participant's link cannot open a stage, nor the reverse."""

    stage = Token()


class NextMeetingSchema(StrictSchema):
    """The next meeting as a facilitator plans it. Only the shape is checked here; whether the
    date, the zone and the length make sense is the rules' to say (``domain.schedule``), with
    their own codes."""

    local_start = fields.String(required=True, validate=validate.Length(min=1, max=16))
    time_zone = fields.String(required=True, validate=validate.Length(min=1, max=64))
    minutes = fields.Integer(required=True, strict=True)
    include_invite = StrictBoolean(load_default=False)


SCHEMA = "_schema"  # where marshmallow files a problem of the whole body


def first_problem(error: ValidationError) -> str:
    """One readable sentence from marshmallow's nested messages, for the ``message`` field.

    A list's items are reported by their place, counted from 1 as people count:
    ``order: item 2: Not a valid string.``
    """
    return _describe(error.normalized_messages())


def _describe(problems: Any) -> str:
    if isinstance(problems, dict):
        where, inner = next(iter(problems.items()))
        if where == SCHEMA:  # about the body as a whole, not one field of it
            return _describe(inner)
        label = f"item {where + 1}" if isinstance(where, int) else str(where)
        return f"{label}: {_describe(inner)}"
    if isinstance(problems, list):
        return _describe(problems[0])
    return str(problems)


# --- Socket.IO commands: one schema per event, bounded so nothing can grow without limit ---

ID_MAX = 32
LIST_MAX = 50
TITLE_MAX = 120


def _id(required: bool = True) -> fields.String:
    return fields.String(required=required, validate=validate.Length(min=1, max=ID_MAX))


def _id_list() -> fields.List:
    return fields.List(_id(), required=True, validate=validate.Length(max=LIST_MAX))


def _choice(values: list[str]) -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(values))


def _whole(low: int, high: int) -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=low, max=high))


class NoArguments(StrictSchema):
    pass


class GoToPhase(StrictSchema):
    phase = _choice([p.value for p in Phase])
    bid_id = _id(required=False)


class StartSilence(StrictSchema):
    seconds = _whole(10, 600)


class ParticipantArgument(StrictSchema):
    participant_id = _id()


class OptionalParticipant(StrictSchema):
    participant_id = _id(required=False)


class NewOrder(StrictSchema):
    order = _id_list()


class PlaceBid(StrictSchema):
    title = PlainText(TITLE_MAX, min_length=0)  # empty keeps the issue private
    minutes = _whole(1, 180)
    share_title = StrictBoolean(load_default=False)  # may the meeting's summary show the title


class BidArgument(StrictSchema):
    bid_id = _id()


class SetAllocation(StrictSchema):
    mode = _choice([a.value for a in Allocation])


class RecordPresenters(StrictSchema):
    on = StrictBoolean(required=True)


class TimerArgument(StrictSchema):
    timer = _choice(list(timers.NAMES))


class TimerSeconds(TimerArgument):
    seconds = _whole(1, timers.MAX_SECONDS)


class SetRole(ParticipantArgument):
    role = _choice([r.value for r in ASSIGNABLE])


class AddAction(StrictSchema):
    text = PlainText(actions.TEXT_MAX)


class ActionArgument(StrictSchema):
    action_id = _id()


class SetContract(StrictSchema):
    items = fields.List(
        PlainText(contract.ITEM_MAX),
        required=True,
        validate=validate.Length(min=1, max=contract.ITEMS_MAX),
    )


class ReportBack(StrictSchema):
    action_id = _id()
    status = _choice([status.value for status in report_back.REPORTED])
    reflection = PlainText(report_back.REFLECTION_MAX, min_length=0, load_default="")


class AddLearning(StrictSchema):
    text = PlainText(learnings.TEXT_MAX)


class LearningArgument(StrictSchema):
    learning_id = _id()


class SetAdmission(StrictSchema):
    mode = _choice([a.value for a in Admission])


class SendSignal(StrictSchema):
    kind = _choice(list(signals.KINDS))


class SwitchSignal(SendSignal):
    on = StrictBoolean(required=True)


class ClearSignals(StrictSchema):
    """Without ``kind`` (or with null), every kind's count is cleared."""

    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(signals.KINDS))


class SignalWindow(StrictSchema):
    seconds = _whole(signals.WINDOW_MIN_SECONDS, signals.WINDOW_MAX_SECONDS)


COMMAND_SCHEMAS: dict[str, type[Schema]] = {
    "advance_phase": NoArguments,
    "previous_phase": NoArguments,
    "go_to_phase": GoToPhase,
    "start_silence": StartSilence,
    "end_work": NoArguments,
    "end_meeting": NoArguments,
    "speaker_done": NoArguments,
    "speaker_pass": NoArguments,
    "skip_speaker": OptionalParticipant,
    "move_to_end": ParticipantArgument,
    "reorder_round": NewOrder,
    "place_bid": PlaceBid,
    "withdraw_bid": NoArguments,
    "accept_bid": BidArgument,
    "decline_bid": BidArgument,
    "reorder_bids": NewOrder,
    "set_allocation": SetAllocation,
    "set_record_presenters": RecordPresenters,
    "raise_hand": NoArguments,
    "lower_hand": NoArguments,
    "call_next": NoArguments,
    "remove_hand": ParticipantArgument,
    "reorder_hands": NewOrder,
    "clear_hands": NoArguments,
    "add_action": AddAction,
    "remove_action": ActionArgument,
    "send_signal": SendSignal,
    "set_contract": SetContract,
    "agree_contract": NoArguments,
    "report_back": ReportBack,
    "add_learning": AddLearning,
    "remove_learning": LearningArgument,
    "switch_signal": SwitchSignal,
    "clear_signals": ClearSignals,
    "set_signal_window": SignalWindow,
    "start_timer": TimerSeconds,
    "pause_timer": TimerArgument,
    "resume_timer": TimerArgument,
    "extend_timer": TimerSeconds,
    "stop_timer": TimerArgument,
    "hand_over": ParticipantArgument,
    "set_role": SetRole,
    "remove_participant": ParticipantArgument,
    "admit": ParticipantArgument,
    "decline": ParticipantArgument,
    "admit_all": NoArguments,
    "decline_all": NoArguments,
    "set_admission": SetAdmission,
}
