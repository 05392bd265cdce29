"""`govwatch serve`'s app on a free 127.0.0.1 port in a thread, and records to serve."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn

from crawler.web.app import create_app
from crawler.web.config import ServeConfig
from storage import Repository
from tests.support.postgres import free_port

HOSTILE_TITLE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">会议'


@contextmanager
def running_app(
    db_url: str,
    tmp: Path,
    token: str | None = None,
    alerts: str | None = None,
    portals: str | None = None,
    zone: str | None = None,
) -> Iterator[str]:
    """Serve ``db_url`` with uvicorn in a thread; yields the base URL (no trailing slash)."""
    alerts_file = tmp / "alerts.yaml"
    if alerts is not None:
        alerts_file.write_text(alerts, encoding="utf-8")
    portals_file = tmp / "portals.yaml"
    if portals is not None:
        portals_file.write_text(portals, encoding="utf-8")
    config = ServeConfig(
        db_url=db_url,
        portals=portals_file,
        alerts=alerts_file,
        alerts_named=alerts is not None,
        token=token,
        **({"zone": zone} if zone else {}),
    )
    app = create_app(config)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        app.state.web.repo.close()


def fetch(
    url: str,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    data: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers with lower-case names, body) of one request; redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    try:
        with opener.open(request, timeout=30) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def record(portal: str, n: int, **fields: Any) -> dict[str, Any]:
    """A stored record: an ordinary announcement unless ``fields`` say otherwise."""
    base: dict[str, Any] = {
        "portal": portal,
        "url": f"http://www.{portal}.gov.cn/xwzx/{n:05d}.html",
        "title": f"{portal}工作动态第{n}期",
        "published_at": datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(hours=n),
        "source": "区政府办公室",
        "body": f"第{n}期工作动态。各部门按照部署推进重点工作。",
        "is_meeting": False,
        "meeting_date": None,
        "presider": None,
        "speakers": [],
        "attendees": [],
    }
    return {**base, **fields}


def meeting(portal: str, n: int, day: date, presider: str | None, **fields: Any) -> dict[str, Any]:
    return record(
        portal,
        n,
        title=f"区政府召开第{n}次常务会议",
        body=f"{day.month}月{day.day}日，区长{presider or '某某'}主持召开区政府第{n}次常务会议，研究部署重点工作。",
        is_meeting=True,
        meeting_date=day,
        meeting_name=f"区政府第{n}次常务会议",
        presider=presider,
        **fields,
    )


def seed(
    repo: Repository, portal: str, title: str, region: str, records: list[dict[str, Any]]
) -> None:
    repo.ensure_portal(portal, title, region)
    repo.add_announcements(records)
