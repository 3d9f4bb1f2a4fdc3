"""The app's long-lived collaborators, built once in the factory and reached through the app."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from companion.identity.teams_sign_in import TeamsSignIn
from companion.identity.tokens import TokenSigner
from companion.store import MeetingStore
from companion.store.connection import redis_client
from companion.store.embedded import EmbeddedRedis, embedded_redis_for


@dataclass
class Services:
    store: MeetingStore
    signer: TokenSigner
    redis_url: str
    embedded: EmbeddedRedis | None
    # The Teams sign-in verifier (companion.identity.teams_sign_in), None while sign-in is off.
    teams_sign_in: TeamsSignIn | None = None


def init_app(app: Flask) -> None:
    """Use REDIS_URL when given; otherwise start or join the embedded server of the instance."""
    embedded = None
    url = app.config["REDIS_URL"]
    if not url:
        embedded = embedded_redis_for(app.instance_path, app.config["DISK_REWRITE_SECONDS"])
        url = embedded.url
    app.extensions["companion"] = Services(
        store=MeetingStore(
            redis_client(url),
            app.config["RETENTION_SECONDS"],
            signal_key=derived_key(app.config["SECRET_KEY"], "signal senders"),
            # An external Redis's files are its operator's to keep clean (docs/security.md).
            after_forgetting=embedded.rewrite_files_soon if embedded else None,
        ),
        signer=TokenSigner(app.config["SECRET_KEY"], app.config["TOKEN_MAX_AGE"]),
        redis_url=url,
        embedded=embedded,
        teams_sign_in=teams_sign_in_from(app.config),
    )


def teams_sign_in_from(config: Mapping[str, Any]) -> TeamsSignIn | None:
    """One verifier per process, so the key set it fetches serves every request; none without
    an Entra ID application id, which is how sign-in with Teams stays off."""
    if not config["TEAMS_CLIENT_ID"]:
        return None
    return TeamsSignIn(
        config["TEAMS_CLIENT_ID"], config["TEAMS_TENANT_IDS"], config["TEAMS_JWKS_URL"]
    )


def derived_key(secret_key: str, purpose: str) -> bytes:
    """A key of its own for each use of the secret: one can never be turned against another."""
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def services() -> Services:
    return current_app.extensions["companion"]
