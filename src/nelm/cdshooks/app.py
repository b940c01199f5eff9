"""A standalone FastAPI app serving the CDS Hooks router (`nelm cds serve`)."""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from nelm import __version__
from nelm.cdshooks.client_auth import ClientVerifier
from nelm.cdshooks.fast_path import HookFastPath
from nelm.cdshooks.feedback import FeedbackStore
from nelm.cdshooks.feedback_db import DatabaseFeedbackStore
from nelm.cdshooks.fhir_client import FhirFetcher
from nelm.cdshooks.router import create_router
from nelm.cdshooks.settings import CdsSettings
from nelm.knowledge.protocol import DEFAULT_PROTOCOL, Protocol
from nelm.registry.database import Registry
from nelm.services.assessment import BadInput
from nelm.services.registry import open_registry


def prepare_process() -> None:
    """Hide everything loaded so far from the garbage collector (gc.freeze): a full collection of the start-up
    objects pauses a request for tens of ms; frozen, collections scan only what requests create. For long-running
    service processes, not for tests. (The hook reads FHIR through fhir_subset's lean models, so no fhir.resources
    model classes need building here.)"""
    gc.collect()
    gc.freeze()
    # A hook call allocates thousands of short-lived objects, nearly all freed by reference counting; collecting the
    # young generation every 700 allocations (the default) cost 7 % of an unseen chart's time (measured, one worker).
    gc.set_threshold(10_000, 50, 100)


def create_app(settings: CdsSettings | None = None, *, feedback_store: FeedbackStore | None = None,
               fetcher: FhirFetcher | None = None, protocol: Protocol = DEFAULT_PROTOCOL,
               verifier: ClientVerifier | None = None, registry: Registry | None = None, fast_path: bool = True) -> FastAPI:
    """`registry`: card feedback goes to its database (and the app disposes of its engine at shutdown); without it
    and without `feedback_store`, feedback is kept in this process's memory. `fast_path`: patient-view calls are
    answered in front of FastAPI (fast_path.py); off, they go through the FastAPI route (same answers, slower)."""
    if feedback_store is None and registry is not None:
        feedback_store = DatabaseFeedbackStore(registry.engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if registry is not None:
            registry.dispose()

    app = FastAPI(title="nelm CDS Hooks service", version=__version__, lifespan=lifespan,
                  description="CDS Hooks 2.0 patient-view service for neuroendocrine tumour liver metastases.")
    router = create_router(settings, feedback_store=feedback_store, fetcher=fetcher, protocol=protocol, verifier=verifier)
    app.include_router(router)
    app.state.feedback_store = router.feedback_store  # type: ignore[attr-defined]
    app.state.cds_answer_cache = router.answer_cache  # type: ignore[attr-defined]
    # Browser-based CDS clients (the CDS Hooks sandbox, SMART launchers) call services cross-origin.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["Authorization", "Content-Type"])
    if fast_path:
        app.add_middleware(HookFastPath, hook=router.hook_call)  # type: ignore[attr-defined]  # outermost: added last
    return app


def create_service_app() -> FastAPI:
    """Factory for `nelm cds serve` (and `uvicorn --factory`): settings from the environment (feedback in the registry
    database NELM_DATABASE_URL, else ./nelm.sqlite, as `nelm serve`), process prepared."""
    settings = CdsSettings()
    app = create_app(settings, registry=_open_registry(settings.database_url))
    prepare_process()
    return app


def _open_registry(url: str | None) -> Registry:
    try:
        return open_registry(url)
    except BadInput:
        # Several workers starting on a new database migrate it at the same moment; the loser finds it done a moment later.
        time.sleep(1.0)
        return open_registry(url)
