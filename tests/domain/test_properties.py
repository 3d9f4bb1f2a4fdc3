"""Random sequences of every command, from every kind of actor, against the meeting's invariants.

Arguments stay within what the edge lets through (types and ranges), but their values may be
implausible: unknown ids, wrong orders, missing fields, the wrong phase for the command. Each
run first moves the meeting on by a random number of ordinary steps, so that the later phases
are explored as often as the opening.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import orjson
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from companion.domain import bidding, rounds, rules, shapes, signals, timers
from companion.domain.codec import (
    meeting_fields,
    meeting_from_dict,
    meeting_to_dict,
    roster_from_dict,
    roster_to_dict,
)
from companion.domain.errors import Rejected
from companion.domain.model import (
    FACILITATION,
    Allocation,
    BidStatus,
    Meeting,
    Phase,
    Role,
    RoundKind,
    Status,
)
from tests.domain.driver import MeetingDriver

FACILITATOR = "fay"
OBSERVER = "obi"
STRANGER = "zed"  # never connects: every command of theirs must be refused
MEMBER_POOL = ["ada", "bob", "cy", "dee", "eve", "fin"]

ROUND_OF_PHASE = {
    Phase.CHECK_IN: RoundKind.CHECK_IN,
    Phase.CLOSING_ROUND: RoundKind.CLOSING,
    Phase.LEARNING_REVIEW: RoundKind.LEARNING_REVIEW,
}
WORK_PHASES = frozenset({Phase.WORK, Phase.CLOSING_ROUND})
FACILITATOR_MOVES = frozenset({"advance_phase", "previous_phase", "go_to_phase", "end_meeting"})
# Anonymous signals, private learnings: no activity line may name who sent them
UNRECORDED = frozenset({"send_signal", "add_learning", "remove_learning"})
GATEKEEPING = frozenset({"not_in_meeting", "not_a_member", "removed", "waiting", "not_allowed"})
PERSON_COMMANDS = [
    "skip_speaker",
    "move_to_end",
    "remove_hand",
    "set_role",
    "remove_participant",
    "hand_over",
]
MEMBER_COMMANDS = sorted(
    verb for verb in rules.CLIENT_COMMANDS if Role.MEMBER in rules.COMMANDS[verb].roles
)
FACILITATION_COMMANDS = sorted(
    verb for verb in rules.CLIENT_COMMANDS if rules.COMMANDS[verb].roles >= FACILITATION
)


# --- what must always hold ------------------------------------------------------------------


def present_member(meeting: Meeting, participant_id: str) -> bool:
    participant = meeting.participants.get(participant_id)
    return (
        participant is not None
        and participant.online
        and rounds.takes_part(meeting, participant_id)
    )


def assert_one_phase_with_its_round_and_work(meeting: Meeting) -> None:
    assert isinstance(meeting.phase, Phase)
    assert (meeting.round is not None) == (meeting.phase in ROUND_OF_PHASE)
    if meeting.round is not None:
        assert meeting.round.kind is ROUND_OF_PHASE[meeting.phase]
    assert (meeting.work is not None) == (meeting.phase in WORK_PHASES)


def assert_speaking_order_holds_present_members_once(meeting: Meeting) -> None:
    if meeting.round is None:
        return
    assert len(set(meeting.round.order)) == len(meeting.round.order)
    order = rounds.speaking_order(meeting)
    assert all(present_member(meeting, pid) for pid in order)
    current = meeting.round.current
    if current is not None:
        assert current in order
        assert current not in meeting.round.outcomes


def assert_presenter_speaks_last_in_the_closing_round(meeting: Meeting) -> None:
    if meeting.phase is not Phase.CLOSING_ROUND or meeting.work is None:
        return
    presenter = meeting.work.presenter_id
    if present_member(meeting, presenter):
        assert rounds.speaking_order(meeting)[-1] == presenter


def assert_work_belongs_to_its_bid(meeting: Meeting) -> None:
    if meeting.work is None:
        return
    bid = bidding.find_bid(meeting, meeting.work.bid_id)
    assert bid.participant_id == meeting.work.presenter_id
    assert rounds.takes_part(meeting, bid.participant_id), "presenters are members"
    expected = BidStatus.WORKING if meeting.phase is Phase.WORK else BidStatus.DONE
    assert bid.status is expected


def assert_exactly_one_lead(meeting: Meeting) -> None:
    leads = [p for p in meeting.roster.entries.values() if p.role is Role.FACILITATOR]
    assert len(leads) == 1
    assert leads[0].status is Status.ACTIVE


def assert_actions_belong_to_presenters(meeting: Meeting) -> None:
    for action in meeting.actions:
        bid = bidding.find_bid(meeting, action.bid_id)
        assert bid.participant_id == action.owner_id


def assert_signals_hold_times_only(meeting: Meeting) -> None:
    assert set(meeting.signals) <= set(signals.KINDS)
    for times in meeting.signals.values():
        assert times and all(isinstance(t, int) for t in times)
    assert not set(meeting.signals) & set(meeting.signals_off), "a kind off counts nothing"
    assert len(set(meeting.signals_off)) == len(meeting.signals_off)
    assert set(meeting.signals_off) <= set(signals.KINDS)
    assert all(r > 0 for r in meeting.signal_rounds.values())
    assert meeting.phase is not Phase.CLOSED or not meeting.signals, "nothing counts once closed"
    window = meeting.settings.signal_window_seconds
    assert signals.WINDOW_MIN_SECONDS <= window <= signals.WINDOW_MAX_SECONDS


def assert_agreement_is_by_members_once(meeting: Meeting) -> None:
    assert len(set(meeting.contract_agreed)) == len(meeting.contract_agreed)
    assert meeting.contract and all(rule.strip() for rule in meeting.contract)


def assert_learnings_are_three_at_most_each(meeting: Meeting) -> None:
    owners = [item.owner_id for item in meeting.learnings]
    assert all(owners.count(owner) <= 3 for owner in owners)
    assert len({item.id for item in meeting.learnings}) == len(meeting.learnings)


def assert_codec_round_trips(meeting: Meeting) -> None:
    assert meeting_from_dict(meeting_to_dict(meeting), meeting.roster) == meeting
    stored = orjson.dumps(meeting_fields(meeting))
    assert stored == orjson.dumps(meeting_to_dict(meeting)), "the store's quick text is the same"
    assert roster_from_dict(roster_to_dict(meeting.roster)) == meeting.roster


def assert_a_copy_is_equal_and_shares_nothing_it_could_change(meeting: Meeting) -> None:
    duplicate = shapes.copied(meeting)
    assert duplicate == meeting
    assert not mutable_parts(duplicate) & mutable_parts(meeting)


def mutable_parts(value: Any) -> set[int]:
    """The ids of every list, dict and dataclass instance reachable from ``value``, but for
    frozen dataclasses (a copy may share those: nothing can change them)."""
    found: set[int] = set()
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list | dict) or (
            dataclasses.is_dataclass(item) and not type(item).__dataclass_params__.frozen
        ):
            found.add(id(item))
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif dataclasses.is_dataclass(item):
            pending.extend(vars(item).values())
    return found


def assert_consistent(meeting: Meeting) -> None:
    assert_one_phase_with_its_round_and_work(meeting)
    assert_speaking_order_holds_present_members_once(meeting)
    assert_presenter_speaks_last_in_the_closing_round(meeting)
    assert_work_belongs_to_its_bid(meeting)
    assert_exactly_one_lead(meeting)
    assert_actions_belong_to_presenters(meeting)
    assert_signals_hold_times_only(meeting)
    assert_agreement_is_by_members_once(meeting)
    assert_learnings_are_three_at_most_each(meeting)
    assert_codec_round_trips(meeting)
    assert_a_copy_is_equal_and_shares_nothing_it_could_change(meeting)


# --- the machine ----------------------------------------------------------------------------


class MeetingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.driver = MeetingDriver()
        self.members: list[str] = []
        self.roles: dict[str, Role] = {}

    @property
    def meeting(self) -> Meeting:
        return self.driver.meeting

    @initialize(
        count=st.integers(min_value=4, max_value=6),
        head_start=st.integers(min_value=0, max_value=40),
        data=st.data(),
    )
    def open_meeting(self, count: int, head_start: int, data: st.DataObject) -> None:
        self.members = MEMBER_POOL[:count]
        self.roles = {FACILITATOR: Role.FACILITATOR, OBSERVER: Role.OBSERVER}
        self.roles |= {member: Role.MEMBER for member in self.members}
        for pid, role in self.roles.items():
            self.driver.join(pid, role)
        for _ in range(head_start):
            self.meeting_moves_on(data)
            assert_consistent(self.meeting)

    # --- arguments ----------------------------------------------------------------------------

    def _people(self) -> list[str]:
        return [*self.roles, STRANGER]

    def _holding(self, roles: frozenset[Role]) -> list[str]:
        people = self.meeting.roster.entries.values()
        return [p.id for p in people if p.role in roles and p.status is Status.ACTIVE]

    def _participant_id(self, data: st.DataObject) -> str:
        """Anyone, but most often someone the command could be about."""
        meeting = self.meeting
        likely = [meeting.round.current] if meeting.round and meeting.round.current else []
        if meeting.work is not None:
            likely += [meeting.work.presenter_id, *meeting.work.hands]
        return data.draw(st.sampled_from(likely * 2 + self._people()), label="participant")

    def _bid_id(self, data: st.DataObject) -> str:
        known = [bid.id for bid in self.meeting.bids]
        return data.draw(st.sampled_from([*known, "b999"]), label="bid")

    def _round_order(self, data: st.DataObject) -> list[str]:
        shuffled = data.draw(st.permutations(rounds.speaking_order(self.meeting)))
        presenter = self.meeting.work.presenter_id if self.meeting.work else None
        if presenter in shuffled and data.draw(st.booleans(), label="presenter last"):
            shuffled = [pid for pid in shuffled if pid != presenter] + [presenter]
        anything = st.lists(st.sampled_from(self._people()), max_size=8)
        return data.draw(st.one_of(st.just(shuffled), anything), label="order")

    def _bid_order(self, data: st.DataObject) -> list[str]:
        accepted = [b.id for b in self.meeting.bids if b.status is BidStatus.ACCEPTED]
        known = [b.id for b in self.meeting.bids]
        anything = st.lists(st.sampled_from([*known, "b999"]), max_size=8)
        return data.draw(st.one_of(st.permutations(accepted), anything), label="order")

    def _hands_order(self, data: st.DataObject) -> list[str]:
        raised = list(self.meeting.work.hands) if self.meeting.work else []
        anything = st.lists(st.sampled_from(self._people()), max_size=8)
        return data.draw(st.one_of(st.permutations(raised), anything), label="order")

    def _action_id(self, data: st.DataObject) -> str:
        known = [action.id for action in self.meeting.actions]
        return data.draw(st.sampled_from([*known, "a999"]), label="action")

    def _arguments(self, verb: str, data: st.DataObject) -> dict[str, Any]:
        draw = data.draw
        timer = st.sampled_from(timers.NAMES)
        seconds = st.integers(min_value=1, max_value=timers.MAX_SECONDS)
        match verb:
            case "go_to_phase":
                args: dict[str, Any] = {"phase": draw(st.sampled_from(list(Phase))).value}
                if draw(st.booleans(), label="with bid"):
                    args["bid_id"] = self._bid_id(data)
                return args
            case "start_silence":
                return {"seconds": draw(st.integers(min_value=1, max_value=700))}
            case "skip_speaker":
                named = draw(st.booleans(), label="named")
                return {"participant_id": self._participant_id(data)} if named else {}
            case "move_to_end" | "remove_hand" | "hand_over" | "remove_participant":
                return {"participant_id": self._participant_id(data)}
            case "set_role":
                role = draw(st.sampled_from([Role.MEMBER, Role.OBSERVER, *FACILITATION]))
                return {"participant_id": self._participant_id(data), "role": role.value}
            case "reorder_round":
                return {"order": self._round_order(data)}
            case "reorder_bids":
                return {"order": self._bid_order(data)}
            case "place_bid":
                minutes = draw(st.integers(min_value=1, max_value=180))
                return {"title": draw(st.text(max_size=12)), "minutes": minutes}
            case "accept_bid" | "decline_bid":
                return {"bid_id": self._bid_id(data)}
            case "set_allocation":
                return {"mode": draw(st.sampled_from(list(Allocation))).value}
            case "start_timer" | "extend_timer":
                return {"timer": draw(timer), "seconds": draw(seconds)}
            case "pause_timer" | "resume_timer" | "stop_timer":
                return {"timer": draw(timer)}
            case "reorder_hands":
                return {"order": self._hands_order(data)}
            case "add_action":
                return {"text": draw(st.text(min_size=1, max_size=12))}
            case "remove_action":
                return {"action_id": self._action_id(data)}
            case "send_signal":
                return {"kind": draw(st.sampled_from([*signals.KINDS, "dance"]))}
            case "switch_signal":
                return {"kind": draw(st.sampled_from(signals.KINDS)), "on": draw(st.booleans())}
            case "clear_signals":
                return {"kind": draw(st.sampled_from([None, *signals.KINDS]))}
            case "add_learning":
                return {"text": draw(st.text(min_size=1, max_size=8))}
            case "remove_learning":
                known = [item.id for item in self.meeting.learnings]
                return {"learning_id": draw(st.sampled_from([*known, "m1.l999"]))}
            case "set_contract":
                return {"items": draw(st.lists(st.text(max_size=8), max_size=3))}
            case "set_signal_window":
                return {"seconds": draw(st.integers(min_value=5, max_value=700))}
        return {}

    # --- steps --------------------------------------------------------------------------------

    def _client_command(self, verb: str, actor: str, data: st.DataObject) -> None:
        args = self._arguments(verb, data)
        if args and data.draw(st.integers(min_value=0, max_value=9), label="drop") == 0:
            args.pop(data.draw(st.sampled_from(sorted(args)), label="dropped"))
        self._send(verb, actor, args)

    @rule(verb=st.sampled_from(sorted(rules.CLIENT_COMMANDS)), data=st.data())
    def anyone_sends(self, verb: str, data: st.DataObject) -> None:
        actor = data.draw(st.sampled_from(self._people()), label="actor")
        self._client_command(verb, actor, data)

    @rule(verb=st.sampled_from(FACILITATION_COMMANDS), data=st.data())
    def facilitator_sends(self, verb: str, data: st.DataObject) -> None:
        actor = data.draw(st.sampled_from(self._holding(FACILITATION)), label="actor")
        self._client_command(verb, actor, data)

    @rule(verb=st.sampled_from(PERSON_COMMANDS), data=st.data())
    def facilitator_acts_on_someone_involved(self, verb: str, data: st.DataObject) -> None:
        """Aimed at the speaker, the presenter or a raised hand, where the rules interlock."""
        meeting = self.meeting
        involved = [meeting.round.current] if meeting.round and meeting.round.current else []
        if meeting.work is not None:
            involved += [meeting.work.presenter_id, *meeting.work.hands]
        if not involved:
            return
        actor = data.draw(st.sampled_from(self._holding(FACILITATION)), label="actor")
        args = self._arguments(verb, data) | {
            "participant_id": data.draw(st.sampled_from(involved), label="involved")
        }
        self._send(verb, actor, args)

    @rule(verb=st.sampled_from(MEMBER_COMMANDS), data=st.data())
    def member_sends(self, verb: str, data: st.DataObject) -> None:
        members = self._holding(frozenset({Role.MEMBER}))
        if members:
            actor = data.draw(st.sampled_from(members), label="actor")
            self._client_command(verb, actor, data)

    @rule(data=st.data())
    def meeting_moves_on(self, data: st.DataObject) -> None:
        """The usual next step: the speaker finishes, the presenter ends, a facilitator moves."""
        meeting = self.meeting
        lead = self._holding(frozenset({Role.FACILITATOR}))[0]
        if meeting.round is not None and meeting.round.current is not None:
            verb = data.draw(st.sampled_from(["speaker_done", "speaker_pass"]), label="verb")
            self._send(verb, meeting.round.current, {})
        elif meeting.phase is Phase.WORK and meeting.work is not None:
            verbs = ["raise_hand", "call_next", "end_work", "add_action"]
            verb = data.draw(st.sampled_from(verbs), label="verb")
            if verb == "raise_hand":
                self._send(verb, data.draw(st.sampled_from(self.members), label="asker"), {})
            elif verb == "add_action":
                self._send(verb, meeting.work.presenter_id, {"text": "Talk to the team"})
            else:
                self._send(verb, lead if verb == "call_next" else meeting.work.presenter_id, {})
        elif meeting.phase is Phase.BIDDING and not (
            bidding.next_presentation(meeting) and data.draw(st.booleans(), label="enough")
        ):
            pending = [b.id for b in meeting.bids if b.status is BidStatus.PENDING]
            if pending:
                bid_id = data.draw(st.sampled_from(pending), label="bid")
                self._send("accept_bid", lead, {"bid_id": bid_id})
            else:
                bidder = data.draw(st.sampled_from(self.members), label="bidder")
                self._client_command("place_bid", bidder, data)
        else:
            self._send("advance_phase", lead, {})

    @rule(data=st.data())
    def connect(self, data: st.DataObject) -> None:
        actor = data.draw(st.sampled_from(list(self.roles)), label="actor")
        widget = data.draw(st.integers(min_value=1, max_value=2), label="widget")
        self._send("connect", actor, {"connection_id": f"{actor}-{widget}"})

    @rule(data=st.data())
    def disconnect(self, data: st.DataObject) -> None:
        actor = data.draw(st.sampled_from(self._people()), label="actor")
        widget = data.draw(st.integers(min_value=1, max_value=2), label="widget")
        self._send("disconnect", actor, {"connection_id": f"{actor}-{widget}"})

    @rule(minutes=st.integers(min_value=0, max_value=90))
    def time_passes(self, minutes: int) -> None:
        self.driver.clock_ms += minutes * 60_000

    # --- what each command must do ------------------------------------------------------------

    def _send(self, verb: str, actor: str, args: dict[str, Any]) -> None:
        before = copy.deepcopy(self.meeting)
        command = self.driver.command(verb, actor, **args)
        try:
            after = rules.apply(self.meeting, command).meeting
        except Rejected as rejection:
            event(f"refused {verb}: {rejection.code}")
            assert self.meeting == before, f"{verb} was refused but changed the meeting"
            self._check_refusal(verb, actor, before, rejection)
            return
        event(f"accepted {verb}")
        event(f"reached {after.phase.value}")
        assert self.meeting == before, "apply never changes the meeting it is given"
        self._check_acceptance(verb, actor, before, after)
        bump = 0 if after.roster == before.roster else 1
        assert after.roster.version == before.roster.version + bump, "the roster's own version"
        self.driver.meeting = after

    def _check_refusal(self, verb: str, actor: str, before: Meeting, rejection: Rejected) -> None:
        """Who may send what is decided before any rule runs, and always with the same code."""
        assert rejection.code and rejection.message
        if verb in rules.SERVER_ONLY:
            return
        participant = before.roster.entries.get(actor)
        if participant is None:
            assert rejection.code == "not_in_meeting"
        elif participant.status is Status.REMOVED:
            assert rejection.code == "removed"
        elif participant.role not in rules.COMMANDS[verb].roles:
            assert rejection.code == "not_allowed"
        else:
            assert rejection.code not in GATEKEEPING

    def _check_acceptance(self, verb: str, actor: str, before: Meeting, after: Meeting) -> None:
        assert after.version == before.version + 1
        if verb in rules.SERVER_ONLY:
            assert actor != STRANGER, "only someone on the roster comes in"
            assert after.activity == before.activity, "presence is not written to the log"
            return
        participant = before.roster.entries[actor]
        assert participant.status is Status.ACTIVE
        assert participant.role in rules.COMMANDS[verb].roles
        if verb in UNRECORDED:
            assert after.activity == before.activity, f"{verb} must leave no trace of its sender"
            return
        latest = after.activity[-1]
        assert (latest.version, latest.actor) == (after.version, actor)
        if verb in FACILITATOR_MOVES:
            assert latest.override
        if verb == "end_work":
            assert before.work is not None
            assert actor == before.work.presenter_id or participant.role in FACILITATION

    @invariant()
    def meeting_is_consistent(self) -> None:
        assert_consistent(self.meeting)


MeetingMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_meeting_invariants = MeetingMachine.TestCase
