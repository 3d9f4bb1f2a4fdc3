"""The Socket.IO handlers' side of the metrics (``companion.metrics``): decorators that count
widgets as they come and go, and each command by its outcome, without the handlers changing."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import session

from companion import metrics

Handler = Callable[..., Any]
# The meeting a connection was counted in (or None), so that its disconnect takes away exactly
# what its connect added, whatever path the connect took.
COUNTED_IN = "metrics_counted_in"
# What a handler that raised is answered with (``realtime.handlers.on_handler_error``).
FAILED = {"error": metrics.INTERNAL_ERROR}


def counts_widget(on_connect: Handler) -> Handler:
    """For the connect handler: a connection it accepts (returns from, without refusing) is a
    widget of this process, in the meeting its session names, if any."""

    @functools.wraps(on_connect)
    def counted(*args: Any) -> Any:
        accepted = on_connect(*args)
        if accepted is not False:
            meeting_id = session.get("meeting_id")
            session[COUNTED_IN] = meeting_id
            metrics.CONNECTED_WIDGETS.joined(meeting_id)
        return accepted

    return counted


def uncounts_widget(on_disconnect: Handler) -> Handler:
    """For the disconnect handler: the widget is no longer this process's, whatever else
    happens as it goes."""

    @functools.wraps(on_disconnect)
    def uncounted(*args: Any) -> Any:
        try:
            return on_disconnect(*args)
        finally:
            if COUNTED_IN in session:
                metrics.CONNECTED_WIDGETS.left(session.pop(COUNTED_IN))

    return uncounted


def metered_command(command: str) -> Callable[[Handler], Handler]:
    """For a command's handler: its outcome counted under ``command`` (a name from the server's
    own list, never the client's), and its latencies timed from here."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def metered(*args: Any) -> Any:
            received = metrics.command_received()
            answer: Any = FAILED
            try:
                answer = handler(*args)
            finally:
                metrics.command_answered(command, answer, received)
            return answer

        return metered

    return decorate
