"""A standalone FastAPI app serving the CDS Hooks router (`nelm cds serve`)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from nelm import __version__
from nelm.cdshooks.feedback import FeedbackStore
from nelm.cdshooks.fhir_client import FhirFetcher
from nelm.cdshooks.router import create_router
from nelm.cdshooks.settings import CdsSettings
from nelm.knowledge.protocol import DEFAULT_PROTOCOL, Protocol


def create_app(settings: CdsSettings | None = None, *, feedback_store: FeedbackStore | None = None,
               fetcher: FhirFetcher | None = None, protocol: Protocol = DEFAULT_PROTOCOL) -> FastAPI:
    app = FastAPI(title="nelm CDS Hooks service", version=__version__,
                  description="CDS Hooks 2.0 patient-view service for neuroendocrine tumour liver metastases.")
    router = create_router(settings, feedback_store=feedback_store, fetcher=fetcher, protocol=protocol)
    app.include_router(router)
    app.state.feedback_store = router.feedback_store  # type: ignore[attr-defined]
    app.state.cds_answer_cache = router.answer_cache  # type: ignore[attr-defined]
    # Browser-based CDS clients (the CDS Hooks sandbox, SMART launchers) call services cross-origin.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["Authorization", "Content-Type"])
    return app
