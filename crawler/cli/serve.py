"""``govwatch serve``: the read-only web UI, Atom and iCalendar feeds and the JSON API."""

from __future__ import annotations

import argparse

from crawler.cli.common import Commands, alerts_path, db_url, portals_path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the read-only web UI, Atom and iCalendar feeds and the JSON API."""
    import uvicorn

    from crawler.web.app import create_app
    from crawler.web.config import ServeConfig, check_exposure, token_from

    token = token_from()
    check_exposure(args.host, token, args.public)
    alerts, named = alerts_path(args)
    config = ServeConfig(
        db_url=db_url(args),
        portals=portals_path(args),
        alerts=alerts,
        alerts_named=named,
        token=token,
        zone=_zone(),
    )
    app = create_app(config)
    print(f"govwatch serve: http://{_url_host(args.host)}:{args.port}/ (Ctrl-C stops)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=False)
    return 0


def _zone() -> str:
    from crawler.cli.common import scheduler_settings

    return scheduler_settings().timezone


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def register(commands: Commands) -> None:
    p = commands.add("serve", cmd_serve)
    p.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})"
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    p.add_argument(
        "--public",
        action="store_true",
        help="allow a non-loopback --host without GOVWATCH_UI_TOKEN: anyone who reaches it reads it",
    )
