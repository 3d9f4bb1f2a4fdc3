"""Meetings and links survive a restart: data and signing key live in the instance folder."""

from pathlib import Path

from tests.support import ServerProcess, Widget, create_set, names_online


def test_a_meeting_and_its_links_survive_a_server_restart(
    external_redis_url: str | None, tmp_path: Path
) -> None:
    env = {"COMPANION_INSTANCE_PATH": str(tmp_path / "instance")}
    if external_redis_url:
        env["REDIS_URL"] = external_redis_url
    first = ServerProcess(env, tmp_path / "first.log").start()
    try:
        created = create_set(first.url, "Set", "Fay")
    finally:
        first.stop()
    if not external_redis_url:
        assert not (tmp_path / "instance" / "redis" / "redis.pid").exists(), "Redis was shut down"
        assert (tmp_path / "instance" / "redis" / "appendonly.aof").stat().st_size > 0

    second = ServerProcess(env, tmp_path / "second.log").start()
    widget = Widget(second.url, created["facilitator_token"])
    try:
        snapshot = widget.wait_for("snapshot")
        assert snapshot["meeting"]["id"] == created["meeting_id"]
        assert "Fay" in names_online(snapshot)
    finally:
        widget.close()
        second.stop()
