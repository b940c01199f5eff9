"""The CDS Hooks 2.0 endpoints as an APIRouter: discovery, the patient-view service, feedback.

Errors are answered here, not by app-level handlers, so the router behaves the same when the web app
mounts it: malformed bodies -> 400 with a JSON error, data that cannot be obtained -> 412, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from nelm.cdshooks.answer_cache import AnswerCache
from nelm.cdshooks.client_auth import ClientRefused, ClientVerifier, JwksCache, ReplayGuard
from nelm.cdshooks.hook_call import Answer, HookCall, declared_too_large, error_body, failed, invalid_request, refused, too_large, unknown_service
from nelm.cdshooks.feedback import FeedbackStore, InMemoryFeedbackStore, StoredFeedback
from nelm.cdshooks.fhir_client import FhirFetcher
from nelm.cdshooks.models import CardsResponse, DiscoveryResponse, ErrorBody, FeedbackRequest, FeedbackResponse, HookRequest
from nelm.cdshooks.prefetch import PREFETCH, SERVICE_ID
from nelm.cdshooks.settings import CdsSettings
from nelm.knowledge.protocol import DEFAULT_PROTOCOL, Protocol

log = logging.getLogger("nelm.cdshooks")

SERVICE = {
    "hook": "patient-view",
    "title": "nelm: NET liver metastases",
    "description": "Options for neuroendocrine tumour liver metastases (resection, ablation, transplantation, "
                   "intra-arterial and systemic therapy), each with its status, reasons and sources, from the patient's "
                   "mCODE data; says which data are missing.",
    "id": SERVICE_ID,
    "prefetch": PREFETCH,
}

_ERRORS = {400: {"model": ErrorBody, "description": "Malformed request"},
           401: {"model": ErrorBody, "description": "No valid JWT from a trusted CDS client (when the service requires one)"},
           404: {"model": ErrorBody, "description": "No such service"},
           412: {"model": ErrorBody, "description": "The FHIR data could not be obtained (no prefetch, FHIR server unreachable or refusing)"},
           413: {"model": ErrorBody, "description": "Request body too large"}}


class FastJSONResponse(JSONResponse):
    """orjson: the standard encoder took a tenth of the time of a hook call."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class StrictJSONRequest(Request):
    """Bodies parsed by orjson: faster, and strict JSON (NaN and Infinity are not JSON and are refused, so two
    different bodies never read as the same chart). orjson.JSONDecodeError is a json.JSONDecodeError: FastAPI
    answers it as a body that is not JSON."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


def error(status: int, code: str, message: str, problems: list[str] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return FastJSONResponse(error_body(code, message, problems), status_code=status, headers=headers)


def respond(answer: Answer) -> JSONResponse:
    status, body, headers = answer
    return FastJSONResponse(body, status_code=status, headers=headers or None)


class CdsRoute(APIRoute):
    """Checks the CDS client (POST endpoints) before reading the body; turns validation errors into 400 and any
    other failure into a JSON 500 without a traceback (the same answers as hook_call gives the fast path)."""

    hook: HookCall | None = None  # set per router by create_router

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        checks_client = "POST" in self.methods  # the service and its feedback; discovery stays open

        async def guarded(request: Request) -> Response:
            request = StrictJSONRequest(request.scope, request.receive)
            if declared_too_large(request.headers):
                return respond(too_large())
            try:
                if checks_client and self.hook is not None:
                    request.state.cds_client = await self.hook.check_client(request)
                return await handler(request)
            except ClientRefused as exc:
                return respond(refused(exc))
            except RequestValidationError as exc:
                return respond(invalid_request(list(exc.errors())))
            except HTTPException as exc:  # e.g. a body that is not UTF-8: FastAPI gives up before validation
                return error(exc.status_code, "bad_request" if exc.status_code == 400 else "http_error", str(exc.detail))
            except Exception:  # noqa: BLE001 - the client gets a plain 500, the log gets the traceback
                return respond(failed())

        return guarded


def client_verifier(settings: CdsSettings) -> ClientVerifier:
    return ClientVerifier(settings.trusted_clients(), required=settings.client_token_required,
                          jwks=JwksCache(ttl=settings.cds_jwks_cache_seconds, timeout=settings.cds_jwks_timeout_seconds),
                          replay=ReplayGuard(settings.cds_replay_cache_size), clock_skew=settings.cds_clock_skew_seconds,
                          max_lifetime=settings.cds_token_max_lifetime_seconds)


def create_router(settings: CdsSettings | None = None, *, feedback_store: FeedbackStore | None = None,
                  fetcher: FhirFetcher | None = None, protocol: Protocol = DEFAULT_PROTOCOL,
                  verifier: ClientVerifier | None = None) -> APIRouter:
    settings = settings or CdsSettings()
    store = feedback_store if feedback_store is not None else InMemoryFeedbackStore()
    fetcher = fetcher or FhirFetcher(settings.fhir_timeout_seconds, settings.fhir_max_pages)
    verifier = verifier or client_verifier(settings)
    hook = HookCall(settings, verifier, fetcher, protocol, AnswerCache(settings.answer_cache_size))
    route_class = type("CdsRoute", (CdsRoute,), {"hook": hook})
    router = APIRouter(route_class=route_class, tags=["CDS Hooks"])
    router.feedback_store = store  # type: ignore[attr-defined]  # for the door that mounts it (and tests)
    router.answer_cache = hook.cache  # type: ignore[attr-defined]
    router.hook_call = hook  # type: ignore[attr-defined]  # for the fast path in front of the standalone app
    router.client_verifier = verifier  # type: ignore[attr-defined]
    _warn_if_open(verifier, settings)

    @router.get("/cds-services", response_model=DiscoveryResponse, summary="CDS Hooks discovery")
    async def discovery() -> JSONResponse:
        return FastJSONResponse({"services": [SERVICE]})

    @router.post("/cds-services/{service_id}", response_model=CardsResponse, responses=_ERRORS, summary="Call a CDS service")
    async def call_service(service_id: str, body: HookRequest) -> JSONResponse:
        return respond(await hook.answer(body, service_id))

    @router.post("/cds-services/{service_id}/feedback", response_model=FeedbackResponse, responses=_ERRORS, summary="Card feedback")
    async def feedback(service_id: str, body: FeedbackRequest, request: Request) -> JSONResponse:
        if service_id != SERVICE_ID:
            return respond(unknown_service(service_id))
        now = datetime.now(UTC)
        client = getattr(request.state, "cds_client", None)
        items = [StoredFeedback(service_id, item.card, item.outcome,
                                tuple(s.id for s in item.acceptedSuggestions or []),
                                item.overrideReason.model_dump(mode="json", exclude_none=True) if item.overrideReason else None,
                                item.outcomeTimestamp, now, client.iss if client else None) for item in body.feedback]
        await run_in_threadpool(store.add, items)  # a database write must not hold up hook calls on the event loop
        return FastJSONResponse({"stored": len(body.feedback)})

    return router


def _warn_if_open(verifier: ClientVerifier, settings: CdsSettings) -> None:
    if verifier.open:
        log.warning("CDS Hooks service is OPEN: no trusted CDS client is configured (NELM_CDS_TRUSTED_CLIENTS), so the hook and "
                    "feedback endpoints accept calls without a signed JWT. Fine on loopback for a demo; configure the EHR's "
                    "issuer and JWK Set before exposing the service (see src/nelm/cdshooks/README.md).")
    elif verifier.clients and not settings.cds_public_url:
        log.warning("CDS Hooks: NELM_CDS_PUBLIC_URL is not set, so a JWT's aud is compared with the URL as this server sees "
                    "it (Host header included); set it to the public https address the EHR calls.")
