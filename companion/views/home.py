"""A facilitator's home: one page listing every set they facilitate, from the links this device
holds and, inside Teams, from who their sign-in proves them to be on any device. Each set shows
when it meets next, how many of its actions are still open, who waits in its lobby, and whether
its meeting is open, with the facilitator's own link to open it or start the next.

Only the roster says who facilitates: a link made when someone led a set does nothing once they
no longer do, and other people's links, members' links and links that are no longer good are
left out without a word, as ``/api/facilitated-sets`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, render_template

from companion.clock import now_ms
from companion.domain import roster, sets
from companion.domain.errors import Rejected
from companion.domain.model import Identity, LearningSet, Roster, RosterEntry
from companion.domain.schedule import next_meeting_view
from companion.guards.limits import limited_per_address
from companion.identity.links import link
from companion.identity.tokens import Credential
from companion.logs import get_logger
from companion.schemas import HomeSchema
from companion.services import services
from companion.store import SetNotFound
from companion.views.access import (
    TeamsUser,
    current_meeting,
    is_open,
    json_body,
    readable_credential,
    verified_teams_user,
)

blueprint = Blueprint("home", __name__)
log = get_logger("home")
# More sets than anyone facilitates at once: a bound on the work one request can ask for.
IDENTITY_SETS_READ = 50

PersonOf = Callable[[Roster], RosterEntry | None]


@blueprint.get("/home")
def page() -> str:
    """It says whether Teams sign-in is set up, so the page asks Teams for a token only then."""
    return render_template("home.html", teams_sign_in=services().teams_sign_in is not None)


@blueprint.post("/api/home")
@limited_per_address
def facilitated_home() -> Response:
    """Sent by the home page with the links its device holds and, inside Teams, the person's
    sign-in token; answers the sets they facilitate, each with their own link. A Teams token that
    is not believed never refuses the page: it shows the device's sets, and says why."""
    form = HomeSchema().load(json_body())
    user, sign_in_problem = _signed_in(form["teams_token"])
    cards: dict[str, dict[str, Any]] = {}
    for token in form["participant_tokens"]:
        credential = readable_credential(token)
        if credential is not None and credential.set_id not in cards:
            _add_card(cards, credential.set_id, _holder_of(credential), token)
    if user is not None:
        identity = Identity(user.tenant_id, user.object_id)
        found = sorted(_identity_cards(identity, set(cards)), key=_by_name)
        cards |= {card["set_id"]: card for card in found}
    body: dict[str, Any] = {
        "signed_in_as": (user.name or None) if user is not None else None,
        "sets": list(cards.values()),
    }
    if sign_in_problem is not None:
        body["teams_sign_in"] = sign_in_problem.as_dict()
    log.info("home.shown", extra={"set_ids": list(cards), "signed_in": user is not None})
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"  # it holds each set's link
    return response


def _signed_in(token: str | None) -> tuple[TeamsUser | None, Rejected | None]:
    if token is None:
        return None, None
    try:
        return verified_teams_user(token), None
    except Rejected as problem:
        return None, problem


def _holder_of(credential: Credential) -> PersonOf:
    return lambda kept: kept.entries.get(credential.participant_id)


def _identity_cards(identity: Identity, shown: set[str]) -> list[dict[str, Any]]:
    """The sets where the verified identity facilitates, with no link on this device: the
    identity proves who they are, so each gets a freshly signed link of their own."""
    found: dict[str, dict[str, Any]] = {}
    set_ids = services().store.sets_of_identity(identity)[:IDENTITY_SETS_READ]
    for set_id in set_ids:
        if set_id not in shown:
            _add_card(found, set_id, lambda kept: roster.recognised(kept, identity, None), None)
    return list(found.values())


def _add_card(
    cards: dict[str, dict[str, Any]], set_id: str, person_of: PersonOf, token: str | None
) -> None:
    """The set's card, if the person facilitates it now; a set since deleted is left out."""
    try:
        kept = services().store.load_roster(set_id)
        learning_set = services().store.load_set(set_id)
    except SetNotFound:
        return
    person = person_of(kept)
    if not roster.facilitates(person):
        return
    assert person is not None
    token = token or services().signer.participant_token(Credential(set_id, person.id))
    cards[set_id] = _card(learning_set, kept, person, token)


def _card(
    learning_set: LearningSet, kept: Roster, person: RosterEntry, token: str
) -> dict[str, Any]:
    meeting = current_meeting(learning_set)
    record = sets.as_it_will_end(learning_set, meeting)
    return {
        "set_id": learning_set.id,
        "set_name": learning_set.name,
        "your_name": person.name,
        "role": person.role.value,
        "participant_token": token,
        "widget_url": link("pages.widget", token),
        "next_meeting": next_meeting_view(learning_set.next_meeting),
        "open_actions": sum(1 for action in record.actions if action.status in sets.STILL_OPEN),
        "waiting": len(roster.waiting(kept, now_ms())),
        "meeting": None
        if meeting is None
        else {
            "id": meeting.id,
            "open": is_open(meeting),
            "phase": meeting.phase.value,
            "started_ms": round(meeting.started_at * 1000),
        },
    }


def _by_name(card: dict[str, Any]) -> str:
    return card["set_name"].casefold()
