"""Patients: the list (search, filters, pages; identified for clinicians, de-identified for researchers),
a new patient, one patient's timeline, the case form and the assessment of the latest case.

Every page that shows identified data writes a 'view' row to the registry's audit log.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from nelm.registry.records import MODALITIES, SEXES, parse_record
from nelm.services.assessment import BadInput
from nelm.services.registry import ImportRejected, import_records
from nelm.services.web_patients import (
    patient_header,
    FHIR_IDENTIFIER_KIND,
    VITAL_FILTERS,
    PatientFilters,
    fhir_id_problems,
    latest_case,
    new_patient_record,
    patient_detail,
    patient_list,
    record_view,
)
from nelm.web.api.deps import Analyst, Clinician, SessionDep, csrf_protect
from nelm.web.case_check import check_form_data
from nelm.web.case_form import case_to_form_values
from nelm.web.routers.cases import assessment_context, form_context
from nelm.web.templating import page


URL_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _patient_header(detail: dict) -> dict:
    ids = detail["identifiers"]
    return {"pseudonym": detail["pseudonym"], "name": ids.get("name"), "mrn": ids.get("mrn"), "birth_date": ids.get("birth_date"),
            "synthetic": detail["synthetic"], "sex": detail["sex"]}


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

    @router.get("/patients")
    def list_patients(request: Request, user: Analyst, db: SessionDep, q: str = "", modality: str = "", vital: str = "",
                      sex: str = "", synthetic: str = "") -> Response:
        page_number = _int(request.query_params.get("page"), 1)
        filters = PatientFilters(q=q[:100], modality=modality if modality in MODALITIES else "",
                                 vital=vital if vital in VITAL_FILTERS else "", sex=sex if sex in SEXES else "",
                                 synthetic=synthetic if synthetic in {"yes", "no"} else "")
        identified = user.role == "clinician"
        result = patient_list(db, filters, page=page_number, page_size=request.app.state.settings.page_size, identified=identified)
        if identified:
            record_view(db, user.username, result.ids, "patient list", path=str(request.url.path))
        context = {"result": result, "identified": identified, "modalities": sorted(MODALITIES), "sexes": sorted(SEXES)}
        template = "partials/patient_rows.html" if request.headers.get("hx-request") and request.headers.get("hx-target") == "patient-results" else "patients.html"
        return page(request, template, context)

    @router.get("/patients/new")
    def new_patient_form(request: Request, user: Clinician, fhir_id: str = "") -> Response:
        # ?fhir_id= comes from the "not in this centre's registry" page of an EHR card link (/fhir/Patient/{id}).
        return page(request, "patient_new.html", {"values": {"fhir_id": fhir_id.strip()}, "problems": [], "sexes": sorted(SEXES)})

    @router.post("/patients")
    def create_patient(request: Request, user: Clinician, db: SessionDep, pseudonym: Annotated[str, Form()] = "",
                       diagnosis_date: Annotated[str, Form()] = "", sex: Annotated[str, Form()] = "",
                       name: Annotated[str, Form()] = "", mrn: Annotated[str, Form()] = "",
                       birth_date: Annotated[str, Form()] = "", fhir_id: Annotated[str, Form()] = "") -> Response:
        values = {"pseudonym": pseudonym, "diagnosis_date": diagnosis_date, "sex": sex, "name": name, "mrn": mrn, "birth_date": birth_date,
                  "fhir_id": fhir_id}
        record = new_patient_record(pseudonym, diagnosis_date, sex, {"name": name, "mrn": mrn, "birth_date": birth_date,
                                                                     FHIR_IDENTIFIER_KIND: fhir_id})
        problems = [] if not pseudonym.strip() or URL_SAFE_ID.match(pseudonym.strip()) else [
            "patient_id: letters, digits, '.', '_' or '-' only (the registry id appears in web addresses)"]
        problems += fhir_id_problems(db, fhir_id)
        if problems:
            problems += parse_record(record)[1]  # the registry's own checks too, so that every problem shows at once
        else:
            try:
                import_records(request.app.state.registry, [record], actor=user.username)
            except ImportRejected as exc:
                problems = [p.split(": ", 1)[1] if p.startswith("record 1: ") else p for p in exc.problems]
        if problems:
            return page(request, "patient_new.html", {"values": values, "problems": problems, "sexes": sorted(SEXES)}, status_code=422)
        return RedirectResponse(f"/patients/{record['patient_id']}/case", status_code=303)

    @router.get("/patients/{pseudonym}")
    def show_patient(request: Request, pseudonym: str, user: Clinician, db: SessionDep) -> Response:
        detail = patient_detail(db, pseudonym)
        record_view(db, user.username, [detail["id"]], "timeline", path=request.url.path)
        recorded = _int(request.query_params.get("decision"), None)
        return page(request, "patient.html", {"p": detail, "patient": _patient_header(detail), "recorded": recorded})

    @router.get("/patients/{pseudonym}/case")
    def patient_case_form(request: Request, pseudonym: str, user: Clinician, db: SessionDep) -> Response:
        patient, snapshot = latest_case(db, pseudonym)
        record_view(db, user.username, [patient.id], "case form", path=request.url.path)
        header = patient_header(patient)
        values = case_to_form_values(snapshot.case if snapshot else None)
        context = form_context(values, patient=header)
        if snapshot is not None:
            context["check"] = check_form_data(snapshot.case, request.app.state.protocol)
            context["case_date"] = snapshot.taken_on
        return page(request, "case_form.html", context)

    @router.get("/patients/{pseudonym}/assessment")
    def patient_assessment(request: Request, pseudonym: str, user: Clinician, db: SessionDep) -> Response:
        patient, snapshot = latest_case(db, pseudonym)
        record_view(db, user.username, [patient.id], "assessment", path=request.url.path)
        if snapshot is None:
            raise BadInput([f"patient {pseudonym}: no case recorded yet; enter one first"])
        header = patient_header(patient)
        check = check_form_data(snapshot.case, request.app.state.protocol)
        if not check.ok:
            raise BadInput([f"stored case of {snapshot.taken_on}: {p}" for p in check.check.errors])
        context = assessment_context(request, snapshot.case, check, header)
        context["case_date"] = snapshot.taken_on
        return page(request, "assessment.html", context)

    return router


def _int(value: str | None, default):
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default

