"""The invite as a big QR code, for a hybrid room: the facilitator shows it on a shared screen and
people in the room join from their phones.

The code is read from a screenshot of the page with zxing-cpp, as a phone's camera would read it,
and a phone-sized browser then follows what it read all the way into the meeting.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import (
    DESKTOP,
    LIVE,
    PHONE,
    SIDE_PANEL,
    OpenPage,
    assert_no_axe_violations,
    reveal,
    shows_version,
)
from tests.browser.test_accessibility import tab_to
from tests.browser.test_layout import OVERFLOW
from tests.support import CommandedMeeting, ServerProcess, close_all

SET_NAME = "Ward leaders"
# A phone held up to a shared screen: a common size of today's phones.
SCANNING_PHONE = {"width": 390, "height": 844, "is_mobile": True, "has_touch": True}
# Each size in a different theme, so every size and every theme is seen once. Each: how the
# page is opened, the width it must fit without scrolling sideways, and the theme.
LOOKS: dict[str, tuple[dict[str, Any], int, str]] = {
    "side-panel-dark": (SIDE_PANEL, SIDE_PANEL["width"], "?theme=dark"),
    "phone-contrast": ({"phone": True}, PHONE["width"], "?theme=contrast"),
    "desktop-light": (DESKTOP, DESKTOP["width"], "?theme=light"),
}


class InviteMeeting(CommandedMeeting):
    """Fay facilitates; Mo is a member."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.seat(base_url, SET_NAME, "Fay", {"mo": "Mo"})

    def open(self, page: Page, who: str, query: str = "") -> Page:
        """``who``'s widget in ``page``, showing the meeting as it is now."""
        address, _, token = self.urls[who].partition("#")
        page.goto(f"{address}{query}#{token}")
        expect(page.locator(LIVE)).to_be_attached()
        shows_version(page, self.version)
        if who == "facilitator":
            reveal(page, "#invite")  # in a narrow widget, the invite is with the set's people
        return page


@pytest.fixture
def meeting(live_server: ServerProcess) -> Iterator[InviteMeeting]:
    scripted = InviteMeeting(live_server.url)
    yield scripted
    close_all(list(scripted.widgets.values()))


def qr_dialog(page: Page) -> Locator:
    return page.get_by_role("dialog", name=f"Join {SET_NAME}")


def open_qr(page: Page) -> Locator:
    """Open the QR code by keyboard, as a facilitator at a shared screen would."""
    reveal(page, "#show-qr")
    tab_to(page, "#show-qr", limit=300)
    page.keyboard.press("Enter")
    dialog = qr_dialog(page)
    expect(dialog).to_be_visible()
    expect(page.locator("#qr-image")).to_be_visible()
    return dialog


def qr_screenshot(page: Page) -> Image.Image:
    return Image.open(io.BytesIO(page.locator("#qr-image").screenshot())).convert("RGB")


def read_qr(page: Page) -> str:
    """What a camera reads from the code as the page draws it: exactly one QR code's text (a
    camera app looks for QR codes only; zxing-cpp 3 also tries 1D formats, which the modules can
    fool)."""
    found = zxingcpp.read_barcodes(qr_screenshot(page), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.format for r in found] == [zxingcpp.BarcodeFormat.QRCode], found
    return found[0].text


def assert_as_big_as_the_screen_allows(page: Page) -> None:
    """A square, at least 85% of the viewport's smaller side: margins and text take the rest."""
    box = page.locator("#qr-image").bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert abs(box["width"] - box["height"]) < 1, box
    assert box["width"] >= 0.85 * min(viewport["width"], viewport["height"]), (box, viewport)


def test_the_facilitator_shows_the_invite_as_a_qr_code_and_a_phone_joins_with_it(
    meeting: InviteMeeting, open_page: OpenPage
) -> None:
    fay = meeting.open(open_page(**DESKTOP), "facilitator")
    card_link = fay.locator("#invite-url").input_value()

    dialog = open_qr(fay)
    assert fay.evaluate("document.getElementById('qr-dialog').contains(document.activeElement)")
    expect(fay.get_by_role("button", name="Close")).to_be_focused()
    expect(dialog).to_contain_text("Scan the code with your phone's camera to join.")
    assert_as_big_as_the_screen_allows(fay)

    read = read_qr(fay)
    expect(fay.locator("#qr-link")).to_have_text(read)
    # Each opening signs a fresh invite to the same set: it differs from the card's link only in
    # its timestamp and signature, and in saying it came by QR code, never in where it leads or
    # which set it names.
    address, _, token = read.partition("#")
    card_address, _, card_token = card_link.partition("#")
    assert address == f"{meeting.base_url}/join?via=qr"
    assert card_address == f"{meeting.base_url}/join"
    assert token.split(".")[0] == card_token.split(".")[0]

    phone = open_page(**SCANNING_PHONE)
    phone.goto(read)
    phone.get_by_label("Your name, as the set will see it").fill("Pia")
    phone.get_by_role("button", name="Join the meeting").tap()
    expect(phone.locator(LIVE)).to_be_attached()
    expect(phone.locator("#set-name")).to_have_text(SET_NAME)
    expect(fay.locator("#participants")).to_contain_text("Pia")

    fay.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(fay.locator("#show-qr")).to_be_focused()


