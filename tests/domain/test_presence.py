"""Joining, leaving and returning, as pure rules."""

from hypothesis import given
from hypothesis import strategies as st

from companion.domain.codec import meeting_from_dict, meeting_to_dict, public_view
from companion.domain.model import Phase, Role, Status
from tests.domain.driver import MeetingDriver, meeting_with


def test_first_connection_adds_the_participant_online() -> None:
    driver = MeetingDriver()
    before = driver.meeting
    after = driver.join("ada")
    assert after.participants["ada"].online
    assert public_view(after, driver.clock_ms)["participants"][0]["name"] == "Ada"
    assert after.version == before.version + 1
    assert before.participants == {}, "the input state is never modified"


def test_second_widget_of_the_same_person_keeps_one_entry() -> None:
    driver = MeetingDriver()
    driver.join("ada")
    joined_at = driver.meeting.participants["ada"].joined_at
    driver.join("ada")
    assert list(driver.meeting.participants) == ["ada"]
    assert driver.meeting.participants["ada"].connections == ["ada-1", "ada-2"]
    assert driver.meeting.participants["ada"].joined_at == joined_at


def test_closing_one_of_two_widgets_keeps_the_person_online() -> None:
    driver = MeetingDriver()
    driver.join("ada")
    driver.join("ada")
    driver.leave("ada")
    assert driver.meeting.participants["ada"].online
    driver.leave("ada")
    assert not driver.meeting.participants["ada"].online
    assert "ada" in driver.meeting.participants, "someone who leaves keeps their place"


def test_unknown_connection_is_rejected() -> None:
    driver = MeetingDriver()
    driver.join("ada")
    rejection = driver.reject("disconnect", "ada", connection_id="nope")
    assert rejection.code == "not_connected"


def test_closed_meeting_admits_nobody() -> None:
    driver = meeting_with(["ada"])
    driver.run("end_meeting", "fay")
    assert driver.meeting.phase is Phase.CLOSED
    driver.enrol("bob")
    assert driver.reject("connect", "bob", connection_id="c").code == "meeting_closed"


def test_only_someone_active_on_the_roster_comes_in() -> None:
    driver = meeting_with(["ada"])
    assert driver.reject("connect", "zed", connection_id="c").code == "not_a_member"
    driver.enrol("wyn")
    driver.meeting.roster.entries["wyn"].status = Status.WAITING
    assert driver.reject("connect", "wyn", connection_id="c").code == "waiting"
    driver.meeting.roster.entries["wyn"].status = Status.REMOVED
    assert driver.reject("connect", "wyn", connection_id="c").code == "removed"


def test_presence_is_not_written_to_the_activity_log() -> None:
    driver = meeting_with(["ada", "bob"])
    driver.leave("bob")
    assert driver.meeting.activity == []


def test_public_view_hides_connection_ids() -> None:
    driver = MeetingDriver()
    driver.enrol("ada")
    driver.run("connect", "ada", connection_id="secret-connection")
    view = public_view(driver.meeting, driver.clock_ms)
    assert "secret-connection" not in repr(view)
    assert view["participants"] == [{"id": "ada", "name": "Ada", "role": "member", "online": True}]


events = st.lists(
    st.tuples(st.sampled_from(["p1", "p2", "p3"]), st.booleans()),
    max_size=40,
)


@given(events)
def test_presence_matches_open_connections_and_round_trips(steps: list) -> None:
    driver = MeetingDriver()
    open_widgets: dict[str, int] = {}
    for person, opening in steps:
        if opening:
            driver.join(person, Role.MEMBER)
            open_widgets[person] = open_widgets.get(person, 0) + 1
        elif open_widgets.get(person):
            driver.leave(person)
            open_widgets[person] -= 1
        for pid, participant in driver.meeting.participants.items():
            assert participant.online == bool(open_widgets.get(pid))
        stored = meeting_to_dict(driver.meeting)
        assert "roster" not in stored, "the roster is the set's to store"
        assert meeting_from_dict(stored, driver.meeting.roster) == driver.meeting


def test_the_meeting_keeps_no_name_or_role_of_its_own() -> None:
    driver = meeting_with(["ada"])
    stored = meeting_to_dict(driver.meeting)
    assert set(stored["participants"]["ada"]) == {"id", "joined_at", "connections"}


def test_a_returning_person_has_the_role_the_roster_gives_them() -> None:
    driver = meeting_with(["ada"])
    driver.run("hand_over", "fay", participant_id="ada")
    driver.leave("fay")
    driver.join("fay", Role.FACILITATOR)
    roles = {p["id"]: p["role"] for p in public_view(driver.meeting, 0)["participants"]}
    assert roles == {"fay": "member", "ada": "facilitator"}, (
        "the link's old role counts for nothing"
    )


def test_dropping_a_dead_process_connections_leaves_the_others() -> None:
    driver = MeetingDriver()
    driver.enrol("fay", Role.FACILITATOR)
    for person in ("ada", "bob"):
        driver.enrol(person)
    driver.run("connect", "fay", connection_id="p1.a")
    driver.run("connect", "ada", connection_id="p1.b")
    driver.run("connect", "ada", connection_id="p2.c")
    driver.run("connect", "bob", connection_id="p1.d")
    driver.run("advance_phase", "fay")
    assert driver.meeting.round.current == "ada"
    history = list(driver.meeting.activity)
    driver.run("drop_connections", "server", prefix="p1.")
    people = driver.meeting.participants
    online = (people["fay"].online, people["ada"].online, people["bob"].online)
    assert online == (False, True, False)
    assert people["ada"].connections == ["p2.c"]
    assert driver.meeting.round.current == "ada"
    assert driver.reject("drop_connections", "server", prefix="p1.").code == "no_change"
    assert driver.meeting.activity == history, "presence is not meeting history"
