"""The shipped nginx recipe (deploy/nginx/companion.conf), run by Debian's nginx in front of two
Procfile processes sharing one Redis: a short meeting runs through nginx, with widgets on both
processes, each client sticking to one process whatever its transport."""

from __future__ import annotations

import grp
import os
import pwd
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support import (
    REPO_ROOT,
    ServerProcess,
    Widget,
    WidgetFrom,
    close_all,
    converge,
    free_port,
    session_from,
    terminate,
)

NGINX = Path("/usr/sbin/nginx")
RECIPE = REPO_ROOT / "deploy" / "nginx" / "companion.conf"

# The lines of the recipe that name this machine's ports, as shipped; the test puts its own free
# ports in their place and leaves every other line as it is.
SHIPPED_LISTEN = "listen 80;"
SHIPPED_BACKENDS = ("server 127.0.0.1:8001;", "server 127.0.0.1:8002;")

# ip_hash keys on the first three octets of an IPv4 address, so each person gets a /24 of their
# own. Transports: WebSocket like the browser widget; long-polling upgraded to a WebSocket (the
# upgrade must reach the process holding the polling session); and long-polling only.
FACILITATOR = ("Fay", "127.0.1.1", ("websocket",))
MEMBERS = [
    ("Ada", "127.0.2.1", ("websocket",)),
    ("Ben", "127.0.3.1", ("polling", "websocket")),
    ("Cy", "127.0.4.1", ("polling",)),
]
PEOPLE = [FACILITATOR, *MEMBERS]
SOCKET_IO_HANDSHAKE = "/socket.io/?EIO=4&transport=polling"

# One line per request nginx served: who asked, which app process answered, and what was asked.
LOG_FORMAT = "'$remote_addr $upstream_addr $status \"$request\"'"
LOG_LINE = re.compile(
    r'^(?P<client>\S+) (?P<upstream>\S+(?:, \S+)*) (?P<status>\d+) "(?P<request>.*)"$'
)


def render_recipe(recipe: str, listen: str, backends: list[str]) -> str:
    """The recipe with the test's ports instead of the shipped ones; nothing else changes."""
    lines = recipe.splitlines(keepends=True)
    replacements = [(SHIPPED_LISTEN, listen), *zip(SHIPPED_BACKENDS, backends, strict=True)]
    for shipped, ours in replacements:
        found = [n for n, line in enumerate(lines) if line.strip() == shipped]
        assert len(found) == 1, f"the recipe should have the line {shipped!r} exactly once"
        lines[found[0]] = lines[found[0]].replace(shipped, ours)
    return "".join(lines)


def main_config(root: Path, site: Path) -> str:
    """The test's stand-in for Debian's /etc/nginx/nginx.conf: the recipe is included inside
    ``http {}`` as sites-enabled/* is there, and everything nginx writes stays under ``root``."""
    user = ""
    if os.geteuid() == 0:
        # Workers would run as nobody, who cannot enter pytest's private temporary folders.
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    temp = root / "temp"
    return f"""{user}
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{
    worker_connections 256;
}}
http {{
    log_format upstreams {LOG_FORMAT};
    access_log {root}/access.log upstreams;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site};
}}
"""


