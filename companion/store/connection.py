"""The one place a Redis client is built, with timeouts and retries chosen for a live meeting."""

from __future__ import annotations

from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

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
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=POOL_SIZE,
        timeout=POOL_WAIT_SECONDS,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        **options,
    )
    return redis.Redis.from_pool(pool)
