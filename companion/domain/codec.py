"""Meetings to and from plain dicts: one form for storage, a smaller one for the widgets."""

from __future__ import annotations

from typing import Any

from companion.domain import bidding, hands, phases, prompts, rounds, shapes, signals
from companion.domain.model import Action, Activity, Bid, LearningSet, Meeting, SetAction
from companion.domain.summary import summary

FORMAT = 2  # bump when the stored shape changes, and teach the decoder the old one
ACTIVITY_SHOWN = 10  # the latest lines of history in each snapshot; keeps it small for phones
_encode_meeting = shapes.encoder(Meeting)
_encode_set = shapes.encoder(LearningSet)


def meeting_to_dict(meeting: Meeting) -> dict[str, Any]:
    return {"format": FORMAT, **_encode_meeting(meeting)}


def meeting_from_dict(data: dict[str, Any]) -> Meeting:
    return shapes.decode(Meeting, {k: v for k, v in data.items() if k != "format"})


def set_to_dict(learning_set: LearningSet) -> dict[str, Any]:
    return {"format": FORMAT, **_encode_set(learning_set)}


def set_from_dict(data: dict[str, Any]) -> LearningSet:
    return shapes.decode(LearningSet, {k: v for k, v in data.items() if k != "format"})


def public_view(meeting: Meeting, now_ms: int) -> dict[str, Any]:
    """What every widget of the meeting may see: no connection ids; presence as a flag."""
    return {
        "id": meeting.id,
        "set_name": meeting.set_name,
        "phase": meeting.phase.value,
        "server_now_ms": now_ms,
        "participants": [
            {"id": p.id, "name": p.name, "role": p.role.value, "online": p.online}
            for p in meeting.participants.values()
            if not p.removed
        ],
        "round": _round_view(meeting),
        "work": _work_view(meeting),
        "bids": [_bid_view(b) for b in meeting.bids],
        "allocation": {
            "mode": meeting.settings.allocation.value,
            "minutes": bidding.propose_allocation(meeting, now_ms),
        },
        "timers": shapes.encode(meeting.timers),
        "actions": [_action_view(action) for action in meeting.actions],
        "signals": signals.fading_times(meeting, now_ms),
        "signal_settings": {
            "window_seconds": meeting.settings.signal_window_seconds,
            "off": [kind for kind in signals.KINDS if kind in meeting.signals_off],
            "highlight_at": signals.highlight_at(meeting),
        },
        "activity": [_activity_view(entry) for entry in meeting.activity[-ACTIVITY_SHOWN:]],
        "contract": {"items": list(meeting.contract), "agreed": list(meeting.contract_agreed)},
        "expected_members": list(meeting.expected_members),
        "report_back": [_report_view(action) for action in meeting.report_back],
        "summary": summary(meeting),
    }


def _activity_view(entry: Activity) -> dict[str, Any]:
    """Without the parts an entry does not have (no subject, no detail, not an override): each
    snapshot carries ten of them to every phone."""
    shown = shapes.encode(entry)
    for name, absent in (("subject", None), ("detail", None), ("override", False)):
        if shown[name] is absent:
            del shown[name]
    return shown


def _report_view(action: SetAction) -> dict[str, str]:
    return {
        "id": action.id,
        "owner": action.owner_id,
        "meeting_id": action.meeting_id,
        "text": action.text,
        "status": action.status.value,
        "reflection": action.reflection,
    }


def _action_view(action: Action) -> dict[str, str]:
    return {"id": action.id, "owner": action.owner_id, "bid_id": action.bid_id, "text": action.text}


def _bid_view(bid: Bid) -> dict[str, Any]:
    return {
        "id": bid.id,
        "participant_id": bid.participant_id,
        "title": bid.title,
        "minutes": bid.minutes,
        "status": bid.status.value,
        "share_title": bid.share_title,
    }


def _round_view(meeting: Meeting) -> dict[str, Any] | None:
    if meeting.round is None:
        return None
    return {
        "kind": meeting.round.kind.value,
        "speaking_order": rounds.speaking_order(meeting),
        "current": meeting.round.current,
        "outcomes": shapes.encode(meeting.round.outcomes),
    }


def _work_view(meeting: Meeting) -> dict[str, Any] | None:
    work = meeting.work
    if work is None:
        return None
    return {
        "bid_id": work.bid_id,
        "presenter": work.presenter_id,
        "stage": work.stage.value,
        "hands": hands.queue(work),
        "questioner": work.questioner,
    }


def guide() -> dict[str, Any]:
    """The words the widget shows: guidance for each phase and work stage, the signals and the
    prompts. Sent once per connection, so snapshots stay small."""
    return {
        "phases": {phase.value: text for phase, text in phases.GUIDANCE.items()},
        "stages": {stage.value: text for stage, text in phases.STAGE_GUIDANCE.items()},
        "signals": [shapes.encode(signal) for signal in signals.CATALOGUE],
        "prompts": {
            "framing": list(prompts.FRAMING),
            "clarifying": list(prompts.CLARIFYING),
            "open": list(prompts.OPEN),
            "reframes": [list(pair) for pair in prompts.REFRAMES],
        },
    }
