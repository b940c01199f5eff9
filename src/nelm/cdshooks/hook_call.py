"""One patient-view call from raw request to (status, JSON body, headers): shared by both doors of the hook.

The FastAPI route (router.py: OpenAPI, the web app's mount) and the lean ASGI path (fast_path.py: `nelm cds
serve`) differ only in how they receive bytes and send the answer; everything a client can observe (client
check, parsing, errors, cards) is decided here, once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.requests import Request

from nelm.case.validation import format_loc
from nelm.cdshooks.answer_cache import AnswerCache
from nelm.cdshooks.client_auth import ClientRefused, ClientVerifier, VerifiedClient
from nelm.cdshooks.fhir_client import FhirFetcher
from nelm.cdshooks.models import HookRequest
from nelm.cdshooks.prefetch import SERVICE_ID
from nelm.cdshooks.service import HookError, patient_view
from nelm.cdshooks.settings import CdsSettings
from nelm.knowledge.protocol import Protocol

log = logging.getLogger("nelm.cdshooks")

MAX_BODY_BYTES = 20 * 1024 * 1024

Answer = tuple[int, dict[str, Any], dict[str, str]]  # HTTP status, JSON body, extra headers


def error_body(code: str, message: str, problems: list[str] | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "problems": problems or []}


def declared_too_large(headers: Headers) -> bool:
    length = headers.get("content-length")
    return bool(length and length.isdigit() and int(length) > MAX_BODY_BYTES)


def too_large() -> Answer:
    return 413, error_body("too_large", f"request body over {MAX_BODY_BYTES // (1024 * 1024)} MB"), {}


def refused(exc: ClientRefused) -> Answer:
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if exc.status == 401 else {"Retry-After": "5"}
    return exc.status, error_body(exc.error, exc.message, [exc.message]), headers


def invalid_request(errors: list[dict[str, Any]]) -> Answer:
    """400 naming each field; `errors` as FastAPI reports body errors (loc 'body', 'context', 'patientId')."""
    return 400, error_body("bad_request", "the request body is not a valid CDS Hooks request", [_problem(e) for e in errors[:50]]), {}


def _problem(error: dict[str, Any]) -> str:
    kind, loc = error.get("type"), tuple(error["loc"])
    if kind == "json_invalid":
        position = next((p for p in loc if isinstance(p, int)), None)
        return f"body: not JSON ({(error.get('ctx') or {}).get('error', 'JSON decode error')}" + (f", at character {position})" if position is not None else ")")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{format_loc(loc) or 'body'}: must be a JSON object"
    return f"{format_loc(tuple(str(p) if not isinstance(p, int) else p for p in loc)) or 'body'}: {error['msg']}"


def not_json(exc: orjson.JSONDecodeError) -> Answer:
    """As FastAPI reports a body it cannot decode."""
    return invalid_request([{"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error", "ctx": {"error": exc.msg}}])


def unknown_service(service_id: str) -> Answer:
    return 404, error_body("unknown_service", f"no CDS service {service_id!r}; see GET /cds-services"), {}


def failed() -> Answer:
    log.exception("CDS Hooks request failed")
    return 500, error_body("internal_error", "the service failed; the error is logged"), {}


@dataclass
class HookCall:
    """What a patient-view call needs besides the request: settings, the client check, the FHIR fetcher, the site
    protocol and the answer cache (one per server process)."""

    settings: CdsSettings
    verifier: ClientVerifier
    fetcher: FhirFetcher
    protocol: Protocol
    cache: AnswerCache

    def endpoint_url(self, request: Request) -> str:
        """The URL the client called, which its JWT's aud must name. Behind a proxy the server sees another scheme
        and host: NELM_CDS_PUBLIC_URL gives the public ones (and stops a forged Host header choosing the audience)."""
        public = self.settings.cds_public_url
        return public.rstrip("/") + request.url.path if public else str(request.url.replace(query="", fragment=""))

    async def check_client(self, request: Request) -> VerifiedClient | None:
        """The verified CDS client of a request, or None on an open service (which needs no URL, so builds none)."""
        if self.verifier.open:
            return None
        return await self.verifier.verify(request.headers.get("authorization"), self.endpoint_url(request))

    async def answer(self, request: HookRequest, service_id: str) -> Answer:
        """Cards for a parsed, valid request; HookError becomes its status (400, 412)."""
        if service_id != SERVICE_ID:
            return unknown_service(service_id)
        try:
            cards = await patient_view(request, fetcher=self.fetcher, protocol=self.protocol, base_url=self.settings.base,
                                       today=datetime.now(UTC).date(), cache=self.cache, server_allowed=self.settings.fhir_server_allowed)
        except HookError as exc:
            return exc.status, error_body(exc.error, exc.message, exc.problems), {}
        return 200, {"cards": cards}, {}

    async def answer_body(self, body: bytes, service_id: str) -> Answer:
        """Parse (strict JSON: NaN and Infinity are not JSON), validate, answer."""
        if not body:
            return invalid_request([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return not_json(exc)
        try:
            request = HookRequest.model_validate(data)
        except ValidationError as exc:
            return invalid_request([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])
        return await self.answer(request, service_id)
