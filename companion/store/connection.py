"""The one place a Redis client is built, with timeouts and retries chosen for a live meeting.

``REDIS_URL`` names one server (``redis://``, ``rediss://``, ``unix://``) or, for high
availability, the Sentinels that watch a primary and its replicas:
``redis+sentinel://[[user]:password@]host:port[,host:port...]/db/service``. That is the form
python-socketio's ``RedisManager`` reads (database first, then the service name), so one URL
serves the store and the message queue alike; both are built here, on the primary the Sentinels
name, and follow it when they promote a replica (docs/data.md#failover-redis-sentinel).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import unquote

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelConnectionPool

from companion.store.idle_check import IdleCheckSentinelConnection, connection_class_for

# A command that cannot reach Redis should fail within about a second, so the widget can say
# "reconnecting" instead of hanging; short outages (a failover, a restart) are bridged by retries.
SOCKET_TIMEOUT_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 1.0
RETRIES = 2
HEALTH_CHECK_INTERVAL_SECONDS = 10
# Connections one process opens to Redis, for its store or its message queue. When all are busy,
# a command waits for one to come back rather than failing: a thousand widgets reconnecting at
# once after a restart each commit and publish, and with redis-py's default pool (100, and an
# error past that) some of them were refused "Too many connections" (docs/performance.md).
POOL_SIZE = 200
POOL_WAIT_SECONDS = 5.0

SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_FORM = "redis+sentinel://[[user]:password@]host:port[,host:port...]/db/service"
SENTINEL_EXAMPLE = "redis+sentinel://:secret@10.0.0.1:26379,10.0.0.2:26379/0/mymaster"
# Redis's own limit on a database number is its `databases` setting (16 by default); a number
# past this one is a typo, whatever the server allows.
MAX_DATABASE = 10_000


class RedisUrlRefused(ValueError):
    """``REDIS_URL`` cannot be used as written. Raised at start, when the first client is built,
    so a typo in a Sentinel address stops the app instead of leaving every command unavailable."""


@dataclass(frozen=True)
class SentinelAddress:
    """Where the Sentinels listen, which primary they watch (its service name), and how to log in
    to that primary and its replicas. The Sentinels themselves are asked without a password, as
    python-socketio asks them."""

    sentinels: tuple[tuple[str, int], ...]
    service_name: str
    db: int
    username: str | None
    password: str | None


class WaitingSentinelPool(SentinelConnectionPool, redis.BlockingConnectionPool):
    """Sentinel's pool, which asks the Sentinels for the primary on every new connection, with
    the blocking pool's wait for a free connection (see ``POOL_SIZE``): a failover must not turn
    the reconnecting crowd into "Too many connections" refusals."""


def redis_client(url: str) -> redis.Redis:
    """Strings in and out: every value we store is JSON text or a small integer."""
    return _client(
        url,
        decode_responses=True,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        retry=Retry(ExponentialBackoff(cap=0.25, base=0.05), RETRIES),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        health_check_interval=HEALTH_CHECK_INTERVAL_SECONDS,
    )


def queue_client(url: str) -> redis.Redis:
    """For the Socket.IO message queue: bytes (its messages are pickled), and no read timeout,
    since its listener waits on its subscription for as long as the meeting is quiet."""
    return _client(url)


def _client(url: str, **options: Any) -> redis.Redis:
    address = sentinel_address(url)
    if address is not None:
        return _primary_client(address, **options)
    try:
        pool = redis.BlockingConnectionPool.from_url(
            url,
            connection_class=connection_class_for(url),
            max_connections=POOL_SIZE,
            timeout=POOL_WAIT_SECONDS,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            **options,
        )
    except ValueError as error:  # a scheme redis-py does not know, a port that is not a number
        reason = str(error).rstrip(".")
        raise RedisUrlRefused(
            f"REDIS_URL {_without_password(url)!r} cannot be used: {reason}. "
            f"For Redis Sentinel, the form is {SENTINEL_FORM}."
        ) from None
    return redis.Redis.from_pool(pool)


def _primary_client(address: SentinelAddress, **options: Any) -> redis.Redis:
    """A client of whichever server the Sentinels call the primary now. A connection that finds
    it gone (or demoted to a replica) is dropped, and the next one asks the Sentinels again, so
    the retries above carry a command over to the new primary once one is promoted. The
    Sentinels are asked with the same timeouts, so one that hangs is passed over in a second."""
    sentinel = Sentinel(
        address.sentinels,
        sentinel_kwargs={
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
            "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
        },
    )
    return sentinel.master_for(
        address.service_name,
        connection_pool_class=WaitingSentinelPool,
        connection_class=IdleCheckSentinelConnection,
        max_connections=POOL_SIZE,
        timeout=POOL_WAIT_SECONDS,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        db=address.db,
        username=address.username,
        password=address.password,
        **options,
    )


def sentinel_address(url: str) -> SentinelAddress | None:
    """The Sentinel address ``url`` names, or None for a URL of one server, which redis-py reads.
    Anything python-socketio would read differently, or not at all, is refused here. The
    credentials end at the last ``@``, so a password is never taken for a host or a path."""
    scheme, _, rest = url.partition("://")
    if scheme.lower() != SENTINEL_SCHEME:
        return None
    credentials, _, location = rest.rpartition("@")
    hosts, _, path = location.partition("/")
    if "?" in path or "#" in path:
        _refuse(url, "it takes no options after '?' or '#'")
    username, _, password = credentials.partition(":")
    db, service_name = _database_and_service(url, path)
    return SentinelAddress(
        sentinels=tuple(_sentinel(url, host) for host in hosts.split(",")),
        service_name=service_name,
        db=db,
        username=unquote(username) or None,
        password=unquote(password) or None,
    )


def _sentinel(url: str, host_and_port: str) -> tuple[str, int]:
    """``host:port``, or ``[v6 address]:port``; the port is required, as python-socketio's
    reader requires it (Sentinel's own default is 26379)."""
    host, colon, port = host_and_port.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host or not port.isascii() or not port.isdigit():
        _refuse(url, f"each Sentinel is host:port, and {host_and_port!r} is not")
    if not 0 < int(port) < 65536:
        _refuse(url, f"{port} is not a port")
    return host, int(port)


def _database_and_service(url: str, path: str) -> tuple[int, str]:
    """``db/service``: the database number comes first, as python-socketio reads it."""
    match = re.fullmatch(r"([^/]*)/([^/]+)/?", path)
    if not match:
        _refuse(url, "it must end in /db/service, e.g. /0/mymaster")
    db, service_name = match.group(1), unquote(match.group(2))
    if not (db.isascii() and db.isdigit() and int(db) <= MAX_DATABASE):
        _refuse(url, f"the database, before the service name, is a number, not {db!r}")
    return int(db), service_name


def _refuse(url: str, reason: str) -> NoReturn:
    """The message names the variable and the form, but never the password."""
    raise RedisUrlRefused(
        f"REDIS_URL {_without_password(url)!r} is not a Sentinel address: {reason}. "
        f"The form is {SENTINEL_FORM}, like {SENTINEL_EXAMPLE}."
    )


def _without_password(url: str) -> str:
    """``url`` with whatever stands before its last ``@`` (a user, a password) elided."""
    return re.sub(r"^([^:/]*://).*@", r"\1…@", url)
