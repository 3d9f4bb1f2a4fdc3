"""Who may scrape the metrics, as configured, and the multiprocess set-up's own checks and hooks.

The served metrics themselves are tested against real servers in tests/realtime/test_metrics.py.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from companion.config import ConfigurationError, settings_from_environment
from tests.support import REPO_ROOT

TOKEN = "c0ffee" * 8
HOOKS_FILE = REPO_ROOT / "deploy" / "gunicorn" / "multiprocess_metrics.py"


def test_metrics_are_off_by_default() -> None:
    settings = settings_from_environment({})
    assert "METRICS_PORT" not in settings and "METRICS_TOKEN" not in settings


def test_the_port_the_address_and_the_token_are_read() -> None:
    settings = settings_from_environment(
        {
            "COMPANION_METRICS_PORT": " 9464 ",
            "COMPANION_METRICS_ADDRESS": " ::1 ",
            "COMPANION_METRICS_TOKEN": f" {TOKEN} ",
        }
    )
    assert settings == {"METRICS_PORT": 9464, "METRICS_ADDRESS": "::1", "METRICS_TOKEN": TOKEN}


@pytest.mark.parametrize("value", ["0", "65536", "-1", "9464.5", "http", "94 64"])
def test_a_metrics_port_that_is_not_a_port_is_refused(value: str) -> None:
    with pytest.raises(ConfigurationError, match="COMPANION_METRICS_PORT"):
        settings_from_environment({"COMPANION_METRICS_PORT": value})


@pytest.mark.parametrize("value", ["localhost", "127.0.0.1:9464", "10.0.0.0/8", "http://[::1]"])
def test_a_metrics_address_that_is_not_an_ip_address_is_refused(value: str) -> None:
    with pytest.raises(ConfigurationError, match="COMPANION_METRICS_ADDRESS"):
        settings_from_environment({"COMPANION_METRICS_ADDRESS": value})


@pytest.mark.parametrize(
    "value", ["short-secret", "a" * 31, "a" * 20 + " " + "b" * 20, "é" * 40, "a" * 39 + "\x07"]
)
def test_a_weak_or_unsendable_token_is_refused_without_being_repeated(value: str) -> None:
    with pytest.raises(ConfigurationError, match="COMPANION_METRICS_TOKEN") as refused:
        settings_from_environment({"COMPANION_METRICS_TOKEN": value})
    assert value.strip() not in str(refused.value), "a secret must never be echoed into a log"


def test_a_missing_multiprocess_directory_stops_the_import_with_its_name(tmp_path: Path) -> None:
    """prometheus_client would fail on its first file with a bare FileNotFoundError instead."""
    missing = tmp_path / "not-made"
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(missing)}
    result = subprocess.run(
        [sys.executable, "-c", "import companion.metrics"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "MetricsDirectoryMissing" in result.stderr
    assert "PROMETHEUS_MULTIPROC_DIR must name an existing directory" in result.stderr
    assert str(missing) in result.stderr


def _hooks() -> ModuleType:
    """The gunicorn config file, loaded as gunicorn loads it: by path."""
    spec = importlib.util.spec_from_file_location("multiprocess_metrics", HOOKS_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_gunicorn_hooks_refuse_to_run_without_the_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    with pytest.raises(SystemExit, match="PROMETHEUS_MULTIPROC_DIR"):
        _hooks().on_starting(None)


def test_the_master_clears_only_the_last_runs_metric_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = ["notes.txt", "counter_1.txt", "backup.db"]
    cleared = ["counter_41.db", "gauge_livesum_41.db", "histogram_41.db", "gauge_all_7.db"]
    for name in kept + cleared:
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    _hooks().on_starting(None)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(kept)


def test_a_dead_workers_gauges_go_and_its_counts_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["counter_41.db", "histogram_41.db", "gauge_livesum_41.db", "gauge_livesum_42.db"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    class Worker:
        pid = 41

    _hooks().child_exit(None, Worker())
    remaining = sorted(path.name for path in tmp_path.iterdir())
    assert remaining == ["counter_41.db", "gauge_livesum_42.db", "histogram_41.db"]
