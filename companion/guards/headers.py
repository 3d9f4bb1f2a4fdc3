"""Headers on every response. Teams frames the widget, so framing is allowed from there only."""

from __future__ import annotations

from flask import Flask, Response, request


def content_security_policy(frame_ancestors: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            # The Teams library fetches its list of Teams hosts from Microsoft's CDN when framed.
            "connect-src 'self' https://res.cdn.office.net",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def init_app(app: Flask) -> None:
    policy = content_security_policy(app.config["FRAME_ANCESTORS"])

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # A policy governs documents only; on each script and style it would be some 600 bytes
        # of nothing, which a phone on a weak connection pays for some thirty times per load.
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response
