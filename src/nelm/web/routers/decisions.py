"""Record the tumour board's decision (what it saw, what it chose, why if it differs) and print the note."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from nelm.registry.records import MODALITIES
from nelm.services.assessment import BadInput, assess_data
from nelm.services.registry import record_decision
from nelm.services.web_patients import decision_with_case, latest_decision_id, patient_header, patient_row, record_view, today
from nelm.web.api.deps import Clinician, SessionDep, csrf_protect
from nelm.web.assessment_view import needs_reason
from nelm.web.case_check import check_form_data
from nelm.web.routers.cases import assessment_context, parse_case_json
from nelm.web.templating import page


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

    @router.post("/patients/{pseudonym}/decisions")
    def decide(request: Request, pseudonym: str, user: Clinician, db: SessionDep, case_json: Annotated[str, Form()],
               chosen_option: Annotated[str, Form()] = "", decided_on: Annotated[str, Form()] = "",
               reason: Annotated[str, Form()] = "") -> Response:
        patient = patient_row(db, pseudonym)
        case = parse_case_json(case_json)
        problems = []
        if chosen_option not in MODALITIES:
            problems.append("chosen_option: choose the option the board decided on")
        try:
            when = date.fromisoformat(decided_on) if decided_on else today()
        except ValueError:
            problems.append(f"decided_on: not a date YYYY-MM-DD (got {decided_on!r})")
            when = today()
        if when > today():
            problems.append(f"decided_on: {when} is in the future")
        assessment = assess_data(case, request.app.state.protocol, robustness=False, evidence=False).to_dict()
        if chosen_option in MODALITIES and needs_reason(assessment, chosen_option) and not reason.strip():
            problems.append("reason: the chosen option is not recommended or suggested for this case; say why the board chose it")
        if problems:
            check = check_form_data(case, request.app.state.protocol)
            if not check.ok:
                raise BadInput([str(p) for p in check.check.errors])
            header = patient_header(patient)
            context = assessment_context(request, case, check, header)
            context |= {"decision_problems": problems, "decision_values": {"chosen_option": chosen_option, "decided_on": decided_on, "reason": reason}}
            return page(request, "assessment.html", context, status_code=422)
        record_decision(request.app.state.registry, pseudonym, case, chosen_option, when.isoformat(),
                        reason=reason.strip() or None, actor=user.username)
        decision_id = latest_decision_id(db, patient.id)
        return RedirectResponse(f"/patients/{pseudonym}?decision={decision_id}#decision-{decision_id}", status_code=303)

    @router.get("/patients/{pseudonym}/decisions/{decision_id}/note.pdf")
    def note_pdf(request: Request, pseudonym: str, decision_id: int, user: Clinician, db: SessionDep) -> Response:
        from nelm.web.pdf import decision_note_pdf

        patient, decision, case = decision_with_case(db, pseudonym, decision_id)
        record_view(db, user.username, [patient.id], "tumour-board note (PDF)", path=request.url.path)
        pdf = decision_note_pdf(request.app.state.templates, patient, decision, case, request.app.state.protocol, printed_by=user.username)
        filename = f"nelm-note-{patient.pseudonym}-{decision.decided_on.isoformat()}.pdf"
        return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    return router
