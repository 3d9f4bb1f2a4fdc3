"""``/metrics`` against real servers: what is counted, that nothing of a meeting is in it, who may
read it (a token on the app's port, or a port of its own), and one sum over several gunicorn
workers in prometheus_client's multiprocess mode.

Every scrape is parsed by prometheus_client's own parser, as Prometheus would read it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from companion import create_app
from tests.redis_server import RedisServer
from tests.support import (
    REPO_ROOT,
    UNHURRIED,
    ServerProcess,
    Widget,
    close_all,
    create_set,
    free_port,
    join_set,
    open_widget,
    send_accepted,
)

TOKEN = secrets.token_hex(24)
HOOKS_FILE = REPO_ROOT / "deploy" / "gunicorn" / "multiprocess_metrics.py"
TEXT_FORMAT = "text/plain; version="
OUR_METRICS = (
    "companion_widgets_connected",
    "companion_meetings_open",
    "companion_commands",
    "companion_command_commit_seconds",
    "companion_command_broadcast_seconds",
    "companion_redis_errors",
    "companion_redis_reconnects",
    "companion_queue_lag_seconds",
)


class Scrape:
    """One scrape, parsed: every sample by name and labels."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.families = {family.name: family for family in text_string_to_metric_families(text)}
        self.samples = [sample for family in self.families.values() for sample in family.samples]

    def value(self, name: str, **labels: str) -> float:
        """The sample's value (summed, if several match; 0 if none has been recorded yet)."""
        return sum(
            sample.value
            for sample in self.samples
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
        )

    def label_values(self) -> set[str]:
        return {value for sample in self.samples for value in sample.labels.values()}


