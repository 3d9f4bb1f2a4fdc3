"""The Teams app manifest for one deployment of the companion, from its HTTPS base URL.

Every URL in the manifest is the base URL plus a path, so the same code serves a deployment at
``https://companion.example.org`` and one behind a proxy at ``https://example.org/als``.
"""

from __future__ import annotations

import uuid
from importlib.metadata import version
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

SCHEMA_URL = "https://developer.microsoft.com/json-schemas/teams/v1.29/MicrosoftTeams.schema.json"
MANIFEST_VERSION = "1.29"
COLOR_ICON = "color.png"
OUTLINE_ICON = "outline.png"
# The favicon's blue, so the app looks the same in the Teams app bar as in a browser tab.
ACCENT_COLOR = "#2857A4"
# Built by the Teams tab's own page; Teams opens it when the tab is added to a meeting.
CONFIGURATION_PATH = "/teams/config"
# Where the tab can appear: beside the call, on the shared stage, and in the meeting's chat and
# details, which is where people add it before the meeting starts.
TAB_CONTEXTS = ["meetingSidePanel", "meetingStage", "meetingChatTab", "meetingDetailsTab"]
# "Share to stage" needs this resource-specific permission (Microsoft: "Build apps for Teams
# meeting stage"); it lets the app show itself on the meeting's stage, nothing more.
STAGE_PERMISSION = {"name": "MeetingStage.Write.Chat", "type": "Delegated"}

SHORT_DESCRIPTION = "One shared view for your action learning set: phase, turns, bids and timers."
FULL_DESCRIPTION = (
    "An action learning set is a small group of peers who meet regularly to work on real problems "
    "from their own work. They help by asking questions, never by giving advice, and whoever "
    "presents stays the only expert on their own issue. ALS Companion sits beside the meeting and "
    "shows everyone the same thing at the same moment: the phase the set is in, the bids for "
    "time, the speaking order and whose turn it is, the raised hands and the timers. Members can "
    "send anonymous signals such as \u201cSlow down\u201d or \u201cThat sounds like advice\u201d: "
    "the set sees how many people sent one, and nobody, the facilitator included, can see who. "
    "The facilitator can step in anywhere, and every such step is shown to the whole set."
)


class BaseUrlRefused(ValueError):
    """A base URL Teams could not load the companion from; the message says what to change."""


def deployment_base(url: str) -> str:
    """``https://host[:port][/prefix]`` without a trailing slash, so every URL is base + path and
    one deployment gets the same app id however its address was typed."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "https":
        raise BaseUrlRefused(
            f"Teams loads apps over HTTPS only: give an https:// base URL, not {url!r}."
        )
    if "?" in url or "#" in url:
        raise BaseUrlRefused(f"The base URL must have no query (?…) or fragment (#…): {url!r}.")
    if parts.username is not None or parts.password is not None:
        raise BaseUrlRefused("The base URL must not carry a user name or password.")
    if not parts.hostname:
        raise BaseUrlRefused("The base URL needs a host, e.g. https://companion.example.org.")
    return urlunsplit(("https", _authority(parts), parts.path.rstrip("/"), "", ""))


def _authority(parts: SplitResult) -> str:
    """The host in lower case, with its port unless it is HTTPS's own 443 (which browsers, and so
    Teams, leave out of an origin)."""
    try:
        port = parts.port
    except ValueError as error:
        raise BaseUrlRefused(f"The base URL's port is not valid: {error}.") from None
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    return f"{host}:{port}" if port not in (None, 443) else str(host)


def valid_domain(base: str) -> str:
    """The deployment's host as Teams wants it in ``validDomains``: no scheme and no path, with a
    port when it is not 443 (as Microsoft's Teams Toolkit writes ``localhost:53000``): the tab's
    pages come from that exact origin."""
    return urlsplit(base).netloc


def default_app_id(base: str) -> uuid.UUID:
    """A UUID derived from the deployment's base URL: packaging the same deployment again gives
    the same id, so Teams updates the installed app instead of adding a second one."""
    return uuid.uuid5(uuid.NAMESPACE_URL, base)


def app_version() -> str:
    """The installed package's version, so each release of the app is a new Teams app version."""
    return version("companion")


def application_id_uri(base_url: str, client_id: uuid.UUID | str) -> str:
    """``api://<host>/<client id>``, the Application ID URI that Microsoft's tab SSO wants exposed
    on the Entra ID app: the host is the tab's own (Teams refuses a token for another domain), and
    v1 tokens carry this URI as their audience. Any scheme is accepted, so the server can name the
    URI of the address it is asked at, plain HTTP in tests included."""
    return f"api://{_authority(urlsplit(base_url.strip()))}/{str(client_id).lower()}"


def build_manifest(
    base_url: str, app_id: uuid.UUID | None = None, sso_client_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """The manifest.json for the deployment at ``base_url``; raises ``BaseUrlRefused``.

    ``sso_client_id``, the Entra ID application (client) id, turns on sign-in with Teams: Teams
    hands ``authentication.getAuthToken`` tokens only to apps whose manifest names their app.
    """
    base = deployment_base(base_url)
    sso = {"webApplicationInfo": _web_application(base, sso_client_id)} if sso_client_id else {}
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": app_version(),
        "id": str(app_id or default_app_id(base)),
        "developer": {
            "name": "ALS Companion",
            "websiteUrl": f"{base}/",
            "privacyUrl": f"{base}/privacy",
            "termsOfUseUrl": f"{base}/terms",
        },
        "name": {"short": "ALS Companion", "full": "ALS Companion for action learning sets"},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION},
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT_COLOR,
        "configurableTabs": [_meeting_tab(base)],
        "validDomains": [valid_domain(base)],
        "authorization": {"permissions": {"resourceSpecific": [STAGE_PERMISSION]}},
        **sso,
    }


def _web_application(base: str, client_id: uuid.UUID) -> dict[str, str]:
    return {"id": str(client_id), "resource": application_id_uri(base, client_id)}


def _meeting_tab(base: str) -> dict[str, Any]:
    return {
        "configurationUrl": f"{base}{CONFIGURATION_PATH}",
        "canUpdateConfiguration": True,
        "scopes": ["groupChat"],
        "context": TAB_CONTEXTS,
    }
