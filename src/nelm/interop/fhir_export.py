"""Assessment -> FHIR R4 GuidanceResponse, validated by building the fhir.resources R4B model.

Shape: a GuidanceResponse whose `result` is a contained RequestGroup with one action per option. Each
action carries the option (code, nelm modality system), its status (code and prefix), its reasons as
sub-actions (rule id, effect, text) and every citation as a RelatedArtifact. Safety warnings and missing
facts are a contained OperationOutcome (`evaluationMessage`); missing facts that FHIR can supply are also
`dataRequirement`s, so an EHR knows what to send; derived values (grade, pattern...) are a contained
Parameters (`outputParameters`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fhir.resources.R4B.guidanceresponse import GuidanceResponse

from nelm.engine.labels import STATUS_LABELS
from nelm.engine.result import Assessment, Option, Reason
from nelm.interop import codes as c
from nelm.knowledge.sources import SOURCES

# Case fields FHIR can supply: resource type and, for Observations, the LOINC code nelm reads.
FHIR_HOME: dict[str, tuple[str, str | None]] = {
    "age_years": ("Patient", None),
    "ecog": ("Observation", c.LOINC_ECOG),
    "pathology.ki67_percent": ("Observation", c.LOINC_KI67),
    "liver.lesions": ("Observation", c.LOINC_TUMOR_SIZE),
    "liver.lesion_count": ("Observation", c.LOINC_TUMOR_SIZE),
    "liver.largest_lesion_mm": ("Observation", c.LOINC_TUMOR_SIZE),
    "disease_course.progressing": ("Observation", c.LOINC_DISEASE_STATUS),
    "primary.site": ("Condition", None),
    "pathology.differentiation": ("Condition", None),
    "pathology.category": ("Condition", None),
    "extrahepatic_disease.present": ("Condition", None),
    "extrahepatic_disease.sites": ("Condition", None),
    "primary.status": ("Procedure", None),
    "prior_pancreaticoduodenectomy": ("Procedure", None),
    "prior_liver_resections": ("Procedure", None),
    "prior_systemic_therapies": ("MedicationStatement", None),
}

_FHIR_ID = re.compile(r"[^A-Za-z0-9\-.]")


def guidance_response(assessment: Assessment, *, patient_id: str | None = None, issued: datetime | None = None,
                      request_id: str | None = None) -> dict[str, Any]:
    """The assessment as a GuidanceResponse (FHIR R4B JSON). Raises pydantic.ValidationError if invalid."""
    subject = {"reference": f"Patient/{patient_id}"} if patient_id else {"display": f"nelm case {assessment.case_id or '(no id)'}"}
    missing = list(assessment.missing)
    contained: list[dict[str, Any]] = [_request_group(assessment, subject, issued), _derived(assessment)]
    messages = _messages(assessment)
    if messages is not None:
        contained.append(messages)
    resource: dict[str, Any] = {
        "resourceType": "GuidanceResponse",
        "id": _fhir_id(f"nelm-{assessment.case_id or 'assessment'}"),
        "contained": contained,
        "moduleUri": c.NELM_MODULE,
        "status": "data-requested" if missing else "success",
        "subject": subject,
        "note": [
            {"text": assessment.to_dict()["disclaimer"]},
            {"text": f"nelm engine {assessment.engine_version}, knowledge base {assessment.knowledge_base_version}, "
                     f"protocol {assessment.protocol.get('name', '?')}"},
        ],
        "outputParameters": {"reference": "#derived"},
        "result": {"reference": "#options"},
    }
    if request_id:
        resource["requestIdentifier"] = {"value": request_id}
    if issued is not None:
        resource["occurrenceDateTime"] = issued.isoformat()
    if messages is not None:
        resource["evaluationMessage"] = [{"reference": "#messages"}]
    requirements = _data_requirements(missing)
    if requirements:
        resource["dataRequirement"] = requirements
    return GuidanceResponse.model_validate(resource).model_dump(mode="json", exclude_none=True)


def _request_group(assessment: Assessment, subject: dict[str, Any], issued: datetime | None) -> dict[str, Any]:
    group: dict[str, Any] = {
        "resourceType": "RequestGroup",
        "id": "options",
        "status": "draft",  # a proposal for the tumour board, not an order
        "intent": "proposal",
        "subject": subject,
        "action": [_option_action(option) for option in assessment.options],
    }
    if issued is not None:
        group["authoredOn"] = issued.isoformat()
    return group


def _option_action(option: Option) -> dict[str, Any]:
    decisive = [r.text for r in option.reasons if r.decisive]
    action: dict[str, Any] = {
        "id": option.modality,
        "prefix": STATUS_LABELS[option.status],
        "title": option.label,
        "textEquivalent": f"{option.label}: {STATUS_LABELS[option.status].lower()}.",
        "code": [
            {"coding": [{"system": c.NELM_MODALITY, "code": option.modality, "display": option.label}]},
            {"coding": [{"system": c.NELM_STATUS, "code": option.status, "display": STATUS_LABELS[option.status]}]},
        ],
        "action": [_reason_action(reason) for reason in option.reasons],
    }
    if decisive:
        action["description"] = " ".join(decisive)
    citations = _artifacts(citation for reason in option.reasons for citation in reason.citations)
    if citations:
        action["documentation"] = citations
    if not action["action"]:
        del action["action"]
    return action


def _reason_action(reason: Reason) -> dict[str, Any]:
    action: dict[str, Any] = {
        "title": reason.rule_id,
        "description": reason.text,
        "code": [
            {"coding": [{"system": c.NELM_RULE, "code": reason.rule_id}]},
            {"coding": [{"system": c.NELM_REASON_EFFECT, "code": reason.effect}], "text": "decisive" if reason.decisive else reason.effect},
        ],
    }
    if reason.argues_for:
        action["prefix"] = f"argues for: {STATUS_LABELS.get(reason.argues_for, reason.argues_for)}"
    citations = _artifacts(reason.citations)
    if citations:
        action["documentation"] = citations
    return action


def _artifacts(citations: Any) -> list[dict[str, Any]]:
    out, seen = [], set()
    for citation in citations:
        key = (citation.source, citation.detail)
        if key in seen:
            continue
        seen.add(key)
        source = SOURCES[citation.source]
        out.append({
            "type": "citation",
            "label": source.short,
            "display": f"{source.short}: {citation.detail}" if citation.detail else source.short,
            "citation": source.label(),
        })
    return out


def _derived(assessment: Assessment) -> dict[str, Any]:
    parameters = []
    for name, value in assessment.derived.items():
        if value is None:
            continue
        if isinstance(value, bool):
            parameters.append({"name": name, "valueBoolean": value})
        elif isinstance(value, int | float):
            parameters.append({"name": name, "valueDecimal": value})
        else:
            parameters.append({"name": name, "valueString": str(value)})
    out: dict[str, Any] = {"resourceType": "Parameters", "id": "derived"}
    if parameters:
        out["parameter"] = parameters
    return out


def _messages(assessment: Assessment) -> dict[str, Any] | None:
    issues = []
    for warning in assessment.warnings:
        cited = "; ".join(SOURCES[ct.source].short + (f" ({ct.detail})" if ct.detail else "") for ct in warning.citations)
        issues.append({
            "severity": "warning" if warning.rule_id.startswith("SAFE-") else "information",
            "code": "business-rule" if warning.rule_id.startswith("SAFE-") else "informational",
            "details": {"coding": [{"system": c.NELM_RULE, "code": warning.rule_id}], "text": warning.text},
            **({"diagnostics": f"Sources: {cited}"} if cited else {}),
        })
    for path in assessment.missing:
        issues.append({
            "severity": "information",
            "code": "incomplete",
            "details": {"coding": [{"system": c.NELM_CASE_FIELD, "code": path}], "text": f"missing: {path}"},
        })
    if not issues:
        return None
    return {"resourceType": "OperationOutcome", "id": "messages", "issue": issues}


def _data_requirements(missing: list[str]) -> list[dict[str, Any]]:
    out, seen = [], set()
    for path in missing:
        home = FHIR_HOME.get(path)
        if home is None or home in seen:
            continue
        seen.add(home)
        kind, loinc = home
        requirement: dict[str, Any] = {"type": kind}
        if loinc:
            requirement["codeFilter"] = [{"path": "code", "code": [{"system": c.LOINC, "code": loinc}]}]
        out.append(requirement)
    return out


def _fhir_id(text: str) -> str:
    return _FHIR_ID.sub("-", text)[:64]
