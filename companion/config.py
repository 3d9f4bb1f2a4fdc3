"""Settings read from the environment, so one build runs on a laptop and in production unchanged."""

from __future__ import annotations

import ipaddress
import os
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

from limits import RateLimitItem, parse_many

from companion.identity.hosts import host_key
from companion.identity.teams_sign_in import MICROSOFT_JWKS_URL
from companion.store.meetings import DEFAULT_RETENTION_SECONDS

# Teams and Microsoft 365 hosts that frame a meeting side panel or stage. Zoom and Meet open the
# widget in a plain tab, so they need no entry here.
DEFAULT_FRAME_ANCESTORS = (
    "'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.teams.microsoft.us "
    "https://*.teams.cloud.microsoft https://*.cloud.microsoft https://*.office.com "
    "https://*.office365.com https://*.microsoft365.com https://*.skype.com"
)

DEFAULTS: dict[str, Any] = {
    "REDIS_URL": None,
    "SECRET_KEY": None,
    "ALLOWED_ORIGINS": None,
    "FRAME_ANCESTORS": DEFAULT_FRAME_ANCESTORS,
    "TOKEN_MAX_AGE": 90 * 24 * 3600,
    "ASYNC_MODE": None,
    "LOG_LEVEL": "INFO",
    "RETENTION_SECONDS": DEFAULT_RETENTION_SECONDS,
    "PRESENCE_TIMEOUT_SECONDS": 30.0,
    # Every body we accept is a few kilobytes; a larger one is refused before it is read.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Per participant and meeting (all their tabs together), in limits' notation; see README.
    "COMMAND_RATE": "10/2second;60/minute",
    "SIGNAL_RATE": "5/2second;20/minute",
    "SYNC_RATE": "20/2second;120/minute",
    # Per client address and endpoint, for the POSTs anyone may send.
    "HTTP_RATE": "30/minute;300/hour",
    "CONNECTIONS_PER_ADDRESS": 50,
    # How long a request to join waits in the lobby for a facilitator before it lapses.
    "LOBBY_WAIT_SECONDS": 24 * 3600,
    # The embedded Redis rewrites its files this long after something was deleted, so that what
    # was deleted leaves the disk too; a burst of deletions shares one rewrite.
    "DISK_REWRITE_SECONDS": 30,
    "TRUSTED_PROXIES": "127.0.0.1,::1",
    # The address links are built from; unset, the (trusted) host each request came to.
    "PUBLIC_URL": None,
    # The hosts requests may name, besides the public URL's. Not Flask's TRUSTED_HOSTS, which
    # cannot trust an IPv6 address and misses Socket.IO: see companion/identity/hosts.py.
    "ALLOWED_HOSTS": ("localhost", "127.0.0.1", "::1"),
    # Sign-in with Teams (docs/teams.md), off without the Entra ID application (client) id.
    "TEAMS_CLIENT_ID": None,
    "TEAMS_TENANT_IDS": (),
    "TEAMS_JWKS_URL": MICROSOFT_JWKS_URL,
    # Prometheus metrics (docs/operations.md): off unless a port or a token says who scrapes.
    "METRICS_PORT": None,
    "METRICS_ADDRESS": "127.0.0.1",
    "METRICS_TOKEN": None,
}

# The environment variable behind each rate, so a bad value is refused under the name people set.
RATE_VARIABLES = {
    "COMMAND_RATE": "COMPANION_COMMAND_RATE",
    "SIGNAL_RATE": "COMPANION_SIGNAL_RATE",
    "SYNC_RATE": "COMPANION_SYNC_RATE",
    "HTTP_RATE": "COMPANION_HTTP_RATE",
}
# A moving window keeps one entry per allowed event, so the largest amount bounds each key's size.
MAX_RATE_AMOUNT = 10_000
MAX_CONNECTIONS_PER_ADDRESS = 100_000


# A bound, so a stray extra digit is refused instead of keeping everyone's data for millennia.
MAX_RETENTION_DAYS = 36500