class Nginx:
    """A private nginx master (``daemon off``) with its own prefix, configuration, pid file and
    logs, running the recipe on a free loopback port in front of ``backend_ports`` (or, without
    them, holding the recipe exactly as shipped, to check it)."""

    def __init__(self, root: Path, backend_ports: list[int] | None = None) -> None:
        assert NGINX.exists(), "nginx is missing: scripts/test installs Debian's nginx package"
        root.mkdir(parents=True, exist_ok=True)
        (root / "temp").mkdir(exist_ok=True)
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.backend_ports = backend_ports or []
        self.access_log = root / "access.log"
        self.output = root / "nginx.out"
        recipe = RECIPE.read_text()
        if backend_ports is not None:
            listen = f"listen 127.0.0.1:{self.port};"
            backends = [f"server 127.0.0.1:{port};" for port in backend_ports]
            recipe = render_recipe(recipe, listen, backends)
        site = root / "companion.conf"
        site.write_text(recipe)
        self.config = root / "nginx.conf"
        self.config.write_text(main_config(root, site))
        self.process: subprocess.Popen[bytes] | None = None

    def command(self, *arguments: str) -> list[str]:
        prefix = f"{self.root}/"
        error_log = str(self.root / "error.log")
        return [str(NGINX), "-p", prefix, "-c", str(self.config), "-e", error_log, *arguments]

    def check(self) -> None:
        """``nginx -t``: the configuration is valid (it binds no port)."""
        result = subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stdout + result.stderr

    def start(self, timeout: float = 10.0) -> Nginx:
        self.check()
        with open(self.output, "ab") as output:
            self.process = subprocess.Popen(
                self.command("-g", "daemon off;"), stdout=output, stderr=output
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited early:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not start:\n{self.log()}")

    def stop(self) -> None:
        """Fast shutdown of the master and its worker; ``kill -9`` if that takes too long."""
        terminate(self.process, timeout=10)

    def log(self) -> str:
        logs = [self.output, self.root / "error.log"]
        return "\n".join(path.read_text(errors="replace") for path in logs if path.exists())

    def requests_served(self) -> list[dict[str, str]]:
        lines = self.access_log.read_text().splitlines() if self.access_log.exists() else []
        served = [LOG_LINE.match(line) for line in lines]
        assert all(served), f"unexpected access log lines:\n{lines}"
        return [match.groupdict() for match in served if match]


@pytest.fixture(scope="module")
def stack(
    server_env: dict[str, str], redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Nginx, list[ServerProcess]]]:
    """Two Procfile processes on one Redis, and nginx running the recipe in front of them. The
    processes are told nginx's address as their COMPANION_PUBLIC_URL, as the recipe says."""
    root = tmp_path_factory.mktemp("nginx-stack")
    servers: list[ServerProcess] = []
    nginx = Nginx(root / "nginx", [free_port(), free_port()])
    env = {**server_env, "COMPANION_PUBLIC_URL": nginx.url}
    try:
        for n, port in enumerate(nginx.backend_ports, start=1):
            log = root / f"gunicorn-{n}.log"
            servers.append(ServerProcess(env, log, procfile=True, port=port).start())
        yield nginx.start(), servers
    finally:
        nginx.stop()
        for server in servers:
            server.stop()


def test_recipe_as_shipped_passes_nginx_check(tmp_path: Path) -> None:
    Nginx(tmp_path).check()


def test_meeting_through_nginx_reaches_widgets_on_both_processes(
    stack: tuple[Nginx, list[ServerProcess]],
) -> None:
    nginx, servers = stack
    name, address, _ = FACILITATOR
    body = {"set_name": "Ward leaders", "facilitator_name": name, "admission": "open"}
    created = post_from(address, nginx.url, "/api/sets", body)
    assert created["facilitator_url"].startswith(f"{nginx.url}/w#"), "links lead through nginx"
    tokens = {name: created["facilitator_token"]}
    for name, address, _ in MEMBERS:
        body = {"invite_token": created["invite_token"], "display_name": name}
        tokens[name] = post_from(address, nginx.url, "/api/join", body)["participant_token"]

    widgets: dict[str, Widget] = {}
    try:
        for name, address, transports in PEOPLE:
            widgets[name] = WidgetFrom(nginx.url, tokens[name], address, transports)
        ids = {name: widget.wait_for("welcome")["you"]["id"] for name, widget in widgets.items()}
        # Ben started on long-polling and upgraded through nginx; Cy stays on long-polling.
        assert widgets["Ben"].client.transport() == "websocket"
        assert widgets["Cy"].client.transport() == "polling"
        everyone = {name for name, _, _ in PEOPLE}
        version = converge(
            widgets, lambda m: {p["name"] for p in m["participants"] if p["online"]} == everyone
        )

        def step(name: str, event: str, payload: Any = None) -> dict[str, Any]:
            """One command; then every widget, on either process, holds its new version."""
            nonlocal version
            answer = widgets[name].call(event, payload)
            assert answer.get("ok"), f"{name} {event}: {answer}"
            assert answer["version"] == version + 1, "each step is exactly one new version"
            version = converge(widgets, lambda m: True, answer["version"])
            return widgets[name].latest("snapshot")["meeting"]

        meeting = step("Fay", "advance_phase")
        assert meeting["phase"] == "check_in"
        speaking = meeting["round"]["speaking_order"]
        assert sorted(speaking) == sorted(ids[name] for name, _, _ in MEMBERS)
        by_id = {participant_id: name for name, participant_id in ids.items()}
        for expected in speaking:
            assert meeting["round"]["current"] == expected, "turns follow the speaking order"
            meeting = step(by_id[expected], "speaker_done")
        assert meeting["round"]["current"] is None
        assert step("Fay", "advance_phase")["phase"] == "bidding"
        meeting = step("Ada", "place_bid", {"title": "", "minutes": 20})
        meeting = step("Fay", "accept_bid", {"bid_id": meeting["bids"][0]["id"]})
        bids = [(bid["participant_id"], bid["status"]) for bid in meeting["bids"]]
        assert bids == [(ids["Ada"], "accepted")]
    finally:
        close_all(list(widgets.values()))

    served = wait_for_websocket_closes(nginx, [a for _, a, t in PEOPLE if "websocket" in t])
    backends = {f"127.0.0.1:{server.port}" for server in servers}
    landed: dict[str, str] = {}
    for name, address, _ in PEOPLE:
        mine = [line for line in served if line["client"] == address]
        upstreams = {line["upstream"] for line in mine}
        assert len(upstreams) == 1, f"{name} was not sticky: {mine}"
        landed[name] = upstreams.pop()
        assert landed[name] in backends, f"{name} reached {landed[name]}, not an app process"
        assert any(line["request"].startswith("POST /api/") for line in mine)
        socket_requests = [line for line in mine if "/socket.io/" in line["request"]]
        assert all(line["status"] in ("101", "200") for line in socket_requests), socket_requests
    assert set(landed.values()) == backends, f"every process should serve someone: {landed}"
    cy = [line for line in served if line["client"] == "127.0.4.1"]
    assert sum("transport=polling" in line["request"] for line in cy) >= 3, cy
    assert not any("transport=websocket" in line["request"] for line in cy), cy


