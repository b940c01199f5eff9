"""Links from the EHR. A CDS Hooks card links to /fhir/Patient/{id} (the FHIR Patient.id of the chart the
clinician has open); the web pages are keyed on the registry pseudonym, so the link is resolved here: the registry
patient whose identifier of kind "fhir" equals that id (303 to /patients/{pseudonym}), or a page saying the patient
is not in this centre's registry and how to add them. Clinicians only, as the patient pages it leads to.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from nelm.services.web_patients import FHIR_ID, FHIR_IDENTIFIER_KIND, pseudonyms_for_fhir_id
from nelm.web.api.deps import Clinician, SessionDep
from nelm.web.templating import page


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/fhir/Patient/{fhir_id}")
    def open_fhir_patient(request: Request, fhir_id: str, user: Clinician, db: SessionDep) -> Response:
        found = pseudonyms_for_fhir_id(db, fhir_id) if FHIR_ID.match(fhir_id) else []
        if len(found) == 1:
            return RedirectResponse(f"/patients/{quote(found[0], safe='')}", status_code=303)
        # A valid id that no patient carries: the page links to the new-patient form with the id filled in.
        context = {"fhir_id": fhir_id, "kind": FHIR_IDENTIFIER_KIND, "found": found, "addable": bool(FHIR_ID.match(fhir_id))}
        return page(request, "fhir_patient.html", context, status_code=409 if found else 404)

    return router
