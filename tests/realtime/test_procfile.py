"""The Procfile's own command line (gunicorn, gevent worker) serves a live meeting."""

from pathlib import Path

import requests

from tests.support import REPO_ROOT, ServerProcess, Widget, create_set, join_set, names_online


def test_procfile_runs_one_gevent_worker_bound_to_port() -> None:
    line = (REPO_ROOT / "Procfile").read_text().strip()
    assert line.startswith("web: gunicorn ")
    assert "--worker-class gevent" in line and "--workers 1" in line
    assert "0.0.0.0:$PORT" in line
    # Room for the thousands of widgets one process holds (gunicorn's default is 1,000), and a
    # restart that lets the old worker go within seconds, so widgets reconnect to the new one
    # (gunicorn's default keeps it, and every WebSocket, for 30 s: docs/performance.md).
    assert "--worker-connections 10000" in line
    assert "--graceful-timeout 3" in line


def test_procfile_server_runs_a_live_meeting(
    server_env: dict[str, str], redis_url: str, tmp_path: Path
) -> None:
    server = ServerProcess(server_env, tmp_path / "gunicorn.log", procfile=True).start()
    widgets: list[Widget] = []
    try:
        assert requests.get(f"{server.url}/healthz", timeout=5).json()["redis"] == "ok"
        created = create_set(server.url, "Set", "Fay")
        joined = join_set(server.url, created["invite_token"], "Mo")
        widgets = [
            Widget(server.url, created["facilitator_token"]),
            Widget(server.url, joined["participant_token"]),
        ]
        for widget in widgets:
            widget.wait_for("snapshot", lambda s: names_online(s) == {"Fay", "Mo"})
    finally:
        for widget in widgets:
            widget.close()
        server.stop()
    assert "gevent" in server.log().lower()
