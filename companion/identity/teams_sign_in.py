"""Sign-in with Teams: the token that teams-js's ``authentication.getAuthToken`` gives a tab,
checked as Microsoft documents for tab SSO, so the app learns which Entra ID user is asking
(their tenant and object ids) whatever name they type, on whatever device.

A token is accepted only if it is signed with RS256 by a key from the configured JWKS address
(Microsoft's, in production), is for this app (its audience), comes from Entra ID for the tenant
it names (its issuer), is in time, names a tenant this deployment serves, and carries the
``access_as_user`` scope that Teams asks for. Each way a token fails raises a ``Rejected`` with a
code of its own, so the person is told why and the logs can count it; a JWKS address that cannot
be reached is a refusal too (``teams_keys_unavailable``), never a server error.

Only the verification's result leaves this module: an ``Identity``, or a ``Rejected``. The token
and its claims are never logged, nor put in a message: a token is a credential, and its claims
carry names and e-mail addresses.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient

from companion.domain.errors import Rejected
from companion.logs import get_logger
from companion.teams.manifest import application_id_uri

# Where Entra ID publishes the keys it signs with, for every tenant (Microsoft: "Access tokens in
# the Microsoft identity platform", validating the signature).
MICROSOFT_JWKS_URL = "https://login.microsoftonline.com/common/discovery/v2.0/keys"
ALGORITHM = "RS256"
# The scope the Entra ID app exposes for Teams (docs/teams.md), which Teams asks for.
SCOPE = "access_as_user"
# Entra ID puts every one of these in a tab SSO token; a token without one is not such a token.
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "tid", "oid", "scp"]
# A real token is one to two kilobytes; anything far larger is refused before it is parsed.
MAX_TOKEN_LENGTH = 16 * 1024
# The clocks of Entra ID and this server may differ a little.
CLOCK_LEEWAY_SECONDS = 60
# The key set is fetched at most this often, unless a token names a key it lacks (see
# REFRESH_COOLDOWN_SECONDS); Microsoft announces a new key well before signing with it.
KEY_SET_LIFESPAN_SECONDS = 3600
# A token naming an unknown key fetches the set again, but only this long after the last fetch:
# tokens with made-up key ids must not turn this server into a stream of requests to Microsoft.
REFRESH_COOLDOWN_SECONDS = 30
# Under gevent the fetch only holds up the greenlet that needs the keys, but a person is waiting
# to join: a JWKS address that does not answer is given up on quickly.
FETCH_TIMEOUT_SECONDS = 5.0

# Each way a token is refused, with a sentence for the person whose Teams sent it.
REFUSALS = {
    "teams_sign_in_off": "Sign-in with Teams is not set up on this server.",
    "teams_token_invalid": "Teams sent something that is not a sign-in token.",
    "teams_missing_claim": "The sign-in token from Teams lacks what is needed to know who you are.",
    "teams_token_expired": "Your sign-in with Teams has expired. Open the app in Teams again.",
    "teams_token_not_yet_valid": (
        "Your sign-in with Teams is not valid yet: this server's clock may be wrong."
    ),
    "teams_wrong_audience": "The sign-in token from Teams was made for another app.",
    "teams_wrong_issuer": "The sign-in token was not issued by Microsoft Entra ID for your tenant.",
    "teams_wrong_tenant": "This server does not accept sign-in from your organisation's Teams.",
    "teams_wrong_scope": "The sign-in token from Teams does not allow signing in to this app.",
    "teams_unknown_key": (
        "The sign-in token from Teams is signed with a key Microsoft does not publish."
    ),
    "teams_bad_algorithm": "The sign-in token from Teams is not signed the way Microsoft signs.",
    "teams_bad_signature": "The sign-in token from Teams has been altered.",
    "teams_keys_unavailable": (
        "Microsoft's sign-in keys cannot be reached just now, so Teams sign-in cannot be checked."
    ),
}

_ERRORS_TO_CODES: list[tuple[type[jwt.PyJWTError], str]] = [
    # Subclasses before the classes they extend: a bad signature is a DecodeError too.
    (jwt.InvalidSignatureError, "teams_bad_signature"),
    (jwt.ExpiredSignatureError, "teams_token_expired"),
    (jwt.ImmatureSignatureError, "teams_token_not_yet_valid"),
    (jwt.InvalidAudienceError, "teams_wrong_audience"),
    (jwt.MissingRequiredClaimError, "teams_missing_claim"),
    (jwt.InvalidAlgorithmError, "teams_bad_algorithm"),
]

# What PyJWT lets through from a fetch: a body that is not JSON, a connection dropped mid-body.
_FETCH_FAILURES = (ValueError, OSError)

log = get_logger("teams_sign_in")


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a verified token says is asking: the same two ids on every device and under any name.
    ``name`` is their display name in Entra ID, to prefill a field, never proof of anything."""

    tenant_id: str
    object_id: str
    name: str = ""


def refusal(code: str) -> Rejected:
    return Rejected(code, REFUSALS[code])


def require_sign_in(sign_in: TeamsSignIn | None) -> TeamsSignIn:
    """The verifier, or ``teams_sign_in_off`` when this deployment has no Entra ID app
    (``Services.teams_sign_in`` is None then), so a token sent anyway is refused like any other."""
    if sign_in is None:
        raise refusal("teams_sign_in_off")
    return sign_in


