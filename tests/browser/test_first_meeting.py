"""A facilitator and a member open the widget in Chromium and see each other."""

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.support import ServerProcess


def test_facilitator_starts_and_member_joins_and_both_see_both(
    live_server: ServerProcess, open_page
) -> None:
    facilitator = open_page(1024, 768)
    facilitator.goto(f"{live_server.url}/")
    facilitator.get_by_label("Name of the set").fill("Ward leaders")
    facilitator.get_by_label("Your name (you will facilitate)").fill("Fay Facilitator")
    expected = facilitator.get_by_label("Who you expect to join (optional, one name per line)")
    expected.fill("Mo Member\n\nAda Absent\nAda Absent")
    facilitator.get_by_role("button", name="Create the set and start").click()
    expect(facilitator.get_by_role("heading", name="Your meeting is ready")).to_be_focused()
    invite_url = facilitator.get_by_label("Member invite link").input_value()
    facilitator_url = facilitator.get_by_label("Your facilitator link").input_value()
    assert invite_url != facilitator_url
    facilitator.get_by_role("link", name="Open the meeting").click()
    expect(facilitator.locator("#connection")).to_have_text("Live")

    member = open_page(375, 667)
    member.goto(invite_url)
    member.get_by_label("Your name, as the set will see it").fill("Mo Member")
    member.get_by_role("button", name="Join the meeting").click()
    # A new set asks its facilitator: Mo waits until Fay lets him in.
    expect(member.get_by_role("heading", name="You are in the waiting room")).to_be_visible()
    facilitator.get_by_role("button", name="Let in: Mo Member").click()
    expect(member.locator("#connection")).to_have_text("Live")

    for page in (facilitator, member):
        people = page.locator("#participants")
        expect(people).to_contain_text("Fay Facilitator")
        expect(people).to_contain_text("Mo Member")
        expect(page.locator("#phase-name")).to_have_text("Opening")
    expect(member.locator("#participants")).to_contain_text("Mo Member (you)")
    # The expected list, without blanks or repeats, less whoever has come.
    expect(facilitator.locator("#expected li")).to_have_count(1)
    expect(facilitator.locator("#expected li")).to_contain_text("Ada Absent")
    expect(facilitator.locator("#invite")).to_be_visible()
    expect(member.locator("#invite")).to_be_hidden()

    ARTIFACTS.mkdir(exist_ok=True)
    facilitator.set_viewport_size({"width": 320, "height": 640})
    facilitator.screenshot(path=str(ARTIFACTS / "widget-facilitator-320.png"), full_page=True)
    member.screenshot(path=str(ARTIFACTS / "widget-member-phone.png"), full_page=True)


def test_a_member_leaving_shows_as_away(live_server: ServerProcess, open_page) -> None:
    from tests.support import create_set, join_set

    created = create_set(live_server.url, "Set", "Fay")
    joined = join_set(live_server.url, created["invite_token"], "Mo")
    facilitator = open_page()
    facilitator.goto(created["facilitator_url"])
    member = open_page(375, 667)
    member.goto(joined["widget_url"])
    expect(member.locator("#connection")).to_have_text("Live")
    mo = facilitator.locator("#participants .person", has_text="Mo")
    expect(mo).to_contain_text("here")
    member.close()
    expect(mo).to_contain_text("away", timeout=15000)


def test_names_render_as_text_not_markup(live_server: ServerProcess, open_page) -> None:
    from tests.support import create_set

    created = create_set(live_server.url, "<b>Set</b>", "<img src=x onerror=alert(1)>")
    page = open_page()
    page.goto(created["facilitator_url"])
    expect(page.locator("#participants")).to_contain_text("<img src=x onerror=alert(1)>")
    expect(page.locator("#set-name")).to_have_text("<b>Set</b>")
    assert page.locator("#participants img").count() == 0


def test_an_incomplete_link_says_so(live_server: ServerProcess, open_page) -> None:
    page = open_page()
    page.goto(f"{live_server.url}/w")
    expect(page.locator("#connection")).to_contain_text("incomplete")
    page.goto(f"{live_server.url}/w#not-a-real-token")
    expect(page.locator("#connection")).to_contain_text("not valid")


def test_a_check_in_round_runs_from_the_widgets(live_server: ServerProcess, open_page) -> None:
    from tests.support import create_set, join_set

    created = create_set(live_server.url, "Set", "Fay")
    members = [join_set(live_server.url, created["invite_token"], n) for n in ("Ada", "Ben")]
    facilitator = open_page()
    facilitator.goto(created["facilitator_url"])
    pages = []
    for joined in members:
        page = open_page(375, 667)
        page.goto(joined["widget_url"])
        expect(page.locator("#connection")).to_have_text("Live")
        pages.append(page)
    expect(facilitator.locator("#participants")).to_contain_text("Ben")
    facilitator.get_by_role("button", name="Next step").click()
    ada, ben = pages
    expect(ada.locator("#phase-name")).to_have_text("Check-in")
    expect(ada.locator("#your-turn")).to_have_text("It's your turn to speak.")
    expect(ben.locator("#your-turn")).to_be_hidden()
    expect(ada.locator("#announcer")).to_contain_text("your turn")
    ada.get_by_role("button", name="I'm done").click()
    expect(ben.locator("#your-turn")).to_have_text("It's your turn to speak.")
    expect(facilitator.locator("#speaking-order")).to_contain_text("spoke")
    ben.get_by_role("button", name="Pass").click()
    expect(facilitator.locator("#activity")).to_contain_text("Ben passed.")
    expect(facilitator.locator("#activity")).to_contain_text("Fay moved the meeting to Check-in.")
