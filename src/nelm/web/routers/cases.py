"""Case entry and assessment: the form (whole case schema), live validation with derived values, the
assessment page and the "what if" panel."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from nelm.services.assessment import assess_checked
from nelm.services.web_patients import patient_header, patient_row, record_view
from nelm.web.api.deps import Analyst, SessionDep, csrf_protect
from nelm.web.assessment_view import cited_sources, grouped_options, what_if, what_if_fields
from nelm.web.case_check import FormCheck, check_form_data
from nelm.web.case_form import LESION_ROWS_MIN, case_sections, case_to_form_values, form_to_case_data
from nelm.web.templating import page

MAX_CASE_JSON = 200_000


def form_lists(form: FormData) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


def form_context(values: dict[str, Any], check: FormCheck | None = None, *, patient: dict[str, Any] | None = None) -> dict[str, Any]:
    lesions = [{k: _text(v) for k, v in lesion.items()} for lesion in values.get("liver.lesions") or []]
    return {"sections": case_sections(), "values": values, "check": check, "patient": patient,
            "lesion_rows": max(LESION_ROWS_MIN, len(lesions) + 1), "lesions": lesions}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def assessment_context(request: Request, data: dict[str, Any], check: FormCheck, patient: dict[str, Any] | None) -> dict[str, Any]:
    state = request.app.state
    assessment = assess_checked(check.check, state.protocol)
    result = assessment.to_dict()
    prognosis = state.model.predict(check.check.case) if state.model.path is not None else None
    return {"a": result, "groups": grouped_options(result), "sources": cited_sources(result), "prognosis": prognosis,
            "case_json": json.dumps(data, separators=(",", ":")), "case": data, "patient": patient,
            "what_if_fields": what_if_fields(), "general_problems": check.general}


def patient_context(db, user, pseudonym: str | None, request: Request) -> dict[str, Any] | None:
    """The patient a case belongs to; only clinicians may attach a case to an identified patient."""
    if not pseudonym:
        return None
    from nelm.web.api.deps import Forbidden

    if user.role != "clinician":
        raise Forbidden("only clinicians can open a patient's case")
    patient = patient_row(db, pseudonym)
    record_view(db, user.username, [patient.id], "case form", path=request.url.path)
    return patient_header(patient)


def parse_case_json(text: str) -> dict[str, Any]:
    from nelm.services.assessment import BadInput

    if len(text) > MAX_CASE_JSON:
        raise BadInput(["case: too large"])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput([f"case: not valid JSON ({exc.msg})"]) from None
    if not isinstance(data, dict):
        raise BadInput(["case: must be a JSON object"])
    return data


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

    @router.get("/cases/new")
    def new_case(request: Request, user: Analyst) -> Response:
        return page(request, "case_form.html", form_context({}))

    @router.post("/cases/check")
    async def check_case(request: Request, user: Analyst) -> Response:
        data = form_to_case_data(form_lists(await request.form()))
        check = check_form_data(data, request.app.state.protocol)
        return page(request, "partials/case_check.html", {"check": check, "sections": case_sections(), "oob": True})

    @router.post("/cases/assess")
    async def assess_case(request: Request, user: Analyst, db: SessionDep) -> Response:
        form = await request.form()
        pseudonym = form.get("patient") or None
        patient = patient_context(db, user, pseudonym if isinstance(pseudonym, str) else None, request)
        data = form_to_case_data(form_lists(form))
        check = check_form_data(data, request.app.state.protocol)
        if not check.ok:
            context = form_context(case_to_form_values(data) | _raw_values(form), check, patient=patient)
            return page(request, "case_form.html", context | {"submitted": True}, status_code=422)
        return page(request, "assessment.html", assessment_context(request, data, check, patient))

    @router.post("/cases/what-if")
    def case_what_if(request: Request, user: Analyst, case_json: Annotated[str, Form()], field: Annotated[str, Form()],
                     value: Annotated[str, Form()] = "") -> Response:
        result = what_if(parse_case_json(case_json), field, value, request.app.state.protocol)
        return page(request, "partials/what_if.html", {"w": result})

    return router


def _raw_values(form: FormData) -> dict[str, Any]:
    """What the user typed, kept verbatim on the re-shown form (a bad value must stay visible to be fixed)."""
    raw = form_lists(form)
    out: dict[str, Any] = {}
    for section in case_sections():
        for spec in section.fields:
            if spec.kind == "lesions":
                sizes, segments = raw.get(f"{spec.path}.size_mm", []), raw.get(f"{spec.path}.segment", [])
                rows = [{"size_mm": s, "segment": g} for s, g in zip(sizes, segments, strict=False) if s.strip() or g.strip()]
                if rows:
                    out[spec.path] = rows
            elif spec.kind == "enum_list":
                if raw.get(spec.path):
                    out[spec.path] = raw[spec.path]
            elif raw.get(spec.path) and raw[spec.path][-1].strip():
                out[spec.path] = raw[spec.path][-1]
    return out
