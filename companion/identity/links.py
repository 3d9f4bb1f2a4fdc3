"""The links the app hands out. Tokens ride in the URL fragment, which browsers never send to the
server or in a Referer, so they stay out of every log on the way."""

from __future__ import annotations

from flask import url_for

from companion.domain.model import LearningSet
from companion.services import services


def link(endpoint: str, token: str) -> str:
    return f"{url_for(endpoint, _external=True)}#{token}"


def invite_url(learning_set: LearningSet) -> str:
    """A freshly signed member invite of the set's current generation: it admits people until a
    facilitator replaces the link."""
    token = services().signer.invite_token(learning_set.id, learning_set.invite_generation)
    return link("pages.join", token)
