"""The client side of the load benchmarks: meetings of real Socket.IO widgets (python-socketio's
asyncio client), spread over a few processes so that the swarm is not what runs out of CPU.

Each process seats its meetings, connects their widgets, and then does what the parent asks, one
step at a time over a pipe: drive traffic for a while and report what every widget received, or
wait for every widget to resync after a server restart. Times are ``time.monotonic()``, which is
one clock for every process on the machine, so the parent can name the moments.

Ours (``kind="ours"``) is driven through its real API: a set created and joined over HTTP, the
meeting walked to clarifying questions, then hands, timers and signals. The bare floor and the
Node peer (``kind="bare"``) get the very same sequence of senders and commands as one ``command``
event. A ``snapshot`` or a ``patch`` carries the meeting's state at its version: either counts as
that version's delivery, and the facilitator's widget weighs each (``bytes_per_delivery``).

``benchmarks/node_side.py`` offers the same swarm in Node (socket.io-client), cheaper per widget;
both hand their records to ``summary`` here, so the figures mean the same whichever drove.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import multiprocessing
import os
import random
import secrets
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import orjson
import socketio

from companion.domain.signals import KINDS as SIGNAL_KINDS

OURS, BARE = "ours", "bare"
CALL_TIMEOUT_SECONDS = 10.0
SEATING_CONNECT_TIMEOUT_SECONDS = 30.0
SETUP_TIMEOUT_SECONDS = 600.0
DRAIN_SECONDS = 2.0  # after the last acknowledgement, for the last broadcasts to land
HTTP_CONCURRENCY = 16
CONNECT_CONCURRENCY = 32
# The meeting's default signal window: a member's signal of one kind counts once per window, so
# the plan never sends the same (member, kind) again before it has faded.
SIGNAL_WINDOW_SECONDS = 60
SIGNAL_MARGIN_SECONDS = 2
LATE_SECONDS = 0.1  # a command sent this long after its due time counts as late
# socket.io-client's defaults, which the browser widget keeps (companion/static/widget.js): waits
# of 1 s doubling up to 5 s, made random so that a restart is not answered in one wave (the browser
# by +-50% of each wait, python-socketio by +-0.5 s), and 20 s for the server to accept an attempt.
RECONNECTION_DELAY_SECONDS = 1.0
RECONNECTION_DELAY_MAX_SECONDS = 5.0
RECONNECTION_JITTER = 0.5
BROWSER_CONNECT_TIMEOUT_SECONDS = 20.0
# What the clients' engineio logs as errors (a connection given up for want of pings, say), counted.
CLIENT_ERRORS: Counter[str] = Counter()
LAG_TICK_SECONDS = 0.05  # how often a client process samples its own event loop's lateness


@dataclass(frozen=True)
class Traffic:
    """How hard the swarm clicks: ``rate`` commands per second in each meeting, due at random
    phases so the meetings are not in lockstep; only commands sent after ``warmup`` count."""

    rate: float
    warmup: float
    duration: float
    seed: int = 1


@dataclass(frozen=True)
class Assignment:
    """One client process's share of the swarm."""

    url: str
    kind: str
    meeting_indices: tuple[int, ...]
    members: int
    reconnect: bool
    run_id: str
    connect_timeout: float = BROWSER_CONNECT_TIMEOUT_SECONDS
    cpus: tuple[int, ...] = ()  # the cores this process may run on; () for any


class PatientClient(socketio.AsyncClient):
    """An asyncio client that gives the server ``connect_timeout`` to accept each reconnection
    attempt. python-socketio's own reconnection gives it 1 s and then drops the attempt (which
    the server still does all the work for) to try again later; the browser's socket.io-client
    gives it its ``timeout``, 20 s unless configured."""

    def __init__(self, connect_timeout: float, **options: Any) -> None:
        super().__init__(**options)
        self.connect_timeout = connect_timeout

    async def connect(self, *args: Any, **options: Any) -> None:
        await super().connect(*args, **{"wait_timeout": self.connect_timeout, **options})


