"""Every metric the server keeps for Prometheus, in one place, and the few calls that record them.

What operators need to see, and nothing of any meeting: no label ever holds a meeting's, a set's
or a person's id, a name or any text. Label values come from fixed lists only (the command names
the server registers, the codes it answers with, the two Redis clients), so each metric has a
bounded number of series however many meetings run.

Under gunicorn with several workers, set ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory) before
the server starts: prometheus_client then keeps every value in a file per process there, and any
worker's scrape adds up all of them (docs/operations.md). Gauges say how to add up across
processes (``livesum``: the live processes' values summed), so a dead worker's widgets drop out.

This module imports only the standard library and prometheus_client, so the store and the
realtime layer can both record into it without importing each other.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter as Tally
from contextvars import ContextVar
from typing import Any

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


class MetricsDirectoryMissing(ValueError):
    """``PROMETHEUS_MULTIPROC_DIR`` is set to something that is not a directory. Raised at
    import, before prometheus_client tries to write its first file there."""


def _check_multiprocess_directory() -> None:
    if MULTIPROCESS_VARIABLE not in os.environ:
        return
    directory = os.environ[MULTIPROCESS_VARIABLE]
    if not directory or not os.path.isdir(directory):
        raise MetricsDirectoryMissing(
            f"{MULTIPROCESS_VARIABLE} must name an existing directory (empty at the first start), "
            f"where each server process keeps its metrics; not {directory!r}. Create it, or unset "
            "it when each process serves its own metrics (one worker per process, as the Procfile)."
        )


_check_multiprocess_directory()

# Imported after the check: prometheus_client decides at import whether values live in files.
from prometheus_client import Counter, Gauge, Histogram  # noqa: E402

# From half a millisecond (a commit on a quiet local Redis) to 2.5 s (a Redis failover): a
# command's path is a few milliseconds, and p99 targets are tens of milliseconds.
LATENCY_BUCKETS_SECONDS = (
    0.0005,
    0.001,
    0.002,
    0.003,
    0.005,
    0.0075,
    0.01,
    0.015,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)

WIDGETS_CONNECTED = Gauge(
    "companion_widgets_connected",
    "Socket.IO connections this server process has accepted and still holds: widgets in a "
    "meeting, looking at an ended one, waiting in a lobby, and stage views.",
    multiprocess_mode="livesum",
)
MEETINGS_OPEN = Gauge(
    "companion_meetings_open",
    "Meetings with at least one widget connected to this server process. Summed over processes, "
    "a meeting whose widgets are spread over several is counted once by each of them.",
    multiprocess_mode="livesum",
)
COMMANDS = Counter(
    "companion_commands",
    "Commands widgets sent, by command name and outcome: 'accepted', or the code it was refused "
    "with. Events the server does not know are all counted as the command 'unknown'.",
    ["command", "outcome"],
)
COMMIT_SECONDS = Histogram(
    "companion_command_commit_seconds",
    "From a command's arrival at this server process to its change committed in Redis, for "
    "accepted commands.",
    buckets=LATENCY_BUCKETS_SECONDS,
)
BROADCAST_SECONDS = Histogram(
    "companion_command_broadcast_seconds",
    "From a meeting command's arrival to its new state handed to this process's widgets and "
    "published to the other processes, for accepted commands.",
    buckets=LATENCY_BUCKETS_SECONDS,
)
REDIS_ERRORS = Counter(
    "companion_redis_errors",
    "Redis failures that reached the app after the client's own retries: a store operation "
    "that could not reach Redis (client 'store'), the message queue's subscription lost "
    "(client 'queue').",
    ["client"],
)
REDIS_RECONNECTS = Counter(
    "companion_redis_reconnects",
    "Times a Redis client worked again after failing: the store's first operation that "
    "succeeded, or the message queue subscribed again.",
    ["client"],
)
QUEUE_LAG_SECONDS = Histogram(
    "companion_queue_lag_seconds",
    "From a message's publish on another server process to its arrival here through the "
    "Socket.IO message queue, by the wall clocks of both (keep them in sync with NTP).",
    buckets=LATENCY_BUCKETS_SECONDS,
)

ACCEPTED = "accepted"
UNKNOWN_COMMAND = "unknown"
INTERNAL_ERROR = "internal_error"
# Codes are our own constants; anything else (a bug) is counted as one value, never as itself.
_CODE_SHAPE = re.compile(r"[a-z][a-z0-9_]{0,47}")
_OTHER_OUTCOME = "other"

# The children of labelled metrics, made once: ``labels()`` locks and builds a key each call.
_command_children: dict[tuple[str, str], Any] = {}
# When the command now being handled arrived (perf_counter), for its latencies.
_received_at: ContextVar[float | None] = ContextVar("companion_command_received_at", default=None)


def _command_child(command: str, outcome: str) -> Any:
    child = _command_children.get((command, outcome))
    if child is None:
        child = _command_children[(command, outcome)] = COMMANDS.labels(command, outcome)
    return child


def outcome_of(answer: Any) -> str:
    """'accepted', or the stable code of the refusal the sender was answered with."""
    if isinstance(answer, dict):
        if answer.get("ok") is True:
            return ACCEPTED
        code = answer.get("error")
        if isinstance(code, str) and _CODE_SHAPE.fullmatch(code):
            return code
    return _OTHER_OUTCOME


def command_received() -> object:
    """Marks the arrival of a command; pass what it returns to ``command_answered``."""
    return _received_at.set(time.perf_counter())


def command_answered(command: str, answer: Any, received: object) -> None:
    """Counts the command by its outcome, and ends its timing."""
    _command_child(command, outcome_of(answer)).inc()
    _received_at.reset(received)  # type: ignore[arg-type]


def command_committed() -> None:
    """The command being handled has committed."""
    started = _received_at.get()
    if started is not None:
        COMMIT_SECONDS.observe(time.perf_counter() - started)


def command_broadcast() -> None:
    """The committed state of the command being handled has gone out."""
    started = _received_at.get()
    if started is not None:
        BROADCAST_SECONDS.observe(time.perf_counter() - started)


def queue_message_arrived(sent_at: Any) -> None:
    """A message another process published at ``sent_at`` (epoch seconds) has arrived. A clock a
    little behind the sender's would make the lag negative: it counts as none."""
    if isinstance(sent_at, float):
        QUEUE_LAG_SECONDS.observe(max(0.0, time.time() - sent_at))


