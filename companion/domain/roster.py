"""The set's roster: who belongs, in which role, who waits in the lobby and who was removed.

Confidentiality is what a set stands on, so membership is decided here and only here: who may
join at once, who waits for a facilitator, who may let people in or take them off, and who leads.
The meeting's rules read names and roles from the roster and change it through these functions.

``apply(roster, command)`` is the way in for what changes the roster alone (the lobby, and roles
while no meeting is open). It returns a new roster, the input untouched, with its version bumped
when anything changed, and the events the change caused; or it raises ``Rejected``.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.domain import shapes
from companion.domain.commands import Command, Result, Spec
from companion.domain.errors import Rejected
from companion.domain.events import Admitted, Declined, Event, Removed, RoleChanged, RosterChanged
from companion.domain.model import (
    FACILITATION,
    Admission,
    Arrival,
    Identity,
    Role,
    Roster,
    RosterEntry,
    Status,
)

# More people waiting than a set ever has members: past it, a flood of requests is refused.
LOBBY_MAX = 50
DEFAULT_WAIT_MS = 24 * 3600 * 1000  # a request to join lapses after a day unanswered
ASSIGNABLE = frozenset({Role.MEMBER, Role.OBSERVER, Role.CO_FACILITATOR})


@dataclass(frozen=True)
class RosterApplied:
    roster: Roster
    events: tuple[Event, ...] = ()
    person_id: str | None = None


# --- Standing: what a person's entry lets them do ----------------------------------------------


def check_standing(entry: RosterEntry | None, now_ms: int) -> RosterEntry:
    """Only someone active in the set may act in it; everyone else hears why not."""
    if entry is None or (entry.status is Status.WAITING and lapsed(entry, now_ms)):
        raise Rejected("not_a_member", "This link is no longer one of this set's.")
    if entry.status is Status.REMOVED:
        raise Rejected("removed", "A facilitator has removed you from this set.")
    if entry.status is Status.WAITING:
        raise Rejected("waiting", "The facilitator has not let you in yet.")
    return entry


def facilitates(entry: RosterEntry | None) -> bool:
    return entry is not None and entry.status is Status.ACTIVE and entry.role in FACILITATION


def takes_part(entry: RosterEntry | None) -> bool:
    """Members (presenters included) speak, bid and signal; facilitators steer, observers watch."""
    return entry is not None and entry.status is Status.ACTIVE and entry.role is Role.MEMBER


def lapsed(entry: RosterEntry, now_ms: int) -> bool:
    return entry.expires_at_ms is not None and entry.expires_at_ms <= now_ms


def waiting(roster: Roster, now_ms: int) -> list[RosterEntry]:
    """Who is in the lobby now, in the order they asked."""
    standing = [
        e for e in roster.entries.values() if e.status is Status.WAITING and not lapsed(e, now_ms)
    ]
    return sorted(standing, key=lambda entry: entry.asked_at_ms or 0)


def lead_of(roster: Roster) -> RosterEntry | None:
    return next(
        (
            e
            for e in roster.entries.values()
            if e.role is Role.FACILITATOR and e.status is Status.ACTIVE
        ),
        None,
    )


def founded(set_id: str, founder_id: str, name: str, identity: Identity | None) -> Roster:
    """A new set's roster: its founder, who leads it."""
    founder = RosterEntry(founder_id, name, Role.FACILITATOR, came_by=Arrival.FOUNDED)
    founder.identity = identity
    return Roster(set_id=set_id, version=1, entries={founder_id: founder})


# --- Joining ----------------------------------------------------------------------------------


def ask_to_join(roster: Roster, actor: RosterEntry | None, command: Command) -> Result:
    """Someone opened the invite and gave a name. Whom the set knows by a verified identity is
    recognised: active, they go straight in; removed, they ask again and wait, flagged. A link
    their device holds counts only for someone removed: whoever else asks to join from that
    device is someone else (a shared phone, "I am someone else"). Anyone new joins at once or
    waits, as the set decides."""
    identity: Identity | None = command.args.get("identity")
    known = recognised(roster, identity, None) if identity is not None else None
    linked = recognised(roster, identity, command.args.get("returning_id"))
    if known is None and linked is not None and linked.status is Status.REMOVED:
        known = linked
    if known is None:
        return _newcomer(roster, command, identity)
    if identity is not None and known.identity is None:
        known.identity = identity
    if known.status is Status.ACTIVE:
        return Result(person_id=known.id)
    if known.status is Status.REMOVED:
        known.removed_before = True
        known.former_name = known.name if known.name != command.arg("name") else ""
    _wait(known, command)
    return Result(events=(RosterChanged(),), person_id=known.id)


def recognised(
    roster: Roster, identity: Identity | None, returning_id: str | None
) -> RosterEntry | None:
    """Whom the set knows by a verified identity or by a device's link to ``returning_id``. The
    identity outranks the link; a link bound to another identity is not this person's."""
    if identity is not None:
        match = next((e for e in roster.entries.values() if e.identity == identity), None)
        if match is not None:
            return match
    entry = roster.entries.get(returning_id or "")
    if entry is None or (identity is not None and entry.identity not in (None, identity)):
        return None
    return entry


