"""Each request's route is matched once, however many contexts Flask-SocketIO makes from it."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request
from flask.ctx import RequestContext
from werkzeug.routing import MapAdapter

# Where a request's matched route is kept, in the WSGI environ it was matched from.
MATCHED_ROUTE_KEY = "companion.matched_route"
# And its URL adapter: what ``url_for`` builds with, bound to the request's host and path.
URL_ADAPTER_KEY = "companion.url_adapter"
# Where Flask-SocketIO keeps a connection's own session, made from Flask's at the first event.
SOCKETIO_SESSION_KEY = "saved_session"


class RouteOnceContext(RequestContext):
    """Flask-SocketIO runs every event of a connection in a request context built from the
    environ of the request that opened it, and Flask matches that request's route again each
    time. werkzeug's matcher leaves a small cycle of garbage behind on every match, and with
    thousands of widgets those cycles alone set off the collector's young collections, each of
    which stops every meeting of the process for tens of milliseconds (docs/performance.md). A
    request's route cannot change, so the first match is kept in its environ. HTTP requests each
    bring a new environ, and are matched as before."""

    def __init__(self, app: Flask, environ: dict[str, Any]) -> None:
        """Once Flask-SocketIO keeps the connection's own session, every event's context gets
        that one at once: Flask would open its cookie session again (building its signing
        serializer each time) only for Flask-SocketIO to replace it, some 3 % of the CPU of a
        command (docs/performance.md)."""
        super().__init__(app, environ, session=environ.get(SOCKETIO_SESSION_KEY))

    def match_request(self) -> None:
        environ = self.request.environ
        kept = environ.get(MATCHED_ROUTE_KEY)
        if kept is None:
            super().match_request()
            if self.request.routing_exception is None:  # failures are matched afresh
                matched = (self.request.url_rule, dict(self.request.view_args or {}))
                environ[MATCHED_ROUTE_KEY] = matched
            return
        rule, view_args = kept
        self.request.url_rule, self.request.view_args = rule, dict(view_args)


class RoutedOnceFlask(Flask):
    """Flask, but for ``RouteOnceContext``, and with one URL adapter per request's environ: the
    adapter depends on nothing else, and binding a new one for every event of a connection cost
    more than matching its route."""

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        return RouteOnceContext(self, environ)

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        if request is None:
            return super().create_url_adapter(request)
        environ = request.environ
        kept = environ.get(URL_ADAPTER_KEY)
        if kept is None:  # the first context of this request: Flask binds it, checking its host
            kept = super().create_url_adapter(request)
            environ[URL_ADAPTER_KEY] = kept
        elif (trusted_hosts := self.config["TRUSTED_HOSTS"]) is not None:
            request.trusted_hosts = trusted_hosts  # as Flask's own sets it on every request
        return kept
