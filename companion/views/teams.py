"""The Teams app package for this very deployment, and the privacy and terms pages it links to.

The package holds no secret (a manifest and two icons), so anyone may download it; it is built
for ``COMPANION_PUBLIC_URL``, or else the trusted address the request came to.
"""

from __future__ import annotations

import io
import uuid
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, send_file

from companion.identity.hosts import public_base_url
from companion.responses import error_response
from companion.teams.manifest import build_manifest
from companion.teams.package import PACKAGE_FILENAME, build_package

blueprint = Blueprint("teams", __name__)

HTTPS_REQUIRED = (
    "Teams loads apps over HTTPS only: serve ALS Companion over HTTPS (and set an https:// "
    "COMPANION_PUBLIC_URL), or build the package with `companion teams-package --base-url "
    "https://…`."
)


@blueprint.get("/teams/app.zip")
def app_package() -> Response | tuple[Response, int]:
    """Fetched by whoever uploads the app to Teams; 409 for a plain HTTP address, which Teams
    never loads. A request to an untrusted host never gets here (``hosts``)."""
    base_url = public_base_url()
    if urlsplit(base_url).scheme != "https":
        return error_response(409, "https_required", HTTPS_REQUIRED)
    manifest = build_manifest(base_url, sso_client_id=_sso_client_id())
    return send_file(
        io.BytesIO(build_package(manifest)),
        mimetype="application/zip",
        as_attachment=True,
        download_name=PACKAGE_FILENAME,
    )


def _sso_client_id() -> uuid.UUID | None:
    """The configured Entra ID app, so a package built here turns sign-in with Teams on."""
    client_id = current_app.config["TEAMS_CLIENT_ID"]
    return uuid.UUID(client_id) if client_id else None


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
