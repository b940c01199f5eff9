"""JSON API under /api: assessment (stateless) and registry reads. Same sign-in as the pages (session cookie);
POST calls must carry the X-CSRF-Token header from GET /api/session. Researchers get de-identified data only;
every read of identified data is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, Field

from nelm.engine import ENGINE_VERSION
from nelm.evidence import MODALITIES, evidence_for
from nelm.knowledge import KNOWLEDGE_BASE_VERSION
from nelm.registry.records import SEXES
from nelm.services import analyses
from nelm.services.assessment import BadInput, assess_checked, case_schema
from nelm.services.registry import get_patient
from nelm.services.web_patients import VITAL_FILTERS, PatientFilters, patient_list, patient_row, record_view
from nelm.web.api.deps import Analyst, Clinician, CurrentUser, SessionDep, csrf_protect, session_data
from nelm.web.assessment_view import what_if
from nelm.web.case_check import check_form_data

CASE_EXAMPLE = {"age_years": 55, "ecog": 0, "fit_for_major_surgery": True, "pathology": {"ki67_percent": 4, "differentiation": "well"},
                "liver": {"lesion_count": 1, "largest_lesion_mm": 40, "r0_achievable": True, "future_liver_remnant_percent": 60,
                          "parenchyma": "normal"}, "extrahepatic_disease": {"present": False}}


class SessionInfo(BaseModel):
    username: str
    role: str
    csrf_token: str = Field(description="Send as the X-CSRF-Token header on every POST")


class CheckResult(BaseModel):
    ok: bool
    errors: list[dict[str, str]]
    warnings: list[dict[str, str]]
    derived: dict[str, Any] | None = Field(description="Derived values (grade, pattern, FLR threshold, ...); from the valid part of the case when it has errors")


class WhatIfRequest(BaseModel):
    case: dict[str, Any]
    field: str = Field(description="Dotted case field, e.g. pathology.ki67_percent")
    value: str = Field(description="New value as text; empty = not known")


class StatusChange(BaseModel):
    modality: str
    before: str
    after: str


class WhatIfResult(BaseModel):
    field: str
    problems: list[str]
    changes: list[StatusChange]


def build_router() -> APIRouter:
    router = APIRouter(dependencies=[Depends(csrf_protect)],
                       responses={401: {"description": "Not signed in"}, 403: {"description": "Role not allowed, or CSRF token missing"}})

    @router.get("/session", response_model=SessionInfo, tags=["session"])
    def session(request: Request, user: CurrentUser) -> SessionInfo:
        """Who is signed in, and the CSRF token for POST calls."""
        return SessionInfo(username=user.username, role=user.role, csrf_token=session_data(request).csrf)

    @router.get("/schema", tags=["assessment"])
    def schema(user: CurrentUser) -> dict[str, Any]:
        """The case JSON Schema (version 1)."""
        return case_schema()

    @router.get("/versions", tags=["assessment"])
    def versions(user: CurrentUser) -> dict[str, str]:
        return {"engine_version": ENGINE_VERSION, "knowledge_base_version": KNOWLEDGE_BASE_VERSION}

    @router.post("/check", response_model=CheckResult, tags=["assessment"])
    def check(request: Request, user: Analyst, case: dict[str, Any] = Body(..., examples=[CASE_EXAMPLE])) -> CheckResult:
        """Validate a case: the engine's messages per field, and the derived values."""
        result = check_form_data(case, request.app.state.protocol)
        return CheckResult(ok=result.ok, errors=[{"path": p.path, "message": p.message} for p in result.check.errors],
                           warnings=[{"path": p.path, "message": p.message} for p in result.check.warnings], derived=result.derived)

    @router.post("/assess", tags=["assessment"])
    def assess(request: Request, user: Analyst, case: dict[str, Any] = Body(..., examples=[CASE_EXAMPLE]),
               robustness: bool = True, evidence: bool = True) -> dict[str, Any]:
        """Assess a case: the assessment JSON contract (options with status, reasons and sources, warnings, missing
        data, robustness). A bad case gets 400 with one message per field."""
        result = check_form_data(case, request.app.state.protocol)
        if not result.ok:
            raise BadInput([str(p) for p in result.check.errors] or ["case: not valid"])
        out = assess_checked(result.check, request.app.state.protocol, robustness=robustness, evidence=evidence).to_dict()
        if request.app.state.model.path is not None:
            out["prognosis"] = request.app.state.model.predict(result.check.case)
        return out

    @router.post("/what-if", response_model=WhatIfResult, tags=["assessment"])
    def api_what_if(request: Request, user: Analyst, body: WhatIfRequest) -> WhatIfResult:
        """Change one input: which options change status."""
        result = what_if(body.case, body.field, body.value, request.app.state.protocol)
        return WhatIfResult(field=body.field, problems=result["problems"], changes=result["changes"])

    @router.get("/patients", tags=["registry"])
    def patients(request: Request, user: Analyst, db: SessionDep, q: str = "", modality: str = "",
                 vital: str = Query("", description="alive or dead"), sex: str = "", synthetic: str = Query("", description="yes or no"),
                 page: int = Query(1, ge=1), page_size: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
        """Patients, filtered and paged. Clinicians: identified (audited); researchers: de-identified (years only)."""
        problems = []
        if modality and modality not in MODALITIES:
            problems.append(f"modality: unknown {modality!r}")
        if vital and vital not in VITAL_FILTERS:
            problems.append(f"vital: must be alive or dead (got {vital!r})")
        if sex and sex not in SEXES:
            problems.append(f"sex: must be one of {', '.join(sorted(SEXES))}")
        if synthetic and synthetic not in {"yes", "no"}:
            problems.append("synthetic: must be yes or no")
        if problems:
            raise BadInput(problems)
        identified = user.role == "clinician"
        result = patient_list(db, PatientFilters(q[:100], modality, vital, sex, synthetic), page=page, page_size=page_size, identified=identified)
        if identified:
            record_view(db, user.username, result.ids, "api patient list", path=request.url.path)
        return {"total": result.total, "page": result.page, "pages": result.pages, "page_size": result.page_size,
                "identified": identified, "patients": result.rows}

    @router.get("/patients/{pseudonym}", tags=["registry"])
    def patient(request: Request, pseudonym: str, user: Clinician, db: SessionDep) -> dict[str, Any]:
        """One patient's full record (identifiers, cases, treatments, events, decisions). Clinicians; audited."""
        row = patient_row(db, pseudonym)
        record_view(db, user.username, [row.id], "api patient record", path=request.url.path)
        return get_patient(request.app.state.registry, pseudonym)

    @router.get("/analyses/survival", tags=["analyses"])
    def survival(request: Request, user: Analyst, endpoint: str = Query("os", description="os or pfs"),
                 by: str = Query("modality", description="grouping column")) -> dict[str, Any]:
        """Kaplan-Meier by group with numbers at risk and the log-rank test."""
        return _without_database(analyses.survival(request.app.state.registry, endpoint=endpoint, by=by))

    @router.get("/analyses/recurrence", tags=["analyses"])
    def recurrence(request: Request, user: Analyst, modality: str = "curative_resection") -> dict[str, Any]:
        """Recurrence after a first treatment (default: curative resection)."""
        return _without_database(analyses.recurrence(request.app.state.registry, modality=modality))

    @router.get("/analyses/concordance", tags=["analyses"])
    def concordance(request: Request, user: Analyst, db: SessionDep) -> dict[str, Any]:
        """Guideline concordance of the board's decisions under the current engine."""
        from nelm.web.routers.analyses import concordance_result

        out = _without_database(concordance_result(request, db))
        if user.role != "clinician":  # decision dates are identifying: years only for researchers
            for row in out["result"].get("discordant", []) + out["result"].get("not_assessable", []):
                row["date"] = str(row.get("date", ""))[:4]
        return out

    @router.get("/evidence/{modality}", tags=["evidence"])
    def evidence(user: CurrentUser, modality: str) -> list[dict[str, Any]]:
        """Published outcomes for one option, each with its source and locator."""
        if modality not in MODALITIES:
            raise BadInput([f"modality: unknown {modality!r} (one of: {', '.join(MODALITIES)})"])
        return [item.model_dump(mode="json") for item in evidence_for(modality)]

    return router


def _without_database(envelope: dict[str, Any]) -> dict[str, Any]:
    import copy

    out = copy.deepcopy(envelope)
    out.pop("database", None)  # the server's database URL is nobody's business
    return out