def test_nginx_overwrites_a_claimed_https_scheme(
    stack: tuple[Nginx, list[ServerProcess]],
) -> None:
    """The app sends HSTS when gunicorn hears X-Forwarded-Proto https from nginx on loopback; a
    client cannot claim HTTPS through nginx over plain HTTP."""
    nginx, servers = stack
    claimed = {"X-Forwarded-Proto": "https"}
    direct = requests.get(f"{servers[0].url}/healthz", headers=claimed, timeout=5)
    assert direct.status_code == 200
    assert "Strict-Transport-Security" in direct.headers
    proxied = session_from("127.0.0.1").get(f"{nginx.url}/healthz", headers=claimed, timeout=5)
    assert proxied.status_code == 200
    assert proxied.json()["redis"] == "ok"
    assert "Strict-Transport-Security" not in proxied.headers


def test_nginx_passes_the_host_on_and_the_app_refuses_one_it_does_not_serve(
    stack: tuple[Nginx, list[ServerProcess]],
) -> None:
    """nginx hands every Host to the app (``proxy_set_header Host $http_host``), so it is the app
    that refuses a Host other than its public URL's, before building any link from it."""
    nginx, _ = stack
    session = session_from("127.0.0.1")
    body = {"set_name": "Ward leaders", "facilitator_name": "Fay"}
    headers = {"Host": "evil.example"}
    created = session.post(f"{nginx.url}/api/sets", json=body, headers=headers, timeout=5)
    handshake = session.get(f"{nginx.url}{SOCKET_IO_HANDSHAKE}", headers=headers, timeout=5)
    for response in (created, handshake):
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_host"


def post_from(address: str, base_url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = session_from(address).post(f"{base_url}{path}", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def wait_for_websocket_closes(
    nginx: Nginx, addresses: list[str], timeout: float = 10.0
) -> list[dict[str, str]]:
    """nginx logs a WebSocket when it closes: wait until each of ``addresses`` has one logged."""
    deadline = time.monotonic() + timeout
    while True:
        served = nginx.requests_served()
        logged = {
            line["client"]
            for line in served
            if line["status"] == "101" and "transport=websocket" in line["request"]
        }
        if set(addresses) <= logged or time.monotonic() > deadline:
            assert set(addresses) <= logged, f"WebSockets not logged:\n{served}"
            return served
        time.sleep(0.1)
