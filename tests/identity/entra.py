"""A stand-in for Microsoft Entra ID, as far as Teams sign-in needs one: signing keys generated
here, a real HTTP server publishing them as a JWKS, and tokens signed as Entra ID signs the ones
teams-js's ``authentication.getAuthToken`` hands a tab.

Usage, in any test (HTTP, Socket.IO or browser; the server is real, so a separate app process
can reach it too)::

    keys = EntraKeys()
    with JwksServer(keys) as jwks:              # http://127.0.0.1:<port>/keys
        env = sign_in_environment(jwks.url)     # COMPANION_TEAMS_* for a server process
        token = entra_token(keys)               # valid for CLIENT_ID, TENANT_ID, MEMBER_OID
        expired = entra_token(keys, expires_in=-600)
        guest = entra_token(keys, tenant_id=OTHER_TENANT_ID)

or take the ``entra_keys``, ``jwks_server``, ``entra_token`` and ``teams_sign_in`` fixtures from
``tests/identity/conftest.py``. ``entra_token``'s keywords make each bad token: see its docstring.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "6f1e2a47-3c1b-4d5e-9a8f-0b1c2d3e4f50"
TENANT_ID = "8a2f4c6e-1b3d-4f5a-8c7e-9d0b1a2c3e4f"
OTHER_TENANT_ID = "1c3e5a7b-9d2f-4b6c-8e0a-2f4d6b8c0e1a"
MEMBER_OID = "3b5d7f9a-1c2e-4a6b-8d0f-2e4c6a8b0d1f"
MEMBER_NAME = "Noor Haddad"
# A host the app might be served at, for v1 tokens' audience, api://<host>/<client id>.
PUBLIC_BASE = "https://companion.example.org/"


@dataclass
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    def public_jwk(self) -> dict[str, Any]:
        """As Microsoft publishes its keys: RSA, for signatures, with its kid (and x5t)."""
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "use": "sig", "kid": self.kid, "x5t": self.kid}


def new_signing_key() -> SigningKey:
    """A 2048-bit RSA key, as Entra ID's, with a kid of Microsoft's shape."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return SigningKey(secrets.token_urlsafe(20), private_key)


@dataclass
class EntraKeys:
    """The keys the JWKS publishes. ``rotate()`` publishes one more, which signs from then on,
    as Entra ID rotates; ``stranger`` signs but is never published."""

    published: list[SigningKey] = field(default_factory=lambda: [new_signing_key()])
    stranger: SigningKey = field(default_factory=new_signing_key)

    @property
    def current(self) -> SigningKey:
        return self.published[-1]

    def rotate(self) -> SigningKey:
        self.published.append(new_signing_key())
        return self.current

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.published]}


class JwksServer:
    """A real HTTP server on 127.0.0.1 answering ``GET /keys`` with ``keys.jwks()``.

    ``failure`` makes it misbehave: ``"error"`` answers 500, ``"garbage"`` answers a body that
    is not JSON, ``"slow"`` answers after ``slow_seconds``. ``requests`` counts the fetches.
    """

    def __init__(self, keys: EntraKeys, slow_seconds: float = 3.0) -> None:
        self.keys = keys
        self.failure: str | None = None
        self.slow_seconds = slow_seconds
        self.requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/keys"

    def start(self) -> JwksServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> JwksServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _answer(self) -> tuple[int, bytes]:
        self.requests += 1
        if self.failure == "error":
            return 500, b"{}"
        if self.failure == "garbage":
            return 200, b"<html>not a key set</html>"
        if self.failure == "slow":
            time.sleep(self.slow_seconds)
        return 200, json.dumps(self.keys.jwks()).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = jwks._answer() if self.path == "/keys" else (404, b"")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Not worth a line each in the test output."""

        return Handler


@contextmanager
def unreachable_jwks_url() -> Iterator[str]:
    """An address where nothing listens: bound and closed, so no other test takes it meanwhile."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    yield f"http://127.0.0.1:{port}/keys"