class ConfigurationError(ValueError):
    """A variable the app cannot run with. Raised at start, naming the variable, so a typo never
    quietly becomes a different data-retention period."""


def _whole_number(variable: str, value: str, highest: int, unit: str = "") -> int:
    """A whole number from 1 to ``highest``; anything else stops the app, naming the variable."""
    text = value.strip()
    number = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= number <= highest:
        raise ConfigurationError(
            f"{variable} must be a whole number{unit} from 1 to {highest}, not {value!r}."
        )
    return number


def _retention_seconds(value: str) -> int:
    days = _whole_number("COMPANION_RETENTION_DAYS", value, MAX_RETENTION_DAYS, " of days")
    return days * 24 * 3600


def _presence_timeout(value: str) -> float:
    """Seconds before a silent server process's widgets are shown as away (1 s to 1 hour)."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 1 <= seconds <= 3600:
        raise ConfigurationError(
            f"COMPANION_PRESENCE_TIMEOUT_SECONDS must be a number from 1 to 3600, not {value!r}."
        )
    return seconds


def parse_rate(variable: str, value: str) -> list[RateLimitItem]:
    """limits' own notation, e.g. "10/2second;60/minute", each amount from 1 to MAX_RATE_AMOUNT:
    a typo must stop the app, not quietly let everything through or hold every meeting back."""
    try:
        rates = parse_many(value.strip())
    except ValueError:
        rates = []
    if not rates or not all(1 <= rate.amount <= MAX_RATE_AMOUNT for rate in rates):
        raise ConfigurationError(
            f'{variable} must be rates like "10/2second;60/minute" (each from 1 to '
            f"{MAX_RATE_AMOUNT} per window), not {value!r}."
        )
    return rates


def _connections_per_address(value: str) -> int:
    return _whole_number("COMPANION_CONNECTIONS_PER_ADDRESS", value, MAX_CONNECTIONS_PER_ADDRESS)


def parse_networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Addresses or networks (``10.0.0.0/8``), comma-separated, of the proxies whose
    X-Forwarded-For is believed."""
    try:
        return [ipaddress.ip_network(item, strict=False) for item in _split_list(value) or []]
    except ValueError as error:
        raise ConfigurationError(
            f"COMPANION_TRUSTED_PROXIES must be IP addresses or networks separated by commas, "
            f"not {value!r}."
        ) from error


def parse_public_url(value: str) -> str:
    """``http(s)://host[:port][/prefix]`` without a trailing slash: every link is built from it,
    so a typo must stop the app rather than hand out links to nowhere, or to someone else."""
    text = value.strip()
    parts = urlsplit(text)
    problem = _public_url_problem(text, parts)
    if problem:
        raise ConfigurationError(
            f"COMPANION_PUBLIC_URL {problem}, like https://als.example.org or "
            f"https://example.org/als, not {value!r}."
        )
    host = str(parts.hostname)
    authority = f"[{host}]" if ":" in host else host
    authority += f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme.lower(), authority, parts.path.rstrip("/"), "", ""))


def _public_url_problem(text: str, parts: SplitResult) -> str | None:
    if parts.scheme.lower() not in ("http", "https"):
        return "must start with https:// (or http://)"
    if "?" in text or "#" in text:
        return "must have no query (?…) or fragment (#…)"
    if "@" in parts.netloc:
        return "must not carry a user name or password"
    if not parts.hostname or host_key(parts.hostname) is None:
        return "needs a host name or IP address"
    try:
        port_ok = parts.port != 0
    except ValueError:
        port_ok = False
    if not port_ok:
        return "has a port that is not a number from 1 to 65535"
    if any(character.isspace() for character in text):
        return "must not contain spaces"
    return None


def parse_trusted_hosts(value: str) -> list[str]:
    """Host names or IP addresses, comma-separated; a leading dot trusts a domain and all its
    subdomains (``.example.org``). Any port is served, so a port (or a URL) here is a mistake
    that would quietly never match: it stops the app instead."""
    entries = _split_list(value) or []
    refused = [entry for entry in entries if host_key(entry.removeprefix(".")) is None]
    if not entries or refused:
        raise ConfigurationError(
            "COMPANION_TRUSTED_HOSTS must be host names or IP addresses separated by commas, "
            f"without scheme or port (e.g. als.example.org,.example.org,127.0.0.1), not {value!r}."
        )
    return [entry.lower() for entry in entries]


