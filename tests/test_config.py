"""Configuration from the environment, and the generated secret key."""

from pathlib import Path

from companion import create_app
from companion.config import DEFAULT_FRAME_ANCESTORS, settings_from_environment
from companion.secret import load_or_create_secret_key


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
            "COMPANION_LOG_LEVEL": "debug",
        }
    )
    assert settings == {
        "REDIS_URL": "redis://cache:6379/2",
        "SECRET_KEY": "k" * 40,
        "ALLOWED_ORIGINS": ["https://a.example", "https://b.example"],
        "FRAME_ANCESTORS": "'self' https://teams.microsoft.com",
        "TOKEN_MAX_AGE": 7 * 24 * 3600,
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
