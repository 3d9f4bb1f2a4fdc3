"""The one place a Redis client is built, with timeouts and retries chosen for a live meeting."""

from __future__ import annotations

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

# A command that cannot reach Redis should fail within about a second, so the widget can say
# "reconnecting" instead of hanging; short outages (a failover, a restart) are bridged by retries.
SOCKET_TIMEOUT_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 1.0
RETRIES = 2
HEALTH_CHECK_INTERVAL_SECONDS = 10


def redis_client(url: str) -> redis.Redis:
    """Strings in and out: every value we store is JSON text or a small integer."""
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        retry=Retry(ExponentialBackoff(cap=0.25, base=0.05), RETRIES),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        health_check_interval=HEALTH_CHECK_INTERVAL_SECONDS,
    )
