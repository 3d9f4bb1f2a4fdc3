"""One shape for every error an HTTP client sees: ``{"error": code, "message": text}``."""

from __future__ import annotations

from flask import Flask, Response, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from companion.domain.errors import Rejected
from companion.guards.payloads import too_large_message
from companion.responses import error_response
from companion.schemas import first_problem
from companion.store import MeetingNotFound, SetNotFound, StoreUnavailable

_STATUS_FOR_CODE = {
    "invalid_input": 400,
    "token_missing": 401,
    "token_invalid": 401,
    "token_expired": 401,
    "token_revoked": 401,
    "not_allowed": 403,
    "set_not_found": 404,
    "not_recognised": 404,
    "meeting_closed": 409,
    # The next meeting's plan (domain.schedule): input that makes no sense, and no plan at all.
    "bad_time_zone": 400,
    "date_in_past": 400,
    "date_too_far": 400,
    "time_skipped": 400,
    "bad_length": 400,
    "no_next_meeting": 404,
    "not_a_member": 403,
    "removed": 403,
    "waiting": 403,
    "teams_sign_in_off": 409,
    "teams_token_invalid": 401,
    "teams_missing_claim": 401,
    "teams_token_expired": 401,
    "teams_token_not_yet_valid": 401,
    "teams_wrong_audience": 401,
    "teams_wrong_issuer": 401,
    "teams_unknown_key": 401,
    "teams_bad_algorithm": 401,
    "teams_bad_signature": 401,
    "teams_wrong_tenant": 403,
    "teams_wrong_scope": 403,
    "teams_keys_unavailable": 503,
}


def init_app(app: Flask) -> None:
    """Errors are JSON for the API; pages keep Flask's plain error pages."""

    @app.errorhandler(ValidationError)
    def invalid_input(error: ValidationError) -> tuple[Response, int]:
        return error_response(400, "invalid_input", first_problem(error))

    @app.errorhandler(Rejected)
    def rejected(error: Rejected) -> tuple[Response, int]:
        return error_response(_STATUS_FOR_CODE.get(error.code, 409), error.code, error.message)

    @app.errorhandler(SetNotFound)
    def set_missing(_: SetNotFound) -> tuple[Response, int]:
        return error_response(404, "set_not_found", "This set no longer exists.")

    @app.errorhandler(MeetingNotFound)
    def meeting_missing(_: MeetingNotFound) -> tuple[Response, int]:
        return error_response(404, "meeting_not_found", "This meeting no longer exists.")

    @app.errorhandler(StoreUnavailable)
    def unavailable(_: StoreUnavailable) -> tuple[Response, int]:
        return error_response(503, "unavailable", "The service is briefly unavailable; try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> HTTPException | tuple[Response, int]:
        if not request.path.startswith("/api/"):
            return error
        if isinstance(error, RequestEntityTooLarge):  # werkzeug's own, or guards.payloads'
            return error_response(413, "payload_too_large", too_large_message())
        code = (error.name or "error").lower().replace(" ", "_")
        return error_response(error.code or 500, code, error.description or "")
