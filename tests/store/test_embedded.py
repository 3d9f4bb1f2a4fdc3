"""The embedded Redis: AOF on disk, shared, stopped by the last app using it, even a killed one."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
import requests

from companion.store.embedded import EmbeddedRedis
from tests.support import ServerProcess, create_set


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


APP_SCRIPT = (
    "import sys, redis\n"
    "from companion.store.embedded import EmbeddedRedis\n"
    "e = EmbeddedRedis(sys.argv[1]).start()\n"
    "redis.Redis.from_url(e.url).set('left', 'behind')\n"
    "print('ready', flush=True)\n"
    "import time; time.sleep(60)\n"
)


def kill_app_using(tmp_path: Path) -> None:
    """An app that starts (or joins) the server, writes, then dies by ``kill -9``."""
    command = [sys.executable, "-c", APP_SCRIPT, str(tmp_path)]
    app = subprocess.Popen(command, stdout=subprocess.PIPE)
    assert app.stdout is not None and app.stdout.readline().strip() == b"ready"
    app.send_signal(signal.SIGKILL)
    app.wait()
    app.stdout.close()


def test_a_killed_app_leaves_no_server_running_and_the_next_start_has_its_data(
    tmp_path: Path,
) -> None:
    kill_app_using(tmp_path)
    pid = server_pid(EmbeddedRedis(str(tmp_path)))
    assert _gone_within(pid, seconds=5), "the redis-server outlived the killed app"
    again = EmbeddedRedis(str(tmp_path)).start()
    try:
        assert client_for(again).get("left") == "behind", "nothing acknowledged was lost"
        assert server_pid(again) != pid
    finally:
        again.stop()


def test_a_killed_app_does_not_take_the_server_from_another_that_still_uses_it(
    tmp_path: Path,
) -> None:
    staying = EmbeddedRedis(str(tmp_path)).start()
    pid = server_pid(staying)
    kill_app_using(tmp_path)
    time.sleep(2)  # four of the watchdog's looks at the users lock
    try:
        assert _alive(pid) and staying.is_answering()
        assert client_for(staying).get("left") == "behind"
    finally:
        staying.stop()
    assert _gone_within(pid, seconds=5)


def test_the_server_does_not_outlive_its_watchdog_either(tmp_path: Path) -> None:
    embedded = EmbeddedRedis(str(tmp_path)).start()
    try:
        pid = server_pid(embedded)
        watchdog = _parent_of(pid)
        assert "redis_watchdog.py" in Path(f"/proc/{watchdog}/cmdline").read_text()
        os.kill(watchdog, signal.SIGKILL)
        assert _gone_within(pid, seconds=5), "the server ran on without its watchdog"
        assert embedded.revive(), "the app starts a new pair"
        assert embedded.is_answering()
    finally:
        embedded.stop()


def test_kill_9_of_the_served_app_leaves_no_redis_server(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    env = {"COMPANION_INSTANCE_PATH": str(instance), "REDIS_URL": ""}
    server = ServerProcess(env, tmp_path / "server.log").start()
    try:
        created = create_set(server.url, "Ward leaders", "Fay")
        pid = int((instance / "redis" / "redis.pid").read_text())
        server.kill()
        assert _gone_within(pid, seconds=5), "an orphan redis-server kept running"
        again = ServerProcess(env, tmp_path / "server.log").start()
        history = requests.get(
            f"{again.url}/api/sets/{created['set_id']}/history",
            headers={"Authorization": f"Bearer {created['facilitator_token']}"},
            timeout=10,
        )
        assert history.status_code == 200, "the set came back from the files on disk"
        again.stop()
    finally:
        server.stop()


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    """A zombie (exited, not yet reaped by init) counts as stopped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
