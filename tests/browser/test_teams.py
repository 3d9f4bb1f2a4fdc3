"""Inside Microsoft Teams: the real Teams library, vendored, talking to a stand-in Teams host.

The host (teams_host/) is a page of another origin that frames the app and answers the library's
messages as Teams does. The app is served with that origin in its frame-ancestors, as a
deployment lists Teams' own hosts. Outside a frame the library is never loaded.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Frame, Page, expect

from tests.browser.conftest import LIVE, assert_no_axe_violations, reveal
from tests.identity import entra
from tests.support import ServerProcess, ask_to_join, create_set, free_port, join_set

HOST_FILES = Path(__file__).parent / "teams_host"

OpenFramed = Callable[..., tuple[Page, Frame]]
THEME_OF = {"default": "light", "dark": "dark", "contrast": "contrast"}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """The test host's requests are not worth a line each in the test output."""


@pytest.fixture(scope="module")
def teams_host() -> Iterator[str]:
    """The stand-in Teams client, on its own origin."""
    handler = functools.partial(QuietHandler, directory=str(HOST_FILES))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def framed_server(
    server_env: dict[str, str],
    redis_url: str,
    teams_host: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    """The app as deployed for Teams: it may be framed by the host (and by itself)."""
    env = {**server_env, "COMPANION_FRAME_ANCESTORS": f"'self' {teams_host}"}
    log_path = tmp_path_factory.mktemp("teams") / "server.log"
    server = ServerProcess(env, log_path).start()
    yield server
    server.stop()


@pytest.fixture
def open_framed(browser: Browser, teams_host: str) -> Iterator[OpenFramed]:
    """Each call opens the host around ``src`` (an app URL) in a new device. The host says it is
    Teams with ``theme``, ``locale`` and the user's ``name``; ``frame`` is the Teams frame context
    (``settings`` for the tab's setup page, ``sidePanel`` for the meeting side panel)."""
    contexts = []

    def open_framed_page(src: str, context: Any = None, **host: str) -> tuple[Page, Frame]:
        if context is None:
            context = browser.new_context(viewport={"width": 400, "height": 760})
            contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: pytest.fail(f"JavaScript error: {error}"))
        page.goto(f"{teams_host}/host.html?{urlencode({'src': src, **host})}")
        frame = page.wait_for_selector("#app").content_frame()
        assert frame is not None
        return page, frame

    yield open_framed_page
    for context in contexts:
        context.close()


def host_state(page: Page) -> dict[str, Any]:
    return page.evaluate("window.teamsHost.state")


def wait_for_host(page: Page, condition: str) -> None:
    """``condition`` is an expression over ``state``, the host's record of the app's calls."""
    page.wait_for_function(
        f"(() => {{ const state = window.teamsHost.state; return {condition} }})()"
    )


def test_outside_a_frame_the_teams_library_is_never_loaded(
    open_page: Callable[..., Page], live_server: ServerProcess
) -> None:
    created = create_set(live_server.url, "Plain tab set", "Fay")
    page = open_page()
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.goto(created["facilitator_url"])
    page.wait_for_selector(LIVE)
    page.goto(created["invite_url"])
    expect(page.locator("#continue-link")).to_have_text("Continue as Fay")
    assert not [url for url in requested if "teams-js" in url]
    assert page.evaluate("typeof window.microsoftTeams") == "undefined"
    assert problems == []


def test_the_join_page_takes_teams_theme_and_name_and_follows_theme_changes(
    open_framed: OpenFramed, framed_server: ServerProcess
) -> None:
    created = create_set(framed_server.url, "Framed set", "Fay")
    page, frame = open_framed(created["invite_url"], theme="dark", name="Noor Haddad")
    expect(frame.locator("#display-name")).to_have_value("Noor Haddad")
    expect(frame.locator("html")).to_have_attribute("data-theme", "dark")
    page.evaluate("window.teamsHost.setTheme('contrast')")
    expect(frame.locator("html")).to_have_attribute("data-theme", "contrast")
    page.evaluate("window.teamsHost.setTheme('default')")
    expect(frame.locator("html")).to_have_attribute("data-theme", "light")
    assert frame.evaluate("typeof window.microsoftTeams.app.initialize") == "function"
    assert {"initialize", "getContext"} <= set(host_state(page)["calls"])


