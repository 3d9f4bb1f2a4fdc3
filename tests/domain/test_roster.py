"""The set's roster as pure rules: joining, the lobby, roles, removal, and deleting one's data."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from companion.domain import roster
from companion.domain.codec import roster_from_dict, roster_to_dict, roster_view
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.events import Admitted, Declined, Removed, RoleChanged, RosterChanged
from companion.domain.model import Admission, Arrival, Identity, Role, Status

NOW = 1_700_000_000_000
HOUR_MS = 3600 * 1000
ADA = Identity("tenant-1", "object-ada")


class Lobby:
    """A set's roster driven through ``roster.apply``, with a clock one second per command."""

    def __init__(self, admission: Admission = Admission.ASK) -> None:
        self.roster = roster.founded("s1", "fay", "Fay", None)
        self.roster.admission = admission
        self.clock = NOW
        self.events: tuple[Any, ...] = ()
        self.made = 0

    def command(self, verb: str, actor: str, **args: Any) -> Command:
        self.clock += 1000
        return Command(verb, actor, self.clock, args)

    def run(self, verb: str, actor: str = "fay", **args: Any) -> str | None:
        before = copy.deepcopy(self.roster)
        applied = roster.apply(self.roster, self.command(verb, actor, **args))
        assert self.roster == before, "the roster given is never changed"
        bump = 0 if applied.roster == before else 1
        assert applied.roster.version == before.version + bump
        self.roster, self.events = applied.roster, applied.events
        return applied.person_id

    def reject(self, verb: str, actor: str = "fay", **args: Any) -> str:
        before = copy.deepcopy(self.roster)
        with pytest.raises(Rejected) as refused:
            roster.apply(self.roster, self.command(verb, actor, **args))
        assert self.roster == before
        return refused.value.code

    def ask(
        self,
        name: str,
        came_by: Arrival = Arrival.INVITE,
        identity: Identity | None = None,
        returning: str | None = None,
        wait_ms: int = HOUR_MS,
    ) -> str:
        self.made += 1
        person = self.run(
            "ask_to_join",
            "",
            new_id=f"p{self.made}",
            name=name,
            came_by=came_by,
            identity=identity,
            returning_id=returning,
            wait_ms=wait_ms,
        )
        assert person is not None
        return person

    def status(self, person: str) -> Status:
        return self.roster.entries[person].status

    def admitted(self, name: str) -> str:
        person = self.ask(name)
        self.run("admit", participant_id=person)
        return person


def test_a_new_set_has_its_founder_as_its_one_lead() -> None:
    founded = roster.founded("s1", "fay", "Fay", ADA)
    assert list(founded.entries) == ["fay"]
    fay = founded.entries["fay"]
    assert (fay.role, fay.status, fay.came_by, fay.identity) == (
        Role.FACILITATOR,
        Status.ACTIVE,
        Arrival.FOUNDED,
        ADA,
    )
    assert founded.admission is Admission.ASK, "asking the facilitator is the default"


def test_someone_new_waits_in_the_lobby_by_default() -> None:
    lobby = Lobby()
    mo = lobby.ask("Mo", Arrival.QR)
    entry = lobby.roster.entries[mo]
    assert (entry.status, entry.came_by, entry.role) == (Status.WAITING, Arrival.QR, Role.MEMBER)
    assert entry.asked_at_ms == lobby.clock and entry.expires_at_ms == lobby.clock + HOUR_MS
    assert lobby.events == (RosterChanged(),)
    assert [e.id for e in roster.waiting(lobby.roster, lobby.clock)] == [mo]


def test_a_set_that_lets_people_in_at_once_does() -> None:
    lobby = Lobby(Admission.OPEN)
    mo = lobby.ask("Mo")
    assert lobby.status(mo) is Status.ACTIVE
    assert roster.waiting(lobby.roster, lobby.clock) == []


def test_someone_verified_and_in_the_set_goes_straight_in_unchanged() -> None:
    lobby = Lobby()
    ada = lobby.ask("Ada", identity=ADA)
    lobby.run("admit", participant_id=ada)
    before = lobby.roster
    assert lobby.ask("Ada L.", identity=ADA) == ada
    assert lobby.roster == before, "recognised: nothing to write"
    assert lobby.events == ()


