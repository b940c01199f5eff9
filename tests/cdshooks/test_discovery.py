"""GET /cds-services: the patient-view service and its prefetch templates."""

from __future__ import annotations


def test_discovery_lists_the_patient_view_service_with_prefetch_for_patient_conditions_observations_procedures(client):
    response = client.get("/cds-services")
    assert response.status_code == 200
    services = response.json()["services"]
    assert len(services) == 1
    service = services[0]
    assert (service["hook"], service["id"]) == ("patient-view", "nelm-patient-view")
    assert service["description"] and service["title"]
    prefetch = service["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    assert prefetch["conditions"] == "Condition?patient={{context.patientId}}"
    assert prefetch["procedures"] == "Procedure?patient={{context.patientId}}"
    assert prefetch["observations"].startswith("Observation?patient={{context.patientId}}&code=")
    for loinc in ("29593-1", "89247-1", "21889-1", "33728-7"):
        assert f"http://loinc.org|{loinc}" in prefetch["observations"]


def test_every_prefetch_template_uses_only_the_patient_context_token(client):
    for template in client.get("/cds-services").json()["services"][0]["prefetch"].values():
        assert "{{context.patientId}}" in template
        assert template.count("{{") == 1
