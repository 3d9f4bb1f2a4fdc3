"""Patches against fresh snapshots: after the first snapshot, every widget holds the meeting as
the patches made it, and that must be exactly what a fresh snapshot shows (zulip's test of its
events system, for us).

The machine runs the random command sequences of ``test_properties`` through the pure rules, and
sends what the server would: one patch per change, computed once from the view last sent (as
``realtime.sent_views`` keeps it), through JSON, to a widget of every person in the meeting and
to a stage view. Each widget takes the patch as ``static/patches.js`` does, asks for a snapshot
on a gap, and also takes the messages only it is sent (its learnings; the roster, while it
facilitates). After every step each widget, whatever its role (facilitator, co-facilitator,
member, presenter, observer, stage), must hold what a fresh connection would be sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from companion.domain import learnings, roster, rules
from companion.domain.codec import MOMENT_KEYS, public_view, roster_view
from companion.domain.commands import Command
from companion.domain.events import Event, PrivateChanged, Removed, RoleChanged, RosterChanged
from companion.domain.model import Meeting, Phase, Role
from companion.domain.patches import PatchDoesNotApply, apply, diff
from tests.domain.test_properties import FACILITATOR, MeetingMachine

CO_FACILITATOR = "cole"
STAGE = "stage"  # the stage view: nobody, opened with the facilitator's stage link


def wire(message: Any) -> Any:
    """What the other end reads: JSON, as Socket.IO carries it."""
    return json.loads(json.dumps(message))


def without(view: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in view.items() if key not in names}


@dataclass
class Viewer:
    """One open widget (or the stage view): what it holds, and the moment of the last whole
    thing it took, whose ``MOMENT_KEYS`` it shows."""

    person_id: str | None
    version: int = 0
    meeting: dict[str, Any] | None = None
    moment_ms: int = 0
    learnings: list[dict[str, Any]] = field(default_factory=list)
    roster: dict[str, Any] | None = None
    roster_moment_ms: int = 0
    loses_next: bool = False  # the next change is lost on its way to this widget
    behind: bool = False  # it lost one, and does not know it until the next change comes


class Server:
    """What the server sends, reduced to the pure parts: the view it last sent of the meeting
    (any viewer's snapshot or the room's patch), and each message as the wire delivers it."""

    def __init__(self) -> None:
        self.sent: dict[str, Any] | None = None
        self.sent_version = 0

    def snapshot(self, meeting: Meeting, now_ms: int) -> dict[str, Any]:
        """To one widget: never the base of a patch (``realtime.broadcast.send_snapshot``)."""
        view = public_view(meeting, now_ms)
        return wire({"type": "snapshot", "version": meeting.version, "meeting": view})

    def change(self, meeting: Meeting, now_ms: int) -> dict[str, Any]:
        """A patch when the view of the version before is held, as ``broadcast_change``."""
        view = public_view(meeting, now_ms)
        before, held_version = self.sent, self.sent_version
        self.sent, self.sent_version = view, meeting.version
        if before is None or held_version != meeting.version - 1:
            return wire({"type": "snapshot", "version": meeting.version, "meeting": view})
        change = diff(before, view, always=MOMENT_KEYS)
        header = {"type": "patch", "version": meeting.version, "from": meeting.version - 1}
        return wire(header | change)


class PatchedViewsMachine(MeetingMachine):
    def __init__(self) -> None:
        super().__init__()
        self.server = Server()
        self.viewers: dict[str, Viewer] = {}

    @initialize(
        count=st.integers(min_value=4, max_value=6),
        head_start=st.integers(min_value=0, max_value=40),
        data=st.data(),
    )
    def open_meeting(self, count: int, head_start: int, data: st.DataObject) -> None:
        """The base machine's meeting with a co-facilitator too; then every person, and a
        stage view, opens a widget on it."""
        self.driver.join(CO_FACILITATOR, Role.CO_FACILITATOR)
        super().open_meeting(count, head_start, data)
        self.roles[CO_FACILITATOR] = Role.CO_FACILITATOR
        for person_id in [*self.roles, STAGE]:
            self.viewers[person_id] = Viewer(None if person_id == STAGE else person_id)
            self._sync(self.viewers[person_id])

    # --- what the server sends ---------------------------------------------------------------

    def _send(self, verb: str, actor: str, args: dict[str, Any]) -> None:
        """The base machine's checks, then, if the command was accepted, what is sent. The
        base machine keeps no events, so the same command runs again for them."""
        before, at_ms = self.meeting, self.driver.clock_ms + 1000
        super()._send(verb, actor, args)
        if self.meeting is before:
            return  # refused: nothing is sent
        applied = rules.apply(before, Command(verb, actor, at_ms, args))
        assert applied.meeting == self.meeting, "the same command makes the same meeting"
        self._broadcast(applied.events)

    def _broadcast(self, events: tuple[Event, ...]) -> None:
        message = self.server.change(self.meeting, self.driver.clock_ms)
        event(f"sent a {message['type']}")
        for viewer in list(self.viewers.values()):
            self._take(viewer, message)
        for caused in events:
            self._tell(caused)
        if any(isinstance(caused, RosterChanged) for caused in events):
            for viewer in self._facilitating():
                self._send_roster(viewer)

    def _tell(self, caused: Event) -> None:
        """What ``realtime.broadcast.publish`` sends beyond the room's change."""
        if isinstance(caused, Removed):
            self.viewers.pop(caused.person_id, None)  # their widgets close; so does their stage
            if caused.person_id == FACILITATOR:
                self.viewers.pop(STAGE, None)
        elif isinstance(caused, PrivateChanged) and caused.person_id in self.viewers:
            self._send_private(self.viewers[caused.person_id])
        elif isinstance(caused, RoleChanged) and caused.person_id in self.viewers:
            viewer = self.viewers[caused.person_id]
            if roster.facilitates(self.meeting.roster.entries.get(caused.person_id)):
                self._send_roster(viewer)

    def _facilitating(self) -> list[Viewer]:
        entries = self.meeting.roster.entries
        return [v for v in self.viewers.values() if roster.facilitates(entries.get(v.person_id))]

    def _send_private(self, viewer: Viewer) -> None:
        assert viewer.person_id is not None, "nothing private reaches the stage"
        viewer.learnings = wire(learnings.private_view(self.meeting, viewer.person_id))["learnings"]

    def _send_roster(self, viewer: Viewer) -> None:
        viewer.roster = wire(roster_view(self.meeting.roster, self.driver.clock_ms))
        viewer.roster_moment_ms = self.driver.clock_ms

    def _sync(self, viewer: Viewer) -> None:
        """What a connection or a ``sync`` is sent: the whole snapshot, and the viewer's own."""
        viewer.behind = False
        snapshot = self.server.snapshot(self.meeting, self.driver.clock_ms)
        viewer.version, viewer.meeting = snapshot["version"], snapshot["meeting"]
        viewer.moment_ms = self.driver.clock_ms
        if viewer.person_id is not None:
            self._send_private(viewer)
            if roster.facilitates(self.meeting.roster.entries.get(viewer.person_id)):
                self._send_roster(viewer)

    # --- what a widget does with it (static/patches.js) ----------------------------------------

    def _take(self, viewer: Viewer, message: dict[str, Any]) -> None:
        if viewer.loses_next:
            viewer.loses_next, viewer.behind = False, True
            return
        if message["type"] == "snapshot":
            viewer.version, viewer.meeting = message["version"], message["meeting"]
            viewer.moment_ms, viewer.behind = self.driver.clock_ms, False
            return
        if message["from"] != viewer.version:
            event("a gap: the widget asked for a snapshot")
            self._sync(viewer)
            return
        assert viewer.meeting is not None
        viewer.version, viewer.meeting = message["version"], apply(viewer.meeting, message)
        viewer.moment_ms = self.driver.clock_ms

    # --- more steps ----------------------------------------------------------------------------

    @rule(data=st.data(), minutes=st.integers(min_value=0, max_value=30))
    def a_widget_asks_for_the_state(self, data: st.DataObject, minutes: int) -> None:
        """A reload, a reconnect or a ``sync``, a while later: the server's latest view is then
        that snapshot, rendered at another moment than the others hold theirs."""
        self.driver.clock_ms += minutes * 60_000
        viewer = data.draw(st.sampled_from(sorted(self.viewers)), label="viewer")
        self._sync(self.viewers[viewer])

    @rule(data=st.data())
    def a_change_is_lost_on_the_way(self, data: st.DataObject) -> None:
        viewer = data.draw(st.sampled_from(sorted(self.viewers)), label="viewer")
        self.viewers[viewer].loses_next = True

    # --- what must hold --------------------------------------------------------------------------

    @invariant()
    def every_widget_holds_a_fresh_snapshot(self) -> None:
        fresh_at: dict[int, dict[str, Any]] = {}  # most widgets took their last at one moment
        for name, viewer in self.viewers.items():
            if viewer.behind:
                continue  # it learns of the loss only from the next change
            event(f"checked the view of a {self._role_of(name)}")
            if viewer.moment_ms not in fresh_at:
                fresh_at[viewer.moment_ms] = wire(public_view(self.meeting, viewer.moment_ms))
            fresh = fresh_at[viewer.moment_ms]
            assert viewer.version == self.meeting.version
            assert viewer.meeting == fresh, f"{name}'s widget drifted from a fresh snapshot"
            if viewer.person_id is None:
                continue
            mine = wire(learnings.private_view(self.meeting, viewer.person_id))
            assert viewer.learnings == mine["learnings"], f"{name}'s learnings drifted"
            if roster.facilitates(self.meeting.roster.entries.get(viewer.person_id)):
                self._check_roster(name, viewer)

    def _check_roster(self, name: str, viewer: Viewer) -> None:
        """The roster's version also counts what facilitators are not shown of it (attendance,
        written as the meeting ends), which sends nothing: only what they see must agree."""
        assert viewer.roster is not None, f"{name} facilitates without the roster"
        fresh = wire(roster_view(self.meeting.roster, viewer.roster_moment_ms))
        assert viewer.roster["version"] <= fresh.pop("version")
        assert without(viewer.roster, "version") == fresh, f"{name}'s roster drifted"

    @invariant()
    def only_the_moment_keys_and_what_faded_depend_on_the_moment(self) -> None:
        """What ``codec.MOMENT_KEYS`` and ``sent_views`` rely on: a later rendering differs in
        the moment keys, and in ``signals`` only by leaving out what faded meanwhile."""
        now, later_ms = self.driver.clock_ms, self.driver.clock_ms + 47_000
        view, later = public_view(self.meeting, now), public_view(self.meeting, later_ms)
        ignored = (*MOMENT_KEYS, "signals")
        assert without(view, *ignored) == without(later, *ignored)
        still = {k: [t for t in fades if t > later_ms] for k, fades in view["signals"].items()}
        assert later["signals"] == {kind: fades for kind, fades in still.items() if fades}

    def _role_of(self, name: str) -> str:
        if name == STAGE:
            return "stage view"
        work = self.meeting.work
        if work is not None and self.meeting.phase is Phase.WORK and work.presenter_id == name:
            return "presenter"
        return self.meeting.roster.entries[name].role.value


PatchedViewsMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_snapshot_plus_patches_is_a_fresh_snapshot_for_every_role = PatchedViewsMachine.TestCase


# --- diff and apply on their own ------------------------------------------------------------

ENTRY = {"version": 1, "action": "hand_raised"}


def line(version: int) -> dict[str, Any]:
    return {**ENTRY, "version": version}


def test_a_sliding_log_sends_only_the_new_line() -> None:
    before = {"activity": [line(v) for v in range(1, 11)], "phase": "work"}
    after = {"activity": [line(v) for v in range(2, 12)], "phase": "work"}
    patch = diff(before, after)
    assert patch == {"splice": {"activity": [[0, 1, []], [9, 0, [line(11)]]]}}
    assert apply(before, patch) == after


def test_one_changed_item_is_sent_alone() -> None:
    people = [{"id": p, "online": True} for p in "abcde"]
    after_people = [*people[:2], {"id": "c", "online": False}, *people[3:]]
    patch = diff({"participants": people}, {"participants": after_people})
    assert patch == {"splice": {"participants": [[2, 1, [{"id": "c", "online": False}]]]}}


def test_a_list_with_nothing_kept_is_sent_whole_and_so_is_any_other_value() -> None:
    before = {"bids": [1, 2], "work": {"hands": ["a"]}, "gone": 1}
    after = {"bids": [3], "work": {"hands": []}, "new": None}
    assert diff(before, after) == {
        "set": {"bids": [3], "work": {"hands": []}, "new": None},
        "unset": ["gone"],
    }


