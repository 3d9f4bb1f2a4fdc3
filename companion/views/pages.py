"""The pages: start a set, join one, the live widget, and the Teams tab's setup. Tokens arrive in
the URL fragment."""

from __future__ import annotations

from flask import Blueprint, render_template

from companion.services import services

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def start() -> str:
    return render_template("start.html")


@blueprint.get("/join")
def join() -> str:
    """It says whether Teams sign-in is set up, so the page asks Teams for a token only then."""
    return render_template("join.html", teams_sign_in=services().teams_sign_in is not None)


@blueprint.get("/w")
def widget() -> str:
    return render_template("widget.html")


@blueprint.get("/teams/config")
def teams_config() -> str:
    """The page Teams shows when someone adds the app to a meeting: which set meets there."""
    return render_template("teams_config.html")
