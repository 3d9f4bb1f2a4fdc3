"""The views a process keeps, one per meeting, as bases for its patches: a patch only from the
version just before, never from a view that another change overtook, the first rendering of each
version, a bounded number of meetings, and what another process broadcast followed or, when it
does not follow, forgotten."""

from __future__ import annotations

from typing import Any

from realtime.sent_views import SentViews


def view(phase: str, *lines: int) -> dict[str, Any]:
    return {"phase": phase, "activity": list(lines)}


def patch(version: int, start: int, **change: Any) -> dict[str, Any]:
    return {"type": "patch", "version": version, "from": start, **change}


def test_the_view_of_the_version_before_is_the_base_for_the_next_patch() -> None:
    kept = SentViews()
    assert kept.exchange("m1", 4, view("opening")) is None, "nothing kept yet: send it whole"
    assert kept.exchange("m1", 5, view("check_in")) == view("opening")
    assert kept.held("m1") == (5, view("check_in"))


def test_no_patch_across_a_version_this_process_did_not_see() -> None:
    kept = SentViews()
    kept.exchange("m1", 4, view("opening"))
    assert kept.exchange("m1", 6, view("bidding")) is None
    assert kept.held("m1") == (6, view("bidding"))


def test_a_change_overtaken_by_a_later_one_goes_whole_and_keeps_the_later() -> None:
    kept = SentViews()
    kept.exchange("m1", 7, view("work"))
    assert kept.exchange("m1", 6, view("bidding")) is None
    assert kept.held("m1") == (7, view("work"))


def test_only_the_most_recently_sent_meetings_are_kept() -> None:
    kept = SentViews(capacity=2)
    kept.exchange("m1", 1, view("a"))
    kept.exchange("m2", 1, view("b"))
    kept.exchange("m1", 2, view("c"))  # m1 is the most recent now
    kept.exchange("m3", 1, view("d"))
    assert kept.held("m2") is None
    assert kept.held("m1") == (2, view("c")) and kept.held("m3") == (1, view("d"))


def test_a_patch_another_process_broadcast_moves_the_kept_view_on() -> None:
    kept = SentViews()
    kept.exchange("m1", 4, view("opening", 1, 2))
    kept.heard("patch", "meeting:m1", patch(5, 4, splice={"activity": [[2, 0, [3]]]}))
    assert kept.held("m1") == (5, view("opening", 1, 2, 3))
    assert kept.exchange("m1", 6, view("work", 1, 2, 3)) == view("opening", 1, 2, 3)


def test_a_patch_that_does_not_follow_forgets_the_view_and_a_snapshot_replaces_it() -> None:
    kept = SentViews()
    kept.exchange("m1", 4, view("opening"))
    kept.heard("patch", "meeting:m1", patch(6, 5, set={"phase": "work"}))
    assert kept.held("m1") is None
    kept.exchange("m2", 4, view("opening"))
    kept.heard("patch", "meeting:m2", patch(5, 4, unset=["missing"]))
    assert kept.held("m2") is None, "a patch that does not apply forgets it too"
    kept.exchange("m3", 4, view("opening"))
    kept.heard("snapshot", "meeting:m3", {"type": "snapshot", "version": 5, "meeting": view("x")})
    assert kept.held("m3") == (5, view("x")), "another process's whole snapshot replaces it"
    kept.heard("patch", "meeting:m3", patch(5, 4, set={"phase": "y"}))
    assert kept.held("m3") == (5, view("x")), "a patch of the version kept is nothing new"
    kept.heard("snapshot", "meeting:m3", {"type": "snapshot", "version": 5, "meeting": view("z")})
    assert kept.held("m3") == (5, view("z")), "a version made again after Redis lost it"


def test_losing_touch_with_redis_forgets_every_view() -> None:
    kept = SentViews()
    kept.exchange("m1", 4, view("opening"))
    kept.exchange("m2", 9, view("work"))
    kept.forget_all()
    assert kept.held("m1") is None and kept.held("m2") is None
    assert kept.exchange("m1", 5, view("check_in")) is None, "the next change goes whole"


def test_what_was_heard_of_other_rooms_or_meetings_not_kept_changes_nothing() -> None:
    kept = SentViews()
    kept.exchange("m1", 4, view("opening"))
    kept.heard("patch", "meeting:m1", patch(4, 3, set={"phase": "work"}))  # our own, heard back
    kept.heard("patch", "meeting:m1:participant:p1", patch(5, 4, set={"phase": "work"}))
    kept.heard("snapshot", "sid-123", {"type": "snapshot", "version": 9, "meeting": view("x")})
    kept.heard("private", "meeting:m1", {"version": 5})
    kept.heard("patch", "meeting:m2", patch(5, 4, set={"phase": "work"}))
    kept.heard("patch", "meeting:m1", "not a message")
    assert kept.held("m1") == (4, view("opening"))
    assert kept.held("m2") is None, "a process keeps only meetings it sent a change of"


def test_the_base_for_a_change_not_yet_written_is_read_and_nothing_kept() -> None:
    kept = SentViews()
    kept.exchange("m1", 4, view("check_in"))
    assert kept.base_for("m1", 5) == view("check_in")
    assert kept.base_for("m1", 6) is None, "only the version just before is a base"
    assert kept.base_for("m2", 1) is None
    assert kept.held("m1") == (4, view("check_in")), "asking keeps nothing"
