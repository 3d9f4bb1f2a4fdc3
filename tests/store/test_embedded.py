"""The embedded Redis: AOF on disk, shared, outlives a crashed app, and is stopped by the last."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from companion.store.embedded import EmbeddedRedis


def client_for(embedded: EmbeddedRedis) -> redis.Redis:
    return redis.Redis.from_url(embedded.url, decode_responses=True)


def server_pid(embedded: EmbeddedRedis) -> int:
    return int((embedded.folder / "redis.pid").read_text())


def test_it_keeps_an_append_only_file_in_the_instance_folder(tmp_path: Path) -> None:
    embedded = EmbeddedRedis(str(tmp_path)).start()
    try:
        client = client_for(embedded)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert Path(client.config_get("dir")["dir"]) == embedded.folder.resolve()
        assert client.config_get("port") == {"port": "0"}, "no TCP port is opened"
    finally:
        embedded.stop()


def test_data_survives_a_stop_and_a_fresh_start(tmp_path: Path) -> None:
    first = EmbeddedRedis(str(tmp_path)).start()
    client_for(first).set("greeting", "kept")
    first.stop()
    assert not first.is_answering()
    second = EmbeddedRedis(str(tmp_path)).start()
    try:
        assert client_for(second).get("greeting") == "kept"
    finally:
        second.stop()


def test_a_second_user_shares_the_server_and_the_last_one_stops_it(tmp_path: Path) -> None:
    first = EmbeddedRedis(str(tmp_path)).start()
    pid = server_pid(first)
    second = EmbeddedRedis(str(tmp_path)).start()
    assert server_pid(second) == pid
    first.stop()
    assert second.is_answering(), "still in use by the second user"
    second.stop()
    assert not second.is_answering()


def test_a_server_left_by_a_killed_app_is_reused_with_its_data(tmp_path: Path) -> None:
    script = (
        "import sys, redis\n"
        "from companion.store.embedded import EmbeddedRedis\n"
        "e = EmbeddedRedis(sys.argv[1]).start()\n"
        "redis.Redis.from_url(e.url).set('left', 'behind')\n"
        "print('ready', flush=True)\n"
        "import time; time.sleep(60)\n"
    )
    app = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE)
    assert app.stdout is not None and app.stdout.readline().strip() == b"ready"
    app.send_signal(signal.SIGKILL)
    app.wait()
    app.stdout.close()
    survivor = EmbeddedRedis(str(tmp_path))
    assert survivor.is_answering(), "the redis-server outlived the killed app"
    pid = server_pid(survivor)
    survivor.start()
    try:
        assert server_pid(survivor) == pid
        assert client_for(survivor).get("left") == "behind"
    finally:
        survivor.stop()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    assert not _alive(pid), "the last user shut the server down"


def _alive(pid: int) -> bool:
    """A zombie (exited, not yet reaped by init) counts as stopped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
