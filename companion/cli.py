"""``companion serve``: run the app on gevent, the same async mode production uses.
``companion teams-package``: write the Microsoft Teams app package for a deployment's HTTPS URL."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import uuid
from pathlib import Path
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
    _add_teams_package(commands)
    return parser


def _add_teams_package(commands: Any) -> None:
    """Arguments are checked by argparse, so a refused URL exits with status 2 and one line."""
    teams = commands.add_parser("teams-package", help="write the Microsoft Teams app package")
    teams.add_argument(
        "--base-url",
        required=True,
        type=_https_base_url,
        metavar="URL",
        help="the deployment's public HTTPS address, e.g. https://example.org/als",
    )
    teams.add_argument(
        "--output",
        type=Path,
        default=Path("als-companion-teams.zip"),
        metavar="FILE",
        help="the zip to write (als-companion-teams.zip)",
    )
    teams.add_argument(
        "--app-id",
        type=uuid.UUID,
        metavar="GUID",
        help="the Teams app id (GUID); by default one derived from the base URL",
    )
    teams.add_argument(
        "--sso-client-id",
        type=uuid.UUID,
        metavar="GUID",
        help="the Entra ID application (client) id, for sign-in with Teams (docs/teams.md)",
    )


def _https_base_url(text: str) -> str:
    from companion.teams.manifest import BaseUrlRefused, deployment_base

    try:
        return deployment_base(text)
    except BaseUrlRefused as refused:
        raise argparse.ArgumentTypeError(str(refused)) from None


def teams_package(
    base_url: str, output: Path, app_id: uuid.UUID | None, sso_client_id: uuid.UUID | None = None
) -> None:
    """Needs no app, Redis or secret: the package only tells Teams where the companion lives
    (and, with ``sso_client_id``, which Entra ID app it signs people in with)."""
    from companion.teams.manifest import build_manifest
    from companion.teams.package import build_package

    manifest = build_manifest(base_url, app_id, sso_client_id)
    try:
        output.write_bytes(build_package(manifest))
    except OSError as error:
        problem = f"companion teams-package: cannot write {output}: {error.strerror}"
        raise SystemExit(problem) from None
    print(f"Wrote {output} for {base_url}/: app id {manifest['id']}, version {manifest['version']}")


def serve(host: str, port: int) -> None:
    """Patch the standard library before anything opens a socket, as gunicorn's gevent worker."""
    from gevent import monkey

    monkey.patch_all()

    from companion import create_app
    from companion.logs import ServerErrorLog
    from realtime import socketio

    app = create_app()
    _stop_cleanly_on(signal.SIGTERM, signal.SIGINT)
    print(f"ALS Companion on http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    socketio.run(
        app,
        host=host,
        port=port,
        log_output=False,
        handler_class=_no_delay_handler(),
        error_log=ServerErrorLog(),
    )


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
    elif arguments.command == "teams-package":
        teams_package(
            arguments.base_url, arguments.output, arguments.app_id, arguments.sso_client_id
        )


if __name__ == "__main__":
    main()