def scrape(url: str, token: str | None = TOKEN, path: str = "/metrics") -> Scrape:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(f"{url}{path}", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(TEXT_FORMAT)
    return Scrape(response.text)


def eventually(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """The first truthy result of ``check``; gauges follow disconnects a moment later."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "the metrics did not get there in time"
        time.sleep(0.1)
    return result


@pytest.fixture(scope="module")
def metered_server(
    server_env: dict[str, str], redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """``companion serve`` with metrics on its own port, behind the token."""
    log_path = tmp_path_factory.mktemp("logs") / "metered.log"
    server = ServerProcess({**server_env, "COMPANION_METRICS_TOKEN": TOKEN}, log_path).start()
    yield server
    server.stop()


def everything_sent(*answers: dict[str, Any]) -> set[str]:
    """Every id, token and link the API handed out: none may appear in the metrics."""
    return {value for answer in answers for value in answer.values() if isinstance(value, str)}


def test_widgets_meetings_and_commands_are_counted_with_nothing_of_the_meeting(
    metered_server: ServerProcess, widgets: list[Widget]
) -> None:
    url, secret = metered_server.url, f"zq{secrets.token_hex(4)}"
    before = scrape(url)
    created = create_set(url, f"Ward {secret}", f"Fay {secret}")
    joined = join_set(url, created["invite_token"], f"Mo {secret}")
    fay = open_widget(widgets, metered_server, created["facilitator_token"], wait_for="snapshot")
    mo = open_widget(widgets, metered_server, joined["participant_token"], wait_for="snapshot")
    connected = eventually(
        lambda: (
            (s := scrape(url)).value("companion_widgets_connected")
            == before.value("companion_widgets_connected") + 2
            and s
        )
    )
    assert connected.value("companion_meetings_open") == before.value("companion_meetings_open") + 1

    send_accepted(fay, "advance_phase")
    send_accepted(fay, "advance_phase")
    not_allowed = mo.call("advance_phase")
    invalid = fay.call("advance_phase", {"text": f"advice {secret}"})
    unknown = mo.call(f"peek_{created['meeting_id']}", {"text": f"Mo's issue {secret}"})
    assert not_allowed["error"] not in ("", None) and "ok" not in not_allowed
    assert invalid["error"] == "invalid_input" and unknown["error"] == "unknown_event"
    after = scrape(url)

    def added(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    commands = "companion_commands_total"
    assert added(commands, command="advance_phase", outcome="accepted") == 2
    assert added(commands, command="advance_phase", outcome=not_allowed["error"]) == 1
    assert added(commands, command="advance_phase", outcome="invalid_input") == 1
    assert added(commands, command="unknown", outcome="unknown_event") == 1
    assert added(commands) == 5, "each command counted once, by its outcome"
    for histogram in ("companion_command_commit_seconds", "companion_command_broadcast_seconds"):
        assert added(f"{histogram}_count") == 2, "only the accepted commands commit and go out"
        assert added(f"{histogram}_bucket", le="+Inf") == 2
        assert 0 < added(f"{histogram}_sum") < 20
        buckets = [s for s in after.samples if s.name == f"{histogram}_bucket"]
        counts = [s.value for s in sorted(buckets, key=lambda s: float(s.labels["le"]))]
        assert counts == sorted(counts), "cumulative buckets"
        assert float(min(buckets, key=lambda s: float(s.labels["le"])).labels["le"]) <= 0.001

    sent = everything_sent(created, joined) | {secret, f"peek_{created['meeting_id']}"}
    for value in after.label_values():
        assert not any(text in value for text in sent), value
    assert not any(text in after.text for text in sent), "no id, name or text anywhere"

    close_all(widgets)
    widgets.clear()
    eventually(
        lambda: (
            (s := scrape(url)).value("companion_widgets_connected")
            == before.value("companion_widgets_connected")
            and s.value("companion_meetings_open") == before.value("companion_meetings_open")
        )
    )


def test_every_metric_is_described_and_its_labels_come_from_fixed_lists(
    metered_server: ServerProcess,
) -> None:
    scraped = scrape(metered_server.url)
    for name in OUR_METRICS:
        assert name in scraped.families, name
        assert len(scraped.families[name].documentation) > 40, name
    for sample in scraped.samples:
        if sample.name.startswith("companion_"):
            assert set(sample.labels) <= {"command", "outcome", "client", "le"}, sample
    clients = {s.labels["client"] for s in scraped.samples if "client" in s.labels}
    assert clients <= {"store", "queue"}


def test_only_the_token_opens_the_metrics(metered_server: ServerProcess) -> None:
    url = f"{metered_server.url}/metrics"
    refused = [
        {},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer "},
    ]
    for headers in refused:
        response = requests.get(url, headers=headers, timeout=10)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert response.json()["error"] == "unauthorized"
        assert "companion_" not in response.text
    lower = requests.get(url, headers={"Authorization": f"bearer {TOKEN}"}, timeout=10)
    assert lower.status_code == 200 and "companion_commands_total" in lower.text
    assert lower.headers["Cache-Control"] == "no-store"
    openmetrics = requests.get(
        url,
        headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/openmetrics-text"},
        timeout=10,
    )
    assert openmetrics.headers["Content-Type"].startswith("application/openmetrics-text")
    assert openmetrics.text.rstrip().endswith("# EOF")


def test_without_a_port_or_a_token_there_are_no_metrics(live_server: ServerProcess) -> None:
    for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
        response = requests.get(f"{live_server.url}/metrics", headers=headers, timeout=10)
        assert response.status_code == 404, "as any path the app does not have"
        assert "companion_" not in response.text


def test_a_port_of_its_own_serves_them_on_its_address_only(
    server_env: dict[str, str], redis_url: str, tmp_path: Path, widgets: list[Widget]
) -> None:
    port = free_port()
    env = {**server_env, "COMPANION_METRICS_PORT": str(port)}
    server = ServerProcess(env, tmp_path / "server.log").start()
    try:
        created = create_set(server.url, "Ward", "Fay")
        open_widget(widgets, server, created["facilitator_token"], wait_for="snapshot")
        metrics_url = f"http://127.0.0.1:{port}"
        scraped = eventually(
            lambda: (
                (s := scrape(metrics_url, token=None)).value("companion_widgets_connected") == 1
                and s
            )
        )
        assert scraped.value("companion_meetings_open") == 1
        assert scraped.value("process_resident_memory_bytes") > 0, "one process: its own too"
        for path in ("/", "/metrics/", "/healthz", "/socket.io/"):
            assert requests.get(f"{metrics_url}{path}", timeout=10).status_code == 404, path
        assert requests.post(f"{metrics_url}/metrics", timeout=10).status_code == 404
        assert requests.get(f"{server.url}/metrics", timeout=10).status_code == 404
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.2", port)):
            pass  # listening on 127.0.0.1 (COMPANION_METRICS_ADDRESS's default) alone
        assert '"event": "metrics.listening"' in server.log()
    finally:
        close_all(widgets)
        widgets.clear()
        server.stop()


def test_the_port_is_served_without_gevent_too(
    instance_path: Path, external_redis_url: str | None, redis_url: str
) -> None:
    """A worker that is not gevent's (here: this test process, in threading mode) serves the
    port from the standard library's server, on a thread."""
    port = free_port()
    config = {
        "INSTANCE_PATH": str(instance_path),
        "REDIS_URL": external_redis_url,
        "ASYNC_MODE": "threading",
        "METRICS_PORT": port,
        "METRICS_TOKEN": TOKEN,
    }
    create_app(config)
    scraped = scrape(f"http://127.0.0.1:{port}")
    assert "companion_commands" in scraped.families
    assert requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).status_code == 401
    assert requests.get(f"http://127.0.0.1:{port}/other", timeout=10).status_code == 404


def test_redis_errors_and_recoveries_are_counted(tmp_path: Path, widgets: list[Widget]) -> None:
    own_redis = RedisServer(tmp_path).start()
    env = {
        "COMPANION_INSTANCE_PATH": str(tmp_path / "instance"),
        "REDIS_URL": own_redis.url,
        "COMPANION_METRICS_TOKEN": TOKEN,
        **UNHURRIED,
    }
    server = ServerProcess(env, tmp_path / "server.log").start()
    try:
        created = create_set(server.url, "Ward", "Fay")
        fay = open_widget(widgets, server, created["facilitator_token"], wait_for="snapshot")
        send_accepted(fay, "advance_phase")
        before = scrape(server.url)
        assert before.value("companion_redis_errors_total", client="store") == 0

        own_redis.kill()
        assert fay.call("advance_phase")["error"] == "unavailable"
        down = scrape(server.url)  # served without Redis: a scrape must see the outage
        assert down.value("companion_redis_errors_total", client="store") >= 1
        assert (
            down.value("companion_commands_total", command="advance_phase", outcome="unavailable")
            == 1
        )
        assert down.value("companion_redis_reconnects_total", client="store") == 0

        own_redis.start()
        eventually(lambda: fay.call("advance_phase").get("ok"))
        back = eventually(
            lambda: (
                (s := scrape(server.url)).value("companion_redis_reconnects_total", client="queue")
                >= 1
                and s
            )
        )
        assert back.value("companion_redis_reconnects_total", client="store") >= 1
        assert back.value("companion_redis_errors_total", client="queue") >= 1
    finally:
        close_all(widgets)
        widgets.clear()
        server.stop()
        own_redis.kill()


# --- Several gunicorn workers, one sum ------------------------------------------------------


def worker_pids(directory: Path) -> set[int]:
    """Each worker's live gauges are in a file of its own, named by its pid."""
    return {int(path.stem.rsplit("_", 1)[1]) for path in directory.glob("gauge_livesum_*.db")}


def widgets_on(directory: Path, pid: int, scratch: Path) -> float:
    """One worker's widgets alone: its file, read by prometheus_client in a folder of its own."""
    alone = scratch / str(pid)
    shutil.rmtree(alone, ignore_errors=True)
    alone.mkdir()
    shutil.copy(directory / f"gauge_livesum_{pid}.db", alone)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(alone))
    return registry.get_sample_value("companion_widgets_connected") or 0.0


