"""Pure ASGI middleware: the signed session cookie, security headers, and the server time of each response.

Pure ASGI rather than BaseHTTPMiddleware: it adds no task or stream wrapping per request, which matters
for the latency budget of the patient list and assessment pages.
"""

from __future__ import annotations

import time
from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nelm.web.security import COOKIE_NAME, SessionCodec, SessionData

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# The OpenAPI pages load Swagger UI from its CDN; everything else is served from here.
DOCS_CSP = ("default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com; style-src 'self' https://cdn.jsdelivr.net; "
            "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; frame-ancestors 'none'")


def _cookie_value(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is treated as no session
                return None
            if COOKIE_NAME in jar:
                return jar[COOKIE_NAME].value
    return None


class SessionCookieMiddleware:
    """Decodes the session cookie into scope["state"]["nelm_session"]; writes it back when new or changed."""

    def __init__(self, app: ASGIApp, codec: SessionCodec, *, secure: bool):
        self.app = app
        self.codec = codec
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loaded = self.codec.loads(_cookie_value(scope["headers"]))
        session = loaded or SessionData.anonymous()
        state = scope.setdefault("state", {})
        state["nelm_session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = state["nelm_session"]
                if current is not loaded:  # new, rotated at login, or cleared at logout
                    headers = list(message.get("headers", []))
                    headers.append((b"set-cookie", self._cookie(current).encode("latin-1")))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, session: SessionData) -> str:
        parts = [f"{COOKIE_NAME}={self.codec.dumps(session)}", "Path=/", "HttpOnly", "SameSite=Lax", f"Max-Age={self.codec.max_age}"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)


class SecurityHeadersMiddleware:
    """CSP, no framing, no sniffing, no caching of pages (they may hold identified data), and Server-Timing."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                csp = DOCS_CSP if path.startswith("/api/docs") else CSP
                extra = [(b"content-security-policy", csp), (b"x-content-type-options", "nosniff"), (b"x-frame-options", "DENY"),
                         (b"referrer-policy", "same-origin"),
                         (b"server-timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}")]
                if not path.startswith("/static/") and b"cache-control" not in names:
                    extra.append((b"cache-control", "no-store"))
                headers.extend((name, value.encode("latin-1")) for name, value in extra)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
