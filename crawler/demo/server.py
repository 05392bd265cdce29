"""A small portal site server on 127.0.0.1: pages from memory, ETag/Last-Modified, a request log.

Used by ``govwatch demo`` and by the test suite's mock portals.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from time import time
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

ROBOTS = b"User-agent: *\nDisallow: /private/\n"


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    modified: float = field(default_factory=time)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'

    @property
    def last_modified(self) -> str:
        return formatdate(self.modified, usegmt=True)


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    status: int


# A handler gets the request path and returns (status, headers, body), or None to fall through.
# Status RESET makes the server reset the connection instead of answering.
RESET = 0
Handler = Callable[[str, dict[str, str]], "tuple[int, dict[str, str], bytes] | None"]


class PortalSite:
    """Serves ``pages`` (path → Page) and logs every request it answers."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.pages: dict[str, Page] = {"/robots.txt": Page(ROBOTS, "text/plain")}
        self.handlers: list[Handler] = []
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        site = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site._answer(self)

            def log_message(self, format: str, *args: object) -> None:
                logger.debug("demo site: " + format, *args)

        self.server = ThreadingHTTPServer((host, port), RequestHandler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def put(
        self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8"
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self.pages[path] = Page(data, content_type)

    def hits_for(self, prefix: str = "/") -> list[Hit]:
        with self._lock:
            return [hit for hit in self.hits if hit.path.startswith(prefix)]

    def clear_hits(self) -> None:
        with self._lock:
            self.hits.clear()

    def start(self) -> PortalSite:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> PortalSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, extra, body = self._respond(path, headers)
        with self._lock:
            self.hits.append(Hit(request.command, path, status))
        if status == RESET:
            linger = struct.pack("ii", 1, 0)  # close with RST, not FIN
            request.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            request.close_connection = True
            return
        try:
            request.send_response(status)
            for name, value in extra.items():
                request.send_header(name, value)
            if "Content-Length" not in extra:
                request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            if body:
                request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _respond(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        for handler in self.handlers:
            answer = handler(path, headers)
            if answer is not None:
                return answer
        with self._lock:
            page = self.pages.get(path) or self.pages.get(urlsplit(path).path)
        if page is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        validators = {"ETag": page.etag, "Last-Modified": page.last_modified}
        if headers.get("if-none-match") == page.etag or (
            "if-none-match" not in headers
            and headers.get("if-modified-since") == page.last_modified
        ):
            return 304, validators, b""
        return 200, {"Content-Type": page.content_type, **validators}, page.body
