"""The Teams app package for this very deployment, and the privacy and terms pages it links to.

The package holds no secret (a manifest and two icons), so anyone may download it; it is built
for the address the request came to, which behind the proxy is the public one.
"""

from __future__ import annotations

import io

from flask import Blueprint, Response, current_app, render_template, request, send_file

from companion.responses import error_response
from companion.teams.manifest import BaseUrlRefused, build_manifest
from companion.teams.package import PACKAGE_FILENAME, build_package

blueprint = Blueprint("teams", __name__)

HTTPS_REQUIRED = (
    "Teams loads apps over HTTPS only: serve ALS Companion over HTTPS, or build the package with "
    "`companion teams-package --base-url https://…`."
)


@blueprint.get("/teams/app.zip")
def app_package() -> Response | tuple[Response, int]:
    """Fetched by whoever uploads the app to Teams; 409 over plain HTTP, which Teams never loads."""
    if not request.is_secure:
        return error_response(409, "https_required", HTTPS_REQUIRED)
    try:
        manifest = build_manifest(request.url_root)
    except BaseUrlRefused:
        # Werkzeug drops a Host header that is not a valid host, which leaves no host to name.
        return error_response(400, "invalid_host", "The request names no valid host to serve.")
    return send_file(
        io.BytesIO(build_package(manifest)),
        mimetype="application/zip",
        as_attachment=True,
        download_name=PACKAGE_FILENAME,
    )


@blueprint.get("/privacy")
def privacy() -> str:
    return render_template("privacy.html", retention=_config_period("RETENTION_SECONDS"))


@blueprint.get("/terms")
def terms() -> str:
    return render_template(
        "terms.html",
        retention=_config_period("RETENTION_SECONDS"),
        link_lifetime=_config_period("TOKEN_MAX_AGE"),
    )


def _config_period(key: str) -> str:
    """A period from the app's config (``COMPANION_RETENTION_DAYS``, say) in words, so the pages
    never promise anything but what this server does."""
    seconds = int(current_app.config[key])
    count, unit = next(
        (seconds // size, unit)
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
        if seconds % size == 0
    )
    return f"{count} {unit}{'' if count == 1 else 's'}"
