"""Configuration from the environment, and the generated secret key."""

from pathlib import Path

import pytest

from companion import create_app
from companion.config import (
    DEFAULT_FRAME_ANCESTORS,
    DEFAULTS,
    ConfigurationError,
    settings_from_environment,
)
from companion.identity.secret import load_or_create_secret_key


def test_empty_environment_keeps_the_defaults() -> None:
    assert settings_from_environment({}) == {}


def test_every_documented_variable_is_read() -> None:
    settings = settings_from_environment(
        {
            "REDIS_URL": "redis://cache:6379/2",
            "SECRET_KEY": "k" * 40,
            "COMPANION_ALLOWED_ORIGINS": "https://a.example, https://b.example",
            "COMPANION_FRAME_ANCESTORS": "'self' https://teams.microsoft.com",
            "COMPANION_TOKEN_MAX_AGE_DAYS": "7",
            "COMPANION_RETENTION_DAYS": "14",
            "COMPANION_LOG_LEVEL": "debug",
        }
    )
    assert settings == {
        "REDIS_URL": "redis://cache:6379/2",
        "SECRET_KEY": "k" * 40,
        "ALLOWED_ORIGINS": ["https://a.example", "https://b.example"],
        "FRAME_ANCESTORS": "'self' https://teams.microsoft.com",
        "TOKEN_MAX_AGE": 7 * 24 * 3600,
        "RETENTION_SECONDS": 14 * 24 * 3600,
        "LOG_LEVEL": "DEBUG",
    }


def test_default_frame_ancestors_allow_teams_and_microsoft_365() -> None:
    for host in (
        "https://teams.microsoft.com",
        "https://*.office.com",
        "https://*.cloud.microsoft",
    ):
        assert host in DEFAULT_FRAME_ANCESTORS


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_or_create_secret_key(str(tmp_path))
    assert len(first) >= 40
    assert load_or_create_secret_key(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_app_uses_the_kept_secret_key(instance_path: Path, redis_url: str) -> None:
    app = create_app(
        {
            "INSTANCE_PATH": str(instance_path),
            "ASYNC_MODE": "threading",
            "REDIS_URL": redis_url if redis_url.startswith("redis") else None,
        }
    )
    assert app.config["SECRET_KEY"] == (instance_path / "secret_key").read_text().strip()


def test_data_is_kept_for_30_idle_days_by_default() -> None:
    assert DEFAULTS["RETENTION_SECONDS"] == 30 * 24 * 3600


@pytest.mark.parametrize(("value", "days"), [("1", 1), (" 90 ", 90), ("36500", 36500)])
def test_retention_is_read_in_whole_days(value: str, days: int) -> None:
    settings = settings_from_environment({"COMPANION_RETENTION_DAYS": value})
    assert settings["RETENTION_SECONDS"] == days * 24 * 3600


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "thirty", "30d", "1_0", "\u0663", "36501"])
def test_a_retention_that_is_not_a_positive_whole_number_is_refused(value: str) -> None:
    with pytest.raises(ConfigurationError, match="COMPANION_RETENTION_DAYS"):
        settings_from_environment({"COMPANION_RETENTION_DAYS": value})


def test_the_app_refuses_to_start_with_a_bad_retention(
    instance_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPANION_RETENTION_DAYS", "0")
    with pytest.raises(ConfigurationError, match="whole number of days"):
        create_app({"INSTANCE_PATH": str(instance_path), "ASYNC_MODE": "threading"})


def test_the_store_keeps_data_for_the_configured_retention(
    instance_path: Path, external_redis_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPANION_RETENTION_DAYS", "7")
    app = create_app(
        {
            "INSTANCE_PATH": str(instance_path),
            "ASYNC_MODE": "threading",
            "REDIS_URL": external_redis_url,
        }
    )
    assert app.extensions["companion"].store.retention_seconds == 7 * 24 * 3600


@pytest.mark.parametrize(("value", "seconds"), [("1", 1.0), ("2.5", 2.5), ("3600", 3600.0)])
def test_the_presence_timeout_is_read_in_seconds(value: str, seconds: float) -> None:
    settings = settings_from_environment({"COMPANION_PRESENCE_TIMEOUT_SECONDS": value})
    assert settings["PRESENCE_TIMEOUT_SECONDS"] == seconds


@pytest.mark.parametrize("value", ["0", "0.5", "-3", "soon", "nan", "3601"])
def test_a_presence_timeout_out_of_range_is_refused(value: str) -> None:
    with pytest.raises(ConfigurationError, match="COMPANION_PRESENCE_TIMEOUT_SECONDS"):
        settings_from_environment({"COMPANION_PRESENCE_TIMEOUT_SECONDS": value})


@pytest.mark.parametrize(("value", "seconds"), [("1", 1), (" 60 ", 60), ("3600", 3600)])
def test_the_disk_rewrite_delay_is_read_in_whole_seconds(value: str, seconds: int) -> None:
    settings = settings_from_environment({"COMPANION_DISK_REWRITE_SECONDS": value})
    assert settings["DISK_REWRITE_SECONDS"] == seconds


@pytest.mark.parametrize("value", ["0", "2.5", "soon", "3601"])
def test_a_disk_rewrite_delay_out_of_range_is_refused(value: str) -> None:
    with pytest.raises(ConfigurationError, match="COMPANION_DISK_REWRITE_SECONDS"):
        settings_from_environment({"COMPANION_DISK_REWRITE_SECONDS": value})
