"""The patient-view call as a plain ASGI handler in front of the FastAPI app (`nelm cds serve`).

Why: FastAPI's routing, dependency solving and middleware stack cost a third of an unseen chart's time (one
worker, 20 clients: 331 unseen charts/s through FastAPI, 509/s without it), and EHRs switch off slow hooks.
Only `POST .../cds-services/{id}` is taken here; discovery, feedback, OPTIONS preflight and the OpenAPI
documents go to FastAPI. What the client sees is decided by hook_call.HookCall, which the FastAPI route
uses too (tests run the hook through both).
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from nelm.cdshooks.client_auth import ClientRefused
from nelm.cdshooks.hook_call import MAX_BODY_BYTES, Answer, HookCall, declared_too_large, failed, refused, too_large

_HOOK_PATH = re.compile(r"/cds-services/([^/]+)/?")


class HookFastPath:
    def __init__(self, app: ASGIApp, hook: HookCall):
        self.app = app
        self.hook = hook

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        match = _HOOK_PATH.fullmatch(_route_path(scope))
        if match is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        status, body, extra = await self._answer(scope, receive, headers, match[1])
        await _send_json(send, status, body, extra, cors="origin" in headers)

    async def _answer(self, scope: Scope, receive: Receive, headers: Headers, service_id: str) -> Answer:
        try:
            if declared_too_large(headers):
                return too_large()
            try:
                await self.hook.check_client(Request(scope))
            except ClientRefused as exc:
                return refused(exc)
            body = await _read_body(receive)
            if body is None:
                return too_large()
            return await self.hook.answer_body(body, service_id)
        except Exception:  # noqa: BLE001 - the client gets a plain 500, the log gets the traceback
            return failed()


def _route_path(scope: Scope) -> str:
    """The path below the app's mount point (Starlette puts root_path in front of path)."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send_json(send: Send, status: int, body: dict[str, Any], extra: dict[str, str], *, cors: bool) -> None:
    payload = orjson.dumps(body)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    headers += [(name.lower().encode(), value.encode()) for name, value in extra.items()]
    if cors:  # as the app's CORSMiddleware answers a simple cross-origin request (any origin, no credentials)
        headers.append((b"access-control-allow-origin", b"*"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
