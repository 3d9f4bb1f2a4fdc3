"""``REDIS_URL`` as a Sentinel address: read as python-socketio reads it, refused at start when it
cannot be used, and clients on the primary the Sentinel names (the failover itself is in
``tests/realtime/test_sentinel.py``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from socketio.redis_manager import parse_redis_sentinel_url

from companion import create_app
from companion.domain import rules
from companion.domain.commands import Command
from companion.guards.limits import limits
from companion.store import MeetingStore, StoreUnavailable, keys
from companion.store.connection import (
    POOL_SIZE,
    SENTINEL_FORM,
    RedisUrlRefused,
    SentinelAddress,
    queue_client,
    redis_client,
    sentinel_address,
)
from companion.store.idle_check import IdleCheckSentinelConnection
from tests.redis_sentinel import (
    DATABASE,
    SERVICE,
    RedisProcess,
    ReplicatedRedis,
    eventually,
    ports_in_range,
)
from tests.support import ServerProcess

PASSWORD = "hunter2-secret"


@pytest.mark.parametrize(
    "url",
    [
        "redis+sentinel://127.0.0.1:26379/0/mymaster",
        "redis+sentinel://10.0.0.1:26379,10.0.0.2:26380,sentinel.example:26381/3/companion",
        f"redis+sentinel://:{PASSWORD}@10.0.0.1:26379,10.0.0.2:26379/0/mymaster",
        f"redis+sentinel://app:{PASSWORD}@sentinel.example:26379/15/mymaster",
    ],
)
def test_a_sentinel_address_is_read_as_python_socketio_reads_it(url: str) -> None:
    """One URL serves the store and the message queue: both must find the same primary."""
    address = sentinel_address(url)
    sentinels, service_name, options = parse_redis_sentinel_url(url)
    assert address is not None
    assert list(address.sentinels) == sentinels
    assert address.service_name == service_name
    assert address.db == options["db"]
    assert address.username == options.get("username")
    assert address.password == options.get("password")


def test_credentials_are_percent_decoded_and_end_at_the_last_at_sign() -> None:
    """As in a redis:// URL, so a password may hold any character."""
    encoded = sentinel_address("redis+sentinel://me:p%40ss%2Fw%3A@[::1]:26379/2/svc")
    assert encoded == SentinelAddress((("::1", 26379),), "svc", 2, "me", "p@ss/w:")
    raw = sentinel_address("redis+sentinel://:p/w@x@127.0.0.1:26379/0/svc")
    assert raw == SentinelAddress((("127.0.0.1", 26379),), "svc", 0, None, "p/w@x")


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "rediss://cache.example:6380/1", "unix:///tmp/r.sock"]
)
def test_a_url_of_one_server_is_left_to_redis_py(url: str) -> None:
    assert sentinel_address(url) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("redis+sentinel://:{pw}@127.0.0.1:26379/mymaster/0", "the database, before the service"),
        ("redis+sentinel://:{pw}@127.0.0.1:26379/mymaster", "must end in /db/service"),
        ("redis+sentinel://:{pw}@127.0.0.1:26379", "must end in /db/service"),
        ("redis+sentinel://:{pw}@127.0.0.1:26379/0/", "must end in /db/service"),
        ("redis+sentinel://:{pw}@127.0.0.1/0/mymaster", "each Sentinel is host:port"),
        ("redis+sentinel://:{pw}@a:26379,/0/mymaster", "each Sentinel is host:port"),
        ("redis+sentinel://:{pw}@/0/mymaster", "each Sentinel is host:port"),
        ("redis+sentinel://:{pw}@a:port/0/mymaster", "each Sentinel is host:port"),
        ("redis+sentinel://:{pw}@a:70000/0/mymaster", "70000 is not a port"),
        ("redis+sentinel://:{pw}@a:26379/x/mymaster", "the database, before the service"),
        ("redis+sentinel://:{pw}@a:26379/0/mymaster?ssl=true", "no options after '?'"),
        ("sentinel://:{pw}@a:26379/0/mymaster", "must specify one of the following schemes"),
        ("redis://:{pw}@a:port/0", "Port could not be cast"),
    ],
)
def test_a_url_that_cannot_be_used_is_refused_saying_why_but_not_the_password(
    url: str, reason: str
) -> None:
    with pytest.raises(RedisUrlRefused) as refused:
        redis_client(url.format(pw=PASSWORD))
    message = str(refused.value)
    assert message.startswith("REDIS_URL "), message
    assert reason in message and SENTINEL_FORM in message, message
    assert PASSWORD not in message, message


def test_the_app_refuses_to_start_on_a_bad_sentinel_address(instance_path: Path) -> None:
    config = {"INSTANCE_PATH": str(instance_path), "ASYNC_MODE": "threading"}
    with pytest.raises(RedisUrlRefused, match="/db/service"):
        create_app(config | {"REDIS_URL": "redis+sentinel://127.0.0.1:26379/mymaster"})


def test_companion_serve_stops_at_start_and_says_why(tmp_path: Path) -> None:
    """The process exits before it listens, with the reason in its log: never a server whose
    every command is answered "unavailable" because of a typo."""
    env = {
        "COMPANION_INSTANCE_PATH": str(tmp_path / "instance"),
        "REDIS_URL": "redis+sentinel://127.0.0.1:26379/mymaster/0",
    }
    server = ServerProcess(env, tmp_path / "server.log")
    with pytest.raises(RuntimeError, match="server exited early"):
        server.start()
    assert "RedisUrlRefused: REDIS_URL 'redis+sentinel://127.0.0.1:26379/mymaster/0'" in (
        server.log()
    )


