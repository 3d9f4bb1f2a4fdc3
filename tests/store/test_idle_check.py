"""The pool's quick idle check against a real Redis: it answers "nothing to read" only for an
open, idle connection, and leaves every other case to redis-py, so a connection with a reply left
unread, or one the server closed, is still never handed out for the next command."""

from __future__ import annotations

import time

import pytest
import redis

from companion.store.connection import queue_client, redis_client
from companion.store.idle_check import (
    IdleCheckConnection,
    IdleCheckSSLConnection,
    IdleCheckUnixConnection,
    connection_class_for,
    nothing_to_read,
)


def taken(client: redis.Redis) -> redis.connection.AbstractConnection:
    connection = client.connection_pool.get_connection()
    assert connection is not None
    return connection


def wait_until_readable(connection: redis.connection.AbstractConnection) -> None:
    deadline = time.monotonic() + 5
    while nothing_to_read(connection):
        assert time.monotonic() < deadline, "Redis never answered"
        time.sleep(0.01)


@pytest.mark.parametrize("make", [redis_client, queue_client], ids=["store", "queue"])
def test_both_clients_check_idle_connections_quickly(redis_url: str, make) -> None:  # type: ignore[no-untyped-def]
    client = make(redis_url)  # kept: a client let go closes its pool
    connection = taken(client)
    assert isinstance(connection, connection_class_for(redis_url))
    assert nothing_to_read(connection) and connection.can_read() is False


def test_each_scheme_keeps_its_own_kind_of_connection() -> None:
    assert connection_class_for("redis://h:6379/0") is IdleCheckConnection
    assert connection_class_for("rediss://h:6380/0") is IdleCheckSSLConnection
    assert connection_class_for("unix:///tmp/redis.sock?db=2") is IdleCheckUnixConnection
    assert issubclass(IdleCheckSSLConnection, redis.SSLConnection)
    assert issubclass(IdleCheckUnixConnection, redis.UnixDomainSocketConnection)


def test_an_idle_connection_has_nothing_to_read(redis_url: str) -> None:
    client = redis_client(redis_url)
    connection = taken(client)
    connection.send_command("PING")
    assert connection.read_response() in ("PONG", b"PONG", True)
    assert nothing_to_read(connection)
    assert connection.can_read() is False


def test_a_reply_left_unread_is_seen_and_the_connection_not_reused(redis_url: str) -> None:
    client = redis_client(redis_url)
    pool = client.connection_pool
    connection = taken(client)
    connection.send_command("ECHO", "left unread")
    wait_until_readable(connection)
    assert connection.can_read() is True
    pool.release(connection)
    again = pool.get_connection()
    assert again is connection, "the pool hands out the connection it was given back"
    assert again.can_read() is False, "but only once it has been made fresh"
    again.send_command("ECHO", "mine")
    assert again.read_response() == "mine", "never the reply someone else left"
    pool.release(again)


def test_a_connection_the_server_closed_is_replaced(redis_url: str) -> None:
    client = redis_client(redis_url)
    connection = taken(client)
    connection.send_command("CLIENT", "ID")
    own_id = connection.read_response()
    client.connection_pool.release(connection)
    redis_client(redis_url).client_kill_filter(_id=own_id)
    wait_until_readable(connection)  # the end of the stream is something to read
    assert client.ping() is True, "the next command runs on a fresh connection"
    assert client.client_id() != own_id