def test_what_depends_on_the_moment_goes_whole_even_when_unchanged() -> None:
    view = {"server_now_ms": 5, "signals": {}, "phase": "work"}
    assert diff(view, view, always=("server_now_ms", "signals")) == {
        "set": {"server_now_ms": 5, "signals": {}}
    }
    assert diff(view, view) == {}


def test_the_public_view_names_what_depends_on_the_moment() -> None:
    """Each of them is in the view, so a patch that sets it leaves the view's shape as it was."""
    from tests.domain.driver import meeting_with

    view = public_view(meeting_with(["ada"]).meeting, 0)
    assert set(MOMENT_KEYS) <= set(view)


VIEW = {"phase": "work", "activity": [1, 2, 3], "work": None}


@pytest.mark.parametrize(
    "patch",
    [
        [],
        {"set": []},
        {"unset": "phase"},
        {"unset": ["missing"]},
        {"unset": [7]},
        {"splice": []},
        {"splice": {"phase": [[0, 1, []]]}},
        {"splice": {"missing": [[0, 0, [1]]]}},
        {"splice": {"activity": [[0, 4, []]]}},
        {"splice": {"activity": [[4, 0, [1]]]}},
        {"splice": {"activity": [[-1, 1, []]]}},
        {"splice": {"activity": [[0, True, []]]}},
        {"splice": {"activity": [[0, 1]]}},
        {"splice": {"activity": [[0, 1, 5]]}},
        {"splice": {"activity": [[0.5, 1, []]]}},
        {"splice": {"activity": [0, 1, []]}},
        {"set": {"phase": "x"}, "unset": ["phase"]},
        {"add": {"phase": "x"}},
    ],
    ids=repr,
)
def test_a_patch_that_does_not_fit_is_refused_and_the_view_is_unchanged(patch: Any) -> None:
    view = json.loads(json.dumps(VIEW))
    with pytest.raises(PatchDoesNotApply) as refused:
        apply(view, patch)
    assert refused.value.code == "patch_does_not_apply"
    assert view == VIEW


