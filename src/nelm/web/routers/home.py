"""The start page: what the signed-in role can do, and the registry at a glance."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from nelm.services.web_patients import registry_counts
from nelm.web.api.deps import CurrentUser, SessionDep
from nelm.web.templating import page


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home(request: Request, user: CurrentUser, db: SessionDep) -> Response:
        counts = registry_counts(db) if user.role != "admin" else None
        return page(request, "home.html", {"counts": counts})

    @router.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return router
