"""Anonymous signals: counted by kind and time only, never traced to a sender, fading with time."""

import json
from typing import Any

import pytest

from companion.domain import signals
from companion.domain.codec import meeting_to_dict, public_view
from companion.domain.model import Phase, Role
from tests.domain.driver import MeetingDriver, meeting_with

SENDERS = ["ada", "bob", "cy"]
WINDOW_MS = 60_000  # the default signal window


@pytest.fixture
def driver() -> MeetingDriver:
    """Fay facilitates; Ada, Bob and Cy are members; the meeting is at its bidding."""
    driver = meeting_with(SENDERS)
    driver.run("go_to_phase", "fay", phase="bidding")
    return driver


@pytest.fixture
def signalled(driver: MeetingDriver) -> tuple[MeetingDriver, dict[str, Any]]:
    """Each member has sent a signal; returns the driver and the stored meeting from before."""
    before = meeting_to_dict(driver.meeting)
    driver.run("send_signal", "ada", kind="pause")
    driver.run("send_signal", "bob", kind="advice")
    driver.run("send_signal", "cy", kind="pause")
    return driver, before


def send(driver: MeetingDriver, actor: str, kind: str) -> int:
    """Send a signal and return the server time it was sent at."""
    driver.run("send_signal", actor, kind=kind)
    return driver.clock_ms


def shown(driver: MeetingDriver, now_ms: int | None = None) -> dict[str, list[int]]:
    now = driver.clock_ms if now_ms is None else now_ms
    return public_view(driver.meeting, now)["signals"]


def strings_in(value: Any) -> list[str]:
    """Every string anywhere in a plain structure, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in [*strings_in(key), *strings_in(item)]]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


def test_a_signal_is_stored_as_its_kind_and_time(driver: MeetingDriver) -> None:
    sent = send(driver, "ada", "pause")
    assert driver.meeting.signals == {"pause": [sent]}
    assert meeting_to_dict(driver.meeting)["signals"] == {"pause": [sent]}


def test_sending_a_signal_leaves_no_line_in_the_activity(driver: MeetingDriver) -> None:
    activity = list(driver.meeting.activity)
    for sender, kind in [("ada", "pause"), ("bob", "advice"), ("cy", "time")]:
        send(driver, sender, kind)
    assert driver.meeting.activity == activity


def test_each_signal_still_moves_the_version_on(driver: MeetingDriver) -> None:
    before = driver.meeting.version
    for count, sender in enumerate(SENDERS, start=1):
        send(driver, sender, "clarity")
        assert driver.meeting.version == before + count


def test_signals_change_nothing_but_the_counts_and_the_version(
    signalled: tuple[MeetingDriver, dict[str, Any]],
) -> None:
    driver, before = signalled
    after = meeting_to_dict(driver.meeting)
    assert after["version"] == before["version"] + 3
    unchanged = {key for key in after if key not in {"signals", "version"}}
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}


def test_the_stored_signals_hold_only_kinds_and_integer_times(
    signalled: tuple[MeetingDriver, dict[str, Any]],
) -> None:
    driver, _ = signalled
    stored = meeting_to_dict(driver.meeting)["signals"]
    assert set(stored) == {"pause", "advice"}
    assert set(stored) <= set(signals.KINDS)
    for times in stored.values():
        assert all(type(t) is int for t in times)
    assert [len(times) for times in stored.values()] == [2, 1]


def test_no_sender_can_be_found_in_the_stored_signals(
    signalled: tuple[MeetingDriver, dict[str, Any]],
) -> None:
    driver, _ = signalled
    stored = meeting_to_dict(driver.meeting)["signals"]
    everyone = set(driver.meeting.participants)
    assert set(strings_in(stored)) == {"pause", "advice"}
    assert not everyone & set(strings_in(stored))
    text = json.dumps(stored)
    assert not [pid for pid in everyone if pid in text]


def test_no_sender_can_be_found_in_the_public_signals(
    signalled: tuple[MeetingDriver, dict[str, Any]],
) -> None:
    driver, _ = signalled
    view = shown(driver)
    everyone = set(driver.meeting.participants)
    assert set(strings_in(view)) == {"pause", "advice"}
    text = json.dumps(view)
    assert not [pid for pid in everyone if pid in text]


def test_two_members_sending_the_same_kind_count_two(driver: MeetingDriver) -> None:
    first = send(driver, "ada", "slow_down")
    second = send(driver, "bob", "slow_down")
    assert shown(driver) == {"slow_down": [first + WINDOW_MS, second + WINDOW_MS]}
    assert len(shown(driver)["slow_down"]) == 2


def test_the_same_member_sending_twice_counts_twice(driver: MeetingDriver) -> None:
    """The rules remember nobody, so they cannot tell a repeat from a second person: counting
    each person once is the store's job (tests/store/test_signal_claims.py)."""
    send(driver, "ada", "refocus")
    send(driver, "ada", "refocus")
    assert len(shown(driver)["refocus"]) == 2