def _split_list(value: str) -> list[str] | None:
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or None


def parse_guid(variable: str, value: str) -> str:
    """An Entra ID application or tenant id, written as tokens write it (lower case, hyphens),
    so that a GUID pasted in capitals still matches."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ConfigurationError(
            f"{variable} needs GUIDs like 6f1e2a47-3c1b-4d5e-9a8f-0b1c2d3e4f50 (the app's "
            f"Overview in the Entra admin center shows them), not {value!r}."
        ) from None


def parse_jwks_url(value: str) -> str:
    """An http(s) address with a host: a typo must stop the app, not refuse every sign-in."""
    text = value.strip()
    parts = urlsplit(text)
    spaced = any(character.isspace() for character in text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or spaced:
        raise ConfigurationError(
            f"COMPANION_TEAMS_JWKS_URL must be an https:// address, like {MICROSOFT_JWKS_URL}, "
            f"not {value!r}."
        )
    return text


def _teams_sign_in_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """A client id turns sign-in with Teams on, and then the tenants it accepts are required:
    with none, every sign-in would be refused, and starting anyway would only hide the mistake."""
    settings: dict[str, Any] = {}
    tenants = _split_list(environ.get("COMPANION_TEAMS_TENANT_IDS", ""))
    if environ.get("COMPANION_TEAMS_CLIENT_ID", "").strip():
        client_id = environ["COMPANION_TEAMS_CLIENT_ID"]
        settings["TEAMS_CLIENT_ID"] = parse_guid("COMPANION_TEAMS_CLIENT_ID", client_id)
        if not tenants:
            raise ConfigurationError(
                "COMPANION_TEAMS_TENANT_IDS must list the Entra ID tenant ids (GUIDs, separated "
                "by commas) whose people may sign in with Teams, since COMPANION_TEAMS_CLIENT_ID "
                "is set."
            )
    if tenants:
        ids = [parse_guid("COMPANION_TEAMS_TENANT_IDS", tenant) for tenant in tenants]
        settings["TEAMS_TENANT_IDS"] = ids
    if environ.get("COMPANION_TEAMS_JWKS_URL", "").strip():
        settings["TEAMS_JWKS_URL"] = parse_jwks_url(environ["COMPANION_TEAMS_JWKS_URL"])
    return settings


# A bearer token is a password a scraper sends on every request: long enough not to be guessed.
MIN_METRICS_TOKEN_CHARS = 32


def metrics_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """Who may read the metrics: whoever reaches a port of their own (bound to one address,
    127.0.0.1 by default), and/or whoever holds the token, which is then asked for everywhere."""
    settings: dict[str, Any] = {}
    if environ.get("COMPANION_METRICS_PORT", "").strip():
        port = environ["COMPANION_METRICS_PORT"]
        settings["METRICS_PORT"] = _whole_number("COMPANION_METRICS_PORT", port, 65535)
    if environ.get("COMPANION_METRICS_ADDRESS", "").strip():
        settings["METRICS_ADDRESS"] = parse_listen_address(environ["COMPANION_METRICS_ADDRESS"])
    if environ.get("COMPANION_METRICS_TOKEN", "").strip():
        settings["METRICS_TOKEN"] = parse_metrics_token(environ["COMPANION_METRICS_TOKEN"])
    return settings


def parse_listen_address(value: str) -> str:
    """An IP address to listen on (``127.0.0.1``, ``::1``, ``10.0.0.5``, ``0.0.0.0``)."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ConfigurationError(
            f"COMPANION_METRICS_ADDRESS must be an IP address to listen on, like 127.0.0.1 "
            f"or ::1, not {value!r}."
        ) from None


