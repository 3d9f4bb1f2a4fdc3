"""Sign-in with Teams: tokens checked against a real JWKS server, with keys made here.

Every token is signed (or forged) as it would arrive; nothing of the verification is replaced.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from companion.domain.errors import Rejected
from companion.identity.teams_sign_in import (
    REFUSALS,
    Identity,
    TeamsSignIn,
    require_sign_in,
)
from companion.logs import JsonFormatter
from tests.identity import entra
from tests.identity.conftest import MakeToken, StartJwks


def refusal_code(sign_in: TeamsSignIn, token: object, public_base: str | None = None) -> str:
    with pytest.raises(Rejected) as refused:
        sign_in.verify(token, public_base)
    assert refused.value.message == REFUSALS[refused.value.code]
    return refused.value.code


def test_a_valid_token_gives_the_tenant_and_object_ids_and_the_name(
    teams_sign_in: TeamsSignIn, entra_token: MakeToken
) -> None:
    assert teams_sign_in.verify(entra_token()) == Identity(
        tenant_id=entra.TENANT_ID, object_id=entra.MEMBER_OID, name=entra.MEMBER_NAME
    )


def test_a_token_without_a_name_still_signs_in(
    teams_sign_in: TeamsSignIn, entra_token: MakeToken
) -> None:
    identity = teams_sign_in.verify(entra_token(drop=("name",)))
    assert (identity.object_id, identity.name) == (entra.MEMBER_OID, "")


def test_a_v1_token_is_for_the_application_id_uri_of_the_address_asked_at(
    teams_sign_in: TeamsSignIn, entra_token: MakeToken
) -> None:
    token = entra_token(version="1.0")
    identity = teams_sign_in.verify(token, entra.PUBLIC_BASE)
    assert identity.object_id == entra.MEMBER_OID
    assert refusal_code(teams_sign_in, token) == "teams_wrong_audience"
    assert refusal_code(teams_sign_in, token, "https://other.example.org/") == (
        "teams_wrong_audience"
    )


def test_more_tenants_can_be_allowed(jwks_server: entra.JwksServer, entra_token: MakeToken) -> None:
    sign_in = TeamsSignIn(
        entra.CLIENT_ID, [entra.TENANT_ID, entra.OTHER_TENANT_ID.upper()], jwks_server.url
    )
    identity = sign_in.verify(entra_token(tenant_id=entra.OTHER_TENANT_ID))
    assert identity.tenant_id == entra.OTHER_TENANT_ID


OTHER_CLIENT = "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a"
EVIL_ISSUER = f"https://login.evil.example/{entra.TENANT_ID}/v2.0"
OTHER_TENANTS_ISSUER = f"https://login.microsoftonline.com/{entra.OTHER_TENANT_ID}/v2.0"


@pytest.mark.parametrize(
    ("knobs", "code"),
    [
        pytest.param({"expires_in": -600}, "teams_token_expired", id="expired"),
        pytest.param({"issued_ago": -600}, "teams_token_not_yet_valid", id="not-yet-valid"),
        pytest.param({"client_id": OTHER_CLIENT}, "teams_wrong_audience", id="other-app"),
        pytest.param({"set_claims": {"iss": EVIL_ISSUER}}, "teams_wrong_issuer", id="not-entra"),
        pytest.param(
            {"set_claims": {"iss": OTHER_TENANTS_ISSUER}},
            "teams_wrong_issuer",
            id="issuer-of-another-tenant",
        ),
        pytest.param(
            {"tenant_id": entra.OTHER_TENANT_ID}, "teams_wrong_tenant", id="another-tenant"
        ),
        pytest.param({"set_claims": {"scp": "User.Read"}}, "teams_wrong_scope", id="other-scope"),
        pytest.param({"set_claims": {"oid": "not-a-guid"}}, "teams_token_invalid", id="bad-oid"),
        pytest.param(
            {"set_claims": {"tid": entra.TENANT_ID.upper()}}, "teams_token_invalid", id="odd-tid"
        ),
        pytest.param({"set_claims": {"scp": ["access_as_user"]}}, "teams_wrong_scope", id="scp"),
    ],
)
def test_each_bad_token_is_refused_with_its_own_code(
    teams_sign_in: TeamsSignIn, entra_token: MakeToken, knobs: dict[str, object], code: str
) -> None:
    assert refusal_code(teams_sign_in, entra_token(**knobs)) == code


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"exp": "tomorrow"}, "teams_token_invalid"),
        ({"iat": "today"}, "teams_token_invalid"),
        ({"aud": 42}, "teams_wrong_audience"),
        ({"iss": ["https://sts.windows.net/"]}, "teams_wrong_issuer"),
        ({"tid": 42}, "teams_token_invalid"),
        ({"oid": {"id": entra.MEMBER_OID}}, "teams_token_invalid"),
    ],
    ids=["exp", "iat", "aud", "iss", "tid", "oid"],
)
def test_a_claim_of_the_wrong_type_is_refused_not_a_crash(
    teams_sign_in: TeamsSignIn, entra_token: MakeToken, claims: dict[str, object], code: str
) -> None:
    assert refusal_code(teams_sign_in, entra_token(set_claims=claims)) == code


def test_a_name_that_is_not_text_is_left_out(
    teams_sign_in: TeamsSignIn, entra_token: MakeToken
) -> None:
    assert teams_sign_in.verify(entra_token(set_claims={"name": ["Noor"]})).name == ""


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf", "iss", "aud", "tid", "oid", "scp"])
def test_a_token_missing_a_claim_entra_always_issues_is_refused(
    teams_sign_in: TeamsSignIn, entra_token: MakeToken, claim: str
) -> None:
    assert refusal_code(teams_sign_in, entra_token(drop=(claim,))) == "teams_missing_claim"


def test_a_key_the_jwks_lacks_is_unknown_under_its_own_kid_or_none(
    teams_sign_in: TeamsSignIn, entra_keys: entra.EntraKeys, entra_token: MakeToken
) -> None:
    assert refusal_code(teams_sign_in, entra_token(key=entra_keys.stranger)) == "teams_unknown_key"
    assert refusal_code(teams_sign_in, entra_token(kid="")) == "teams_unknown_key"


def test_a_stranger_key_claiming_a_published_kid_fails_the_signature(
    teams_sign_in: TeamsSignIn, entra_keys: entra.EntraKeys, entra_token: MakeToken
) -> None:
    token = entra_token(key=entra_keys.stranger, kid=entra_keys.current.kid)
    assert refusal_code(teams_sign_in, token) == "teams_bad_signature"


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_only_rs256_is_accepted(
    teams_sign_in: TeamsSignIn, entra_token: MakeToken, algorithm: str
) -> None:
    assert refusal_code(teams_sign_in, entra_token(algorithm=algorithm)) == "teams_bad_algorithm"


@pytest.mark.parametrize(("part", "where"), [(1, "payload"), (2, "signature")])
def test_a_tampered_token_fails_the_signature(
    teams_sign_in: TeamsSignIn, entra_token: MakeToken, part: int, where: str
) -> None:
    token = entra_token()
    assert teams_sign_in.verify(token).object_id == entra.MEMBER_OID
    assert refusal_code(teams_sign_in, entra.tampered(token, part)) == "teams_bad_signature", where


@pytest.mark.parametrize(
    "garbage",
    ["", "not a token", "a.b.c", "eyJhbGciOiJSUzI1NiJ9", "x" * 20000, None, 42, b"bytes"],
    ids=["empty", "words", "dots", "header-only", "huge", "none", "number", "bytes"],
)
def test_garbage_is_not_a_token(teams_sign_in: TeamsSignIn, garbage: object) -> None:
    assert refusal_code(teams_sign_in, garbage) == "teams_token_invalid"


def test_every_code_is_its_own() -> None:
    assert len(set(REFUSALS)) == len(REFUSALS)
    assert all(code.startswith("teams_") for code in REFUSALS)
    assert all(message.endswith(".") for message in REFUSALS.values())


def test_without_a_client_id_sign_in_is_off() -> None:
    with pytest.raises(Rejected) as refused:
        require_sign_in(None)
    assert refused.value.code == "teams_sign_in_off"


def test_a_new_key_in_the_jwks_is_picked_up(start_jwks: StartJwks) -> None:
    jwks = start_jwks()
    sign_in = TeamsSignIn(entra.CLIENT_ID, [entra.TENANT_ID], jwks.url, refresh_cooldown=0.2)
    assert sign_in.verify(entra.entra_token(jwks.keys)).object_id == entra.MEMBER_OID
    jwks.keys.rotate()
    time.sleep(0.3)
    assert sign_in.verify(entra.entra_token(jwks.keys)).object_id == entra.MEMBER_OID
    assert jwks.requests == 2


def test_made_up_kids_do_not_make_the_server_fetch_the_keys_again_and_again(
    start_jwks: StartJwks,
) -> None:
    jwks = start_jwks()
    sign_in = TeamsSignIn(entra.CLIENT_ID, [entra.TENANT_ID], jwks.url)
    sign_in.verify(entra.entra_token(jwks.keys))
    for attempt in range(5):
        token = entra.entra_token(jwks.keys, kid=f"made-up-{attempt}")
        assert refusal_code(sign_in, token) == "teams_unknown_key"
    assert jwks.requests == 1


def test_keys_once_fetched_serve_while_the_jwks_fails(start_jwks: StartJwks) -> None:
    jwks = start_jwks()
    sign_in = TeamsSignIn(entra.CLIENT_ID, [entra.TENANT_ID], jwks.url)
    sign_in.verify(entra.entra_token(jwks.keys))
    jwks.failure = "error"
    assert sign_in.verify(entra.entra_token(jwks.keys)).object_id == entra.MEMBER_OID


def test_an_unreachable_jwks_is_a_refusal_not_an_error(entra_token: MakeToken) -> None:
    with entra.unreachable_jwks_url() as url:
        sign_in = TeamsSignIn(entra.CLIENT_ID, [entra.TENANT_ID], url)
        assert refusal_code(sign_in, entra_token()) == "teams_keys_unavailable"


@pytest.mark.parametrize("failure", ["error", "garbage", "slow"])
def test_a_failing_jwks_is_a_refusal_not_an_error(start_jwks: StartJwks, failure: str) -> None:
    jwks = start_jwks()
    jwks.failure = failure
    sign_in = TeamsSignIn(entra.CLIENT_ID, [entra.TENANT_ID], jwks.url, fetch_timeout=0.5)
    started = time.monotonic()
    assert refusal_code(sign_in, entra.entra_token(jwks.keys)) == "teams_keys_unavailable"
    assert time.monotonic() - started < 1.5


def test_the_verifier_needs_a_tenant_to_accept(jwks_server: entra.JwksServer) -> None:
    with pytest.raises(ValueError, match="tenant"):
        TeamsSignIn(entra.CLIENT_ID, [], jwks_server.url)


class JsonLines(logging.Handler):
    """The lines the app's log would hold, formatted as in production."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(JsonFormatter().format(record))


@pytest.fixture
def sign_in_log() -> Iterator[list[str]]:
    """On the module's own logger: the app's ``companion`` logger does not propagate."""
    logger, lines = logging.getLogger("companion.teams_sign_in"), JsonLines()
    level = logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.DEBUG)
    yield lines.lines
    logger.removeHandler(lines)
    logger.setLevel(level)


def test_nothing_of_the_token_or_its_claims_is_logged(
    teams_sign_in: TeamsSignIn, entra_token: MakeToken, sign_in_log: list[str]
) -> None:
    good, bad = entra_token(), entra_token(tenant_id=entra.OTHER_TENANT_ID)
    teams_sign_in.verify(good)
    refusal_code(teams_sign_in, bad)
    logged = "\n".join(sign_in_log)
    assert '"code": "teams_wrong_tenant"' in logged
    secrets = [good, bad, good.split(".")[1], bad.split(".")[2], entra.MEMBER_NAME]
    for secret in [*secrets, entra.MEMBER_OID, entra.OTHER_TENANT_ID, entra.TENANT_ID]:
        assert secret not in logged
