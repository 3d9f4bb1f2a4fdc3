"""Gone means gone from disk: after a deletion or a meeting's end, the embedded Redis rewrites its
append-only file and its snapshot, so neither keeps what was deleted. Read from the files."""

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests

from companion.store import keys
from companion.store.embedded import EmbeddedRedis
from tests.support import ServerProcess, Widget, create_set, join_set, send_accepted

REWRITE_SECONDS = 1


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    env = {
        "COMPANION_INSTANCE_PATH": str(tmp_path / "instance"),
        "REDIS_URL": "",  # the embedded server, whatever the suite runs on
        "COMPANION_DISK_REWRITE_SECONDS": str(REWRITE_SECONDS),
    }
    started = ServerProcess(env, tmp_path / "server.log").start()
    yield started
    started.stop()


def redis_folder(tmp_path: Path) -> Path:
    return tmp_path / "instance" / "redis"


def on_disk(folder: Path) -> bytes:
    """Everything Redis keeps in files: the snapshot and every part of the append-only file."""
    files = [folder / "dump.rdb", *sorted(folder.glob("appendonly*")), *folder.glob("*/*.aof")]
    return b"".join(path.read_bytes() for path in files if path.is_file())


def snapshot_now(folder: Path) -> None:
    """A snapshot taken before the deletion, so that it is there in both files to begin with."""
    client = redis.Redis(unix_socket_path=str(socket_of(folder)))
    deadline = time.monotonic() + 10
    while True:
        try:
            client.save()
            break
        except redis.ResponseError:  # the rewrite the server does as it starts is still going
            assert time.monotonic() < deadline
            time.sleep(0.05)
    client.close()


def socket_of(folder: Path) -> Path:
    """Where the app's embedded server listens (a temp path when the folder's is too long)."""
    return EmbeddedRedis(str(folder.parent)).socket_path


def gone_within(folder: Path, text: bytes, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while text in on_disk(folder):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def rewrites_logged(folder: Path) -> int:
    """Redis logs each rewrite of its append-only file as it starts one."""
    return (folder / "redis.log").read_text().count("Background append only file rewriting started")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unique(word: str) -> str:
    return f"{word}{secrets.token_hex(6)}"


def test_a_persons_own_deletion_leaves_the_files(server: ServerProcess, tmp_path: Path) -> None:
    folder = redis_folder(tmp_path)
    created = create_set(server.url, "Ward leaders", "Fay")
    name = unique("Perpetua")
    member = join_set(server.url, created["invite_token"], name)
    snapshot_now(folder)
    files = on_disk(folder)
    assert name.encode() in (folder / "dump.rdb").read_bytes(), "the snapshot held the name"
    assert files.count(name.encode()) >= 2, "and so did the append-only file"

    answer = requests.delete(
        f"{server.url}/api/me", headers=bearer(member["participant_token"]), timeout=10
    )
    assert answer.status_code == 204
    assert gone_within(folder, name.encode(), seconds=REWRITE_SECONDS + 15)
    assert b"Ward leaders" in on_disk(folder), "the rest of the set is still there"


def test_a_deleted_set_leaves_the_files(server: ServerProcess, tmp_path: Path) -> None:
    folder = redis_folder(tmp_path)
    set_name = unique("Harbourside")
    created = create_set(server.url, set_name, unique("Fay"))
    snapshot_now(folder)
    assert set_name.encode() in on_disk(folder)

    answer = requests.delete(
        f"{server.url}/api/sets/{created['set_id']}",
        headers=bearer(created["facilitator_token"]),
        timeout=10,
    )
    assert answer.status_code == 204
    assert gone_within(folder, set_name.encode(), seconds=REWRITE_SECONDS + 15)


def test_a_meetings_signal_secret_leaves_the_files_when_it_ends(
    server: ServerProcess, tmp_path: Path
) -> None:
    folder = redis_folder(tmp_path)
    created = create_set(server.url, "Ward leaders", "Fay")
    member = join_set(server.url, created["invite_token"], "Ada")
    fay = Widget(server.url, created["facilitator_token"])
    ada = Widget(server.url, member["participant_token"])
    try:
        assert ada.call("send_signal", {"kind": "pause"}).get("ok")
        client = redis.Redis(unix_socket_path=str(socket_of(folder)))
        secret = client.get(keys.signal_secret(created["meeting_id"]))
        client.close()
        assert secret, "the first signal made the meeting's secret"
        snapshot_now(folder)
        assert secret in on_disk(folder)

        send_accepted(fay, "end_meeting")
        assert gone_within(folder, secret, seconds=REWRITE_SECONDS + 15)
    finally:
        ada.close()
        fay.close()


def test_a_burst_of_deletions_shares_one_rewrite(server: ServerProcess, tmp_path: Path) -> None:
    folder = redis_folder(tmp_path)
    before = rewrites_logged(folder)
    made = [create_set(server.url, unique("Burst"), "Fay") for _ in range(5)]
    for created in made:
        answer = requests.delete(
            f"{server.url}/api/sets/{created['set_id']}",
            headers=bearer(created["facilitator_token"]),
            timeout=10,
        )
        assert answer.status_code == 204
    deadline = time.monotonic() + REWRITE_SECONDS + 15
    while rewrites_logged(folder) == before:
        assert time.monotonic() < deadline, "no rewrite came"
        time.sleep(0.1)
    time.sleep(REWRITE_SECONDS + 1)
    rewrites = rewrites_logged(folder) - before
    assert 1 <= rewrites <= 2, f"{rewrites} rewrites for five deletions in a burst"
