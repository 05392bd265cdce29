"""What every response goes through: allowed methods, the access token, security headers.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware, which buffers streamed
downloads). The Content-Security-Policy allows no inline script and no inline style: the
pages' own /static files only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "govwatch_session"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
OPEN_PATHS = ("/login", "/static/")  # reachable without the token


def session_value(token: str) -> str:
    """The cookie's value: derived from the token, so the cookie never carries the token."""
    return hmac.new(token.encode(), b"govwatch-ui-session", hashlib.sha256).hexdigest()


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def authorised(scope: Scope, token: str) -> bool:
    """A bearer header with the token, or the session cookie that /login sets."""
    bearer = _header(scope, b"authorization")
    if bearer[:7].lower() == "bearer " and hmac.compare_digest(
        bearer[7:].strip().encode(), token.encode()
    ):
        return True
    cookies = SimpleCookie()
    try:
        cookies.load(_header(scope, b"cookie"))
    except Exception:  # a malformed Cookie header is no session
        return False
    morsel = cookies.get(COOKIE)
    return morsel is not None and hmac.compare_digest(
        morsel.value.encode(), session_value(token).encode()
    )


class Guard:
    """Only GET and HEAD (and POST /login when a token is set); the token where one is set;
    the security headers on every response."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        method, path = scope["method"], scope["path"]
        head = method == "HEAD"

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}  # HEAD: the GET's headers, no body
            await send(message)

        login = self.token is not None and path == "/login"
        if method not in ("GET", "HEAD") and not (method == "POST" and login):
            allow = b"GET, HEAD, POST" if login else b"GET, HEAD"
            await _respond(send_with_headers, 405, b"method not allowed\n", [(b"allow", allow)])
            return
        if self.token and not path.startswith(OPEN_PATHS) and not authorised(scope, self.token):
            if path.startswith("/api/") or path.endswith((".atom", ".ics")):
                challenge = [(b"www-authenticate", b'Bearer realm="govwatch"')]
                await _respond(send_with_headers, 401, b"a token is needed\n", challenge)
                return
            target = path + ("?" + scope["query_string"].decode() if scope["query_string"] else "")
            location = "/login?next=" + quote(target, safe="")
            await _respond(send_with_headers, 303, b"", [(b"location", location.encode())])
            return
        # FastAPI's routes answer GET only; HEAD is that GET without its body
        await self.app({**scope, "method": "GET"} if head else scope, receive, send_with_headers)


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


def safe_next(target: str | None) -> str:
    """Where a login may send the reader: a path of this site only."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