def parse_metrics_token(value: str) -> str:
    """Printable ASCII without spaces (it travels in a header), and at least 32 characters."""
    token = value.strip()
    printable = token.isascii() and token.isprintable() and " " not in token
    if not printable or len(token) < MIN_METRICS_TOKEN_CHARS:
        raise ConfigurationError(
            f"COMPANION_METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_CHARS} printable "
            f"characters without spaces (e.g. from `openssl rand -hex 32`); the value given is "
            f"{len(token)} characters{'' if printable else ' and holds other characters'}."
        )
    return token


def settings_from_environment(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Only variables that are set and non-empty override the defaults."""
    settings: dict[str, Any] = {}
    if environ.get("REDIS_URL"):
        settings["REDIS_URL"] = environ["REDIS_URL"]
    if environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("COMPANION_ALLOWED_ORIGINS"):
        settings["ALLOWED_ORIGINS"] = _split_list(environ["COMPANION_ALLOWED_ORIGINS"])
    if environ.get("COMPANION_FRAME_ANCESTORS"):
        settings["FRAME_ANCESTORS"] = environ["COMPANION_FRAME_ANCESTORS"].strip()
    if environ.get("COMPANION_TOKEN_MAX_AGE_DAYS"):
        settings["TOKEN_MAX_AGE"] = int(environ["COMPANION_TOKEN_MAX_AGE_DAYS"]) * 24 * 3600
    if environ.get("COMPANION_PRESENCE_TIMEOUT_SECONDS"):
        timeout = environ["COMPANION_PRESENCE_TIMEOUT_SECONDS"]
        settings["PRESENCE_TIMEOUT_SECONDS"] = _presence_timeout(timeout)
    if environ.get("COMPANION_RETENTION_DAYS"):
        settings["RETENTION_SECONDS"] = _retention_seconds(environ["COMPANION_RETENTION_DAYS"])
    for key, variable in RATE_VARIABLES.items():
        if environ.get(variable):
            parse_rate(variable, environ[variable])
            settings[key] = environ[variable].strip()
    if environ.get("COMPANION_CONNECTIONS_PER_ADDRESS"):
        count = environ["COMPANION_CONNECTIONS_PER_ADDRESS"]
        settings["CONNECTIONS_PER_ADDRESS"] = _connections_per_address(count)
    if environ.get("COMPANION_LOBBY_WAIT_HOURS"):
        hours = _whole_number(
            "COMPANION_LOBBY_WAIT_HOURS", environ["COMPANION_LOBBY_WAIT_HOURS"], 720, " of hours"
        )
        settings["LOBBY_WAIT_SECONDS"] = hours * 3600
    if environ.get("COMPANION_DISK_REWRITE_SECONDS"):
        settings["DISK_REWRITE_SECONDS"] = _whole_number(
            "COMPANION_DISK_REWRITE_SECONDS",
            environ["COMPANION_DISK_REWRITE_SECONDS"],
            3600,
            " of seconds",
        )
    if environ.get("COMPANION_TRUSTED_PROXIES"):
        parse_networks(environ["COMPANION_TRUSTED_PROXIES"])
        settings["TRUSTED_PROXIES"] = environ["COMPANION_TRUSTED_PROXIES"].strip()
    if environ.get("COMPANION_PUBLIC_URL"):
        settings["PUBLIC_URL"] = parse_public_url(environ["COMPANION_PUBLIC_URL"])
    if environ.get("COMPANION_TRUSTED_HOSTS"):
        settings["ALLOWED_HOSTS"] = parse_trusted_hosts(environ["COMPANION_TRUSTED_HOSTS"])
    if environ.get("COMPANION_LOG_LEVEL"):
        settings["LOG_LEVEL"] = environ["COMPANION_LOG_LEVEL"].upper()
    settings.update(_teams_sign_in_settings(environ))
    settings.update(metrics_settings(environ))
    return settings


def instance_path_from_environment(environ: Mapping[str, str] = os.environ) -> str | None:
    """Where the embedded Redis data and the generated secret live, when not Flask's default."""
    return environ.get("COMPANION_INSTANCE_PATH") or None