class RedisHealth:
    """One Redis client's errors, and its recoveries: the first success after a failure."""

    def __init__(self, client: str) -> None:
        self._errors = REDIS_ERRORS.labels(client)
        self._reconnects = REDIS_RECONNECTS.labels(client)
        self.failing = False

    def failed(self) -> None:
        self._errors.inc()
        self.failing = True

    def succeeded(self) -> None:
        """Called after every operation that worked, so it must cost next to nothing."""
        if self.failing:
            self.failing = False
            self._reconnects.inc()


STORE_HEALTH = RedisHealth("store")
QUEUE_HEALTH = RedisHealth("queue")


class ConnectedWidgets:
    """This process's widgets, and how many of them are in each meeting. The meetings are kept in
    memory only (never in a label): the gauge counts them, and no id leaves the process."""

    def __init__(self) -> None:
        self._widgets_in: Tally[str] = Tally()
        self._lock = threading.Lock()

    def joined(self, meeting_id: str | None) -> None:
        WIDGETS_CONNECTED.inc()
        if meeting_id is None:
            return
        with self._lock:
            self._widgets_in[meeting_id] += 1
            MEETINGS_OPEN.set(len(self._widgets_in))

    def left(self, meeting_id: str | None) -> None:
        WIDGETS_CONNECTED.dec()
        if meeting_id is None:
            return
        with self._lock:
            self._widgets_in[meeting_id] -= 1
            if self._widgets_in[meeting_id] <= 0:
                del self._widgets_in[meeting_id]
            MEETINGS_OPEN.set(len(self._widgets_in))


CONNECTED_WIDGETS = ConnectedWidgets()