def _newcomer(roster: Roster, command: Command, identity: Identity | None) -> Result:
    if len(waiting(roster, command.now_ms)) >= LOBBY_MAX:
        raise Rejected(
            "lobby_full", "Too many people are waiting to join. Ask the facilitator to let you in."
        )
    entry = RosterEntry(command.arg("new_id"), command.arg("name"), came_by=command.arg("came_by"))
    entry.identity = identity
    roster.entries[entry.id] = entry
    if roster.admission is Admission.ASK:
        _wait(entry, command)
    return Result(events=(RosterChanged(),), person_id=entry.id)


def _wait(entry: RosterEntry, command: Command) -> None:
    entry.name = command.arg("name")
    entry.status = Status.WAITING
    entry.came_by = command.arg("came_by")
    entry.asked_at_ms = command.now_ms
    entry.expires_at_ms = command.now_ms + int(command.args.get("wait_ms", DEFAULT_WAIT_MS))


def bind_identity(roster: Roster, actor: RosterEntry | None, command: Command) -> Result:
    """Someone known by their device's link signed in with Teams: from now on they are known by
    that identity on any device. Never over another identity, nor one already someone else's."""
    entry = roster.entries.get(command.arg("person_id"))
    identity: Identity = command.arg("identity")
    taken = any(e.identity == identity for e in roster.entries.values())
    if entry is not None and entry.identity is None and not taken:
        entry.identity = identity
    return Result(person_id=entry.id if entry else None)


# --- The lobby --------------------------------------------------------------------------------


def _waiting_one(roster: Roster, command: Command) -> RosterEntry:
    entry = roster.entries.get(command.arg("participant_id"))
    if entry is None or entry.status is not Status.WAITING or lapsed(entry, command.now_ms):
        raise Rejected("not_waiting", "That person is not waiting to join.")
    return entry


def admit(roster: Roster, actor: RosterEntry | None, command: Command) -> Result:
    """Lets one person in: someone waiting, or someone removed (letting them back in)."""
    entry = roster.entries.get(command.arg("participant_id"))
    if entry is None or entry.status is Status.ACTIVE or not entry.name:
        raise Rejected("not_waiting", "That person is not waiting to join.")
    if entry.status is Status.WAITING and lapsed(entry, command.now_ms):
        raise Rejected("not_waiting", "That person is not waiting to join.")
    _let_in(entry)
    return Result(events=(Admitted(entry.id), RosterChanged()), person_id=entry.id)


def decline(roster: Roster, actor: RosterEntry | None, command: Command) -> Result:
    entry = _waiting_one(roster, command)
    _turn_away(roster, entry)
    return Result(events=(Declined(entry.id), RosterChanged()), person_id=entry.id)


def admit_all(roster: Roster, actor: RosterEntry | None, command: Command) -> Result:
    """Everyone new in the lobby. People who were removed before are decided one by one, so that
    one click never lets back in someone a facilitator took off."""
    newcomers = [e for e in waiting(roster, command.now_ms) if not e.removed_before]
    if not newcomers:
        raise Rejected("nobody_waiting", "Nobody new is waiting to join.")
    for entry in newcomers:
        _let_in(entry)
    return Result(events=(*(Admitted(e.id) for e in newcomers), RosterChanged()))


def decline_all(roster: Roster, actor: RosterEntry | None, command: Command) -> Result:
    standing = waiting(roster, command.now_ms)
    if not standing:
        raise Rejected("nobody_waiting", "Nobody is waiting to join.")
    for entry in standing:
        _turn_away(roster, entry)
    return Result(events=(*(Declined(e.id) for e in standing), RosterChanged()))


def set_admission(roster: Roster, actor: RosterEntry | None, command: Command) -> Result:
    """How newcomers join from now on. Nobody already waiting is let in by the switch itself."""
    mode = Admission(command.arg("mode"))
    if roster.admission is mode:
        raise Rejected("no_change", "New people already join that way.")
    roster.admission = mode
    return Result(events=(RosterChanged(),))


def _let_in(entry: RosterEntry) -> None:
    entry.status = Status.ACTIVE
    entry.asked_at_ms = entry.expires_at_ms = None
    entry.removed_before, entry.former_name = False, ""


def _turn_away(roster: Roster, entry: RosterEntry) -> None:
    """Someone new is forgotten; someone removed before stays removed, under the name they were
    removed with."""
    if not entry.removed_before:
        del roster.entries[entry.id]
        return
    entry.status = Status.REMOVED
    entry.name = entry.former_name or entry.name
    entry.asked_at_ms = entry.expires_at_ms = None
    entry.former_name = ""


def prune(roster: Roster, now_ms: int) -> None:
    """Requests nobody answered in time lapse, as if declined."""
    for entry in list(roster.entries.values()):
        if entry.status is Status.WAITING and lapsed(entry, now_ms):
            _turn_away(roster, entry)


