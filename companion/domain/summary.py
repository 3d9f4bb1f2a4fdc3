"""The summary a set sees once a meeting has closed: the phases it ran, how long each took, and
what each presenter said they would do. An issue's title appears only if its presenter chose so."""

from __future__ import annotations

import itertools
from typing import Any

from companion.domain import actions
from companion.domain.model import Meeting, Phase, PhaseSpan


def summary(meeting: Meeting) -> dict[str, Any] | None:
    if meeting.phase is not Phase.CLOSED:
        return None
    spans = meeting.phase_log
    rows = [_row(meeting, span, after) for span, after in itertools.pairwise(spans)]
    worked = [span.bid_id for span in spans if span.bid_id is not None]
    presenters = [_presenter(meeting, bid_id) for bid_id in dict.fromkeys(worked)]
    total = (spans[-1].started_ms - spans[0].started_ms) // 1000 if spans else 0
    return {
        "phases": [row for row in rows if row is not None],
        "presenters": [p for p in presenters if p is not None],
        "total_seconds": total,
        "started_ms": spans[0].started_ms if spans else None,
        "ended_ms": spans[-1].started_ms if spans else None,
    }


def _row(meeting: Meeting, span: PhaseSpan, after: PhaseSpan) -> dict[str, Any] | None:
    if span.phase is Phase.CLOSED:
        return None
    bid = _bid(meeting, span.bid_id)
    return {
        "phase": span.phase.value,
        "presenter": bid.participant_id if bid else None,
        "seconds": (after.started_ms - span.started_ms) // 1000,
    }


def _presenter(meeting: Meeting, bid_id: str) -> dict[str, Any] | None:
    bid = _bid(meeting, bid_id)
    if bid is None:  # withdrawn after its work was interrupted: it leaves nothing behind
        return None
    return {
        "presenter": bid.participant_id,
        "title": bid.title if bid.share_title and bid.title else None,
        "actions": [action.text for action in actions.actions_of(meeting, bid.id)],
    }


def _bid(meeting: Meeting, bid_id: str | None) -> Any:
    if bid_id is None:
        return None
    return next((bid for bid in meeting.bids if bid.id == bid_id), None)
