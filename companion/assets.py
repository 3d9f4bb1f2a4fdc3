"""How the widget's files travel: compressed, and cached by the browser without ever going stale.

A phone on a weak connection loads the widget once per meeting. Text is sent compressed (Brotli,
or gzip for browsers without it). The app's own files are cached but checked on every load
(``no-cache`` with an ETag: a 304 costs a few bytes), because the ES modules import each other by
plain relative URLs and must never mix two releases. Vendored libraries change only with their
pinned version, so they are kept for a day without asking.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "text/markdown",
    "image/svg+xml",
]
VENDOR_MAX_AGE_SECONDS = 24 * 3600


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 512)
    Compress(app)

    @app.after_request
    def cache_static_files(response: Response) -> Response:
        if request.path.startswith("/static/vendor/"):
            response.headers["Cache-Control"] = f"public, max-age={VENDOR_MAX_AGE_SECONDS}"
        elif request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-cache"
        return response
