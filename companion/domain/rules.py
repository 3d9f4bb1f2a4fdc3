"""The one way into the meeting rules: ``apply(meeting, command)``.

It returns a new meeting (the input is never changed) with the version bumped and, for an audited
command, a line in the activity log, together with the events the change caused; or it raises
``Rejected`` and nothing has changed. The sender is authorised by their entry on the set's roster,
which the meeting carries as read in the same transaction; a rule that changes the roster (roles,
removal) bumps the roster's own version too.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.domain import (
    actions,
    activity,
    bidding,
    contract,
    hands,
    learnings,
    past_meetings,
    phases,
    presence,
    report_back,
    roles,
    roster,
    rounds,
    shapes,
    signals,
    timers,
)
from companion.domain.commands import Command, Spec, result_of
from companion.domain.errors import Rejected
from companion.domain.events import Event
from companion.domain.model import FACILITATION, Meeting, Role

FACILITATORS = FACILITATION
LEAD = frozenset({Role.FACILITATOR})
MEMBERS = frozenset({Role.MEMBER})
ANYONE = frozenset(Role)

COMMANDS: dict[str, Spec] = {
    # Presence: sent by the server itself when a widget opens or closes, never by a client.
    "connect": Spec(presence.connect, ANYONE, by_server=True),
    "disconnect": Spec(presence.disconnect, ANYONE, by_server=True),
    "drop_connections": Spec(presence.drop_connections, ANYONE, by_server=True),
    # Phases
    "advance_phase": Spec(phases.advance, FACILITATORS),
    "previous_phase": Spec(phases.back, FACILITATORS),
    "go_to_phase": Spec(phases.go_to, FACILITATORS),
    "start_silence": Spec(phases.start_silence, FACILITATORS),
    "end_work": Spec(phases.end_work, MEMBERS | FACILITATORS),
    "end_meeting": Spec(phases.end_meeting, FACILITATORS),
    # Rounds
    "speaker_done": Spec(rounds.speaker_done, MEMBERS),
    "speaker_pass": Spec(rounds.speaker_pass, MEMBERS),
    "skip_speaker": Spec(rounds.skip_speaker, FACILITATORS),
    "move_to_end": Spec(rounds.move_to_end, FACILITATORS),
    "reorder_round": Spec(rounds.reorder, FACILITATORS),
    # Bidding
    "place_bid": Spec(bidding.place, MEMBERS),
    "withdraw_bid": Spec(bidding.withdraw, MEMBERS),
    "accept_bid": Spec(bidding.accept, FACILITATORS),
    "decline_bid": Spec(bidding.decline, FACILITATORS),
    "reorder_bids": Spec(bidding.reorder, FACILITATORS),
    "set_allocation": Spec(bidding.set_allocation, FACILITATORS),
    # What the set's past keeps: whether its past meetings and record name who presented
    "set_record_presenters": Spec(past_meetings.keep_presenters, FACILITATORS),
    # Questions during work
    "raise_hand": Spec(hands.raise_hand, MEMBERS),
    "lower_hand": Spec(hands.lower_hand, MEMBERS),
    "call_next": Spec(hands.call_next, FACILITATORS),
    "remove_hand": Spec(hands.remove_hand, FACILITATORS),
    "reorder_hands": Spec(hands.reorder, FACILITATORS),
    "clear_hands": Spec(hands.clear_hands, FACILITATORS),
    # The presenter's actions
    "add_action": Spec(actions.add, MEMBERS),
    "remove_action": Spec(actions.remove, MEMBERS | FACILITATORS),
    # Anonymous signals: the handler records no activity, so no sender is kept anywhere
    "send_signal": Spec(signals.send, MEMBERS),
    "switch_signal": Spec(signals.switch, FACILITATORS),
    "clear_signals": Spec(signals.clear, FACILITATORS),
    "set_signal_window": Spec(signals.set_window, FACILITATORS),
    # The set's contract
    "set_contract": Spec(contract.rewrite, FACILITATORS),
    "agree_contract": Spec(contract.agree, MEMBERS),
    # Between meetings: reporting back on earlier actions; private learnings (no activity line)
    "report_back": Spec(report_back.report, MEMBERS | FACILITATORS),
    "add_learning": Spec(learnings.add, MEMBERS | FACILITATORS),
    "remove_learning": Spec(learnings.remove, MEMBERS | FACILITATORS),
    # Timers
    "start_timer": Spec(timers.start, FACILITATORS),
    "pause_timer": Spec(timers.pause, FACILITATORS),
    "resume_timer": Spec(timers.resume, FACILITATORS),
    "extend_timer": Spec(timers.extend, FACILITATORS),
    "stop_timer": Spec(timers.stop, FACILITATORS),
    # Roles
    "hand_over": Spec(roles.hand_over, LEAD),
    "set_role": Spec(roles.set_role, FACILITATORS),
    "remove_participant": Spec(roles.remove, FACILITATORS),
}
SERVER_ONLY = frozenset({"connect", "disconnect", "drop_connections"})
CLIENT_COMMANDS = frozenset(COMMANDS) - SERVER_ONLY


@dataclass(frozen=True)
class Applied:
    meeting: Meeting
    events: tuple[Event, ...] = ()


def apply(meeting: Meeting, command: Command) -> Applied:
    spec = COMMANDS.get(command.name)
    if spec is None:
        raise Rejected("unknown_command", "That action is not recognised.")
    working = shapes.copied(meeting)
    actor = working.roster.entries.get(command.actor_id)
    if not spec.by_server:
        if actor is None:
            raise Rejected("not_in_meeting", "You are not in this meeting.")
        actor = roster.authorise(actor, spec, command.now_ms)
    result = result_of(spec.handler(working, actor, command))
    working.version += 1
    if working.roster != meeting.roster:
        working.roster.version = meeting.roster.version + 1
    if result.entry is not None:
        activity.record(working, command.actor_id, command.now_ms, result.entry)
    return Applied(working, result.events)
