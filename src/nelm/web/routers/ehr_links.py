"""Links from the EHR. A CDS Hooks card links to /fhir/Patient/{id} (the FHIR Patient.id of the chart the
clinician has open); the web pages are keyed on the registry pseudonym, so the link is resolved here: the registry
patient whose identifier of kind "fhir" equals that id (303 to /patients/{pseudonym}), or a page saying the patient
is not in this centre's registry and how to add them. Clinicians only, as the patient pages it leads to.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from nelm.registry.models import Identifier, Patient
from nelm.web.api.deps import Clinician, SessionDep
from nelm.web.templating import page

# The identifier kind that holds a patient's FHIR Patient.id on the EHR's FHIR server (registry import:
# "identifiers": {"fhir": "<id>"}, CSV column identifier.fhir).
FHIR_IDENTIFIER_KIND = "fhir"
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def pseudonyms_for_fhir_id(session: Session, fhir_id: str, limit: int = 20) -> list[str]:
    query = (select(Patient.pseudonym).join(Identifier, Identifier.patient_id == Patient.id)
             .where(Identifier.kind == FHIR_IDENTIFIER_KIND, Identifier.value == fhir_id).order_by(Patient.pseudonym).limit(limit))
    return list(session.scalars(query))


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/fhir/Patient/{fhir_id}")
    def open_fhir_patient(request: Request, fhir_id: str, user: Clinician, db: SessionDep) -> Response:
        found = pseudonyms_for_fhir_id(db, fhir_id) if FHIR_ID.match(fhir_id) else []
        if len(found) == 1:
            return RedirectResponse(f"/patients/{quote(found[0], safe='')}", status_code=303)
        context = {"fhir_id": fhir_id, "kind": FHIR_IDENTIFIER_KIND, "found": found}
        return page(request, "fhir_patient.html", context, status_code=409 if found else 404)

    return router