def entra_claims(
    *,
    client_id: str = CLIENT_ID,
    tenant_id: str = TENANT_ID,
    object_id: str = MEMBER_OID,
    name: str = MEMBER_NAME,
    version: str = "2.0",
    public_base: str = PUBLIC_BASE,
    expires_in: int = 3600,
    issued_ago: int = 60,
) -> dict[str, Any]:
    """The claims of a tab SSO access token, as Microsoft documents its example (v2 by default;
    ``version="1.0"`` gives v1's issuer and its audience, the Application ID URI)."""
    now = int(time.time())
    v1 = version == "1.0"
    host = public_base.split("://", 1)[1].split("/", 1)[0]
    return {
        "aud": f"api://{host}/{client_id}" if v1 else client_id,
        "iss": (
            f"https://sts.windows.net/{tenant_id}/"
            if v1
            else f"https://login.microsoftonline.com/{tenant_id}/v2.0"
        ),
        "iat": now - issued_ago,
        "nbf": now - issued_ago,
        "exp": now + expires_in,
        "azp": "5e3ce6c0-2b1f-4285-8d4b-75ee78787346",  # Teams web
        "name": name,
        "oid": object_id,
        "preferred_username": "noor@contoso.example",
        "scp": "access_as_user",
        "sub": secrets.token_urlsafe(32),
        "tid": tenant_id,
        "uti": secrets.token_urlsafe(16),
        "ver": version,
    }


def entra_token(
    keys: EntraKeys,
    *,
    key: SigningKey | None = None,
    kid: str | None = None,
    algorithm: str = "RS256",
    drop: tuple[str, ...] = (),
    set_claims: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    """A token as Entra ID issues it for tab SSO, signed with ``keys.current``; the knobs make it
    bad in one way each:

    - ``expires_in=-600``, ``issued_ago=-600`` (not yet valid), ``tenant_id=OTHER_TENANT_ID``,
      ``client_id=...`` (wrong audience), ``version="1.0"``, ``name=``, ``object_id=``: see
      ``entra_claims``;
    - ``set_claims={"iss": ..., "scp": ...}`` overrides claims after they are made, ``drop``
      removes some;
    - ``key=keys.stranger`` signs with a key the JWKS lacks (under its own kid unless ``kid``
      names another); ``kid=""`` leaves the kid out of the header;
    - ``algorithm="none"`` gives an unsigned token, ``"HS256"`` one whose "signature" is an HMAC
      keyed with the public key, the classic confusion attack.
    """
    payload = {**entra_claims(**claims), **(set_claims or {})}
    for name in drop:
        payload.pop(name, None)
    signer = key or keys.current
    header = {"typ": "JWT", "kid": signer.kid if kid is None else kid, "x5t": signer.kid}
    if not header["kid"]:
        del header["kid"]
    if algorithm != "RS256":
        return _forged(payload, header, algorithm, signer)
    # Signed as JSON bytes, so claims of any type can be signed, as a faulty issuer might.
    body = json.dumps(payload, separators=(",", ":")).encode()
    return jwt.api_jws.encode(body, signer.private_key, algorithm="RS256", headers=header)


def _forged(
    payload: dict[str, Any], header: dict[str, Any], algorithm: str, key: SigningKey
) -> str:
    """Built by hand, since PyJWT rightly refuses to make these: ``none`` has no signature, and
    HS256 keyed with a public key is what a forger who read the JWKS would send."""

    def part(data: dict[str, Any]) -> str:
        return _base64url(json.dumps(data, separators=(",", ":")).encode())

    signing_input = f"{part({**header, 'alg': algorithm})}.{part(payload)}"
    if algorithm == "none":
        return f"{signing_input}."
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_base64url(mac)}"


def tampered(token: str, part: int) -> str:
    """``token`` with one character changed in its payload (``part=1``) or signature (``2``),
    keeping it valid base64url, so only the signature check can tell."""
    parts = token.split(".")
    middle = len(parts[part]) // 2
    old = parts[part][middle]
    parts[part] = parts[part][:middle] + ("A" if old != "A" else "B") + parts[part][middle + 1 :]
    return ".".join(parts)


def sign_in_environment(jwks_url: str) -> dict[str, str]:
    """The settings that turn sign-in on for a server process, trusting the stand-in's keys."""
    return {
        "COMPANION_TEAMS_CLIENT_ID": CLIENT_ID,
        "COMPANION_TEAMS_TENANT_IDS": TENANT_ID,
        "COMPANION_TEAMS_JWKS_URL": jwks_url,
    }


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
