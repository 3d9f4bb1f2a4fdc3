"""ALS Companion: a live widget for running action learning sets beside a video call."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Defaults, then the environment, then ``config`` (tests pass theirs here).

    ``config["INSTANCE_PATH"]`` (or ``COMPANION_INSTANCE_PATH``) moves the instance folder, which
    holds the generated secret key and the embedded Redis data.

    Everything is imported in here, so that ``companion serve`` can patch the standard library
    for gevent before anything (Flask included) has imported ``ssl`` or ``socket``.
    """
    from companion.config import (
        DEFAULTS,
        instance_path_from_environment,
        settings_from_environment,
    )
    from companion.identity.secret import load_or_create_secret_key
    from realtime.routing import RoutedOnceFlask

    config = config or {}
    instance_path = config.get("INSTANCE_PATH") or instance_path_from_environment()
    app = RoutedOnceFlask(__name__, instance_path=instance_path)
    app.config.from_mapping(DEFAULTS)
    app.config.update(settings_from_environment())
    app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)

    from companion import assets, collector, logs, services
    from companion.guards import headers, limits
    from companion.identity import hosts
    from companion.views import (
        api,
        errors,
        health,
        home,
        membership,
        metrics,
        next_date,
        pages,
        past,
        record,
        stage,
        teams,
    )
    from realtime import init_app as init_realtime
    from realtime import socketio

    logs.init_app(app)
    services.init_app(app)
    limits.init_app(app)
    headers.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    metrics.init_app(app)  # /metrics, and its own port when configured (docs/operations.md)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(membership.blueprint)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(teams.blueprint)
    app.register_blueprint(stage.blueprint)
    app.register_blueprint(past.blueprint)
    app.register_blueprint(next_date.blueprint)
    app.register_blueprint(record.blueprint)
    app.register_blueprint(home.blueprint)
    init_realtime(app)
    hosts.init_app(app)  # in front of Socket.IO's middleware, so it checks /socket.io/ too
    if socketio.async_mode == "gevent":  # one thread serves every meeting: see collector
        collector.settle_for_serving()
    return app
