"""The printable tumour-board note (WeasyPrint): case summary, options with reasons and sources, the decision
and its date. Uses the assessment stored with the decision (what the board saw); a decision imported without
one is re-assessed with the current engine and the note says so."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi.templating import Jinja2Templates

from nelm.knowledge.protocol import Protocol
from nelm.registry.models import BoardDecision, Patient
from nelm.services.assessment import BadInput, assess_data
from nelm.web.assessment_view import cited_sources, grouped_options
from nelm.web.case_form import case_sections, case_to_form_values
from nelm.web.templating import STATIC_DIR


def _has_reasons(assessment: dict[str, Any] | None) -> bool:
    return bool(assessment) and any(o.get("reasons") for o in assessment.get("options") or [])


def note_context(patient: Patient, decision: BoardDecision, case: dict[str, Any] | None, protocol: Protocol, printed_by: str) -> dict[str, Any]:
    stored = decision.assessment
    reassessed = False
    if _has_reasons(stored):
        assessment = stored
    elif case is not None:
        try:
            assessment = assess_data(case, protocol, robustness=False, evidence=False).to_dict()
            reassessed = True
        except BadInput:
            assessment = stored or {"options": []}
    else:
        assessment = stored or {"options": []}
    status_then = next((o.get("status") for o in assessment.get("options") or [] if o.get("modality") == decision.chosen_option), None)
    values = case_to_form_values(case)
    summary = [(section.title, [(spec, values[spec.path]) for spec in section.fields if spec.path in values])
               for section in case_sections()]
    return {
        "identifiers": {i.kind: i.value for i in patient.identifiers},
        "patient": patient,
        "decision": decision,
        "status_then": status_then,
        "a": assessment,
        "groups": grouped_options(assessment),
        "sources": cited_sources(assessment),
        "summary": [(title, rows) for title, rows in summary if rows],
        "reassessed": reassessed,
        "printed_at": datetime.now(timezone.utc),
        "printed_by": printed_by,
    }


def decision_note_pdf(templates: Jinja2Templates, patient: Patient, decision: BoardDecision, case: dict[str, Any] | None,
                      protocol: Protocol, *, printed_by: str) -> bytes:
    from weasyprint import CSS, HTML  # imported on first use: loading Pango takes a moment

    html = templates.env.get_template("note.html").render(note_context(patient, decision, case, protocol, printed_by))
    return HTML(string=html, base_url=str(STATIC_DIR)).write_pdf(stylesheets=[CSS(filename=str(STATIC_DIR / "css" / "note.css"))])
