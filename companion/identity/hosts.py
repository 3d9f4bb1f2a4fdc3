"""The addresses the app answers at, and the one it builds links from.

A link carries a token, so the address in front of it decides who receives the token. Built from
the request's ``Host`` header, a request naming another site (``Host: evil.example``) would get
back a link that hands the token to that site. So links are built from ``COMPANION_PUBLIC_URL``
when it is set, and a request whose ``Host`` is not trusted is refused before anything answers it,
Socket.IO included: no link is ever built from an address nobody configured.

Why not Flask's ``TRUSTED_HOSTS``: Flask checks it only for requests that reach Flask, after
Flask-SocketIO's middleware has answered ``/socket.io/``; a refusal there is an HTML page, not our
error shape; and werkzeug's matcher cannot trust an IPv6 address at all (it cuts each trusted name
at its first ``:``, so ``::1`` never matches ``[::1]:5000``). The check lives here instead, in one
WSGI middleware in front of everything, with Flask's own left off.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.wsgi import get_host

from companion.logs import get_logger
from companion.responses import error_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = get_logger("hosts")

# The characters werkzeug accepts in a host name (it treats any other Host as no host at all).
_NAME = re.compile(r"[a-z0-9.-]+")
# Set by the middleware on a request it refuses, for Flask's first hook to answer.
REFUSED_KEY = "companion.host_refused"
INVALID_HOST = (
    "This server does not answer at the address in the request's Host header: open it at its "
    "own address (its operators set COMPANION_PUBLIC_URL or COMPANION_TRUSTED_HOSTS)."
)


def host_key(name: str) -> str | None:
    """A host name as it is compared: lower case, an IPv6 address without brackets and in its
    shortest form (so ``[0:0::1]`` is ``::1``); None when ``name`` is no host name at all."""
    text = name.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        return _ipv6(text[1:-1])
    if ":" in text:
        return _ipv6(text)
    return text if _NAME.fullmatch(text) else None


def _ipv6(text: str) -> str | None:
    try:
        return ipaddress.IPv6Address(text).compressed
    except ValueError:
        return None


def _name_in(host: str) -> str:
    """The name in a ``Host`` value, without its port: ``[::1]:5000`` gives ``[::1]``."""
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0]


@dataclass(frozen=True)
class TrustedHosts:
    """The hosts the app answers at, whatever the port: each exactly, or with all its
    subdomains when written with a leading dot (``.example.org``), as in Flask's setting."""

    names: frozenset[str]
    domains: tuple[str, ...]

    @classmethod
    def of(cls, entries: Iterable[str], public_url: str | None) -> TrustedHosts:
        """``entries`` (names without ports) plus the public URL's host: the address links
        point at is always served."""
        written = [*entries, *([urlsplit(public_url).hostname or ""] if public_url else [])]
        keys = [(entry.startswith("."), host_key(entry.lstrip("."))) for entry in written]
        return cls(
            names=frozenset(key for domain, key in keys if key and not domain),
            domains=tuple(key for domain, key in keys if key and domain),
        )

    def admit(self, host: str) -> bool:
        """``host`` is a request's ``host[:port]`` as werkzeug reads it ("" for none valid)."""
        key = host_key(_name_in(host)) if host else None
        if key is None:
            return False
        return key in self.names or any(
            key == domain or key.endswith(f".{domain}") for domain in self.domains
        )


class HostCheck:
    """WSGI middleware in front of Socket.IO's and Flask's: a request to a host that is not
    trusted goes to Flask alone, whose first hook answers it ``400 invalid_host``, with the
    headers and request id of every other response, and never reaches a view or a socket."""

    def __init__(self, app: Flask, trusted: TrustedHosts) -> None:
        self.serve: WSGIApplication = app.wsgi_app  # Socket.IO's middleware, then Flask
        self.refuse: WSGIApplication = functools.partial(type(app).wsgi_app, app)
        self.trusted = trusted

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.trusted.admit(get_host(environ)):
            return self.serve(environ, start_response)
        environ[REFUSED_KEY] = True
        return self.refuse(environ, start_response)


def init_app(app: Flask) -> None:
    """Called once realtime has put Socket.IO's middleware on ``app.wsgi_app``, so that this
    check stands in front of it. The hook goes first, ahead of the rate limits, so a refused
    request costs nothing."""
    trusted = TrustedHosts.of(app.config["ALLOWED_HOSTS"], app.config["PUBLIC_URL"])
    app.wsgi_app = HostCheck(app, trusted)  # type: ignore[method-assign]
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_untrusted_host)


def _refuse_untrusted_host() -> tuple[Response, int] | None:
    if not request.environ.get(REFUSED_KEY):
        return None
    log.info("host.refused")
    return error_response(400, "invalid_host", INVALID_HOST)


def public_base_url() -> str:
    """Where this deployment lives: ``COMPANION_PUBLIC_URL``, which no request can change, or
    else the address the request came to, which ``HostCheck`` has already trusted."""
    return current_app.config["PUBLIC_URL"] or request.url_root


def external_url(endpoint: str) -> str:
    """The absolute URL of ``endpoint`` at ``public_base_url``, path prefix included."""
    scheme, netloc, prefix, _, _ = urlsplit(public_base_url())
    adapter = current_app.url_map.bind(netloc, script_name=prefix or "/", url_scheme=scheme)
    return adapter.build(endpoint, force_external=True)
