"""``/metrics`` in Prometheus's text format, for the configured scrapers only.

Two ways to reach it, either or both (docs/operations.md):

- a port of its own (``COMPANION_METRICS_PORT``), listening on one address
  (``COMPANION_METRICS_ADDRESS``, 127.0.0.1 unless told otherwise), apart from the widgets' port;
- ``/metrics`` on the app's own port, for whoever sends ``Authorization: Bearer <token>`` with
  ``COMPANION_METRICS_TOKEN``. Once a token is set it is asked for on the metrics port too.

With neither, ``/metrics`` is a 404 like any path the app does not have.
"""

from __future__ import annotations

import errno
import hmac
import ipaddress
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from companion.config import ConfigurationError
from companion.logs import get_logger
from companion.metrics import MULTIPROCESS_VARIABLE
from companion.responses import error_response

log = get_logger("metrics")
blueprint = Blueprint("metrics", __name__)
PATH = "/metrics"
UNAUTHORISED = "Send Authorization: Bearer with the token in COMPANION_METRICS_TOKEN."
# A worker that finds the port taken (by the worker it replaces, still finishing, or by another
# worker of the same server) tries again this often, so that some live worker always serves it.
RETRY_BIND_SECONDS = 5.0
_listening: list[Any] = []  # at most one server per process, whatever number of apps it makes

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    if app.config["METRICS_PORT"] is not None:
        config = app.config
        _serve_port_once(config["METRICS_ADDRESS"], config["METRICS_PORT"], config["METRICS_TOKEN"])


@blueprint.get(PATH)
def metrics() -> Response | tuple[Response, int]:
    """For a scraper holding the token; 404 unless a token is configured."""
    token = current_app.config["METRICS_TOKEN"]
    if token is None:
        abort(404)
    if not holds_token(request.headers.get("Authorization"), token):
        response, status = error_response(401, "unauthorized", UNAUTHORISED)
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response, status
    body, content_type = scrape(request.headers.get("Accept"))
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def holds_token(authorization: str | None, token: str) -> bool:
    """``Bearer <token>``, compared in constant time so a wrong guess tells nothing."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def scrape(accept: str | None) -> tuple[bytes, str]:
    """Every metric, in the format the scraper asked for (Prometheus's text, or OpenMetrics)."""
    encoder, content_type = choose_encoder(accept)
    return encoder(registry_to_scrape()), content_type


def registry_to_scrape() -> CollectorRegistry:
    """With ``PROMETHEUS_MULTIPROC_DIR``, every process's values from their files, added up
    (prometheus_client's multiprocess mode: a fresh registry, as its documentation asks, since
    the default one holds this process's values only). Without, this process's own registry,
    which also carries the process's CPU, memory and garbage collection."""
    if MULTIPROCESS_VARIABLE not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


# --- The metrics port ---------------------------------------------------------------------------


def metrics_port_app(token: str | None) -> WsgiApp:
    """The metrics port's WSGI app: ``/metrics`` only, with the token when one is set."""

    def serve(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _plain(
                start_response, "404 Not Found", b"Not found: the metrics are at /metrics.\n"
            )
        if token is not None and not holds_token(environ.get("HTTP_AUTHORIZATION"), token):
            headers = [("WWW-Authenticate", 'Bearer realm="metrics"')]
            return _plain(start_response, "401 Unauthorized", f"{UNAUTHORISED}\n".encode(), headers)
        body, content_type = scrape(environ.get("HTTP_ACCEPT"))
        headers = [("Content-Type", content_type), ("Cache-Control", "no-store")]
        start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return serve


def _plain(
    start_response: StartResponse,
    status: str,
    body: bytes,
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    plain = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response(status, plain + (headers or []))
    return [body]


class _QuietHandler(WSGIRequestHandler):
    """Scrapes come every few seconds: they are not worth a log line each."""

    def log_message(self, format: str, *args: Any) -> None:
        return


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    """Without gevent (``ASYNC_MODE`` threading): a thread per scrape, so a slow scraper never
    holds up the next one."""

    daemon_threads = True


class _ThreadedServer6(_ThreadedServer):
    address_family = socket.AF_INET6


def _serve_port_once(address: str, port: int, token: str | None) -> None:
    """Listens on ``address:port`` in the background, once per process. If the port is taken, as
    it is while the worker this one replaces finishes, or by another worker of the same server in
    multiprocess mode, keeps trying: some live worker then always serves it."""
    if _listening:
        return
    if not _try_to_listen(address, port, token):
        log.warning("metrics.port_taken", extra={"port": port})
        threading.Thread(target=_listen_when_free, args=(address, port, token), daemon=True).start()


def _try_to_listen(address: str, port: int, token: str | None) -> bool:
    try:
        _listening.append(_listen(address, port, metrics_port_app(token)))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return False
        raise ConfigurationError(
            f"COMPANION_METRICS_ADDRESS and COMPANION_METRICS_PORT: cannot listen on "
            f"{address} port {port}: {error.strerror or error}."
        ) from error
    log.info("metrics.listening", extra={"port": port})
    return True


def _listen(address: str, port: int, app: WsgiApp) -> Any:
    """gevent's own server where gevent has patched the standard library (``companion serve``,
    gunicorn's gevent worker): the standard library's server picks its way of waiting when first
    imported, which may be before the patching, and would then block every meeting between
    scrapes. Otherwise the standard library's, on a thread."""
    from gevent import monkey

    if monkey.is_module_patched("socket"):
        from gevent.pywsgi import WSGIServer as GeventServer

        server = GeventServer((address, port), app, log=None)
        server.start()
        return server
    six = ipaddress.ip_address(address).version == 6
    server_class = _ThreadedServer6 if six else _ThreadedServer
    threaded = make_server(address, port, app, server_class, handler_class=_QuietHandler)
    threading.Thread(target=threaded.serve_forever, daemon=True).start()
    return threaded


def _listen_when_free(address: str, port: int, token: str | None) -> None:
    while not _try_to_listen(address, port, token):
        time.sleep(RETRY_BIND_SECONDS)