def test_with_no_sentinel_answering_the_store_is_unavailable() -> None:
    """Unreachable Sentinels are an outage like any other: commands are answered `unavailable`,
    /healthz says 503, and nothing hangs."""
    (port,) = ports_in_range(1)
    store = MeetingStore(redis_client(f"redis+sentinel://127.0.0.1:{port}/0/{SERVICE}"))
    with pytest.raises(StoreUnavailable, match="No master found"):
        store.ping()


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplicatedRedis]:
    redis_set = ReplicatedRedis(tmp_path_factory.mktemp("sentinel"))
    try:
        yield redis_set.start()
    finally:
        redis_set.stop()


def test_the_store_writes_to_the_named_primary_in_the_urls_database(
    replicated: ReplicatedRedis,
) -> None:
    store = MeetingStore(redis_client(replicated.url))
    learning_set, _, _ = store.create_set("Ward leaders", "Fay")
    key = keys.learning_set(learning_set.id)
    assert replicated.primary.client(db=DATABASE).exists(key)
    assert not replicated.primary.client(db=0).exists(key)
    replicated.wait_until_replicated()
    assert replicated.replica.client(db=DATABASE).exists(key), "and the replica has it"
    assert store.load_set(learning_set.id).name == "Ward leaders"


def test_the_message_queue_subscribes_and_publishes_on_that_primary(
    replicated: ReplicatedRedis,
) -> None:
    listener = queue_client(replicated.url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe("sentinel-test")
    try:
        numsub = replicated.primary.client().pubsub_numsub("sentinel-test")
        assert numsub == [("sentinel-test", 1)]
        assert queue_client(replicated.url).publish("sentinel-test", b"hello") == 1
        message = eventually(lambda: listener.get_message(timeout=0.5), "the message")
        assert message["data"] == b"hello"
    finally:
        listener.close()


def test_a_command_waits_for_a_free_connection_rather_than_failing(
    replicated: ReplicatedRedis,
) -> None:
    """As on one server (``POOL_SIZE``): the Sentinel's pool blocks while all are taken."""
    client = redis_client(replicated.url)
    pool = client.connection_pool
    taken = [pool.get_connection() for _ in range(POOL_SIZE)]
    answers: list[object] = []
    waiting = threading.Thread(target=lambda: answers.append(client.ping()))
    waiting.start()
    waiting.join(timeout=0.3)
    assert waiting.is_alive() and not answers, "it waits, and is not refused"
    pool.release(taken.pop())
    waiting.join(timeout=5)
    assert answers == [True]
    for connection in taken:
        pool.release(connection)
    assert isinstance(pool, redis.BlockingConnectionPool)
    idle = pool.get_connection()
    assert isinstance(idle, IdleCheckSentinelConnection), "with the quick idle check"
    assert idle.can_read() is False
    pool.release(idle)


def test_the_rate_limits_count_on_that_primary_too(
    replicated: ReplicatedRedis, instance_path: Path
) -> None:
    """limits' own Sentinel storage would read the address its own way and fail open: the
    limits count through the store's client instead, on whichever server is the primary."""
    config = {"INSTANCE_PATH": str(instance_path), "ASYNC_MODE": "threading"}
    app = create_app(config | {"REDIS_URL": replicated.url, "COMMAND_RATE": "2/minute"})
    with app.app_context():
        counted = [limits().exceeded("commands", "someone") for _ in range(3)]
    assert counted[:2] == [None, None]
    assert counted[2] is not None and counted[2].amount == 2, "the third is one too many"
    assert replicated.primary.client(db=DATABASE).keys(f"{keys.RATE_LIMITS_PREFIX}*")


def test_a_primary_short_of_replicas_refuses_writes_as_unavailable(tmp_path: Path) -> None:
    """``min-replicas-to-write``, which narrows what a failover can lose (docs/data.md#failover):
    while no replica keeps up, the primary refuses every write before making it, and the store
    answers that as the outage it is, with nothing written; once one does, writes go on."""
    primary_port, replica_port = ports_in_range(2)
    no_files = ("--save", "", "--appendonly", "no")
    primary = RedisProcess(tmp_path, "primary", primary_port)
    primary.start(*no_files, "--min-replicas-to-write", "1", "--min-replicas-max-lag", "1")
    replica = RedisProcess(tmp_path, "replica", replica_port)

    def good_replicas() -> int:
        return int(primary.client().info("replication")["min_slaves_good_slaves"])

    try:
        store = MeetingStore(redis_client(f"redis://127.0.0.1:{primary_port}/{DATABASE}"))
        with pytest.raises(StoreUnavailable, match="NOREPLICAS"):
            store.create_set("Ward leaders", "Fay")
        assert primary.client(db=DATABASE).dbsize() == 0, "nothing written"

        replica.start(*no_files, "--replicaof", "127.0.0.1", str(primary_port))
        eventually(lambda: good_replicas() == 1, "the replica keeping up")
        learning_set, _, founder_id = store.create_set("Ward leaders", "Fay")
        meeting = store.start_meeting(learning_set.id)

        replica.kill()
        eventually(lambda: good_replicas() == 0, "the primary noticing", timeout=10)
        connect = Command("connect", founder_id, 1, {"connection_id": "c1"})
        with pytest.raises(StoreUnavailable, match="NOREPLICAS"):
            store.update_meeting(meeting.id, lambda m: rules.apply(m, connect).meeting)
        assert store.load_meeting(meeting.id).version == meeting.version, "nothing written"
    finally:
        replica.kill()
        primary.kill()