class _ErrorTally(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        CLIENT_ERRORS[record.getMessage()[:80]] += 1


class Widget:
    """One widget's connection: records every version's arrival (a snapshot or a patch), in order
    or not, and when it was last welcomed and resynced (a fresh ``welcome`` then ``snapshot``
    after a disconnect). It does not apply patches: ``latest`` is the last whole snapshot."""

    def __init__(self, meeting: Meeting, number: int, session: aiohttp.ClientSession) -> None:
        self.meeting = meeting
        self.number = number
        self.seen = 0
        self.out_of_order = 0
        self.duplicates = 0
        self.latest: dict[str, Any] | None = None
        self.disconnected_at: float | None = None
        self.welcomed_at: float | None = None
        self.resynced_at: float | None = None
        self.client = PatientClient(
            meeting.connect_timeout,
            reconnection=meeting.reconnect,
            reconnection_delay=RECONNECTION_DELAY_SECONDS,
            reconnection_delay_max=RECONNECTION_DELAY_MAX_SECONDS,
            randomization_factor=RECONNECTION_JITTER,
            http_session=session,
            request_timeout=30,
        )
        self.client.on("snapshot", self._on_snapshot)
        self.client.on("patch", self._on_patch)
        self.client.on("welcome", self._on_welcome)
        self.client.on("disconnect", self._on_disconnect)

    def _on_snapshot(self, message: dict[str, Any]) -> None:
        now, version = time.monotonic(), message["version"]
        if self.disconnected_at is not None and self.resynced_at is None and self.welcomed_at:
            self.resynced_at = now
        if self.latest is None or version >= self.latest["version"]:
            self.latest = message
        self._on_version(version, now, message, whole=True)

    def _on_patch(self, message: dict[str, Any]) -> None:
        self._on_version(message["version"], time.monotonic(), message, whole=False)

    def _on_version(self, version: int, now: float, message: dict[str, Any], whole: bool) -> None:
        if version == self.seen:
            self.duplicates += 1
            return
        if version < self.seen:
            self.out_of_order += 1
        self.seen = max(self.seen, version)
        self.meeting.arrived(self, version, now, message, whole)

    def _on_welcome(self, message: dict[str, Any]) -> None:
        self.welcomed_at = time.monotonic()

    def _on_disconnect(self, *reason: Any) -> None:
        self.disconnected_at = time.monotonic()
        self.welcomed_at = self.resynced_at = None

    async def connect(self, url: str, auth: dict[str, str]) -> None:
        await self.client.connect(
            url, auth=auth, transports=["websocket"], wait_timeout=SEATING_CONNECT_TIMEOUT_SECONDS
        )

    async def send(self, event: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        """Ours takes each command as its own event; the floor takes them all as ``command``."""
        if self.meeting.kind == BARE:
            command = {"name": event, **(payload or {})}
            return await self.client.call("command", command, timeout=CALL_TIMEOUT_SECONDS)
        return await self.client.call(event, payload, timeout=CALL_TIMEOUT_SECONDS)

    async def snapshot_from(self, version: int) -> dict[str, Any]:
        deadline = time.monotonic() + CALL_TIMEOUT_SECONDS
        while self.latest is None or self.latest["version"] < version:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no snapshot of version {version} within the timeout")
            await asyncio.sleep(0.01)
        return self.latest

    async def state_from(self, version: int) -> dict[str, Any]:
        """The whole state at ``version`` or later, asked for (``sync``) when patches brought it."""
        if self.latest is None or self.latest["version"] < version:
            await _accepted(self, "sync")
        return await self.snapshot_from(version)


@dataclass
class Sent:
    """One measured command: when it left, when its acknowledgement came, what it made."""

    meeting: Meeting
    sent: float
    acked: float
    version: int


@dataclass
class Tally:
    """What one process saw of the measured commands."""

    sent: list[Sent] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    timeouts: int = 0
    late: int = 0


class Meeting:
    """A meeting's widgets (0 the facilitator, 1 the presenter, the rest members who ask), what
    the plan has done so far (hands up, signals counting), and every version's arrivals."""

    def __init__(self, index: int, assignment: Assignment) -> None:
        self.index = index
        self.kind = assignment.kind
        self.reconnect = assignment.reconnect
        self.connect_timeout = assignment.connect_timeout
        self.members = assignment.members
        self.bare_id = f"{assignment.run_id}-{index}"
        self.widgets: list[Widget] = []
        self.arrivals: dict[int, list[float]] = defaultdict(list)
        self.measured_from = math.inf
        self.state_bytes: list[int] = []  # each snapshot or patch the facilitator got, measured
        self.snapshot_bytes: list[int] = []  # the whole snapshots among them
        self.hands: set[int] = set()
        self.signal_pairs = [(m, k) for m in range(1, self.members) for k in SIGNAL_KINDS]
        self.signalled: dict[tuple[int, str], float] = {}

    def arrived(
        self, widget: Widget, version: int, at: float, message: dict[str, Any], whole: bool
    ) -> None:
        self.arrivals[version].append(at)
        if widget.number == 0 and at >= self.measured_from:
            self.state_bytes.append(size_of(message))
            if whole:
                self.snapshot_bytes.append(self.state_bytes[-1])

    def next_command(self, rng: random.Random, now: float) -> tuple[Widget, str, dict | None]:
        """A realistic mix: hands raised and lowered by members (40%), the facilitator starting
        the speaker's timer or extending the phase (30%), anonymous signals (30%)."""
        roll = rng.random()
        if roll < 0.15:
            return self.widgets[0], "start_timer", {"timer": "speaker", "seconds": 180}
        if roll < 0.30:
            return self.widgets[0], "extend_timer", {"timer": "phase", "seconds": 60}
        if roll < 0.60 and (signal := self._fresh_signal(rng, now)) is not None:
            return signal
        asker = rng.randrange(2, self.members)
        return self.widgets[asker], "lower_hand" if asker in self.hands else "raise_hand", None

    def _fresh_signal(self, rng: random.Random, now: float) -> tuple[Widget, str, dict] | None:
        member, kind = self.signal_pairs[rng.randrange(len(self.signal_pairs))]
        if now - self.signalled.get((member, kind), -1e9) < SIGNAL_WINDOW_SECONDS + 1:
            return None
        self.signalled[(member, kind)] = now
        return self.widgets[member], "send_signal", {"kind": kind}

    def accepted(self, widget: Widget, event: str) -> None:
        if event == "raise_hand":
            self.hands.add(widget.number)
        elif event == "lower_hand":
            self.hands.discard(widget.number)


# --- Seating: sets created and joined over HTTP, widgets connected, the meeting under way ----


async def _post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> dict[str, Any]:
    async with http.post(url, json=body) as response:
        answer = await response.json()
        if response.status != 201:
            raise RuntimeError(f"POST {url} answered {response.status}: {answer}")
        return answer


async def _tokens(http: aiohttp.ClientSession, url: str, meeting: Meeting) -> list[str]:
    """The facilitator creates the set, which lets people in at once (the lobby is not what is
    measured); everyone else joins it with the invite."""
    body = {"set_name": f"Bench {meeting.index}", "facilitator_name": "Fay", "admission": "open"}
    created = await _post(http, f"{url}/api/sets", body)
    tokens = [created["facilitator_token"]]
    for number in range(1, meeting.members):
        body = {"invite_token": created["invite_token"], "display_name": f"Member {number}"}
        tokens.append((await _post(http, f"{url}/api/join", body))["participant_token"])
    return tokens


async def _accepted(widget: Widget, event: str, payload: dict | None = None) -> int:
    answer = await widget.send(event, payload)
    if not answer or not answer.get("ok"):
        raise RuntimeError(f"{event} {payload} was refused during setup: {answer}")
    return answer["version"]


async def _open_questions(meeting: Meeting) -> None:
    """Walk ours to clarifying questions, where members raise hands, with a phase timer running."""
    facilitator, presenter = meeting.widgets[0], meeting.widgets[1]
    await _accepted(facilitator, "advance_phase")  # check-in
    await _accepted(facilitator, "advance_phase")  # bidding
    version = await _accepted(presenter, "place_bid", {"title": "Bench issue", "minutes": 20})
    bid_id = (await facilitator.state_from(version))["meeting"]["bids"][0]["id"]
    await _accepted(facilitator, "accept_bid", {"bid_id": bid_id})
    await _accepted(facilitator, "advance_phase")  # work: the presenter presents
    await _accepted(facilitator, "advance_phase")  # clarifying questions
    await _accepted(facilitator, "start_timer", {"timer": "phase", "seconds": 3600})


async def _limited(semaphore: asyncio.Semaphore, work: Any) -> Any:
    async with semaphore:
        return await work


async def _seat(assignment: Assignment, session: aiohttp.ClientSession) -> list[Meeting]:
    meetings = [Meeting(index, assignment) for index in assignment.meeting_indices]
    if assignment.kind == OURS:
        http_turns = asyncio.Semaphore(HTTP_CONCURRENCY)
        tokens = await asyncio.gather(
            *(_limited(http_turns, _tokens(session, assignment.url, m)) for m in meetings)
        )
        auths = [[{"token": token} for token in meeting_tokens] for meeting_tokens in tokens]
    else:
        auths = [[{"meeting": m.bare_id}] * m.members for m in meetings]
    connect_turns = asyncio.Semaphore(CONNECT_CONCURRENCY)
    connecting = []
    for meeting, meeting_auths in zip(meetings, auths, strict=True):
        meeting.widgets = [Widget(meeting, n, session) for n in range(meeting.members)]
        for widget, auth in zip(meeting.widgets, meeting_auths, strict=True):
            connecting.append(_limited(connect_turns, widget.connect(assignment.url, auth)))
    await asyncio.gather(*connecting)
    if assignment.kind == OURS:
        await asyncio.gather(*(_limited(http_turns, _open_questions(m)) for m in meetings))
    return meetings


# --- Traffic, and what arrived -------------------------------------------------------------


async def _drive(meeting: Meeting, traffic: Traffic, start_at: float, tally: Tally) -> None:
    """One meeting's clicks: each due ``1 / rate`` s after the last, from a random phase; a
    meeting's commands go one at a time, as people in one meeting mostly click in turn."""
    rng = random.Random(traffic.seed * 1_000_003 + meeting.index)
    period, measured_from = 1 / traffic.rate, start_at + traffic.warmup
    stop_at = measured_from + traffic.duration
    due = start_at + rng.uniform(0, period)
    while due < stop_at:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        widget, event, payload = meeting.next_command(rng, due)
        sent = time.monotonic()
        measured = sent >= measured_from
        try:
            answer = await widget.send(event, payload)
        except socketio.exceptions.TimeoutError:
            tally.timeouts += measured
            answer = None
        acked = time.monotonic()
        if answer and answer.get("ok"):
            meeting.accepted(widget, event)
            if measured:
                tally.sent.append(Sent(meeting, sent, acked, answer["version"]))
        elif answer and measured:
            tally.rejected[f"{event}:{answer.get('error')}"] += 1
        if measured and sent - due > LATE_SECONDS:
            tally.late += 1
        due += period


# What a client process counts itself, beside the measured commands' outcomes.
SEEN_KEYS = (
    "out_of_order",
    "duplicates",
    "rejected",
    "timeouts",
    "late",
    "state_bytes",
    "snapshot_bytes",
    "lag_ms",
    "client_errors",
)


@dataclass(frozen=True)
class Outcome:
    """One measured, accepted command as its meeting saw it: when it left, when its acknowledgement
    came, and when each widget of the meeting got the version it made."""

    meeting: int
    sent: float
    acked: float
    arrivals: tuple[float, ...]
    members: int


def summary(outcomes: list[Outcome], seen: dict[str, Any]) -> dict[str, Any]:
    """Per measured command: the delay until the last widget of its meeting held it, or how many
    widgets never got it; with ``seen``, the swarm's own counts (out of order, duplicates,
    rejections, timeouts, late sends, sizes, its loop's lateness, client errors), passed on."""
    everyone, acks, slow = [], [], []
    lost = lost_versions = deliveries = 0
    for outcome in outcomes:
        deliveries += len(outcome.arrivals)
        acks.append((outcome.acked - outcome.sent) * 1000)
        missing = outcome.members - len(outcome.arrivals)
        if missing > 0:
            lost, lost_versions = lost + missing, lost_versions + 1
        else:
            everyone.append((max(outcome.arrivals) - outcome.sent) * 1000)
            if everyone[-1] > 30:
                slow.append((round(outcome.sent, 3), round(everyone[-1], 1), outcome.meeting))
    found = {
        "everyone_ms": everyone,
        "slow": slow,
        "ack_ms": acks,
        "commands": len(outcomes),
        "deliveries": deliveries,
        "lost": lost,
        "lost_versions": lost_versions,
    }
    return found | {key: seen[key] for key in SEEN_KEYS}


def size_of(message: dict[str, Any]) -> int:
    """A message's bytes as compact JSON (UTF-8), as both servers put it on the wire."""
    return len(orjson.dumps(message))


def _summary(meetings: list[Meeting], tally: Tally, lag_ms: list[float]) -> dict[str, Any]:
    outcomes = [
        Outcome(
            sent.meeting.index,
            sent.sent,
            sent.acked,
            tuple(sent.meeting.arrivals.get(sent.version, ())),
            sent.meeting.members,
        )
        for sent in tally.sent
    ]
    widgets = [widget for meeting in meetings for widget in meeting.widgets]
    seen = {
        "out_of_order": sum(w.out_of_order for w in widgets),
        "duplicates": sum(w.duplicates for w in widgets),
        "rejected": dict(tally.rejected),
        "timeouts": tally.timeouts,
        "late": tally.late,
        "state_bytes": [size for meeting in meetings for size in meeting.state_bytes],
        "snapshot_bytes": [size for meeting in meetings for size in meeting.snapshot_bytes],
        "lag_ms": lag_ms,
        "client_errors": dict(CLIENT_ERRORS),
    }
    return summary(outcomes, seen)


async def _sample_lag(since: float, until: float, lags: list[float]) -> None:
    """The event loop's own lateness while measured: how long after its due moment each tick of
    ``LAG_TICK_SECONDS`` ran. A swarm busy past its means shows here, not in the server."""
    due = time.monotonic() + LAG_TICK_SECONDS
    while due < until:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        now = time.monotonic()
        if now >= since:
            lags.append((now - due) * 1000)
        due = now + LAG_TICK_SECONDS


async def _whole_snapshot_bytes(meetings: list[Meeting]) -> list[int]:
    """Ours, after the traffic: each facilitator asks for the whole snapshot once (``sync``), so
    its size is known even when every change went out as a patch."""
    turns = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(meeting: Meeting) -> int | None:
        facilitator = meeting.widgets[0]
        try:
            return size_of(await facilitator.snapshot_from(await _accepted(facilitator, "sync")))
        except (RuntimeError, TimeoutError, socketio.exceptions.TimeoutError):
            return None  # a server past its knee may not answer: its size is known from others

    sizes = await asyncio.gather(*(_limited(turns, one(m)) for m in meetings))
    return [size for size in sizes if size is not None]


async def _traffic(meetings: list[Meeting], traffic: Traffic, start_at: float) -> dict[str, Any]:
    measured_from = start_at + traffic.warmup
    for meeting in meetings:
        meeting.state_bytes.clear()
        meeting.snapshot_bytes.clear()
        meeting.arrivals.clear()
        meeting.measured_from = measured_from
    for widget in (w for meeting in meetings for w in meeting.widgets):
        widget.out_of_order = widget.duplicates = 0
    tally, lags = Tally(), []
    lag = asyncio.create_task(_sample_lag(measured_from, measured_from + traffic.duration, lags))
    await asyncio.gather(*(_drive(m, traffic, start_at, tally) for m in meetings))
    await asyncio.sleep(DRAIN_SECONDS)
    await lag
    found = _summary(meetings, tally, lags)
    if meetings and meetings[0].kind == OURS:
        found["snapshot_bytes"] += await _whole_snapshot_bytes(meetings)
    return found


async def _await_resync(meetings: list[Meeting], since: float, until: float) -> dict[str, Any]:
    """Until every widget has been welcomed again and sent a fresh snapshot (or ``until``)."""
    widgets = [widget for meeting in meetings for widget in meeting.widgets]
    while time.monotonic() < until and not all(_resynced(w, since) for w in widgets):
        await asyncio.sleep(0.05)
    done = [w for w in widgets if _resynced(w, since)]
    return {
        "resync_s": [w.resynced_at - since for w in done],
        "disconnect_s": [w.disconnected_at - since for w in done],
        "not_resynced": len(widgets) - len(done),
        "never_disconnected": sum(w.disconnected_at is None for w in widgets),
        "client_errors": dict(CLIENT_ERRORS),
    }


def _resynced(widget: Widget, since: float) -> bool:
    return (
        widget.disconnected_at is not None
        and widget.disconnected_at >= since
        and widget.resynced_at is not None
    )


# --- A client process, and the parent's handle on all of them --------------------------------


def _count_client_errors() -> None:
    """engineio's client logs to stderr unless told otherwise; count instead of printing."""
    logger = logging.getLogger("engineio.client")
    logger.setLevel(logging.ERROR)
    logger.addHandler(_ErrorTally())
    logger.propagate = False


async def _serve_parent(assignment: Assignment, pipe: Connection) -> None:
    _count_client_errors()
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        meetings = await _seat(assignment, session)
        widgets = sum(len(m.widgets) for m in meetings)
        pipe.send(("ready", {"widgets": widgets, "seconds": time.monotonic() - started}))
        while True:
            step, argument = await asyncio.to_thread(pipe.recv)
            if step == "traffic":
                pipe.send(("traffic", await _traffic(meetings, *argument)))
            elif step == "resync":
                pipe.send(("resync", await _await_resync(meetings, *argument)))
            else:
                break
        await asyncio.gather(
            *(w.client.disconnect() for m in meetings for w in m.widgets), return_exceptions=True
        )


def client_process(assignment: Assignment, pipe: Connection) -> None:
    """A child process's whole life; any failure goes back to the parent as text."""
    try:
        if assignment.cpus:
            os.sched_setaffinity(0, assignment.cpus)  # as taskset -c does
        asyncio.run(_serve_parent(assignment, pipe))
    except BaseException:
        pipe.send(("error", traceback.format_exc()))


class Swarm:
    """``meetings`` times ``members`` widgets over ``processes`` client processes; a context manager
    that seats them all on entry and ends every process on exit, whatever happened."""

    def __init__(
        self,
        url: str,
        kind: str,
        meetings: int,
        members: int,
        processes: int,
        reconnect: bool = False,
        connect_timeout: float = BROWSER_CONNECT_TIMEOUT_SECONDS,
        cpus: tuple[int, ...] = (),
    ) -> None:
        run_id = secrets.token_hex(4)
        processes = max(1, min(processes, meetings))
        self.assignments = [
            Assignment(
                url,
                kind,
                tuple(range(p, meetings, processes)),
                members,
                reconnect,
                run_id,
                connect_timeout,
                cpus,
            )
            for p in range(processes)
        ]
        self.pipes: list[Connection] = []
        self.processes: list[multiprocessing.Process] = []
        self.setup_seconds = 0.0

    def __enter__(self) -> Swarm:
        context = multiprocessing.get_context("spawn")
        try:
            for assignment in self.assignments:
                ours, theirs = context.Pipe()
                process = context.Process(target=client_process, args=(assignment, theirs))
                process.start()
                self.pipes.append(ours)
                self.processes.append(process)
            started = time.monotonic()
            self._answers("ready", SETUP_TIMEOUT_SECONDS)
            self.setup_seconds = time.monotonic() - started
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):  # a process that died has no pipe left
                pipe.send(("close", None))
        for process in self.processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    def ask(self, step: str, argument: tuple[Any, ...]) -> None:
        for pipe in self.pipes:
            pipe.send((step, argument))

    def _answers(self, step: str, timeout: float) -> list[dict[str, Any]]:
        answers = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise TimeoutError(f"a client process did not answer {step!r} in {timeout} s")
            got, value = pipe.recv()
            if got != step:
                raise RuntimeError(f"a client process failed:\n{value}")
            answers.append(value)
        return answers

    def traffic_results(self, timeout: float) -> dict[str, Any]:
        return merged(self._answers("traffic", timeout))

    def resync_results(self, timeout: float) -> dict[str, Any]:
        return merged(self._answers("resync", timeout))


def merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The processes' answers as one: lists joined, counts added, tallies of codes added."""
    whole: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, list):
                whole.setdefault(key, []).extend(value)
            elif isinstance(value, dict):
                whole[key] = dict(Counter(whole.get(key, {})) + Counter(value))
            else:
                whole[key] = whole.get(key, 0) + value
    return whole


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value at least ``share`` of all values are no greater than."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = math.ceil(round(share * len(ordered), 9))
    return ordered[min(len(ordered), max(1, rank)) - 1]


def spread(values: list[float]) -> Iterator[tuple[str, float]]:
    for name, share in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        yield name, percentile(values, share)
    yield "max", max(values) if values else float("nan")