def test_the_name_from_teams_is_only_a_suggestion(
    open_framed: OpenFramed, framed_server: ServerProcess
) -> None:
    """The member changes it before joining; the set knows them by what they typed."""
    created = create_set(framed_server.url, "Framed set", "Fay")
    _, frame = open_framed(created["invite_url"], name="Noor Haddad")
    expect(frame.locator("#display-name")).to_have_value("Noor Haddad")
    frame.fill("#display-name", "Noor")
    frame.click("button[type=submit]")
    frame.wait_for_selector(LIVE)
    expect(frame.locator("#participants")).to_contain_text("Noor")
    expect(frame.locator("#participants")).not_to_contain_text("Haddad")


def test_the_widget_in_the_side_panel_follows_the_teams_theme_and_writes_dates_in_its_locale(
    open_framed: OpenFramed, framed_server: ServerProcess
) -> None:
    created = create_set(framed_server.url, "Framed set", "Fay")
    src = f"{framed_server.url}/w?theme=dark#{created['facilitator_token']}"
    page, frame = open_framed(src, theme="dark", locale="de-de")
    frame.wait_for_selector(LIVE)
    expect(frame.locator("html")).to_have_attribute("data-theme", "dark")
    expect(frame.locator("html")).to_have_attribute("data-locale", "de-de")
    page.evaluate("window.teamsHost.setTheme('default')")
    expect(frame.locator("html")).to_have_attribute("data-theme", "light")
    page.on("dialog", lambda dialog: dialog.accept())
    reveal(frame, "#closing-controls")  # the console's tab, in the side panel
    frame.get_by_role("button", name="End the meeting").click()
    frame.get_by_role("tab", name="Now").click()
    held = frame.locator("#summary-held")
    expect(held).to_be_visible()
    weekday = frame.evaluate(
        "new Intl.DateTimeFormat('de-de', {weekday: 'long'}).format(new Date())"
    )
    expect(held).to_contain_text(weekday)


def test_the_setup_page_outside_teams_says_where_it_belongs(
    open_page: Callable[..., Page], live_server: ServerProcess
) -> None:
    page = open_page()
    page.goto(f"{live_server.url}/teams/config")
    expect(page.locator("#outside-teams")).to_be_visible()
    expect(page.locator("#config-form")).to_be_hidden()
    expect(page.locator("#outside-teams a")).to_have_attribute("href", "/")


def test_setting_up_the_tab_with_a_new_set_then_opening_it_as_its_facilitator(
    open_framed: OpenFramed, framed_server: ServerProcess, axe_script: str
) -> None:
    page, frame = open_framed(
        f"{framed_server.url}/teams/config", frame="settings", name="Fay Adeyemi"
    )
    expect(frame.locator("#choice-new")).to_be_checked()
    expect(frame.locator("#facilitator-name")).to_have_value("Fay Adeyemi")
    wait_for_host(page, "state.validity === false")
    assert_no_axe_violations(frame, axe_script, "the tab's setup page in Teams")
    frame.fill("#set-name", "Ward leaders")
    wait_for_host(page, "state.validity === true")
    page.evaluate("window.teamsHost.pressSave()")
    wait_for_host(page, "state.saved === 'success'")

    settings = host_state(page)["settings"]
    assert settings["contentUrl"].startswith(f"{framed_server.url}/join?theme={{theme}}#")
    assert settings["websiteUrl"].startswith(f"{framed_server.url}/join#")
    assert settings["suggestedDisplayName"] == "Ward leaders"
    invite_token = settings["contentUrl"].split("#", 1)[1]
    member = ask_to_join(framed_server.url, invite_token, "Ola")
    assert member["set_id"] == settings["entityId"], "a set made in Teams asks its facilitator"

    page.evaluate("window.teamsHost.openTab()")  # the same frame, at the tab's address
    continue_link = frame.locator("#continue-link")
    expect(continue_link).to_have_text("Continue as Fay Adeyemi")
    continue_link.click()
    frame.wait_for_selector(LIVE)
    expect(frame.get_by_role("tab", name="Console")).to_be_visible()  # theirs, in the side panel
    expect(frame.locator("#set-name")).to_have_text("Ward leaders")


