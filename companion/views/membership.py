"""Who is in a set, over HTTP: joining from an invite (into the lobby, or at once), coming back as
oneself, the roster and its lobby for facilitators, and a person's own data.

Every endpoint that acts on a set checks the bearer's standing on its roster first: someone removed
is refused (``removed``) everywhere but their own data, someone waiting (``waiting``) everywhere but
their own data and the answer to their request.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from companion.clock import now_ms
from companion.domain import notes, roster
from companion.domain.codec import roster_view
from companion.domain.commands import Command
from companion.domain.errors import Rejected
from companion.domain.events import RosterChanged
from companion.domain.model import Arrival, Identity, LearningSet, Roster, RosterEntry, Status
from companion.domain.sets import check_invite
from companion.guards.limits import limited_per_address
from companion.identity.links import link, links_of_set
from companion.identity.tokens import Credential
from companion.logs import get_logger
from companion.schemas import COMMAND_SCHEMAS, JoinSchema, RejoinSchema
from companion.services import services
from companion.store.meetings import new_id
from companion.views.access import (
    bearer_credential,
    current_meeting,
    facilitator_of,
    is_open,
    json_body,
    readable_credential,
    teams_identity,
)
from realtime.broadcast import broadcast_change, publish, send_removed
from realtime.commit import commit, commit_to_roster

blueprint = Blueprint("membership", __name__, url_prefix="/api")
log = get_logger("membership")
ROSTER_COMMANDS = roster.LOBBY_COMMANDS | roster.ROLE_COMMANDS
DATA_DELETED = "Your data has been deleted."


@blueprint.post("/join")
@limited_per_address
def join() -> tuple[Response, int]:
    """Someone with the invite asks to join under a display name. Whom the set knows (a verified
    Teams identity, a link this device holds) is recognised; anyone new waits in the lobby, or
    joins at once if the set lets people in that way. Answers their own link, and where they
    stand."""
    form = JoinSchema().load(json_body())
    invite = services().signer.read_invite(form["invite_token"])
    identity, sign_in_problem = _identity_if_given(form["teams_token"])
    came_by = Arrival.TEAMS if identity is not None else Arrival(form["came_by"])
    arguments = {
        "new_id": new_id(),
        "name": form["display_name"],
        "came_by": came_by,
        "identity": identity,
        "returning_id": _returning_id(form["participant_tokens"], invite.set_id),
        "wait_ms": current_app.config["LOBBY_WAIT_SECONDS"] * 1000,
    }
    command = Command("ask_to_join", "", now_ms(), arguments)
    done = commit_to_roster(invite.set_id, command, invite_generation=invite.generation)
    _publish_roster(done.events, done.roster)
    assert done.person_id is not None
    person = done.roster.entries[done.person_id]
    log.info("set.joined", extra={"set_id": invite.set_id, "status": person.status.value})
    body = _person_link(invite.set_id, person)
    if sign_in_problem is not None:
        body["teams_sign_in"] = sign_in_problem.as_dict()
    created = person.id == arguments["new_id"]
    status = 202 if person.status is Status.WAITING else 201 if created else 200
    return jsonify(body), status


def _identity_if_given(token: str | None) -> tuple[Identity | None, Rejected | None]:
    """A Teams token that cannot be verified never stops anyone joining: they join as anyone
    without one does, and are told why they were not recognised."""
    if token is None:
        return None, None
    try:
        return teams_identity(token), None
    except Rejected as problem:
        return None, problem


def _returning_id(tokens: list[str], set_id: str) -> str | None:
    """The first link this device holds to this set, whoever's: the roster decides whether it
    still admits anyone."""
    for token in tokens:
        credential = readable_credential(token)
        if credential is not None and credential.set_id == set_id:
            return credential.participant_id
    return None


def _person_link(set_id: str, person: RosterEntry, token: str | None = None) -> dict[str, Any]:
    """Their own link: the one they came with, when they came with one, so a device's links
    stay what they were."""
    token = token or services().signer.participant_token(Credential(set_id, person.id))
    return {
        "set_id": set_id,
        "participant_id": person.id,
        "display_name": person.name,
        "status": person.status.value,
        "participant_token": token,
        "widget_url": link("pages.widget", token),
    }


@blueprint.post("/rejoin")
@limited_per_address
def rejoin() -> tuple[Response, int]:
    """An invite opened by someone the set may know: by their verified Teams identity, or by a
    link this device already holds. Answers that person's own link, so they come back as
    themselves instead of joining twice; a person removed is told so."""
    form = RejoinSchema().load(json_body())
    invite = services().signer.read_invite(form["invite_token"])
    check_invite(services().store.load_set(invite.set_id), invite.generation)
    identity = teams_identity(form["teams_token"]) if form["teams_token"] else None
    kept = services().store.load_roster(invite.set_id)
    person, token = _recognised(kept, identity, form["participant_tokens"])
    if person is None:
        raise Rejected("not_recognised", "This device holds no link to this set.")
    if identity is not None and person.identity is None:
        person = _bind(invite.set_id, person.id, identity)
    if person.status is Status.REMOVED:
        raise Rejected("removed", "A facilitator has removed you from this set.")
    return jsonify(_person_link(invite.set_id, person, token)), 200


def _recognised(
    kept: Roster, identity: Identity | None, tokens: list[str]
) -> tuple[RosterEntry | None, str | None]:
    """Whom the roster knows by the device's links or the verified identity (as joining does),
    with the link that named them, if one did. A lapsed request to join is no longer anyone's."""
    for token in tokens:
        credential = readable_credential(token)
        if credential is None or credential.set_id != kept.set_id:
            continue
        person = roster.recognised(kept, identity, credential.participant_id)
        if person is not None and person.id == credential.participant_id:
            return (None, None) if _lapsed_request(person) else (person, token)
    person = roster.recognised(kept, identity, None)
    return (None, None) if person is None or _lapsed_request(person) else (person, None)


