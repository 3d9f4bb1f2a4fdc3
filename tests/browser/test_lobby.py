"""The lobby in two (and three) real Chromium pages: a waiting page that shows nothing of the set,
a facilitator who lets people in or turns them away, admission that moves the waiting page into
the meeting without a reload, and someone removed who asks again and is flagged."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    LIVE,
    PHONE,
    SIDE_PANEL,
    OpenPage,
    assert_no_axe_violations,
    reveal,
)
from tests.support import ServerProcess, post_created

SET_NAME = "Ward leaders"
WAITING_HEADING = "You are in the waiting room"


@pytest.fixture
def created(live_server: ServerProcess) -> dict[str, Any]:
    body = {"set_name": SET_NAME, "facilitator_name": "Fay"}
    return post_created(live_server.url, "/api/sets", body)


def facilitator_page(open_page: OpenPage, created: dict[str, Any]) -> Page:
    fay = open_page(**SIDE_PANEL)
    fay.on("dialog", lambda dialog: dialog.accept())
    fay.goto(created["facilitator_url"])
    expect(fay.locator(LIVE)).to_be_attached()
    reveal(fay, "#lobby-card")  # in a side panel, the lobby is with the set's people
    return fay


def ask_to_join(page: Page, invite_url: str, name: str) -> None:
    page.goto(invite_url)
    page.get_by_label("Your name, as the set will see it").fill(name)
    page.get_by_role("button", name="Join the meeting").click()


def assert_shows_nothing_of_the_set(page: Page) -> None:
    """Only the person's own name and that they wait: no set name, people, phase or contract."""
    expect(page.get_by_role("heading", name=WAITING_HEADING)).to_be_visible()
    text = page.locator("body").inner_text()
    for secret in (SET_NAME, "Fay", "Opening", "safe space", "Signals", "Our contract"):
        assert secret not in text, f"a waiting page shows {secret!r}"
    expect(page.locator("#participants li")).to_have_count(0)


def test_someone_waits_with_nothing_of_the_set_and_is_let_in_without_a_reload(
    created: dict[str, Any], open_page: OpenPage, axe_script: str
) -> None:
    fay = facilitator_page(open_page, created)
    expect(fay.locator("#lobby-card")).to_be_visible()
    expect(fay.locator("#lobby-empty")).to_have_text("Nobody is waiting.")

    mo = open_page(phone=True)
    ask_to_join(mo, created["invite_url"], "Mo")
    assert_shows_nothing_of_the_set(mo)
    expect(mo.locator("#waiting-name")).to_have_text("You asked to join as Mo.")
    assert_no_axe_violations(mo, axe_script, "the waiting page on a phone")
    mo.evaluate("window.__stillThisPage = true")

    waiting = fay.locator("#lobby-waiting .person", has_text="Mo")
    expect(waiting).to_contain_text("by the invite link")
    expect(fay.locator("#lobby-heading")).to_have_text("Waiting to join (1)")
    expect(fay.locator("#announcer")).to_have_text("Mo is waiting to join.")
    assert_no_axe_violations(fay, axe_script, "the lobby with someone waiting, at 280 px")

    fay.get_by_role("button", name="Let in: Mo").focus()
    fay.keyboard.press("Enter")
    expect(mo.locator(LIVE)).to_be_attached()
    expect(mo.locator("#set-name")).to_have_text(SET_NAME)
    expect(mo.locator("#participants")).to_contain_text("Mo (you)")
    assert mo.evaluate("window.__stillThisPage === true"), "moved into the meeting, not reloaded"
    expect(fay.locator("#participants")).to_contain_text("Mo")
    expect(fay.locator("#lobby-empty")).to_be_visible()


def test_someone_turned_away_is_told_at_once(created: dict[str, Any], open_page: OpenPage) -> None:
    fay = facilitator_page(open_page, created)
    zed = open_page(**SIDE_PANEL)
    ask_to_join(zed, created["invite_url"], "Zed")
    assert_shows_nothing_of_the_set(zed)
    fay.get_by_role("button", name="Turn away: Zed").click()
    expect(zed.get_by_role("heading", name="You were not let in")).to_be_visible()
    expect(zed.locator("#connection")).to_have_attribute("data-state", "failed")
    expect(fay.locator("#lobby-waiting .person")).to_have_count(0)


def test_someone_removed_who_asks_again_is_flagged_and_let_back_in_only_by_a_facilitator(
    created: dict[str, Any], open_page: OpenPage, axe_script: str
) -> None:
    fay = facilitator_page(open_page, created)
    mo = open_page(**PHONE)
    ask_to_join(mo, created["invite_url"], "Mo")
    fay.get_by_role("button", name="Let in: Mo").click()
    expect(mo.locator(LIVE)).to_be_attached()

    fay.get_by_text("Manage", exact=True).click()
    fay.get_by_role("button", name="Remove: Mo").click()
    expect(mo.locator("#connection")).to_have_text("A facilitator has removed you from this set.")

    # The invite he kept, on the same device, under another name: the lobby, marked.
    mo.goto(created["invite_url"])
    expect(mo.locator("#removed-notice")).to_be_visible()
    mo.get_by_label("Your name, as the set will see it").fill("Morris")
    mo.get_by_role("button", name="Join the meeting").click()
    assert_shows_nothing_of_the_set(mo)
    flagged = fay.locator("#lobby-waiting .person", has_text="Morris")
    expect(flagged).to_contain_text("removed before, as Mo")
    expect(fay.get_by_role("button", name="Let in all")).to_have_count(0)
    assert_no_axe_violations(fay, axe_script, "the lobby with someone removed before")

    fay.get_by_role("button", name="Let in: Morris").click()
    expect(mo.locator(LIVE)).to_be_attached()
    expect(mo.locator("#participants")).to_contain_text("Morris (you)")


def test_a_facilitator_switches_how_newcomers_join(
    created: dict[str, Any], open_page: OpenPage
) -> None:
    fay = facilitator_page(open_page, created)
    fay.get_by_text("Who can join, and who was removed").click()
    expect(fay.locator("#admission-now")).to_contain_text("wait here")
    fay.get_by_role("button", name="Let anyone with the invite join at once").click()
    expect(fay.locator("#admission-now")).to_contain_text("joins at once")
    ida = open_page(**SIDE_PANEL)
    ask_to_join(ida, created["invite_url"], "Ida")
    expect(ida.locator(LIVE)).to_be_attached()
    expect(ida.locator("#participants")).to_contain_text("Ida (you)")
    expect(fay.locator("#lobby-settings")).to_have_attribute("open", "")
