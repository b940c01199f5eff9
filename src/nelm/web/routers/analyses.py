"""Registry analyses for clinicians and researchers: survival by first treatment (Kaplan-Meier with numbers at
risk), recurrence after resection, and the guideline-concordance audit of board decisions; pictures and tables.

Results are cached per registry content (nelm.services.web_patients.change_token): the audit re-assesses
every decision, which takes seconds on a large registry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from nelm.registry.records import MODALITIES
from nelm.services import analyses
from nelm.services.assessment import BadInput
from nelm.services.web_patients import change_token
from nelm.web.api.deps import Analyst, SessionDep
from nelm.web.charts import km_chart
from nelm.web.labels import short_label
from nelm.web.templating import page

ENDPOINT_LABELS = {"os": "Overall survival", "pfs": "Progression-free survival"}
_lock = threading.Lock()


def cached(request: Request, db, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """One result per key and registry content; a failed analysis is cached as its BadInput too."""
    cache: dict = request.app.state.cache
    full_key = (key, change_token(db))
    with _lock:
        if full_key in cache:
            hit = cache[full_key]
            if isinstance(hit, BadInput):
                raise hit
            return hit
    try:
        value = compute()
    except BadInput as exc:
        value = exc
    with _lock:
        stale = [k for k in cache if k[0] == key and k != full_key]
        for k in stale:
            del cache[k]
        cache[full_key] = value
    if isinstance(value, BadInput):
        raise value
    return value


def survival_result(request: Request, db, endpoint: str) -> dict[str, Any]:
    return cached(request, db, ("survival", endpoint), lambda: analyses.survival(request.app.state.registry, endpoint=endpoint, by="modality"))


def recurrence_result(request: Request, db, modality: str) -> dict[str, Any]:
    return cached(request, db, ("recurrence", modality), lambda: analyses.recurrence(request.app.state.registry, modality=modality))


def concordance_result(request: Request, db) -> dict[str, Any]:
    protocol = request.app.state.protocol
    return cached(request, db, ("concordance",), lambda: analyses.concordance_audit(request.app.state.registry, protocol=protocol))


def _endpoint(value: str) -> str:
    return value if value in ENDPOINT_LABELS else "os"


def _modality(value: str) -> str:
    return value if value in MODALITIES else "curative_resection"


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/analyses")
    def survival_page(request: Request, user: Analyst, db: SessionDep, endpoint: str = "os") -> Response:
        endpoint = _endpoint(endpoint)
        try:
            result, problem = survival_result(request, db, endpoint), None
        except BadInput as exc:
            result, problem = None, "; ".join(exc.problems)
        return page(request, "analyses_survival.html", {"r": result, "problem": problem, "endpoint": endpoint,
                                                         "endpoint_labels": ENDPOINT_LABELS, "tab": "survival"})

    @router.get("/analyses/survival.png")
    def survival_png(request: Request, user: Analyst, db: SessionDep, endpoint: str = "os") -> Response:
        endpoint = _endpoint(endpoint)
        result = survival_result(request, db, endpoint)
        picture = cached(request, db, ("survival.png", endpoint), lambda: km_chart(
            result["result"]["groups"], title=f"{ENDPOINT_LABELS[endpoint]} by first treatment", ylabel=ENDPOINT_LABELS[endpoint]))
        return Response(picture, media_type="image/png", headers={"Cache-Control": "private, no-store"})

    @router.get("/analyses/recurrence")
    def recurrence_page(request: Request, user: Analyst, db: SessionDep, modality: str = "curative_resection") -> Response:
        modality = _modality(modality)
        try:
            result, problem = recurrence_result(request, db, modality), None
        except BadInput as exc:
            result, problem = None, "; ".join(exc.problems)
        return page(request, "analyses_recurrence.html", {"r": result, "problem": problem, "modality": modality,
                                                           "modalities": sorted(MODALITIES), "tab": "recurrence"})

    @router.get("/analyses/recurrence.png")
    def recurrence_png(request: Request, user: Analyst, db: SessionDep, modality: str = "curative_resection") -> Response:
        modality = _modality(modality)
        result = recurrence_result(request, db, modality)["result"]

        def draw() -> bytes:
            groups = {"Free from recurrence": result.get("recurrence_free_kaplan_meier")}
            groups = {k: v for k, v in groups.items() if v}
            return km_chart(groups, title=f"Freedom from recurrence after {short_label(modality).lower()}",
                            ylabel="Free from recurrence", xlabel="Years since first treatment (deaths censored)")

        picture = cached(request, db, ("recurrence.png", modality), draw)
        return Response(picture, media_type="image/png", headers={"Cache-Control": "private, no-store"})

    @router.get("/analyses/after-recurrence.png")
    def after_recurrence_png(request: Request, user: Analyst, db: SessionDep, modality: str = "curative_resection") -> Response:
        modality = _modality(modality)
        result = recurrence_result(request, db, modality)["result"]

        def draw() -> bytes:
            groups = {k: v for k, v in result["after_recurrence"]["os"].items() if k in ("early", "late") and v}
            return km_chart(groups, title="Survival after recurrence: early vs late", ylabel="Overall survival",
                            xlabel="Years since first recurrence")

        picture = cached(request, db, ("after-recurrence.png", modality), draw)
        return Response(picture, media_type="image/png", headers={"Cache-Control": "private, no-store"})

    @router.get("/analyses/concordance")
    def concordance_page(request: Request, user: Analyst, db: SessionDep) -> Response:
        try:
            result, problem = concordance_result(request, db), None
        except BadInput as exc:
            result, problem = None, "; ".join(exc.problems)
        return page(request, "analyses_concordance.html", {"r": result, "problem": problem, "tab": "concordance",
                                                            "identified": user.role == "clinician"})

    return router
