"""The links the app hands out. Tokens ride in the URL fragment, which browsers never send to the
server or in a Referer, so they stay out of every log on the way."""

from __future__ import annotations

from collections.abc import Callable

from companion.domain import roster
from companion.domain.model import LearningSet, RosterEntry
from companion.identity.hosts import external_url
from companion.identity.tokens import StageCredential
from companion.services import services


def link(endpoint: str, token: str) -> str:
    """At ``COMPANION_PUBLIC_URL``, or else the trusted host the request came to: never at an
    address any request may name (see ``hosts``)."""
    return f"{external_url(endpoint)}#{token}"


def invite_url(learning_set: LearningSet) -> str:
    """A freshly signed member invite of the set's current generation: it admits people until a
    facilitator replaces the link."""
    token = services().signer.invite_token(learning_set.id, learning_set.invite_generation)
    return link("pages.join", token)


def stage_url(learning_set: LearningSet, person_id: str) -> str:
    """A freshly signed link to the set's stage view, made for one person: it stops working when
    they leave the set or a facilitator replaces the set's links (``domain.stage``)."""
    credential = StageCredential(learning_set.id, person_id, learning_set.invite_generation)
    return link("stage.page", services().signer.stage_token(credential))


def links_for(person: RosterEntry, learning_set: LearningSet) -> dict[str, str]:
    """The links a person's widget holds beyond their own: the invite and the stage view, for
    facilitators only."""
    if not roster.facilitates(person):
        return {}
    return {"invite_url": invite_url(learning_set), "stage_url": stage_url(learning_set, person.id)}


def links_of_set(set_id: str) -> Callable[[RosterEntry], dict[str, str]]:
    """``links_for`` the people of one set, reading the set (for its invite) only when someone
    is owed one."""

    def links_of(person: RosterEntry) -> dict[str, str]:
        if not roster.facilitates(person):
            return {}
        return links_for(person, services().store.load_set(set_id))

    return links_of