def test_the_presenter_may_signal_too() -> None:
    driver = meeting_with(["ada", "bob"])
    driver.run("place_bid", "ada", title="Rota", minutes=20)
    driver.run("accept_bid", "fay", bid_id="b1")
    driver.run("go_to_phase", "fay", phase="work")
    sent = send(driver, "ada", "advice")
    assert shown(driver) == {"advice": [sent + WINDOW_MS]}


def test_the_public_view_shows_each_kind_with_its_sorted_fade_times(
    driver: MeetingDriver,
) -> None:
    pause_1 = send(driver, "ada", "pause")
    time_1 = send(driver, "bob", "time")
    pause_2 = send(driver, "cy", "pause")
    assert shown(driver) == {
        "pause": [pause_1 + WINDOW_MS, pause_2 + WINDOW_MS],
        "time": [time_1 + WINDOW_MS],
    }


def test_fade_times_are_sorted_whatever_order_they_are_stored_in(driver: MeetingDriver) -> None:
    driver.meeting.signals = {"pause": [5_000, 1_000, 3_000]}
    assert signals.fading_times(driver.meeting, 0) == {"pause": [61_000, 63_000, 65_000]}


def test_no_signals_shows_an_empty_mapping(driver: MeetingDriver) -> None:
    assert shown(driver) == {}


@pytest.mark.parametrize(("after_ms", "visible"), [(WINDOW_MS - 1, True), (WINDOW_MS, False)])
def test_a_signal_fades_once_its_window_has_passed(
    driver: MeetingDriver, after_ms: int, visible: bool
) -> None:
    sent = send(driver, "ada", "pause")
    expected = {"pause": [sent + WINDOW_MS]} if visible else {}
    assert shown(driver, sent + after_ms) == expected


def test_faded_signals_drop_out_while_newer_ones_still_count(driver: MeetingDriver) -> None:
    early = send(driver, "ada", "pause")
    driver.clock_ms += 30_000
    late = send(driver, "bob", "pause")
    send(driver, "cy", "time")
    assert shown(driver, early + WINDOW_MS + 1) == {
        "pause": [late + WINDOW_MS],
        "time": [driver.clock_ms + WINDOW_MS],
    }
    assert shown(driver, driver.clock_ms + WINDOW_MS) == {}


def test_the_set_window_sets_the_fade_time(driver: MeetingDriver) -> None:
    driver.meeting.settings.signal_window_seconds = 30
    sent = send(driver, "ada", "clarity")
    assert shown(driver) == {"clarity": [sent + 30_000]}
    assert shown(driver, sent + 30_000) == {}
    assert shown(driver, sent + 29_999) == {"clarity": [sent + 30_000]}


def test_a_changed_window_applies_to_signals_already_sent(driver: MeetingDriver) -> None:
    sent = send(driver, "ada", "clarity")
    driver.meeting.settings.signal_window_seconds = 120
    assert shown(driver, sent + WINDOW_MS) == {"clarity": [sent + 120_000]}


def test_sending_a_signal_forgets_those_that_have_faded(driver: MeetingDriver) -> None:
    send(driver, "ada", "pause")
    send(driver, "bob", "advice")
    driver.clock_ms += WINDOW_MS
    later = send(driver, "cy", "time")
    assert driver.meeting.signals == {"time": [later]}
    assert meeting_to_dict(driver.meeting)["signals"] == {"time": [later]}


@pytest.mark.parametrize(("age_ms", "kept"), [(WINDOW_MS - 1, True), (WINDOW_MS, False)])
def test_a_stored_signal_is_forgotten_exactly_when_it_fades(
    driver: MeetingDriver, age_ms: int, kept: bool
) -> None:
    first = send(driver, "ada", "pause")
    driver.clock_ms = first + age_ms - 1000  # the driver moves one second on for the command
    second = send(driver, "bob", "pause")
    assert second == first + age_ms
    assert driver.meeting.signals == {"pause": [first, second] if kept else [second]}


def test_forget_faded_keeps_only_signals_still_counting(driver: MeetingDriver) -> None:
    driver.meeting.signals = {"pause": [1_000, 50_000], "time": [2_000], "advice": [70_000]}
    signals.forget_faded(driver.meeting, 62_000)
    assert driver.meeting.signals == {"pause": [50_000], "advice": [70_000]}


def test_a_shorter_window_forgets_sooner(driver: MeetingDriver) -> None:
    first = send(driver, "ada", "pause")
    driver.meeting.settings.signal_window_seconds = 5
    driver.clock_ms += 5_000
    second = send(driver, "bob", "pause")
    assert driver.meeting.signals == {"pause": [second]}
    assert first not in driver.meeting.signals["pause"]