def test_whoever_else_asks_from_a_device_holding_an_active_link_is_someone_else() -> None:
    """A shared phone, or "I am someone else": the device's link is not theirs."""
    lobby = Lobby()
    mo = lobby.admitted("Mo")
    ida = lobby.ask("Ida", returning=mo)
    assert ida != mo and lobby.status(ida) is Status.WAITING
    assert lobby.roster.entries[mo].name == "Mo"


def test_someone_still_waiting_who_asks_again_keeps_their_place_with_a_fresh_wait() -> None:
    lobby = Lobby()
    mo = lobby.ask("Mo", identity=ADA)
    asked = lobby.roster.entries[mo].asked_at_ms
    assert lobby.ask("Mo P.", identity=ADA) == mo
    entry = lobby.roster.entries[mo]
    assert (entry.name, entry.status) == ("Mo P.", Status.WAITING)
    assert entry.asked_at_ms > asked
    assert len(lobby.roster.entries) == 2


@pytest.mark.parametrize("admission", list(Admission))
def test_someone_removed_who_asks_again_waits_flagged_whatever_the_set_allows(
    admission: Admission,
) -> None:
    lobby = Lobby(admission)
    mo = lobby.ask("Mo")
    if lobby.status(mo) is Status.WAITING:
        lobby.run("admit", participant_id=mo)
    lobby.run("remove_participant", participant_id=mo)
    assert lobby.events == (Removed(mo), RosterChanged())
    assert lobby.ask("Bob", returning=mo) == mo
    entry = lobby.roster.entries[mo]
    assert (entry.status, entry.removed_before, entry.former_name) == (
        Status.WAITING,
        True,
        "Mo",
    )
    assert entry.name == "Bob"


def test_a_verified_identity_is_recognised_under_any_name_and_without_a_link() -> None:
    lobby = Lobby()
    ada = lobby.ask("Ada", Arrival.TEAMS, identity=ADA)
    lobby.run("admit", participant_id=ada)
    assert lobby.ask("A. Lovelace", identity=ADA) == ada, "any device, any name"
    lobby.run("remove_participant", participant_id=ada)
    assert lobby.ask("Not Ada", identity=ADA, returning=None) == ada
    assert lobby.roster.entries[ada].removed_before, "a removed one stays out under any name"


def test_identity_is_bound_to_someone_known_by_their_link() -> None:
    lobby = Lobby()
    mo = lobby.admitted("Mo")
    assert lobby.run("bind_identity", "", person_id=mo, identity=ADA) == mo
    assert lobby.roster.entries[mo].identity == ADA
    ben = lobby.admitted("Ben")
    lobby.run("bind_identity", "", person_id=ben, identity=ADA)
    assert lobby.roster.entries[ben].identity is None, "one identity, one person"


def test_a_link_bound_to_another_identity_is_not_this_persons() -> None:
    lobby = Lobby()
    mo = lobby.ask("Mo", identity=ADA)
    lobby.run("admit", participant_id=mo)
    lobby.run("remove_participant", participant_id=mo)
    other = Identity("tenant-1", "object-zed")
    zed = lobby.ask("Zed", identity=other, returning=mo)
    assert zed != mo and lobby.status(zed) is Status.WAITING
    assert not lobby.roster.entries[zed].removed_before


def test_a_flood_of_requests_meets_a_full_lobby() -> None:
    lobby = Lobby()
    for n in range(roster.LOBBY_MAX):
        lobby.ask(f"Guest {n}")
    code = lobby.reject(
        "ask_to_join",
        "",
        new_id="late",
        name="Late",
        came_by=Arrival.INVITE,
        identity=None,
        returning_id=None,
    )
    assert code == "lobby_full"


def test_letting_in_and_turning_away() -> None:
    lobby = Lobby()
    mo, ben = lobby.ask("Mo"), lobby.ask("Ben")
    lobby.run("admit", participant_id=mo)
    assert lobby.events == (Admitted(mo), RosterChanged())
    assert lobby.status(mo) is Status.ACTIVE
    assert lobby.roster.entries[mo].asked_at_ms is None
    lobby.run("decline", participant_id=ben)
    assert lobby.events == (Declined(ben), RosterChanged())
    assert ben not in lobby.roster.entries, "someone new turned away is forgotten"
    assert lobby.reject("decline", participant_id=mo) == "not_waiting"
    assert lobby.reject("admit", participant_id=mo) == "not_waiting"