def test_the_message_around_a_patch_is_left_to_its_holder() -> None:
    message = {"type": "patch", "version": 4, "from": 3, "set": {"phase": "bidding"}}
    assert apply(VIEW, message) == {**VIEW, "phase": "bidding"}


# Small alphabets, so that lists share items and every way of editing one is tried.
ITEMS = st.one_of(st.integers(min_value=0, max_value=4), st.sampled_from(["a", "b", None]))
VALUES = st.recursive(
    ITEMS | st.booleans(),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.sampled_from("xyz"), inner),
    max_leaves=12,
)
VIEWS = st.dictionaries(st.sampled_from(["phase", "bids", "activity", "work", "x"]), VALUES)


@st.composite
def edited_lists(draw: st.DrawFn) -> tuple[list[Any], list[Any]]:
    """A list and what became of it: a window slid along, items put in, taken out, replaced."""
    before = draw(st.lists(ITEMS, max_size=10))
    after = list(before)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        at = draw(st.integers(min_value=0, max_value=len(after)))
        match draw(st.sampled_from(["slide", "insert", "delete", "replace"])):
            case "slide":
                after = after[1:] + draw(st.lists(ITEMS, min_size=1, max_size=2))
            case "insert":
                after.insert(at, draw(ITEMS))
            case "delete" if after:
                del after[min(at, len(after) - 1)]
            case "replace" if after:
                after[min(at, len(after) - 1)] = draw(ITEMS)
    return before, after


@given(before=VIEWS, after=VIEWS, always=st.sets(st.sampled_from(["phase", "x"])))
def test_any_view_patched_is_the_view_after(
    before: dict[str, Any], after: dict[str, Any], always: set[str]
) -> None:
    patch = wire(diff(before, after, always=always))
    assert apply(wire(before), patch) == after
    assert set(patch) <= {"set", "unset", "splice"} and all(patch.values())


@given(lists=edited_lists())
def test_a_list_edited_is_sent_as_no_more_than_it_gained(
    lists: tuple[list[Any], list[Any]],
) -> None:
    before, after = lists
    patch = wire(diff({"log": before}, {"log": after}))
    assert apply({"log": before}, patch) == {"log": after}
    for edits in patch.get("splice", {}).values():
        assert sum(len(items) for _, _, items in edits) < len(after)
