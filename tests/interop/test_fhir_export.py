"""Assessment -> FHIR R4B GuidanceResponse whose RequestGroup actions carry option, status, reasons, citations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fhir.resources.R4B.guidanceresponse import GuidanceResponse

from nelm.interop import codes
from nelm.interop.fhir_export import guidance_response
from nelm.knowledge.rulebook import Modality
from nelm.knowledge.sources import SOURCES
from nelm.services.assessment import assess_data

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
CASES = sorted(p.stem for p in EXAMPLES.glob("*.json"))


def export(name: str, **kwargs):
    assessment = assess_data(json.loads((EXAMPLES / f"{name}.json").read_text()), robustness=False, evidence=False)
    return assessment, guidance_response(assessment, issued=datetime(2024, 5, 6, 12, 0, tzinfo=UTC), **kwargs)


def contained(resource, kind):
    return next(r for r in resource["contained"] if r["resourceType"] == kind)


@pytest.mark.parametrize("name", CASES)
def test_export_is_a_valid_r4b_guidance_response_with_one_action_per_option(name):
    assessment, resource = export(name)
    GuidanceResponse.model_validate(resource)  # round trip through the model
    group = contained(resource, "RequestGroup")
    assert resource["result"] == {"reference": "#options"}
    statuses = {a["code"][0]["coding"][0]["code"]: a["code"][1]["coding"][0]["code"] for a in group["action"]}
    assert statuses == assessment.statuses()
    assert set(statuses) == {m.value for m in Modality}


@pytest.mark.parametrize("name", CASES)
def test_each_option_action_carries_its_reasons_and_every_citation(name):
    assessment, resource = export(name)
    actions = {a["id"]: a for a in contained(resource, "RequestGroup")["action"]}
    for option in assessment.options:
        action = actions[option.modality]
        assert [sub["title"] for sub in action.get("action", [])] == [r.rule_id for r in option.reasons]
        assert [sub["description"] for sub in action.get("action", [])] == [r.text for r in option.reasons]
        cited = {(d["label"], d["citation"]) for d in action.get("documentation", [])}
        for reason in option.reasons:
            for citation in reason.citations:
                assert (SOURCES[citation.source].short, SOURCES[citation.source].label()) in cited


def test_safety_warning_after_whipple_is_a_warning_issue_with_its_source():
    _, resource = export("07-after-whipple-iat-warning")
    issues = contained(resource, "OperationOutcome")["issue"]
    safety = [i for i in issues if i["details"]["coding"][0]["code"] == "SAFE-PD-IAT"]
    assert len(safety) == 1 and safety[0]["severity"] == "warning"
    assert "Chan 2018 review" in safety[0]["diagnostics"]


def test_missing_facts_make_the_response_data_requested_and_name_what_fhir_can_supply():
    assessment, resource = export("08-incomplete-referral")
    assert assessment.missing and resource["status"] == "data-requested"
    missing = {i["details"]["coding"][0]["code"] for i in contained(resource, "OperationOutcome")["issue"] if i["code"] == "incomplete"}
    assert missing == set(assessment.missing)
    kinds = {r["type"] for r in resource["dataRequirement"]}
    assert {"Condition", "Procedure", "Observation"} <= kinds
    progress = [r for r in resource["dataRequirement"] if r.get("codeFilter")]
    assert progress[0]["codeFilter"][0]["code"][0] == {"system": codes.LOINC, "code": codes.LOINC_DISEASE_STATUS}


def test_complete_case_is_success_and_names_the_patient_and_the_request():
    assessment, resource = export("01-single-g1-ileal-resectable", patient_id="net-ileal-01", request_id="d1577c69")
    assert not assessment.missing and resource["status"] == "success" and "dataRequirement" not in resource
    assert resource["subject"] == {"reference": "Patient/net-ileal-01"}
    assert resource["requestIdentifier"] == {"value": "d1577c69"}
    assert resource["occurrenceDateTime"] == "2024-05-06T12:00:00Z"
    derived = {p["name"]: p for p in contained(resource, "Parameters")["parameter"]}
    assert derived["grade"]["valueString"] == "G1"