def test_turning_away_someone_removed_before_leaves_them_removed_as_they_were() -> None:
    lobby = Lobby()
    mo = lobby.admitted("Mo")
    lobby.run("remove_participant", participant_id=mo)
    lobby.ask("Bob", returning=mo)
    lobby.run("decline", participant_id=mo)
    entry = lobby.roster.entries[mo]
    assert (entry.status, entry.name, entry.former_name) == (Status.REMOVED, "Mo", "")


def test_a_facilitator_may_let_someone_removed_back_in() -> None:
    lobby = Lobby()
    mo = lobby.admitted("Mo")
    lobby.run("remove_participant", participant_id=mo)
    lobby.run("admit", participant_id=mo)
    assert lobby.status(mo) is Status.ACTIVE


def test_letting_everyone_in_leaves_those_removed_before_to_be_decided_one_by_one() -> None:
    lobby = Lobby()
    rex = lobby.admitted("Rex")
    lobby.run("remove_participant", participant_id=rex)
    lobby.ask("Rex", returning=rex)
    mo, ben = lobby.ask("Mo"), lobby.ask("Ben")
    lobby.run("admit_all")
    assert lobby.events == (Admitted(mo), Admitted(ben), RosterChanged())
    assert lobby.status(rex) is Status.WAITING
    assert lobby.reject("admit_all") == "nobody_waiting"
    lobby.run("decline_all")
    assert lobby.events == (Declined(rex), RosterChanged())
    assert lobby.status(rex) is Status.REMOVED
    assert lobby.reject("decline_all") == "nobody_waiting"


def test_switching_how_people_join_admits_nobody_already_waiting() -> None:
    lobby = Lobby()
    mo = lobby.ask("Mo")
    lobby.run("set_admission", mode="open")
    assert lobby.roster.admission is Admission.OPEN
    assert lobby.status(mo) is Status.WAITING
    assert lobby.reject("set_admission", mode="open") == "no_change"


def test_a_request_nobody_answers_lapses() -> None:
    lobby = Lobby()
    mo = lobby.ask("Mo", wait_ms=5000)
    lobby.clock += 10_000
    assert roster.waiting(lobby.roster, lobby.clock) == []
    assert lobby.reject("admit", participant_id=mo) == "not_waiting"
    with pytest.raises(Rejected) as refused:
        roster.check_standing(lobby.roster.entries[mo], lobby.clock)
    assert refused.value.code == "not_a_member"
    lobby.run("set_admission", mode="open")  # any change prunes what lapsed
    assert mo not in lobby.roster.entries


@pytest.mark.parametrize(
    ("status", "code"),
    [(None, "not_a_member"), (Status.WAITING, "waiting"), (Status.REMOVED, "removed")],
)
def test_only_a_facilitator_in_good_standing_runs_the_lobby(
    status: Status | None, code: str
) -> None:
    lobby = Lobby()
    mo, ben = lobby.admitted("Mo"), lobby.ask("Ben")
    assert lobby.reject("admit", mo, participant_id=ben) == "not_allowed"
    if status is not None:
        lobby.roster.entries[mo].status = status
    assert lobby.reject("admit", mo if status else "zed", participant_id=ben) == code


def test_roles_change_on_the_roster() -> None:
    lobby = Lobby()
    cora, obi = lobby.admitted("Cora"), lobby.admitted("Obi")
    lobby.run("set_role", participant_id=cora, role="co_facilitator")
    assert lobby.events == (RoleChanged(cora), RosterChanged())
    lobby.run("set_role", cora, participant_id=obi, role="observer")
    assert lobby.roster.entries[obi].role is Role.OBSERVER
    assert lobby.reject("set_role", cora, participant_id="fay", role="member") == "is_lead"
    assert lobby.reject("hand_over", cora, participant_id=obi) == "not_allowed"
    lobby.run("hand_over", participant_id=cora)
    roles = {entry.id: entry.role for entry in lobby.roster.entries.values()}
    assert roles == {"fay": Role.MEMBER, cora: Role.FACILITATOR, obi: Role.OBSERVER}
    assert lobby.events == (RoleChanged(cora), RoleChanged("fay"), RosterChanged())


def test_removal_is_for_the_whole_set() -> None:
    lobby = Lobby()
    mo = lobby.admitted("Mo")
    assert lobby.reject("remove_participant", participant_id="fay") == "cannot_remove"
    lobby.run("remove_participant", participant_id=mo)
    with pytest.raises(Rejected) as refused:
        roster.check_standing(lobby.roster.entries[mo], lobby.clock)
    assert refused.value.code == "removed"
    assert lobby.reject("remove_participant", participant_id=mo) == "no_such_participant"
    assert lobby.reject("set_role", participant_id=mo, role="observer") == "no_such_participant"


