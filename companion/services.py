"""The app's long-lived collaborators, built once in the factory and reached through the app."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import Flask, current_app

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


def init_app(app: Flask) -> None:
    """Use REDIS_URL when given; otherwise start or join the embedded server of the instance."""
    embedded = None
    url = app.config["REDIS_URL"]
    if not url:
        embedded = embedded_redis_for(app.instance_path)
        url = embedded.url
    app.extensions["companion"] = Services(
        store=MeetingStore(
            redis_client(url),
            app.config["RETENTION_SECONDS"],
            signal_key=derived_key(app.config["SECRET_KEY"], "signal senders"),
        ),
        signer=TokenSigner(app.config["SECRET_KEY"], app.config["TOKEN_MAX_AGE"]),
        redis_url=url,
        embedded=embedded,
    )


def derived_key(secret_key: str, purpose: str) -> bytes:
    """A key of its own for each use of the secret: one can never be turned against another."""
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def services() -> Services:
    return current_app.extensions["companion"]