def test_a_member_has_no_qr_code_to_show(meeting: InviteMeeting, open_page: OpenPage) -> None:
    mo = meeting.open(open_page(**SIDE_PANEL), "mo")
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    expect(fay.get_by_role("button", name="Show QR code")).to_be_visible()
    expect(mo.locator("#invite")).to_be_hidden()
    expect(mo.get_by_role("button", name="Show QR code")).to_have_count(0)


def test_over_plain_http_the_card_says_teams_needs_https(
    meeting: InviteMeeting, open_page: OpenPage
) -> None:
    fay = meeting.open(open_page(**SIDE_PANEL), "facilitator")
    expect(fay.get_by_role("link", name="Add to Microsoft Teams")).to_have_count(0)
    expect(fay.locator("#teams-needs-https")).to_be_visible()
    expect(fay.locator("#teams-needs-https")).to_contain_text("HTTPS")
    expect(fay.locator("#teams-needs-https")).to_contain_text("docs/teams.md")


@pytest.mark.parametrize("look", LOOKS)
def test_the_qr_code_fits_reads_and_passes_axe_at_every_size_and_theme(
    meeting: InviteMeeting, open_page: OpenPage, axe_script: str, look: str
) -> None:
    size, width, query = LOOKS[look]
    fay = meeting.open(open_page(**size), "facilitator", query)
    dialog = open_qr(fay)

    layout = fay.evaluate(OVERFLOW, width)
    assert layout["innerWidth"] == width, "the page was not zoomed out to fit"
    assert layout["scrollWidth"] <= width and not layout["past"], layout
    assert dialog.evaluate("(d) => d.scrollWidth <= d.clientWidth")
    assert_as_big_as_the_screen_allows(fay)

    assert read_qr(fay) == fay.locator("#qr-link").text_content()
    # Inside the quiet zone (4 modules of some 50, so 8% of the side) near each corner, clear of
    # the sliver of page a screenshot's rounding may take in at the edge.
    image = qr_screenshot(fay)
    near_corners = {
        image.getpixel((round(image.width * x), round(image.height * y)))
        for x in (0.04, 0.96)
        for y in (0.04, 0.96)
    }
    assert near_corners == {(255, 255, 255)}, f"the quiet zone is white in the {look} look"

    assert_no_axe_violations(fay, axe_script, f"the QR code's dialog ({look})")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(fay.locator("#show-qr")).to_be_focused()


def test_a_co_facilitator_made_a_member_while_showing_it_is_not_left_behind_a_modal(
    meeting: InviteMeeting, open_page: OpenPage
) -> None:
    """The card hides when its holder no longer facilitates; an open modal dialog inside it would
    stay modal while unseen, and leave the whole page out of reach."""
    make = {"participant_id": meeting.ids["mo"], "role": "co_facilitator"}
    meeting.send("facilitator", "set_role", make)
    mo = meeting.open(open_page(**SIDE_PANEL), "mo")
    dialog = open_qr(mo)
    meeting.send("facilitator", "set_role", make | {"role": "member"})
    shows_version(mo, meeting.version)
    expect(dialog).to_be_hidden()
    expect(mo.locator("#invite")).to_be_hidden()
    assert not mo.evaluate("document.getElementById('qr-dialog').open")
    reveal(mo, "#your-data-box")
    mo.locator("#your-data-box > summary").click(timeout=5000)  # the page answers again
    expect(mo.locator("#your-data-box")).to_have_attribute("open", "")


def test_the_facilitator_replaces_a_leaked_invite_and_the_old_one_stops_working(
    meeting: InviteMeeting, open_page: OpenPage
) -> None:
    fay = meeting.open(open_page(), "facilitator")
    old_link = fay.locator("#invite-url").input_value()
    fay.once("dialog", lambda dialog: dialog.accept())
    tab_to(fay, "#replace-invite", limit=300)
    fay.keyboard.press("Enter")
    expect(fay.locator("#copy-status")).to_have_text(
        "A new invite link is ready. The old one no longer works."
    )
    new_link = fay.locator("#invite-url").input_value()
    assert new_link != old_link and new_link.split("#")[0] == old_link.split("#")[0]
    expect(fay.locator("#replace-invite")).to_be_focused()

    stranger = open_page(phone=True)
    stranger.goto(old_link)
    stranger.fill("#display-name", "Zed")
    stranger.get_by_role("button", name="Join the meeting").click()
    expect(stranger.locator("#join-error")).to_contain_text("replaced by a new one")

    newcomer = open_page(phone=True)
    newcomer.goto(new_link)
    newcomer.fill("#display-name", "Ida")
    newcomer.get_by_role("button", name="Join the meeting").click()
    expect(newcomer.locator(LIVE)).to_be_attached()
    expect(fay.locator("#participants")).to_contain_text("Ida")