def test_deleting_ones_data_keeps_only_a_nameless_mark_of_a_removal() -> None:
    lobby = Lobby()
    mo, ben = lobby.admitted("Mo"), lobby.admitted("Ben")
    lobby.roster.entries[mo].identity = ADA
    lobby.run("remove_participant", participant_id=mo)
    kept = copy.deepcopy(lobby.roster)
    roster.forget(kept, ben)
    assert ben not in kept.entries
    roster.forget(kept, mo)
    mark = kept.entries[mo]
    assert (mark.name, mark.status, mark.identity) == ("", Status.REMOVED, ADA)
    assert mo not in {p["id"] for p in roster_view(kept, lobby.clock)["people"]}
    with pytest.raises(Rejected) as refused:
        roster.forget(kept, "fay")
    assert refused.value.code == "is_lead"


def test_the_facilitators_view_shows_the_lobby_and_never_an_identity() -> None:
    lobby = Lobby()
    rex = lobby.admitted("Rex")
    lobby.run("remove_participant", participant_id=rex)
    lobby.ask("Rexy", Arrival.TEAMS, identity=ADA, returning=rex)
    view = roster_view(lobby.roster, lobby.clock)
    waiting = next(p for p in view["people"] if p["id"] == rex)
    assert waiting["status"] == "waiting" and waiting["came_by"] == "teams"
    assert (waiting["removed_before"], waiting["former_name"], waiting["verified"]) == (
        True,
        "Rex",
        True,
    )
    assert "object-ada" not in repr(view) and "tenant-1" not in repr(view)


def test_the_roster_round_trips_through_its_stored_form() -> None:
    lobby = Lobby()
    lobby.ask("Mo", identity=ADA)
    assert roster_from_dict(roster_to_dict(lobby.roster)) == lobby.roster


# --- Random sequences against what must always hold ------------------------------------------


class RosterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.lobby = Lobby()

    def _someone(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(["fay", "zed", *self.lobby.roster.entries]))

    @rule(data=st.data(), name=st.sampled_from(["Mo", "Ben", "Cy"]), verified=st.booleans())
    def ask(self, data: st.DataObject, name: str, verified: bool) -> None:
        returning = data.draw(st.none() | st.sampled_from(list(self.lobby.roster.entries)))
        identity = Identity("t", name) if verified else None
        try:
            self.lobby.ask(name, identity=identity, returning=returning, wait_ms=5000)
        except Rejected as refused:
            assert refused.code == "lobby_full"

    @rule(
        data=st.data(),
        verb=st.sampled_from(sorted(roster.LOBBY_COMMANDS | roster.ROLE_COMMANDS)),
    )
    def command(self, data: st.DataObject, verb: str) -> None:
        actor = self._someone(data)
        args: dict[str, Any] = {"participant_id": self._someone(data)}
        if verb == "set_role":
            args["role"] = data.draw(st.sampled_from([r.value for r in roster.ASSIGNABLE]))
        if verb == "set_admission":
            args = {"mode": data.draw(st.sampled_from([a.value for a in Admission]))}
        if verb in ("admit_all", "decline_all"):
            args = {}
        try:
            self.lobby.run(verb, actor, **args)
        except Rejected as refused:
            assert refused.code and refused.message

    @rule(seconds=st.integers(min_value=0, max_value=10))
    def time_passes(self, seconds: int) -> None:
        self.lobby.clock += seconds * 1000

    @invariant()
    def one_lead_and_every_entry_whole(self) -> None:
        entries = self.lobby.roster.entries.values()
        leads = [e for e in entries if e.role is Role.FACILITATOR]
        assert len(leads) == 1 and leads[0].status is Status.ACTIVE
        for entry in entries:
            assert entry.id == next(k for k, v in self.lobby.roster.entries.items() if v is entry)
            waiting = entry.status is Status.WAITING
            assert (entry.asked_at_ms is not None) == waiting
            assert (entry.expires_at_ms is not None) == waiting
            assert not (entry.status is Status.ACTIVE and entry.removed_before)
        identities = [e.identity for e in entries if e.identity is not None]
        assert len(identities) == len(set(map(repr, identities))), "one entry per identity"
        assert roster_from_dict(roster_to_dict(self.lobby.roster)) == self.lobby.roster


RosterMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_roster_invariants = RosterMachine.TestCase