def test_setting_up_the_tab_with_a_set_this_device_facilitates_or_a_pasted_link(
    open_framed: OpenFramed, browser: Browser, framed_server: ServerProcess
) -> None:
    known = create_set(framed_server.url, "Known set", "Fay")
    pasted = create_set(framed_server.url, "Pasted set", "Fay")
    context = browser.new_context()
    try:
        # The device has had the known set's widget open before, so it remembers that link.
        page, frame = open_framed(known["facilitator_url"], context=context)
        frame.wait_for_selector(LIVE)
        page.close()

        page, frame = open_framed(
            f"{framed_server.url}/teams/config", context=context, frame="settings"
        )
        known_choice = frame.get_by_label("Known set")
        expect(known_choice).to_be_checked()
        wait_for_host(page, "state.validity === true")
        page.evaluate("window.teamsHost.pressSave()")
        wait_for_host(page, "state.saved === 'success'")
        assert host_state(page)["settings"]["entityId"] == known["set_id"]

        frame.check("#choice-paste")
        expect(frame.locator("#facilitator-link")).to_be_visible()
        wait_for_host(page, "state.validity === false")
        member = join_set(framed_server.url, pasted["invite_token"], "Ola")
        frame.fill("#facilitator-link", member["widget_url"])
        wait_for_host(page, "state.validity === true")
        page.evaluate("window.teamsHost.pressSave()")
        wait_for_host(page, "state.saved !== null && state.saved !== 'success'")
        expect(frame.locator("#config-error")).to_contain_text("not the facilitator link")

        frame.fill("#facilitator-link", pasted["facilitator_url"])
        page.evaluate("window.teamsHost.pressSave()")
        wait_for_host(page, "state.saved === 'success'")
        assert host_state(page)["settings"]["entityId"] == pasted["set_id"]
    finally:
        context.close()


@pytest.mark.parametrize("theme", ["default", "dark", "contrast"])
def test_the_setup_page_has_no_axe_violations_in_each_teams_theme(
    open_framed: OpenFramed, framed_server: ServerProcess, axe_script: str, theme: str
) -> None:
    _, frame = open_framed(f"{framed_server.url}/teams/config", frame="settings", theme=theme)
    expect(frame.locator("html")).to_have_attribute("data-theme", THEME_OF[theme])
    expect(frame.locator("#new-fields")).to_be_visible()
    assert_no_axe_violations(frame, axe_script, f"the setup page's new set, {theme} theme")
    frame.check("#choice-paste")
    expect(frame.locator("#facilitator-link")).to_be_visible()
    assert_no_axe_violations(frame, axe_script, f"the setup page's pasted link, {theme} theme")
    assert frame.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_setup_page_outside_teams_has_no_axe_violations(
    open_page: Callable[..., Page], live_server: ServerProcess, axe_script: str
) -> None:
    page = open_page(width=280)
    page.goto(f"{live_server.url}/teams/config")
    expect(page.locator("#outside-teams")).to_be_visible()
    assert_no_axe_violations(page, axe_script, "the setup page outside Teams")


# Evaluated in a page of the app: the helper the join page uses, from the module it is served as.
SIGN_IN = "import('/static/teams.js').then((teams) => teams.teamsSignIn({timeout: 1500}))"


@pytest.fixture(scope="module")
def teams_token() -> str:
    """A token as Entra ID signs it, so the host hands the page one of a real token's size."""
    return entra.entra_token(entra.EntraKeys())


