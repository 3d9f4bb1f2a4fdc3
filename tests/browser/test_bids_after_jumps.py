"""What a member's widget says of their bid stays true when the facilitator jumps between phases.

Jumping past the work to the learning review (or closing the meeting) leaves an accepted bid that
was never reached: it no longer "presents 1st, with about 109 minutes", and its framing prompts
go. Jumping back to where work can still come makes it the next presentation again. And someone
whose first bid was declined and who asked again is told about the bid in play, not the old one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, LIVE, SIDE_PANEL, OpenPage, shows_version
from tests.support import CommandedMeeting, ServerProcess, close_all


class BiddingMeeting(CommandedMeeting):
    """Fay facilitates; Mo and Ada are members, and the meeting is at its bidding."""

    def __init__(self, base_url: str) -> None:
        self.seat(base_url, "Ward leaders", "Fay", {"mo": "Mo", "ada": "Ada"})
        self.send("facilitator", "go_to_phase", {"phase": "bidding"})

    def open(self, page: Page, who: str) -> Page:
        address, _, token = self.urls[who].partition("#")
        page.goto(f"{address}#{token}")
        expect(page.locator(LIVE)).to_be_attached()
        shows_version(page, self.version)
        return page

    def bids_of(self, who: str) -> list[str]:
        """``who``'s bids as the server holds them now, a page's own included."""
        facilitator = self.widgets["facilitator"]
        version = facilitator.call("sync")["version"]
        held = facilitator.wait_for("snapshot", lambda s: s["version"] >= version)["meeting"]
        return [b["id"] for b in held["bids"] if b["participant_id"] == self.ids[who]]

    def go_to(self, pages: list[Page], **target: str) -> None:
        self.send("facilitator", "go_to_phase", target)
        for page in pages:
            shows_version(page, self.version)


@pytest.fixture
def meeting(live_server: ServerProcess) -> Iterator[BiddingMeeting]:
    scripted = BiddingMeeting(live_server.url)
    yield scripted
    close_all(list(scripted.widgets.values()))


def mine_in_the_list(page: Page) -> str:
    return page.locator("#bids li", has_text="(you)").inner_text()


@pytest.mark.parametrize("size", [SIDE_PANEL, DESKTOP], ids=["side-panel", "desktop"])
def test_an_accepted_bid_that_the_meeting_moved_past_is_not_shown_as_still_to_present(
    meeting: BiddingMeeting, open_page: OpenPage, size: dict[str, int]
) -> None:
    meeting.send("mo", "place_bid", {"title": "Budget worries", "minutes": 20})
    meeting.send("facilitator", "accept_bid", {"bid_id": meeting.bids_of("mo")[0]})
    mo = meeting.open(open_page(**size), "mo")
    fay = meeting.open(open_page(**size), "facilitator")
    places = mo.locator("#your-places")
    expect(places).to_contain_text("Your bid is accepted: you present 1st, with about")
    expect(mo.locator("#presenter-tools")).to_be_visible()

    for phase in ("learning_review", "closed"):
        meeting.go_to([mo, fay], phase=phase)
        expect(places).not_to_contain_text("you present")
        expect(places).to_contain_text("Your bid was not reached in this meeting.")
        expect(mo.locator("#presenter-tools")).to_be_hidden()
        for page in (mo, fay):
            row = page.locator("#bids li", has_text="Budget worries")
            expect(row).to_contain_text("not reached")
            expect(row).not_to_contain_text(re.compile("presents|proposed"))

    # Back to where work can come: it is the next presentation again (with no proposed time, as
    # closing the meeting stopped its timer).
    meeting.go_to([mo, fay], phase="bidding")
    expect(places).to_contain_text("Your bid is accepted: you present 1st.")
    expect(mo.locator("#presenter-tools")).to_be_visible()
    assert "presents 1st" in mine_in_the_list(mo)


def test_a_member_who_asked_again_after_a_decline_is_told_of_the_bid_in_play(
    meeting: BiddingMeeting, open_page: OpenPage
) -> None:
    meeting.send("mo", "place_bid", {"title": "", "minutes": 15})
    meeting.send("facilitator", "decline_bid", {"bid_id": meeting.bids_of("mo")[0]})
    mo = meeting.open(open_page(**DESKTOP), "mo")
    places = mo.locator("#your-places")
    expect(places).to_contain_text("Your bid was not taken up this time.")
    mo.fill("#bid-title", "Rotas")
    mo.locator("#bid-form button[type=submit]").click()
    expect(places).to_contain_text("Your bid is waiting for the facilitator.")
    expect(places).not_to_contain_text("not taken up")
    expect(mo.locator("#bid-box")).to_be_hidden()  # one bid in play at a time

    _declined, asked_again = meeting.bids_of("mo")
    meeting.send("facilitator", "accept_bid", {"bid_id": asked_again})
    meeting.go_to([mo], phase="work", bid_id=asked_again)
    expect(mo.locator("#your-turn")).to_have_text(
        "You are presenting. You decide when you are done."
    )
    expect(places).not_to_contain_text("not taken up")

    meeting.go_to([mo], phase="check_in")  # the work interrupted: the bid waits again
    expect(places).to_contain_text("Your bid is accepted: you present 1st")
    expect(mo.get_by_role("button", name="Withdraw my bid")).to_be_attached()
