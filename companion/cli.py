"""``companion serve``: run the app on gevent, the same async mode production uses."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
from typing import Any


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="companion", description="ALS Companion")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or 5000),
        help="port (5000, or $PORT)",
    )
    return parser


def serve(host: str, port: int) -> None:
    """Patch the standard library before anything opens a socket, as gunicorn's gevent worker."""
    from gevent import monkey

    monkey.patch_all()

    from companion import create_app
    from realtime import socketio

    app = create_app()
    _stop_cleanly_on(signal.SIGTERM, signal.SIGINT)
    print(f"ALS Companion on http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    socketio.run(app, host=host, port=port, log_output=False, handler_class=_no_delay_handler())


def _no_delay_handler() -> Any:
    """An acknowledgement written right after a broadcast must not wait for the client's delayed
    ACK (Nagle's algorithm): that alone added 40 ms to every command. gunicorn sets this itself."""
    from gevent import pywsgi

    class NoDelayHandler(pywsgi.WSGIHandler):
        def handle(self) -> None:
            with contextlib.suppress(OSError):
                self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().handle()

    return NoDelayHandler


def _stop_cleanly_on(*signals: signal.Signals) -> None:
    """Turn a stop signal into a normal exit, so atexit hooks (the embedded Redis) run."""
    import gevent

    for number in signals:
        gevent.signal_handler(number, _exit)


def _exit() -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    arguments = _parser().parse_args(argv)
    if arguments.command == "serve":
        serve(arguments.host, arguments.port)


if __name__ == "__main__":
    main()
