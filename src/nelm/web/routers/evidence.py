"""The evidence base per option (review tables, text, clinical brief), each figure with its source and where in
it, and the forest plot of the one pooled outcome (5-year OS after liver transplantation)."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import Response

from nelm.evidence import MODALITIES, evidence_for
from nelm.web.api.deps import CurrentUser
from nelm.web.templating import page

FOREST_DPI = 130


@cache
def lt_os5_forest_png() -> bytes:
    """Forest plot of the pooled 5-year OS after transplantation; the same inputs and model as the evidence base."""
    from nelm.evidence.loader import LT_OS5_HK, LT_OS5_MEASURE, LT_OS5_METHOD, lt_os5_pooling_inputs
    from nelm.meta import pool, proportion_effects
    from nelm.meta.forest import forest_figure
    from nelm.web.charts import png

    inputs = lt_os5_pooling_inputs()
    effects = proportion_effects([r["events"] for r in inputs], [r["n"] for r in inputs], LT_OS5_MEASURE)
    result = pool(effects, LT_OS5_METHOD, hk=LT_OS5_HK, studies=[r["study"] for r in inputs])
    figure = forest_figure(result, title="5-year overall survival after liver transplantation (review Table 2)")
    return png(figure, dpi=FOREST_DPI)


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/evidence")
    def evidence_page(request: Request, user: CurrentUser, modality: str = "") -> Response:
        chosen = modality if modality in MODALITIES else ""
        overview = [{"modality": m, "items": len(found := evidence_for(m)), "pooled": [i for i in found if i.pooled is not None]}
                    for m in MODALITIES]
        items = {chosen: evidence_for(chosen)} if chosen else {}
        return page(request, "evidence.html", {"items": items, "modality": chosen, "modalities": MODALITIES, "overview": overview})

    @router.get("/evidence/forest/lt-os5.png")
    def forest(request: Request, user: CurrentUser) -> Response:
        return Response(lt_os5_forest_png(), media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    return router