# --- Roles and removal ------------------------------------------------------------------------


def active_target(roster: Roster, person_id: str) -> RosterEntry:
    entry = roster.entries.get(person_id)
    if entry is None or entry.status is not Status.ACTIVE:
        raise Rejected("no_such_participant", "That person is not in this set.")
    return entry


def set_role(roster: Roster, actor: RosterEntry | None, command: Command) -> Result:
    target = active_target(roster, command.arg("participant_id"))
    role = Role(command.arg("role"))
    if role not in ASSIGNABLE:
        raise Rejected("invalid_role", "Use hand-over to change who leads the set.")
    if target.role is Role.FACILITATOR:
        raise Rejected("is_lead", "The lead facilitator's role changes only by hand-over.")
    if target.role is role:
        raise Rejected("no_change", "That person already has that role.")
    target.role = role
    return Result(events=(RoleChanged(target.id), RosterChanged()), person_id=target.id)


def hand_over(roster: Roster, actor: RosterEntry | None, command: Command) -> Result:
    """The lead facilitator passes the lead on and becomes a member of the set."""
    assert actor is not None
    target = active_target(roster, command.arg("participant_id"))
    if target.id == actor.id:
        raise Rejected("no_change", "You are already the facilitator.")
    target.role, roster.entries[actor.id].role = Role.FACILITATOR, Role.MEMBER
    events = (RoleChanged(target.id), RoleChanged(actor.id), RosterChanged())
    return Result(events=events, person_id=target.id)


def remove(roster: Roster, actor: RosterEntry | None, command: Command) -> Result:
    """Off the roster for the whole set: their link stops working everywhere, and only a
    facilitator can let them back in."""
    assert actor is not None
    target = active_target(roster, command.arg("participant_id"))
    if target.role is Role.FACILITATOR or target.id == actor.id:
        raise Rejected("cannot_remove", "The lead facilitator cannot be removed.")
    target.status = Status.REMOVED
    return Result(events=(Removed(target.id), RosterChanged()), person_id=target.id)


# --- Deleting one's own data ------------------------------------------------------------------


def forget(roster: Roster, person_id: str) -> None:
    """Someone deletes their own data. Someone removed keeps a nameless entry (and any verified
    identity), so that deleting their data does not undo a facilitator's decision: asking again,
    they are still flagged as removed before."""
    entry = roster.entries.get(person_id)
    if entry is None:
        return
    if entry.role is Role.FACILITATOR and entry.status is Status.ACTIVE:
        raise Rejected("is_lead", "Hand the lead to someone else before deleting your data.")
    if entry.status is Status.REMOVED or entry.removed_before:
        roster.entries[person_id] = RosterEntry(
            entry.id, "", entry.role, Status.REMOVED, entry.came_by, entry.identity
        )
        return
    del roster.entries[person_id]


# --- The way in for roster-only commands ------------------------------------------------------

FACILITATORS = FACILITATION
LEAD = frozenset({Role.FACILITATOR})

COMMANDS: dict[str, Spec] = {
    "ask_to_join": Spec(ask_to_join, frozenset(), by_server=True),
    "bind_identity": Spec(bind_identity, frozenset(), by_server=True),
    "admit": Spec(admit, FACILITATORS),
    "decline": Spec(decline, FACILITATORS),
    "admit_all": Spec(admit_all, FACILITATORS),
    "decline_all": Spec(decline_all, FACILITATORS),
    "set_admission": Spec(set_admission, FACILITATORS),
    "set_role": Spec(set_role, FACILITATORS),
    "hand_over": Spec(hand_over, LEAD),
    "remove_participant": Spec(remove, FACILITATORS),
}
# What a facilitator may send (over Socket.IO or HTTP) that changes the roster alone.
LOBBY_COMMANDS = frozenset({"admit", "decline", "admit_all", "decline_all", "set_admission"})
ROLE_COMMANDS = frozenset({"set_role", "hand_over", "remove_participant"})


def authorise(entry: RosterEntry | None, spec: Spec, now_ms: int) -> RosterEntry:
    actor = check_standing(entry, now_ms)
    if actor.role not in spec.roles:
        raise Rejected("not_allowed", f"Your role ({actor.role.value}) cannot do that.")
    return actor


def apply(roster: Roster, command: Command) -> RosterApplied:
    """A roster command, authorised by the sender's own entry (``ask_to_join`` comes from the
    server, for someone holding the invite)."""
    spec = COMMANDS.get(command.name)
    if spec is None:
        raise Rejected("unknown_command", "That action is not recognised.")
    working = shapes.copied(roster)
    prune(working, command.now_ms)
    actor = working.entries.get(command.actor_id)
    if not spec.by_server:
        actor = authorise(actor, spec, command.now_ms)
    result = spec.handler(working, actor, command)
    assert isinstance(result, Result)
    if working != roster:
        working.version = roster.version + 1
    return RosterApplied(working, result.events, result.person_id)