@pytest.mark.parametrize("phase", ["opening", "check_in", "bidding", "learning_review"])
def test_signals_are_sent_in_any_phase_of_an_open_meeting(
    driver: MeetingDriver, phase: str
) -> None:
    if driver.meeting.phase is not Phase(phase):
        driver.run("go_to_phase", "fay", phase=phase)
    sent = send(driver, "ada", "slow_down")
    assert shown(driver) == {"slow_down": [sent + WINDOW_MS]}


def test_every_kind_in_the_catalogue_can_be_sent(driver: MeetingDriver) -> None:
    for kind in signals.KINDS:
        send(driver, "ada", kind)
    assert set(shown(driver)) == set(signals.KINDS)
    assert all(signal.label and signal.meaning for signal in signals.CATALOGUE)
    assert len(set(signals.KINDS)) == len(signals.KINDS)


def test_no_signals_once_the_meeting_has_closed(driver: MeetingDriver) -> None:
    driver.run("end_meeting", "fay")
    assert driver.reject("send_signal", "ada", kind="pause").code == "meeting_closed"


@pytest.mark.parametrize("kind", ["dance", "", "PAUSE", "Pause please"])
def test_an_unknown_kind_is_refused(driver: MeetingDriver, kind: str) -> None:
    assert driver.reject("send_signal", "ada", kind=kind).code == "unknown_signal"


def test_a_signal_needs_a_kind(driver: MeetingDriver) -> None:
    assert driver.reject("send_signal", "ada").code == "invalid_input"


@pytest.mark.parametrize("role", [Role.OBSERVER, Role.CO_FACILITATOR])
def test_only_members_send_signals(driver: MeetingDriver, role: Role) -> None:
    driver.join("pat", role)
    assert driver.reject("send_signal", "pat", kind="pause").code == "not_allowed"
    assert driver.reject("send_signal", "fay", kind="pause").code == "not_allowed"


def test_a_removed_member_sends_no_signals(driver: MeetingDriver) -> None:
    driver.run("remove_participant", "fay", participant_id="bob")
    assert driver.reject("send_signal", "bob", kind="pause").code == "removed"


# --- What the facilitator can do: switch a kind off, clear counts, set the window -------------


def test_a_switched_off_kind_loses_its_count_and_cannot_be_sent(driver: MeetingDriver) -> None:
    send(driver, "ada", "slow_down")
    send(driver, "bob", "pause")
    driver.run("switch_signal", "fay", kind="slow_down", on=False)
    assert driver.meeting.signals_off == ["slow_down"]
    assert set(shown(driver)) == {"pause"}
    assert driver.reject("send_signal", "cy", kind="slow_down").code == "signal_off"
    last = driver.meeting.activity[-1]
    assert (last.actor, last.action, last.detail, last.override) == (
        "fay",
        "signal_off",
        "slow_down",
        True,
    )


def test_a_kind_switched_back_on_can_be_sent_again(driver: MeetingDriver) -> None:
    driver.run("switch_signal", "fay", kind="time", on=False)
    driver.run("switch_signal", "fay", kind="time", on=True)
    assert driver.meeting.signals_off == []
    assert driver.meeting.activity[-1].action == "signal_on"
    sent = send(driver, "ada", "time")
    assert shown(driver) == {"time": [sent + WINDOW_MS]}


@pytest.mark.parametrize("on", [True, False])
def test_switching_to_the_state_a_kind_is_in_is_refused(driver: MeetingDriver, on: bool) -> None:
    if not on:
        driver.run("switch_signal", "fay", kind="pause", on=False)
    assert driver.reject("switch_signal", "fay", kind="pause", on=on).code == "no_change"


def test_switching_off_starts_only_that_kinds_round_afresh(driver: MeetingDriver) -> None:
    driver.run("switch_signal", "fay", kind="advice", on=False)
    assert signals.round_of(driver.meeting, "advice") == 1
    assert signals.round_of(driver.meeting, "pause") == 0


def test_clearing_all_empties_every_count_and_starts_every_round_afresh(
    signalled: tuple[MeetingDriver, dict[str, Any]],
) -> None:
    driver, _ = signalled
    driver.run("clear_signals", "fay", kind=None)
    assert shown(driver) == {}
    assert {signals.round_of(driver.meeting, k) for k in signals.KINDS} == {1}
    last = driver.meeting.activity[-1]
    assert (last.action, last.detail, last.override) == ("signals_cleared", None, True)


