"""The JSON API under /api: the assessment contract, bad input, registry reads, OpenAPI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nelm.services.assessment import assess_data
from tests.web.cases import RESECTABLE
from tests.web.conftest import page_csrf


def _post(client, path, body):
    return client.post(path, json=body, headers={"X-CSRF-Token": page_csrf(client)})


def test_assess_returns_the_engines_json_contract(researcher):
    body = _post(researcher, "/api/assess", RESECTABLE).json()
    assert body == assess_data(RESECTABLE).to_dict()


def test_assess_a_bad_case_answers_400_with_one_message_per_field(clinician):
    response = _post(clinician, "/api/assess", {"ecog": 7, "liver": {"lesion_count": -1}, "colour": "blue"})
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert len(problems) == 3
    assert [p.split(":")[0] for p in problems] == ["ecog", "liver.lesion_count", "colour"]


def test_check_gives_errors_warnings_and_derived_values(clinician):
    body = _post(clinician, "/api/check", {"pathology": {"ki67_percent": 25, "differentiation": "poor", "category": "NET"}, "ecog": 9}).json()
    assert body["ok"] is False
    assert [e["path"] for e in body["errors"]] == ["ecog"]
    assert body["derived"]["category"] == "NEC"


def test_what_if_returns_status_changes(clinician):
    body = _post(clinician, "/api/what-if", {"case": RESECTABLE, "field": "pathology.ki67_percent", "value": "35"}).json()
    assert body["problems"] == [] and body["changes"]
    assert all(c["before"] != c["after"] for c in body["changes"])


def test_a_form_post_to_the_json_api_is_refused(clinician):
    response = clinician.post("/api/assess", data={"csrf_token": page_csrf(clinician)})
    assert response.status_code in {400, 403, 415, 422}


def test_patient_record_is_the_registry_record(app, clinician, cohort):
    record = cohort[5]
    body = clinician.get(f"/api/patients/{record['patient_id']}").json()
    assert body["identifiers"] == record["identifiers"] and body["treatments"] == record["treatments"]


def test_unknown_patient_is_a_json_404(clinician):
    response = clinician.get("/api/patients/NOBODY")
    assert response.status_code == 404 and response.json()["problems"] == ["patient 'NOBODY': not in the registry"]


def test_analyses_do_not_reveal_the_database_address(researcher):
    body = researcher.get("/api/analyses/survival").json()
    assert "database" not in body and body["result"]["groups"]


@pytest.mark.parametrize("bad", [{"endpoint": "dfs"}, {"by": "colour"}])
def test_bad_analysis_parameters_are_named(researcher, bad):
    response = researcher.get("/api/analyses/survival", params=bad)
    assert response.status_code == 400 and response.json()["problems"]


def test_openapi_documents_the_api_and_no_html_page(anonymous):
    spec = anonymous.get("/api/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/assess", "/api/check", "/api/patients", "/api/patients/{pseudonym}", "/api/analyses/survival"} <= paths
    assert all(p.startswith("/api/") or p.startswith("/cds-services") for p in paths)
    assert "Swagger UI" in anonymous.get("/api/docs").text


def test_cds_hooks_discovery_is_served_by_the_same_app(anonymous):
    response = anonymous.get("/cds-services")
    assert response.status_code == 200 and response.json()["services"]


def test_an_ehr_can_call_the_cds_hook_on_the_web_server_without_a_session_or_csrf_token(anonymous):
    service = anonymous.get("/cds-services").json()["services"][0]["id"]
    request = json.loads((Path(__file__).parents[1] / "data/fhir/cds/patient-view-ileal-net-g2-liver-metastases.json").read_text())
    response = anonymous.post(f"/cds-services/{service}", json=request)
    assert response.status_code == 200
    cards = response.json()["cards"]
    assert cards and all(len(card["summary"]) < 140 for card in cards)
