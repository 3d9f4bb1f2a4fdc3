"""Each request's route is matched once, however many contexts Flask-SocketIO makes from it."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.ctx import RequestContext

# Where a request's matched route is kept, in the WSGI environ it was matched from.
MATCHED_ROUTE_KEY = "companion.matched_route"


class RouteOnceContext(RequestContext):
    """Flask-SocketIO runs every event of a connection in a request context built from the
    environ of the request that opened it, and Flask matches that request's route again each
    time. werkzeug's matcher leaves a small cycle of garbage behind on every match, and with
    thousands of widgets those cycles alone set off the collector's young collections, each of
    which stops every meeting of the process for tens of milliseconds (docs/performance.md). A
    request's route cannot change, so the first match is kept in its environ. HTTP requests each
    bring a new environ, and are matched as before."""

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
    """Flask, but for ``RouteOnceContext``."""

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        return RouteOnceContext(self, environ)