@pytest.mark.parametrize(
    ("auth", "reason", "asked"),
    [
        pytest.param("token", None, [True], id="token"),
        pytest.param("consent", None, [True, False], id="consent-then-token"),
        pytest.param("refuse", "consent_refused", [True, False], id="consent-refused"),
        pytest.param("error", "failed", [True], id="another-error"),
        pytest.param("older", "timed_out", [True], id="older-client-never-answers"),
    ],
)
def test_teams_sign_in_gives_the_token_or_says_why_the_person_waits_in_the_lobby(
    open_framed: OpenFramed,
    framed_server: ServerProcess,
    teams_token: str,
    auth: str,
    reason: str | None,
    asked: list[bool],
) -> None:
    page, frame = open_framed(f"{framed_server.url}/privacy", auth=auth, token=teams_token)
    frame.wait_for_selector("h1")
    signed_in = frame.evaluate(SIGN_IN)
    if reason is None:
        assert signed_in == {"token": teams_token}
    else:
        assert signed_in["reason"] == reason and "token" not in signed_in
        assert signed_in["message"].endswith("wait in the lobby until the facilitator lets you in.")
    assert host_state(page)["tokenRequests"] == asked


def test_outside_teams_sign_in_is_not_attempted(
    open_page: Callable[..., Page], live_server: ServerProcess
) -> None:
    page = open_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/privacy")
    assert page.evaluate(SIGN_IN) == {"reason": "not_in_teams"}
    assert not [url for url in requested if "teams-js" in url]


# --- Joining, signed in with Teams ---------------------------------------------------------------


@pytest.fixture(scope="module")
def entra_keys() -> entra.EntraKeys:
    return entra.EntraKeys()


