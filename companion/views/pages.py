"""The pages: start a set, join one, and the live widget. Tokens arrive in the URL fragment."""

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
