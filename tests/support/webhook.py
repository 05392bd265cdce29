"""A webhook receiver on 127.0.0.1 (ThreadingHTTPServer) that keeps the JSON posts it takes.

It can refuse connections (down), answer 500 for a while, and hold its answer until the test
releases it (a sender killed mid-send).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.postgres import free_port


@dataclass(frozen=True)
class Post:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def key(self) -> str | None:
        return self.headers.get("idempotency-key")


class Webhook:
    """``url`` is its json:// address; ``posts`` what it answered 200 to, ``seen`` every post."""

    def __init__(self) -> None:
        self.port = free_port()
        self.posts: list[Post] = []
        self.seen: list[Post] = []
        self.failures = 0  # answer 500 to this many posts
        self.hold = threading.Event()  # set: posts wait for ``release`` before any answer
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    def url(self, path: str = "/hook", query: str = "") -> str:
        return f"json://127.0.0.1:{self.port}{path}" + (f"?{query}" if query else "")

    def start(self) -> Webhook:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                post = Post(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    json.loads(raw or b"{}"),
                )
                with hook.lock:
                    hook.seen.append(post)
                    failing = hook.failures > 0
                    hook.failures -= failing
                if hook.hold.is_set():
                    hook.release.wait(60)
                    return  # the sender is gone: nobody reads an answer
                if failing:
                    self.send_response(500)
                else:
                    with hook.lock:
                        hook.posts.append(post)
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Down: the port refuses connections until ``start`` again."""
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def wait_seen(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.seen) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.seen)} posts reached the receiver, not {count}")
            time.sleep(0.02)
