"""Test helpers that start real things: a server process, Socket.IO clients, API calls."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import engineio
import requests
import socketio
import websocket
from requests.adapters import HTTPAdapter

from companion.domain import patches

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


COMPANION_SCRIPT = Path(sys.executable).parent / "companion"


def serve_command(port: int) -> list[str]:
    """The installed ``companion`` console script, exactly as a user starts it."""
    return [str(COMPANION_SCRIPT), "serve", "--port", str(port)]


def procfile_command(port: int) -> list[str]:
    """The Procfile's ``web:`` line, with ``$PORT`` filled in, run from this virtualenv."""
    line = (REPO_ROOT / "Procfile").read_text().split("web:", 1)[1].splitlines()[0]
    arguments = shlex.split(line.replace("$PORT", str(port)))
    return [str(Path(sys.executable).parent / arguments[0]), *arguments[1:]]


class ServerProcess:
    """The server in its own OS process, started by ``companion serve`` or the Procfile."""

    def __init__(
        self, env: dict[str, str], log_path: Path, procfile: bool = False, port: int | None = None
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {**os.environ, **env}
        self.command = procfile_command(self.port) if procfile else serve_command(self.port)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> ServerProcess:
        command = self.command
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        self._wait_until_serving(timeout)
        return self

    def _wait_until_serving(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()}")
            try:
                requests.get(f"{self.url}/healthz", timeout=1)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)  # not listening yet, or too busy starting up to answer in time
        raise RuntimeError(f"server did not start:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """``kill -9``: no handler, no atexit, no goodbye to anyone."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        terminate(self.process, timeout=15)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def terminate(process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """SIGTERM, so the process can clean up; ``kill -9`` if it takes longer than ``timeout``."""
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def post_created(base_url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST to the JSON API and insist on 201 Created."""
    response = requests.post(f"{base_url}{path}", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def create_set(
    base_url: str, set_name: str, facilitator_name: str, admission: str = "open"
) -> dict[str, Any]:
    """A set whose invite lets people in at once, unless ``admission="ask"``: most tests are
    about meetings, not the lobby, whose own tests ask for it."""
    body = {"set_name": set_name, "facilitator_name": facilitator_name, "admission": admission}
    return post_created(base_url, "/api/sets", body)


def ask_to_join(base_url: str, invite_token: str, display_name: str) -> dict[str, Any]:
    """Joins a set that asks its facilitators first (the default): the person waits."""
    body = {"invite_token": invite_token, "display_name": display_name}
    response = requests.post(f"{base_url}/api/join", json=body, timeout=10)
    assert response.status_code == 202 and response.json()["status"] == "waiting", response.text
    return response.json()


def join_set(base_url: str, invite_token: str, display_name: str) -> dict[str, Any]:
    """Joins a set that lets people in at once (see ``create_set``): the member is in."""
    body = {"invite_token": invite_token, "display_name": display_name}
    return post_created(base_url, "/api/join", body)


class InOrderEngineIO(engineio.Client):
    """Hands each message to its handler in the order it arrived, as a browser does. The library
    starts a thread for each one, and two threads may run in either order: patches applied out
    of order would look like gaps."""

    def _receive_packet(self, pkt: engineio.packet.Packet) -> None:
        if pkt.packet_type == engineio.packet.MESSAGE:
            self._trigger_event("message", pkt.data)
        else:
            super()._receive_packet(pkt)


class InOrderClient(socketio.Client):
    """A python-socketio client whose handlers run in the order messages arrived. Its handlers
    must not wait on the server (no ``call`` inside one): they run on the reading thread."""

    def _engineio_client_class(self) -> type[engineio.Client]:
        return InOrderEngineIO


SYNC_RETRY_SECONDS = 2.0  # as widget.js: a sync unanswered is asked again after this long


class Widget:
    """A python-socketio client that records everything it receives, and holds the meeting as
    the browser's widget does (static/patches.js): a whole ``snapshot`` replaces it, a ``patch``
    whose ``from`` is the version held moves it on, and a gap or a patch that does not apply
    sends ``sync`` and waits for a snapshot.

    ``received[event]`` lists each event's messages as they came, ``patch`` included, except
    that ``received["snapshot"]`` also gets the state each applied patch led to, as
    ``{"type": "patch", "version", "from", "meeting"}``: it is every state the widget came to
    hold, so a test waits for a meeting state whichever way it was sent."""

    def __init__(
        self, base_url: str, token: str | None, connect: bool = True, reconnect: bool = False
    ) -> None:
        self.base_url = base_url
        self.token = token
        self.received: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.refusal: dict[str, Any] | None = None
        self._arrived = threading.Condition()
        # Reconnecting clients retry quickly, as the widget does, so restart tests stay short.
        self.client = InOrderClient(
            reconnection=reconnect, reconnection_delay=0.2, reconnection_delay_max=1
        )
        self._listen()
        if connect:
            self.connect()

    def _listen(self) -> None:
        self.held: dict[str, Any] | None = None  # the latest snapshot, or state a patch led to
        self.syncs_asked = 0
        self._heard_ahead = 0  # the latest version a patch had before any snapshot came
        self._asked_at = -SYNC_RETRY_SECONDS
        self.client.on("*", self._record)
        self.client.on("disconnect", self._disconnected)
        self.client.on("connect_error", self._refused)

    def connect(self) -> Widget:
        auth = {"token": self.token} if self.token is not None else None
        self.client.connect(self.base_url, auth=auth, wait_timeout=10, transports=["websocket"])
        return self

    def _record(self, event: str, data: Any = None) -> None:
        with self._arrived:
            self.received[event].append(data)
            if event in ("snapshot", "patch") and isinstance(data, dict):
                self._follow(event, data)
            self._arrived.notify_all()

    def _disconnected(self, *reason: Any) -> None:
        """The next connection starts from the snapshot it is sent, whatever was held before.
        (Its first messages may come before python-socketio's own ``connect`` event.)"""
        with self._arrived:
            self.held, self._heard_ahead = None, 0

    def _follow(self, event: str, message: dict[str, Any]) -> None:
        held = self.held
        if event == "snapshot":
            if held is None or message["version"] >= held["version"]:
                self.held, self._asked_at = message, -SYNC_RETRY_SECONDS
                if self._heard_ahead > message["version"]:
                    self._ask_for_snapshot()  # a patch came before it, and was left aside
                self._heard_ahead = 0
            return
        if held is None:
            self._heard_ahead = max(self._heard_ahead, message["version"])
        elif message["version"] <= held["version"]:
            return  # one already held, or older
        elif message.get("from") != held["version"]:
            self._ask_for_snapshot()
        else:
            self._take_patch(held, message)

    def _take_patch(self, held: dict[str, Any], message: dict[str, Any]) -> None:
        try:
            meeting = patches.apply(held["meeting"], message)
        except patches.PatchDoesNotApply:
            self._ask_for_snapshot()
            return
        self.held = {**{k: message[k] for k in ("type", "version", "from")}, "meeting": meeting}
        self.received["snapshot"].append(self.held)

    def _ask_for_snapshot(self) -> None:
        """As the widget does: one ``sync`` at a time, asked again if no snapshot came soon."""
        if time.monotonic() - self._asked_at < SYNC_RETRY_SECONDS:
            return
        self._asked_at = time.monotonic()
        self.syncs_asked += 1
        with contextlib.suppress(socketio.exceptions.SocketIOError):
            self.client.emit("sync")

    def _refused(self, data: Any = None) -> None:
        self.refusal = data

    def wait_for(self, event: str, predicate: Any = None, timeout: float = 10.0) -> dict[str, Any]:
        """The first ``event`` message that satisfies ``predicate``, waiting for it if need be."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for message in self.received[event]:
                    if predicate is None or predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching {event!r}; got {dict(self.received)}")
                self._arrived.wait(remaining)

    def latest(self, event: str) -> dict[str, Any]:
        with self._arrived:
            return self.received[event][-1]

    def wait_closed(self, timeout: float = 5.0) -> None:
        """Until the server has closed this widget's connection (a removal, a deletion)."""
        deadline = time.monotonic() + timeout
        while self.client.connected and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not self.client.connected, "the server did not close the connection"

    def call(self, event: str, data: Any = None) -> Any:
        return self.client.call(event, data, timeout=10)

    def close(self) -> None:
        """python-engineio closes the WebSocket with websocket-client's default wait of 3 s for the
        server's close frame, but the client's own reader thread usually takes that frame first,
        so the wait ran out in almost every test. The close frame is still sent and the socket
        shut; only the pointless wait is cut short."""
        if not self.client.connected:
            return
        socket_ = getattr(self.client.eio, "ws", None)
        if socket_ is not None:
            socket_.close = functools.partial(socket_.close, timeout=0.2)
        self.client.disconnect()


def open_widget(
    widgets: list[Widget], server: ServerProcess, token: str | None, wait_for: str | None = None
) -> Widget:
    """A widget of ``token``, kept in ``widgets`` for closing; optionally once ``wait_for`` came."""
    widget = Widget(server.url, token)
    widgets.append(widget)
    if wait_for is not None:
        widget.wait_for(wait_for)
    return widget


def send_accepted(widget: Widget, event: str, payload: dict[str, Any] | None = None) -> int:
    """Send a command that must be accepted; returns the version it made."""
    answer = widget.call(event, payload)
    assert answer and answer.get("ok"), f"{event} {payload} was refused: {answer}"
    return answer["version"]


class CommandedMeeting:
    """Widgets of one meeting by role, driven by commands that must be accepted; the facilitator's
    widget tells what the meeting holds after the latest of them."""

    widgets: dict[str, Widget]
    urls: dict[str, str]
    ids: dict[str, str]
    version: int = 0

    def seat(
        self, base_url: str, set_name: str, facilitator: str, members: dict[str, str]
    ) -> dict[str, Any]:
        """Create the set and have everyone join, each with a python widget kept connected, so
        pages coming and going never change who is present. Fills ``urls``, ``ids`` and
        ``widgets`` by role ("facilitator" and each key of ``members``); returns the created set."""
        created = create_set(base_url, set_name, facilitator)
        self.urls = {"facilitator": created["facilitator_url"]}
        self.ids = {"facilitator": created["participant_id"]}
        self.widgets = {"facilitator": Widget(base_url, created["facilitator_token"])}
        for role, name in members.items():
            joined = join_set(base_url, created["invite_token"], name)
            self.urls[role] = joined["widget_url"]
            self.ids[role] = joined["participant_id"]
            self.widgets[role] = Widget(base_url, joined["participant_token"])
        return created

    def send(self, role: str, event: str, payload: dict[str, Any] | None = None) -> int:
        self.version = send_accepted(self.widgets[role], event, payload)
        return self.version

    def meeting(self) -> dict[str, Any]:
        return self.widgets["facilitator"].wait_for(
            "snapshot", lambda s: s["version"] >= self.version
        )["meeting"]


def close_all(widgets: list[Widget]) -> None:
    """Close widgets together, each on its own thread."""
    with ThreadPoolExecutor(max_workers=max(1, len(widgets))) as pool:
        list(pool.map(Widget.close, widgets))


def names_online(snapshot: dict[str, Any]) -> set[str]:
    return {p["name"] for p in snapshot["meeting"]["participants"] if p["online"]}


# --- Clients from a chosen loopback address ----------------------------------------------------
# The whole of 127.0.0.0/8 is loopback on Linux, so one test machine can play many client machines:
# a client bound to 127.0.N.1 reaches any loopback listener, which sees it as that address. A load
# balancer that keys on the client address (nginx's ip_hash) then spreads such clients out.


class SourceAddressAdapter(HTTPAdapter):
    """A requests adapter whose connections all leave from ``source_ip``."""

    def __init__(self, source_ip: str) -> None:
        self.source_ip = source_ip  # before super().__init__, which builds the pool manager
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, source_address=(self.source_ip, 0), **kwargs)


def session_from(source_ip: str) -> requests.Session:
    """A requests session bound to ``source_ip``, blind to proxy settings in the environment."""
    session = requests.Session()
    session.trust_env = False
    adapter = SourceAddressAdapter(source_ip)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def websocket_class_from(source_ip: str) -> type[websocket.WebSocket]:
    """A websocket-client ``WebSocket`` whose every connection leaves from ``source_ip``."""

    class WebSocketFrom(websocket.WebSocket):
        def connect(self, url: str, **options: Any) -> None:
            parsed = urllib.parse.urlsplit(url)
            assert parsed.scheme == "ws", "a bound socket is handed over as is: no TLS here"
            assert parsed.hostname is not None
            sock = socket.create_connection(
                (parsed.hostname, parsed.port or 80),
                timeout=options.get("timeout"),
                source_address=(source_ip, 0),
            )
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().connect(url, socket=sock, **options)

    return WebSocketFrom


class WidgetFrom(Widget):
    """A ``Widget`` whose every connection (long-polling and WebSocket) leaves from ``source_ip``.

    ``transports`` as python-socketio takes them: ``("websocket",)`` like the browser widget,
    ``("polling", "websocket")`` to start on long-polling and upgrade, ``("polling",)`` to stay.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        source_ip: str,
        transports: tuple[str, ...] = ("websocket",),
    ) -> None:
        super().__init__(base_url, token, connect=False)
        self.source_ip = source_ip
        self.transports = list(transports)
        self.client = InOrderClient(
            reconnection=False,
            http_session=session_from(source_ip),
            websocket_extra_options={"class_": websocket_class_from(source_ip)},
        )
        self._listen()
        self.connect()

    def connect(self) -> WidgetFrom:
        auth = {"token": self.token} if self.token is not None else None
        self.client.connect(self.base_url, auth=auth, wait_timeout=10, transports=self.transports)
        return self


# --- Convergence: every widget of a meeting holding the same state ---


def converge(
    widgets: dict[str, Widget],
    predicate: Callable[[dict[str, Any]], bool],
    version: int | None = None,
) -> int:
    """Every widget, on either process, holds the same state at the same version."""
    seen = [
        widget.wait_for(
            "snapshot",
            lambda s: (version is None or s["version"] == version) and predicate(s["meeting"]),
        )
        for widget in widgets.values()
    ]
    states = [comparable(snapshot) for snapshot in seen]
    assert all(state == states[0] for state in states), f"widgets disagree: {states}"
    return states[0]["version"]


def comparable(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The shared state, without what depends on the moment it was rendered."""
    meeting = dict(snapshot["meeting"])
    meeting.pop("server_now_ms")
    meeting.pop("allocation")
    return {"version": snapshot["version"], "meeting": meeting}


# Tests drive meetings at machine speed, far past the per-participant budgets a person never
# reaches; tests/*/test_limits.py check those budgets with servers of their own.
UNHURRIED = {
    "COMPANION_COMMAND_RATE": "10000/second",
    "COMPANION_SIGNAL_RATE": "10000/second",
    "COMPANION_SYNC_RATE": "10000/second",
}


def assert_well_formed(answer: Any) -> None:
    """Every acknowledgement has one of the two documented shapes."""
    assert isinstance(answer, dict), answer
    if answer.get("ok") is True:
        assert set(answer) == {"ok", "version"} and isinstance(answer["version"], int), answer
    else:
        assert set(answer) == {"error", "message"}, answer
        assert answer["error"] and answer["message"], answer


def token_of(meeting: CommandedMeeting, who: str) -> str:
    """``who``'s own participant token: the fragment of their link."""
    return meeting.urls[who].partition("#")[2]


def start_next_meeting(meeting: CommandedMeeting, base_url: str, set_id: str) -> None:
    """The facilitator starts the set's next meeting over HTTP; everyone's python widget moves to
    it (a widget left on the ended meeting only hears ``meeting_moved``)."""
    response = requests.post(
        f"{base_url}/api/sets/{set_id}/meetings",
        headers={"Authorization": f"Bearer {token_of(meeting, 'facilitator')}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    close_all(list(meeting.widgets.values()))
    meeting.widgets = {who: Widget(base_url, token_of(meeting, who)) for who in meeting.urls}
    meeting.version = meeting.widgets["facilitator"].call("sync")["version"]


# --- A set's roster, straight through the store (for store-level tests) ------------------------


def enrol(store: Any, set_id: str, name: str, role: str = "member", person_id: str = "") -> str:
    """Puts someone on the set's roster as active, as a facilitator letting them in would; the
    lobby's own rules have tests of their own. Returns their id."""
    from companion.domain import shapes
    from companion.domain.model import Role, RosterEntry
    from companion.store.meetings import new_id

    person_id = person_id or new_id()

    def add(kept: Any) -> Any:
        working = shapes.copied(kept)
        working.entries[person_id] = RosterEntry(person_id, name, Role(role))
        working.version += 1
        return working

    store.update_roster(set_id, add)
    return person_id


def legacy_token(app: Any, set_id: str, participant_id: str, role: str) -> str:
    """A participant link as signed before the roster existed, which also named a role: the
    roster's word counts, never the link's."""
    from itsdangerous import URLSafeTimedSerializer

    signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="companion.participant.v1")
    return signer.dumps({"s": set_id, "p": participant_id, "r": role})


class CleanLog:
    """What a server process logs from now on: JSON lines only, and no traceback. Bad input must
    be refused quietly, whatever it is."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.start = len(server.log())

    def assert_clean(self) -> None:
        added = self.server.log()[self.start :]
        assert "Traceback" not in added, added
        for line in filter(str.strip, added.splitlines()):
            assert isinstance(json.loads(line), dict), line