def test_clearing_one_kind_leaves_the_others(
    signalled: tuple[MeetingDriver, dict[str, Any]],
) -> None:
    driver, _ = signalled
    driver.run("clear_signals", "fay", kind="pause")
    assert set(shown(driver)) == {"advice"}
    assert signals.round_of(driver.meeting, "pause") == 1
    assert signals.round_of(driver.meeting, "advice") == 0
    assert driver.meeting.activity[-1].detail == "pause"


def test_clearing_nothing_is_refused(driver: MeetingDriver) -> None:
    assert driver.reject("clear_signals", "fay", kind=None).code == "nothing_to_clear"
    send(driver, "ada", "pause")
    assert driver.reject("clear_signals", "fay", kind="time").code == "nothing_to_clear"
    driver.clock_ms += WINDOW_MS
    assert driver.reject("clear_signals", "fay", kind="pause").code == "nothing_to_clear"


def test_a_new_window_applies_and_starts_the_counts_afresh(
    signalled: tuple[MeetingDriver, dict[str, Any]],
) -> None:
    driver, _ = signalled
    driver.run("set_signal_window", "fay", seconds=90)
    assert driver.meeting.settings.signal_window_seconds == 90
    assert shown(driver) == {}
    assert {signals.round_of(driver.meeting, k) for k in signals.KINDS} == {1}
    sent = send(driver, "ada", "pause")
    assert shown(driver) == {"pause": [sent + 90_000]}
    last = driver.meeting.activity[-1]
    assert (last.action, last.detail, last.override) == ("signal_window_set", "90", True)


@pytest.mark.parametrize(
    ("seconds", "code"),
    [(9, "out_of_range"), (601, "out_of_range"), (0, "out_of_range"), (60, "no_change")],
)
def test_a_window_out_of_range_or_unchanged_is_refused(
    driver: MeetingDriver, seconds: int, code: str
) -> None:
    assert driver.reject("set_signal_window", "fay", seconds=seconds).code == code


@pytest.mark.parametrize("seconds", [signals.WINDOW_MIN_SECONDS, signals.WINDOW_MAX_SECONDS])
def test_the_window_limits_themselves_are_accepted(driver: MeetingDriver, seconds: int) -> None:
    driver.run("set_signal_window", "fay", seconds=seconds)
    assert driver.meeting.settings.signal_window_seconds == seconds


@pytest.mark.parametrize(
    ("verb", "args"),
    [
        ("switch_signal", {"kind": "pause", "on": False}),
        ("clear_signals", {"kind": None}),
        ("set_signal_window", {"seconds": 30}),
    ],
)
def test_members_cannot_steer_signals(driver: MeetingDriver, verb: str, args: Any) -> None:
    send(driver, "ada", "pause")
    assert driver.reject(verb, "ada", **args).code == "not_allowed"


@pytest.mark.parametrize(
    ("verb", "args"),
    [
        ("switch_signal", {"kind": "pause", "on": False}),
        ("clear_signals", {"kind": None}),
        ("set_signal_window", {"seconds": 30}),
    ],
)
def test_nothing_is_steered_once_the_meeting_has_closed(
    driver: MeetingDriver, verb: str, args: Any
) -> None:
    driver.run("end_meeting", "fay")
    assert driver.reject(verb, "fay", **args).code == "meeting_closed"


def test_closing_the_meeting_drops_the_counts(
    signalled: tuple[MeetingDriver, dict[str, Any]],
) -> None:
    driver, _ = signalled
    driver.run("end_meeting", "fay")
    assert driver.meeting.signals == {}


def test_the_public_view_says_what_is_off_the_window_and_when_it_is_several(
    driver: MeetingDriver,
) -> None:
    driver.run("switch_signal", "fay", kind="time", on=False)
    driver.run("switch_signal", "fay", kind="pause", on=False)
    view = public_view(driver.meeting, driver.clock_ms)["signal_settings"]
    assert view == {"window_seconds": 60, "off": ["pause", "time"], "highlight_at": 2}


@pytest.mark.parametrize(
    ("members", "several"), [(1, 2), (2, 2), (3, 2), (6, 2), (7, 3), (9, 3), (10, 4)]
)
def test_several_is_a_third_of_the_members_here_and_never_fewer_than_two(
    members: int, several: int
) -> None:
    driver = meeting_with([f"m{n}" for n in range(members)])
    driver.join("obi", Role.OBSERVER)
    driver.join("cofa", Role.CO_FACILITATOR)
    assert signals.highlight_at(driver.meeting) == several


def test_members_away_or_removed_do_not_count_towards_several() -> None:
    driver = meeting_with([f"m{n}" for n in range(7)])
    assert signals.highlight_at(driver.meeting) == 3
    driver.leave("m0")
    driver.run("remove_participant", "fay", participant_id="m1")
    assert signals.highlight_at(driver.meeting) == 2
