"""Connections whose "is anything waiting to be read?" check costs a system call, not a hub trip.

redis-py asks that of every connection it takes from the pool, before each command: a reply left
unread, or a socket the server closed, must not be handed out. With hiredis it asks with
``select.poll``, which gevent's monkey-patching replaces by a poll that waits in gevent's hub:
for a check that must not wait at all (a timeout of 0) that cost some 6% of the server's CPU per
meeting command (docs/performance.md). The check here asks the operating system directly, with
the ``poll`` from before the patching, and answers "nothing" when it finds nothing. Anything else
(bytes waiting, a closed socket, a TLS buffer, a timeout other than 0) goes to redis-py's own
check, so what a connection is judged by does not change, only how quickly an idle one is.
"""

from __future__ import annotations

import select
from typing import Any

import redis
from gevent.monkey import get_original
from redis.sentinel import SentinelManagedConnection

_unpatched_poll = get_original("select", "poll")


def nothing_to_read(connection: Any) -> bool:
    """True only when the connection is open, its reply parser holds nothing, and its socket has
    nothing (nor an end of stream) to read right now."""
    sock = connection._sock
    reader = getattr(connection._parser, "_reader", None)  # hiredis's; None: not connected
    if sock is None or reader is None or reader.has_data():
        return False
    if hasattr(sock, "pending") and sock.pending():  # TLS bytes already decrypted
        return False
    poller = _unpatched_poll()
    try:
        poller.register(sock, select.POLLIN)
    except ValueError:  # closed meanwhile (no file descriptor): redis-py's check says so
        return False
    return not poller.poll(0)


class _IdleCheck:
    def can_read(self, timeout: float = 0) -> bool:
        if timeout == 0 and nothing_to_read(self):
            return False
        return super().can_read(timeout)  # type: ignore[misc]


class IdleCheckConnection(_IdleCheck, redis.Connection):
    """A TCP connection (``redis://``)."""


class IdleCheckSSLConnection(_IdleCheck, redis.SSLConnection):
    """A TLS connection (``rediss://``)."""


class IdleCheckUnixConnection(_IdleCheck, redis.UnixDomainSocketConnection):
    """A Unix socket (``unix://``): the embedded Redis's."""


class IdleCheckSentinelConnection(_IdleCheck, SentinelManagedConnection):
    """A connection to the primary the Sentinels name."""


def connection_class_for(url: str) -> type[redis.connection.AbstractConnection]:
    """The class redis-py would pick for ``url``'s scheme, with the quick idle check."""
    scheme = url.partition("://")[0].lower()
    if scheme == "unix":
        return IdleCheckUnixConnection
    if scheme == "rediss":
        return IdleCheckSSLConnection
    return IdleCheckConnection