@pytest.fixture(scope="module")
def signing_in_server(
    server_env: dict[str, str],
    redis_url: str,
    teams_host: str,
    entra_keys: entra.EntraKeys,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    """The app framed by the host and set up for Teams sign-in, trusting a real JWKS server that
    publishes the stand-in Entra ID's keys."""
    with entra.JwksServer(entra_keys) as jwks:
        env = {
            **server_env,
            "COMPANION_FRAME_ANCESTORS": f"'self' {teams_host}",
            **entra.sign_in_environment(jwks.url),
        }
        log_path = tmp_path_factory.mktemp("teams-sign-in") / "server.log"
        server = ServerProcess(env, log_path).start()
        yield server
        server.stop()


def roster_people(server: ServerProcess, created: dict[str, Any]) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
    path = f"{server.url}/api/sets/{created['set_id']}/roster"
    return requests.get(path, headers=headers, timeout=10).json()["people"]


def admit(server: ServerProcess, created: dict[str, Any], person_id: str) -> None:
    headers = {"Authorization": f"Bearer {created['facilitator_token']}"}
    path = f"{server.url}/api/sets/{created['set_id']}/roster/admit"
    response = requests.post(path, json={"participant_id": person_id}, headers=headers, timeout=10)
    assert response.status_code == 200, response.text


def test_signed_in_with_teams_someone_is_known_on_any_device_without_a_link(
    open_framed: OpenFramed, signing_in_server: ServerProcess, entra_keys: entra.EntraKeys
) -> None:
    created = create_set(signing_in_server.url, "Ward leaders", "Fay", admission="ask")
    token = entra.entra_token(entra_keys)
    _, frame = open_framed(created["invite_url"], name=entra.MEMBER_NAME, auth="token", token=token)
    expect(frame.get_by_label("Your name, as the set will see it")).to_have_value(entra.MEMBER_NAME)
    frame.get_by_role("button", name="Join the meeting").click()
    expect(frame.get_by_role("heading", name="You are in the waiting room")).to_be_visible()
    noor = next(p for p in roster_people(signing_in_server, created) if p["status"] == "waiting")
    assert (noor["came_by"], noor["verified"]) == ("teams", True)
    admit(signing_in_server, created, noor["id"])
    expect(frame.locator(LIVE)).to_be_attached()

    # Another device, which holds no link at all: Teams signs them in, and in they go.
    _, phone = open_framed(created["invite_url"], auth="token", token=entra.entra_token(entra_keys))
    expect(phone.locator(LIVE)).to_be_attached()
    expect(phone.locator("#participants")).to_contain_text(f"{entra.MEMBER_NAME} (you)")


@pytest.mark.parametrize(
    ("auth", "said"),
    [
        pytest.param(
            "refuse", "permission to use your Teams account was not given", id="consent-refused"
        ),
        pytest.param("older", "did not answer in time", id="older-client"),
    ],
)
def test_without_a_teams_token_joining_goes_on_to_the_lobby_and_says_why(
    open_framed: OpenFramed, signing_in_server: ServerProcess, auth: str, said: str
) -> None:
    created = create_set(signing_in_server.url, "Ward leaders", "Fay", admission="ask")
    _, frame = open_framed(created["invite_url"], name="Ola", auth=auth)
    note = frame.locator("#sign-in-note")
    expect(note).to_contain_text("wait in the lobby", timeout=15000)
    expect(note).to_contain_text(said)
    frame.get_by_role("button", name="Join the meeting").click()
    expect(frame.get_by_role("heading", name="You are in the waiting room")).to_be_visible()


def test_a_guest_from_another_tenant_joins_the_lobby_told_why_they_were_not_recognised(
    open_framed: OpenFramed, signing_in_server: ServerProcess, entra_keys: entra.EntraKeys
) -> None:
    created = create_set(signing_in_server.url, "Ward leaders", "Fay", admission="ask")
    guest = entra.entra_token(entra_keys, tenant_id=entra.OTHER_TENANT_ID)
    _, frame = open_framed(created["invite_url"], name="Guest", auth="token", token=guest)
    expect(frame.locator("#sign-in-note")).to_contain_text("cannot use it")
    frame.get_by_role("button", name="Join the meeting").click()
    frame.get_by_role("link", name="Continue to the waiting room").click()
    expect(frame.get_by_role("heading", name="You are in the waiting room")).to_be_visible()
    guest_entry = next(p for p in roster_people(signing_in_server, created) if p["name"] == "Guest")
    assert (guest_entry["came_by"], guest_entry["verified"]) == ("teams", False)


# --- The meeting stage ---------------------------------------------------------------------------


def test_share_to_stage_in_the_side_panel_asks_teams_to_show_the_stage_view(
    open_framed: OpenFramed, framed_server: ServerProcess
) -> None:
    created = create_set(framed_server.url, "Framed set", "Fay")
    page, frame = open_framed(created["facilitator_url"], frame="sidePanel")
    frame.wait_for_selector(LIVE)
    reveal(frame, "#stage-card")
    stage_link = frame.get_by_role("link", name="Open the stage view")
    address = stage_link.get_attribute("href")
    assert address and address.startswith(f"{framed_server.url}/stage#")
    frame.get_by_role("button", name="Share to stage").click()
    wait_for_host(page, "state.sharedToStage.length === 1")
    assert host_state(page)["sharedToStage"] == [address]
    expect(frame.locator("#stage-status")).to_contain_text("on the meeting stage")


def test_share_to_stage_is_offered_only_in_a_teams_side_panel(
    open_page: Callable[..., Page], live_server: ServerProcess
) -> None:
    created = create_set(live_server.url, "Plain tab set", "Fay")
    page = open_page(1280, 800)
    page.goto(created["facilitator_url"])
    page.wait_for_selector(LIVE)
    expect(page.locator("#stage-card")).to_be_visible()
    expect(page.locator("#share-to-stage")).to_be_hidden()


@pytest.mark.parametrize("who", ["facilitator", "member"])
def test_opened_on_the_meeting_stage_the_widget_shows_the_stage_view(
    open_framed: OpenFramed, framed_server: ServerProcess, who: str
) -> None:
    """Teams opens the app on the stage for everyone in the call, each as themselves: whoever is
    in the set sees the stage view there, never their own widget."""
    created = create_set(framed_server.url, "Framed set", "Fay")
    member = join_set(framed_server.url, created["invite_token"], "Mo")
    url = created["facilitator_url"] if who == "facilitator" else member["widget_url"]
    _, frame = open_framed(url, frame="meetingStage")
    expect(frame.locator("main.stage-view")).to_be_attached(timeout=15000)
    assert urlsplit(frame.url).path == "/stage"
    frame.wait_for_selector(LIVE)
    expect(frame.locator("#phase-name")).to_have_text("Opening")
    expect(frame.locator("#stage-signals")).to_be_visible()
