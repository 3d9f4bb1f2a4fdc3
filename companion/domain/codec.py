"""Meetings to and from plain dicts: one form for storage, a smaller one for the widgets."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from companion.domain import (
    bidding,
    hands,
    phases,
    prompts,
    roster,
    rounds,
    schedule,
    shapes,
    signals,
)
from companion.domain.model import (
    Action,
    Activity,
    Arrival,
    Bid,
    LearningSet,
    Meeting,
    Role,
    Roster,
    RosterEntry,
    SetAction,
    Status,
)
from companion.domain.summary import summary

# Bump when a stored shape changes, and teach the decoder the old one. 3: the roster is kept
# apart from the set, and meetings keep presence only (names and roles are the roster's).
FORMAT = 3
ACTIVITY_SHOWN = 10  # the latest lines of history in each snapshot; keeps it small for phones
ACTIVITY_VIEWS_KEPT = 8192  # views of recent lines, for every meeting a process serves
_encode_meeting = shapes.encoder(Meeting)
_encode_set = shapes.encoder(LearningSet)
_encode_roster = shapes.encoder(Roster)
_STORED_MEETING_FIELDS = tuple(
    f.name for f in dataclasses.fields(Meeting) if not f.metadata.get("kept_apart")
)
# What format 2 kept in each meeting participant and in the set, and the roster now holds.
_FORMAT_2_PARTICIPANT_ONLY = ("name", "role", "removed")


def meeting_to_dict(meeting: Meeting) -> dict[str, Any]:
    """Without its roster, which is the set's to store."""
    return {"format": FORMAT, **_encode_meeting(meeting)}


def meeting_fields(meeting: Meeting) -> dict[str, Any]:
    """The stored form's top level with its values as the meeting holds them, for a writer that
    turns dataclasses and enums into JSON itself, as orjson does in C: the same text as
    ``meeting_to_dict`` gives, in a fraction of the time, on every command's write."""
    return {"format": FORMAT, **{name: getattr(meeting, name) for name in _STORED_MEETING_FIELDS}}


def meeting_from_dict(data: dict[str, Any], roster: Roster | None = None) -> Meeting:
    fields = {k: v for k, v in data.items() if k != "format"}
    if data.get("format", FORMAT) < 3:
        fields["participants"] = {
            pid: {k: v for k, v in p.items() if k not in _FORMAT_2_PARTICIPANT_ONLY}
            for pid, p in fields.get("participants", {}).items()
        }
    meeting = shapes.decode(Meeting, fields)
    if roster is not None:
        meeting.roster = roster
    return meeting


def set_to_dict(learning_set: LearningSet) -> dict[str, Any]:
    return {"format": FORMAT, **_encode_set(learning_set)}


def set_from_dict(data: dict[str, Any]) -> LearningSet:
    return shapes.decode(
        LearningSet, {k: v for k, v in data.items() if k not in ("format", "members")}
    )


def roster_to_dict(kept: Roster) -> dict[str, Any]:
    return {"format": FORMAT, **_encode_roster(kept)}


def roster_from_dict(data: dict[str, Any]) -> Roster:
    return shapes.decode(Roster, {k: v for k, v in data.items() if k != "format"})


def roster_from_format_2(
    set_data: dict[str, Any], current_meeting: dict[str, Any] | None
) -> Roster:
    """A set stored before the roster existed: its members, with the roles the set kept (it
    followed every meeting's role changes), and those removed from its meeting still open, who
    were shut out of that meeting, marked removed. Its first facilitator founded it. Admission
    starts as for any set: newcomers ask the facilitator."""
    entries = {
        member_id: RosterEntry(
            member_id,
            member["name"],
            Role(member["role"]),
            came_by=Arrival.FOUNDED if member["role"] == Role.FACILITATOR else Arrival.INVITE,
        )
        for member_id, member in set_data.get("members", {}).items()
    }
    still_open = current_meeting is not None and current_meeting.get("phase") != "closed"
    for pid, present in (
        (current_meeting or {}).get("participants", {}).items() if still_open else ()
    ):
        if present.get("removed") and pid in entries:
            entries[pid].status = Status.REMOVED
    return Roster(set_id=set_data["id"], version=1, entries=entries)


# The parts of the public view that depend on the moment it is rendered as well as on the
# meeting: two widgets holding one version may hold different values of them, so every patch
# carries them whole (companion.domain.patches). ``signals`` depends on the moment too, but only
# by leaving out what has faded: a later rendering of a version holds what an earlier one held,
# less what faded in between. So a patch from the earliest rendering of a version (the one
# broadcast, which realtime.sent_views keeps) needs to carry it only when it changed: if the
# next version's fade times are the same, none of them has faded, and every later rendering of
# the version before holds them too.
MOMENT_KEYS = ("server_now_ms", "allocation")


def public_view(meeting: Meeting, now_ms: int) -> dict[str, Any]:
    """What every widget of the meeting may see: no connection ids; presence as a flag. Names and
    roles come from the roster; only people active in the set are shown. Only ``MOMENT_KEYS``
    and ``signals`` (what has faded is left out) depend on ``now_ms``."""
    people = meeting.roster.entries
    return {
        "id": meeting.id,
        "set_name": meeting.set_name,
        "phase": meeting.phase.value,
        "server_now_ms": now_ms,
        "participants": [
            {
                "id": p.id,
                "name": people[p.id].name,
                "role": people[p.id].role.value,
                "online": p.online,
            }
            for p in meeting.participants.values()
            if p.id in people and people[p.id].status is Status.ACTIVE
        ],
        "round": _round_view(meeting),
        "work": _work_view(meeting),
        "bids": [_bid_view(b) for b in meeting.bids],
        "allocation": {
            "mode": meeting.settings.allocation.value,
            "minutes": bidding.propose_allocation(meeting, now_ms),
        },
        "record_presenters": meeting.settings.record_presenters,
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
        "next_meeting": schedule.next_meeting_view(meeting.next_meeting),
    }


def roster_view(kept: Roster, now_ms: int) -> dict[str, Any]:
    """The roster as its facilitators see it: everyone active, everyone in the lobby (how they
    came, whether a facilitator removed them before), and everyone removed, whom a facilitator
    may let back in. Never a verified identity itself, only whether there is one."""
    lobby = {entry.id for entry in roster.waiting(kept, now_ms)}
    shown = [
        entry
        for entry in kept.entries.values()
        if entry.name and (entry.status is not Status.WAITING or entry.id in lobby)
    ]
    return {
        "version": kept.version,
        "admission": kept.admission.value,
        "people": [_person_view(entry) for entry in shown],
    }


def _person_view(entry: RosterEntry) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": entry.id,
        "name": entry.name,
        "role": entry.role.value,
        "status": entry.status.value,
        "came_by": entry.came_by.value,
        "verified": entry.identity is not None,
    }
    if entry.status is Status.WAITING:
        shown |= {
            "asked_at_ms": entry.asked_at_ms,
            "expires_at_ms": entry.expires_at_ms,
            "removed_before": entry.removed_before,
        }
        if entry.former_name:
            shown["former_name"] = entry.former_name
    return shown


@functools.lru_cache(maxsize=ACTIVITY_VIEWS_KEPT)
def _activity_view(entry: Activity) -> dict[str, Any]:
    """Without the parts an entry does not have (no subject, no detail, not an override): each
    snapshot carries ten of them to every phone. A line never changes (``Activity`` is frozen),
    so its view is made once and shared by every snapshot that shows it; no one changes a view
    in place (``patches.apply`` makes a new one)."""
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