def _lapsed_request(person: RosterEntry) -> bool:
    return person.status is Status.WAITING and roster.lapsed(person, now_ms())


def _bind(set_id: str, person_id: str, identity: Identity) -> RosterEntry:
    arguments = {"person_id": person_id, "identity": identity}
    done = commit_to_roster(set_id, Command("bind_identity", "", now_ms(), arguments))
    return done.roster.entries[person_id]


@blueprint.get("/sets/<set_id>/roster")
def read_roster(set_id: str) -> Response:
    """The roster as the set's facilitators see it: who is in, who waits, who was removed."""
    kept, _ = facilitator_of(set_id)
    response = jsonify(roster_view(kept, now_ms()))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/sets/<set_id>/roster/<command>")
def change_roster(set_id: str, command: str) -> Response:
    """A facilitator lets people in or turns them away, changes how people join, a role, the
    lead, or removes someone: the same commands, with the same payloads, as in the widget. While a
    meeting is open a change of role goes through it, as if sent there, so its rounds follow."""
    if command not in ROSTER_COMMANDS:
        raise Rejected("unknown_command", "That action is not recognised.")
    arguments = COMMAND_SCHEMAS[command]().load(json_body(optional=True))
    _, actor = facilitator_of(set_id)
    sent = Command(command, actor.id, now_ms(), arguments)
    kept = _commit_roster_command(set_id, sent)
    log.info("roster.changed", extra={"set_id": set_id, "command": command})
    response = jsonify(roster_view(kept, now_ms()))
    response.headers["Cache-Control"] = "no-store"
    return response


def _commit_roster_command(set_id: str, command: Command) -> Roster:
    learning_set = services().store.load_set(set_id)
    meeting = current_meeting(learning_set)
    meeting_id = meeting.id if meeting is not None else None
    links_of = links_of_set(set_id)
    if command.name in roster.ROLE_COMMANDS and is_open(meeting):
        committed = commit(meeting.id, command, set_id)
        broadcast_change(committed.meeting)
        publish(committed.events, committed.meeting.roster, committed.meeting, meeting_id, links_of)
        return committed.meeting.roster
    done = commit_to_roster(set_id, command)
    publish(done.events, done.roster, None, meeting_id, links_of)
    return done.roster


def _publish_roster(events: tuple[Any, ...], kept: Roster) -> None:
    """What a change of the roster alone caused, to the facilitators of the current meeting."""
    if not events:
        return
    learning_set = services().store.load_set(kept.set_id)
    meeting_id = learning_set.current_meeting_id
    publish(events, kept, None, meeting_id, links_of_set(kept.set_id))


# --- A person's own data ------------------------------------------------------------------------


def _own_entry() -> tuple[Credential, LearningSet, RosterEntry]:
    """The bearer, whoever they are on their set's roster: what is theirs stays theirs to read
    and delete, even after a facilitator removed them."""
    credential = bearer_credential()
    learning_set = services().store.load_set(credential.set_id)
    person = services().store.load_roster(credential.set_id).entries.get(credential.participant_id)
    if person is None:
        raise Rejected("not_a_member", "This link is no longer one of this set's.")
    return credential, learning_set, person


@blueprint.get("/me/notes.md")
def my_notes() -> Response:
    """The bearer's own actions and learnings, as a Markdown file to keep."""
    credential, learning_set, _ = _own_entry()
    text = notes.markdown(learning_set, current_meeting(learning_set), credential.participant_id)
    response = Response(text, mimetype="text/markdown")
    response.headers["Content-Disposition"] = 'attachment; filename="my-als-notes.md"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.delete("/me")
def forget_me() -> tuple[str, int]:
    """The bearer deletes their own data from the set; their open widgets are told and closed,
    and the facilitators see the roster without them."""
    credential, learning_set, _ = _own_entry()
    changed, kept = services().store.forget_member(credential.set_id, credential.participant_id)
    for meeting in changed:
        send_removed(meeting.id, credential.participant_id, meeting.version, DATA_DELETED)
        if meeting.id == learning_set.current_meeting_id:
            broadcast_change(meeting)
    _publish_roster((RosterChanged(),), kept)
    log.info("member.forgotten", extra={"set_id": credential.set_id})
    return "", 204