def gunicorn_with_two_workers(env: dict[str, str], log_path: Path) -> ServerProcess:
    """The Procfile's line, with two workers and the multiprocess hooks."""
    server = ServerProcess(env, log_path, procfile=True)
    assert "--workers" in server.command
    server.command[server.command.index("--workers") + 1] = "2"
    server.command[1:1] = ["-c", str(HOOKS_FILE)]
    return server.start()


def test_two_gunicorn_workers_report_one_sum(
    server_env: dict[str, str], redis_url: str, tmp_path: Path, widgets: list[Widget]
) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"left over from an earlier run")
    metrics_port = free_port()
    env = {
        **server_env,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "COMPANION_METRICS_TOKEN": TOKEN,
        "COMPANION_METRICS_PORT": str(metrics_port),
    }
    server = gunicorn_with_two_workers(env, tmp_path / "gunicorn.log")
    try:
        assert not (directory / "counter_1.db").exists(), "the master clears the last run's files"
        pids = eventually(lambda: len(p := worker_pids(directory)) == 2 and p)
        created = create_set(server.url, "Ward", "Fay")
        joined = join_set(server.url, created["invite_token"], "Mo")
        opened = open_widgets_on_both(server, joined["participant_token"], widgets, directory, pids)
        fay = open_widget(widgets, server, created["facilitator_token"], wait_for="snapshot")
        for _ in range(3):
            send_accepted(fay, "advance_phase")

        for _ in range(8):  # each scrape is answered by either worker, and adds up both
            scraped = scrape(server.url)
            assert scraped.value("companion_widgets_connected") == opened + 1
            assert scraped.value("companion_meetings_open") == 2, "one meeting, on each worker"
            assert "process_resident_memory_bytes" not in scraped.text, "no one process's"
        on_port = eventually(lambda: try_scrape(f"http://127.0.0.1:{metrics_port}"))
        assert on_port.value("companion_widgets_connected") == opened + 1
        unauthorised = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)
        assert unauthorised.status_code == 401, "the token, once set, is asked for on the port too"
        accepted = on_port.value(
            "companion_commands_total", command="advance_phase", outcome="accepted"
        )
        assert accepted == 3
        lag = eventually(lambda: scrape(server.url).value("companion_queue_lag_seconds_count"))
        assert lag >= 1, "what one worker broadcast reached the other through the queue"

        gone = next(pid for pid in pids if widgets_on(directory, pid, tmp_path) > 0)
        survivors = opened + 1 - widgets_on(directory, gone, tmp_path)
        os.kill(gone, signal.SIGKILL)
        after = eventually(
            lambda: (
                (s := scrape(server.url)).value("companion_widgets_connected") == survivors and s
            )
        )
        assert after.value("companion_commands_total", outcome="accepted") >= accepted
        eventually(lambda: try_scrape(f"http://127.0.0.1:{metrics_port}"), timeout=20)
    finally:
        close_all(widgets)
        widgets.clear()
        server.stop()


def try_scrape(url: str) -> Scrape | None:
    try:
        return scrape(url)
    except (requests.ConnectionError, AssertionError):
        return None


def open_widgets_on_both(
    server: ServerProcess, token: str, widgets: list[Widget], directory: Path, pids: set[int]
) -> int:
    """Opens widgets, a few at once, until each worker holds some (the kernel hands each new
    connection to whichever worker accepts it first). Returns how many were opened."""
    with ThreadPoolExecutor(max_workers=6) as pool:
        while len(widgets) < 60:
            batch = list(pool.map(lambda _: Widget(server.url, token), range(6)))
            widgets.extend(batch)
            for widget in batch:
                widget.wait_for("snapshot")
            time.sleep(0.2)  # the counts are written as each connect ends
            if all(widgets_on(directory, pid, directory.parent) > 0 for pid in pids):
                return len(widgets)
    raise AssertionError("every connection went to one worker")