class TeamsSignIn:
    """Checks tab SSO tokens for one Entra ID app; built once per process, because it keeps the
    fetched key set (and so a fetch to Microsoft) for all the requests it serves."""

    def __init__(
        self,
        client_id: str,
        tenant_ids: Iterable[str],
        jwks_url: str = MICROSOFT_JWKS_URL,
        *,
        refresh_cooldown: float = REFRESH_COOLDOWN_SECONDS,
        fetch_timeout: float = FETCH_TIMEOUT_SECONDS,
    ) -> None:
        self.client_id = _guid(client_id)
        self.tenant_ids = frozenset(_guid(tenant) for tenant in tenant_ids)
        if not self.tenant_ids:
            raise ValueError("Sign-in with Teams needs at least one tenant id to accept.")
        self._keys = PyJWKClient(
            jwks_url,
            lifespan=KEY_SET_LIFESPAN_SECONDS,
            timeout=fetch_timeout,
            cooldown_duration=refresh_cooldown,
        )

    def verify(self, token: object, public_base: str | None = None) -> Identity:
        """The identity a token proves, or ``Rejected`` with the reason's own code.

        ``public_base`` is the address the app is served at (``hosts.public_base_url()``, the
        one the Teams package is built for): a v1 token is for ``api://<its host>/<client id>``,
        a v2 token for the client id alone, which is all that is accepted without it.
        """
        try:
            return self._identity(self._claims(token, public_base))
        except Rejected as refused:
            log.info("teams_sign_in.refused", extra={"code": refused.code})
            raise

    def _claims(self, token: object, public_base: str | None) -> dict[str, Any]:
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH:
            raise refusal("teams_token_invalid")
        key = self._signing_key(_header(token))
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audiences(public_base),
                options={"require": REQUIRED_CLAIMS},
                leeway=CLOCK_LEEWAY_SECONDS,
            )
        except jwt.PyJWTError as error:
            raise refusal(_code_for(error)) from None

    def _signing_key(self, header: Mapping[str, Any]) -> PyJWK:
        """The JWKS key the header names. The set must be reachable before a missing key can be
        told from a missing set: only then is a key the set lacks ``teams_unknown_key``."""
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise refusal("teams_unknown_key")
        try:
            self._keys.get_signing_keys()  # from the cache, but for one fetch per lifespan
        except (jwt.PyJWTError, *_FETCH_FAILURES):
            raise _keys_unavailable() from None
        try:
            return self._keys.get_signing_key(kid)
        except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError, *_FETCH_FAILURES):
            raise _keys_unavailable() from None
        except jwt.PyJWKClientError:
            raise refusal("teams_unknown_key") from None

    def _audiences(self, public_base: str | None) -> list[str]:
        if not public_base:
            return [self.client_id]
        try:
            return [self.client_id, application_id_uri(public_base, self.client_id)]
        except ValueError:  # an address with no valid port names no Application ID URI
            return [self.client_id]

    def _identity(self, claims: Mapping[str, Any]) -> Identity:
        tenant_id = _claimed_guid(claims, "tid")
        issuer = claims["iss"]
        if not isinstance(issuer, str) or issuer not in _issuers(tenant_id):
            raise refusal("teams_wrong_issuer")
        if tenant_id not in self.tenant_ids:
            raise refusal("teams_wrong_tenant")
        scopes = claims["scp"]
        if not isinstance(scopes, str) or SCOPE not in scopes.split():
            raise refusal("teams_wrong_scope")
        name = claims.get("name")
        return Identity(
            tenant_id=tenant_id,
            object_id=_claimed_guid(claims, "oid"),
            name=name.strip() if isinstance(name, str) else "",
        )


def _keys_unavailable() -> Rejected:
    log.warning("teams_sign_in.keys_unavailable")
    return refusal("teams_keys_unavailable")


def _header(token: str) -> dict[str, Any]:
    """The token's header, read before its signature is checked, only to choose the key; an
    algorithm other than RS256 (``none`` above all) is refused before any key is looked at."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise refusal("teams_token_invalid") from None
    if header.get("alg") != ALGORITHM:
        raise refusal("teams_bad_algorithm")
    return header


def _issuers(tenant_id: str) -> set[str]:
    """Entra ID's issuer for the token's own tenant: v2 tokens' and v1 tokens' form."""
    return {
        f"https://login.microsoftonline.com/{tenant_id}/v2.0",
        f"https://sts.windows.net/{tenant_id}/",
    }


def _code_for(error: jwt.PyJWTError) -> str:
    return next(
        (code for kind, code in _ERRORS_TO_CODES if isinstance(error, kind)),
        "teams_token_invalid",
    )


def _claimed_guid(claims: Mapping[str, Any], name: str) -> str:
    """Entra ID writes tenant and object ids as lower-case GUIDs; anything else is no such id."""
    value = claims[name]
    try:
        canonical = _guid(value) if isinstance(value, str) else None
    except ValueError:
        canonical = None
    if canonical != value:
        raise refusal("teams_token_invalid")
    return value


def _guid(text: str) -> str:
    """The canonical lower-case form, so ids compare equal however they were written."""
    return str(uuid.UUID(text.strip()))
