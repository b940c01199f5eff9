"""The CDS Hooks 2.0 endpoints as an APIRouter: discovery, the patient-view service, feedback.

Errors are answered here, not by app-level handlers, so the router behaves the same when the web app
mounts it: malformed bodies -> 400 with a JSON error, data that cannot be obtained -> 412, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from nelm.case.validation import format_loc
from nelm.cdshooks.answer_cache import AnswerCache
from nelm.cdshooks.feedback import FeedbackStore, InMemoryFeedbackStore, StoredFeedback
from nelm.cdshooks.fhir_client import FhirFetcher
from nelm.cdshooks.models import CardsResponse, DiscoveryResponse, ErrorBody, FeedbackRequest, FeedbackResponse, HookRequest
from nelm.cdshooks.prefetch import PREFETCH, SERVICE_ID
from nelm.cdshooks.service import HookError, patient_view
from nelm.cdshooks.settings import CdsSettings
from nelm.knowledge.protocol import DEFAULT_PROTOCOL, Protocol

log = logging.getLogger("nelm.cdshooks")

MAX_BODY_BYTES = 20 * 1024 * 1024

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
           404: {"model": ErrorBody, "description": "No such service"},
           412: {"model": ErrorBody, "description": "The FHIR data could not be obtained (no prefetch, FHIR server unreachable or refusing)"},
           413: {"model": ErrorBody, "description": "Request body too large"}}


def error(status: int, code: str, message: str, problems: list[str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, "problems": problems or []}, status_code=status)


class CdsRoute(APIRoute):
    """Turns validation errors into 400 and any other failure into a JSON 500 without a traceback."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            length = request.headers.get("content-length")
            if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
                return error(413, "too_large", f"request body over {MAX_BODY_BYTES // (1024 * 1024)} MB")
            try:
                return await handler(request)
            except RequestValidationError as exc:
                problems = [f"{format_loc(tuple(str(p) if not isinstance(p, int) else p for p in e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()]
                return error(400, "bad_request", "the request body is not a valid CDS Hooks request", problems[:50])
            except HookError as exc:
                return error(exc.status, exc.error, exc.message, exc.problems)
            except HTTPException as exc:  # e.g. a body that is not UTF-8: FastAPI gives up before validation
                return error(exc.status_code, "bad_request" if exc.status_code == 400 else "http_error", str(exc.detail))
            except Exception:  # noqa: BLE001 - the client gets a plain 500, the log gets the traceback
                log.exception("CDS Hooks request failed")
                return error(500, "internal_error", "the service failed; the error is logged")

        return guarded


def create_router(settings: CdsSettings | None = None, *, feedback_store: FeedbackStore | None = None,
                  fetcher: FhirFetcher | None = None, protocol: Protocol = DEFAULT_PROTOCOL) -> APIRouter:
    settings = settings or CdsSettings()
    store = feedback_store if feedback_store is not None else InMemoryFeedbackStore()
    fetcher = fetcher or FhirFetcher(settings.fhir_timeout_seconds, settings.fhir_max_pages)
    cache = AnswerCache(settings.answer_cache_size)
    router = APIRouter(route_class=CdsRoute, tags=["CDS Hooks"])
    router.feedback_store = store  # type: ignore[attr-defined]  # for the door that mounts it (and tests)
    router.answer_cache = cache  # type: ignore[attr-defined]

    @router.get("/cds-services", response_model=DiscoveryResponse, summary="CDS Hooks discovery")
    async def discovery() -> JSONResponse:
        return JSONResponse({"services": [SERVICE]})

    @router.post("/cds-services/{service_id}", response_model=CardsResponse, responses=_ERRORS, summary="Call a CDS service")
    async def call_service(service_id: str, body: HookRequest) -> JSONResponse:
        if service_id != SERVICE_ID:
            return error(404, "unknown_service", f"no CDS service {service_id!r}; see GET /cds-services")
        cards = await patient_view(body, fetcher=fetcher, protocol=protocol, base_url=settings.base, today=datetime.now(UTC).date(), cache=cache,
                                   server_allowed=settings.fhir_server_allowed)
        return JSONResponse({"cards": cards})

    @router.post("/cds-services/{service_id}/feedback", response_model=FeedbackResponse, responses=_ERRORS, summary="Card feedback")
    async def feedback(service_id: str, body: FeedbackRequest) -> JSONResponse:
        if service_id != SERVICE_ID:
            return error(404, "unknown_service", f"no CDS service {service_id!r}; see GET /cds-services")
        now = datetime.now(UTC)
        store.add([StoredFeedback(service_id, item.card, item.outcome,
                                  tuple(s.id for s in item.acceptedSuggestions or []),
                                  item.overrideReason.model_dump(exclude_none=True) if item.overrideReason else None,
                                  item.outcomeTimestamp, now) for item in body.feedback])
        return JSONResponse({"stored": len(body.feedback)})

    return router
