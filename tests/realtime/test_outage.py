"""With REDIS_URL pointing at a stopped server the app answers 503 and keeps serving."""

import requests

from tests.support import ServerProcess, free_port


def test_health_is_503_and_pages_still_load_when_redis_is_down(tmp_path) -> None:
    env = {
        "COMPANION_INSTANCE_PATH": str(tmp_path),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
    }
    server = ServerProcess(env, tmp_path / "server.log").start()
    try:
        for _ in range(3):
            response = requests.get(f"{server.url}/healthz", timeout=10)
            assert response.status_code == 503
            assert response.json() == {
                "status": "degraded",
                "redis": "unreachable",
                "reason": "redis_unreachable",
            }
        assert requests.get(f"{server.url}/", timeout=10).status_code == 200
        created = requests.post(
            f"{server.url}/api/sets",
            timeout=10,
            json={"set_name": "Set", "facilitator_name": "Fay"},
        )
        assert created.status_code == 503
        assert created.json()["error"] == "unavailable"
        assert server.process is not None and server.process.poll() is None
    finally:
        server.stop()
