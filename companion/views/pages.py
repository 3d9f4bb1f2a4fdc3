"""The pages: start a set, join one, the live widget, and the Teams tab's setup. Tokens arrive in
the URL fragment."""

from __future__ import annotations

from flask import Blueprint, render_template

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def start() -> str:
    return render_template("start.html")


@blueprint.get("/join")
def join() -> str:
    return render_template("join.html")


@blueprint.get("/w")
def widget() -> str:
    return render_template("widget.html")


@blueprint.get("/teams/config")
def teams_config() -> str:
    """The page Teams shows when someone adds the app to a meeting: which set meets there."""
    return render_template("teams_config.html")
