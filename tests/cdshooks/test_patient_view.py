"""POST /cds-services/nelm-patient-view: cards from prefetch or from the FHIR server, and the error codes."""

from __future__ import annotations

import pytest

from datetime import date

from nelm.cdshooks.prefetch import as_bundle
from nelm.engine.labels import STATUS_LABELS
from nelm.interop.fhir_import import import_bundle
from nelm.services.assessment import assess_data

from .conftest import BASE_URL, SERVICE, bundle


def assess_prefetch(request):
    case = import_bundle(as_bundle(request["prefetch"]), as_of=date.today(), patient_id=request["context"]["patientId"]).case
    return assess_data(case, robustness=False, evidence=False)


def cards_for(client, body):
    response = client.post(SERVICE, json=body)
    assert response.status_code == 200, response.text
    return response.json()["cards"]


def test_ileal_patient_gets_a_card_with_options_sources_and_the_tumour_board_link(client, body):
    request = body("patient-view-ileal-net-g2-liver-metastases")
    conditions = request["prefetch"]["conditions"]["entry"]
    request["prefetch"]["conditions"]["entry"] = [e for e in conditions if e["resource"]["id"] != "carcinoid-syndrome"]
    cards = cards_for(client, request)
    main = cards[0]
    assert main["indicator"] == "info"
    assert len(main["summary"]) < 140 and "NET G2 liver metastases" in main["summary"]
    assert main["source"] == {"label": "nelm NELM decision support (knowledge base " + main["source"]["label"].split("knowledge base ")[1], "url": BASE_URL}
    assert main["links"] == [{"label": "Open the full tumour-board assessment in nelm", "url": f"{BASE_URL}/fhir/Patient/net-ileal-01", "type": "absolute"}]
    assessment = assess_prefetch(request)
    sections = main["detail"].split("\n\n")
    for option in assessment.options:
        section = next(s for s in sections if s.startswith(f"**{STATUS_LABELS[option.status]}**"))
        assert f"**{option.label}**" in section
    assert "ESMO 2020" in main["detail"] and main["uuid"]


def test_carcinoid_syndrome_without_a_heart_assessment_makes_the_card_a_warning(client, body):
    main = cards_for(client, body("patient-view-ileal-net-g2-liver-metastases"))[0]
    assert main["indicator"] == "warning" and "SAFE-CHD" in main["detail"]
    assert main["summary"].startswith("Safety: Carcinoid syndrome with carcinoid heart disease not recorded")


def test_safety_warning_after_whipple_makes_the_card_a_warning(client, body):
    cards = cards_for(client, body("patient-view-pancreatic-net-after-whipple"))
    main = cards[0]
    assert main["indicator"] == "warning"
    assert main["summary"].startswith("Safety: Prior pancreaticoduodenectomy") and len(main["summary"]) < 140
    assert "SAFE-PD-IAT" in main["detail"] and "Chan 2018 review" in main["detail"]


def test_missing_data_gives_a_card_saying_what_is_missing_not_an_error(client, body):
    cards = cards_for(client, body("patient-view-incomplete-referral"))
    assert len(cards) == 2
    missing = cards[1]
    assert missing["indicator"] == "info" and missing["summary"].startswith("nelm needs ")
    assert len(missing["summary"]) < 140
    assert "`pathology.ki67_percent`" in missing["detail"] and "LOINC 29593-1" in missing["detail"]
    assert missing["links"][0]["url"] == f"{BASE_URL}/fhir/Patient/ref-03"


def test_every_card_summary_is_under_140_characters_and_every_card_has_a_source(client, body):
    for name in ("ileal-net-g2-liver-metastases", "pancreatic-net-after-whipple", "incomplete-referral"):
        for card in cards_for(client, body(f"patient-view-{name}")):
            assert len(card["summary"]) < 140
            assert card["source"]["label"] and card["source"]["url"] == BASE_URL
            assert card["indicator"] in ("info", "warning")


def test_a_chart_without_a_neuroendocrine_neoplasm_gets_no_cards(client, body):
    request = body("patient-view-ileal-net-g2-liver-metastases")
    request["prefetch"]["conditions"] = None
    request["prefetch"]["observations"] = None
    request["prefetch"]["tumors"] = None
    assert cards_for(client, request) == []


def test_the_spec_example_request_without_nelm_prefetch_is_fetched_from_the_fhir_server(client, body, fhir):
    request = body("patient-view-spec-example")
    request["context"]["patientId"] = "net-ileal-01"
    cards = cards_for(client, request)
    assert cards and cards[0]["links"][0]["url"].endswith("/fhir/Patient/net-ileal-01")
    assert {r.headers["authorization"] for r in fhir.seen} == {"Bearer some-opaque-fhir-access-token"}


def test_without_prefetch_the_service_queries_the_fhir_server_with_the_bearer_token(client, body, fhir):
    cards = cards_for(client, body("patient-view-no-prefetch"))
    assert "NET G2 liver metastases" in cards[0]["summary"]
    urls = sorted(str(r.url) for r in fhir.seen)
    assert "http://hooks.smarthealthit.org:9080/Patient/net-ileal-01" in urls
    assert any(u.startswith("http://hooks.smarthealthit.org:9080/Condition?patient=net-ileal-01") for u in urls)
    assert all(r.headers["authorization"] == "Bearer some-opaque-fhir-access-token" for r in fhir.seen)


def test_only_the_templates_missing_from_prefetch_are_fetched(client, body, fhir):
    request = body("patient-view-ileal-net-g2-liver-metastases")
    del request["prefetch"]["procedures"]
    cards_for(client, request)
    assert [r.url.path for r in fhir.seen] == ["/Procedure"]


def test_an_operation_outcome_in_prefetch_means_the_client_could_not_prefetch_so_the_service_fetches(client, body, fhir):
    request = body("patient-view-ileal-net-g2-liver-metastases")
    request["prefetch"]["conditions"] = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    cards = cards_for(client, request)
    assert cards and [r.url.path for r in fhir.seen] == ["/Condition"]


def test_missing_prefetch_and_no_fhir_server_is_412(client, body):
    request = body("patient-view-ileal-net-g2-liver-metastases")
    del request["prefetch"]["conditions"]
    del request["fhirServer"]
    del request["fhirAuthorization"]
    response = client.post(SERVICE, json=request)
    assert response.status_code == 412
    assert response.json()["error"] == "precondition_failed" and "conditions" in response.json()["message"]


def test_a_fhir_server_refusing_the_token_is_412(client, body, fhir):
    fhir.status = 401
    response = client.post(SERVICE, json=body("patient-view-no-prefetch"))
    assert response.status_code == 412
    assert "refused the access token (HTTP 401)" in response.json()["message"]


def test_an_unreachable_fhir_server_is_412(settings, body):
    from fastapi.testclient import TestClient

    from nelm.cdshooks import create_app
    from nelm.cdshooks.fhir_client import FhirFetcher

    from .conftest import free_port

    request = body("patient-view-no-prefetch")
    request["fhirServer"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    client = TestClient(create_app(settings, fetcher=FhirFetcher(timeout_seconds=2)), raise_server_exceptions=False)
    response = client.post(SERVICE, json=request)
    assert response.status_code == 412 and "unreachable" in response.json()["message"]


def test_a_failing_optional_query_does_not_stop_the_assessment(client, body, fhir):
    request = body("patient-view-ileal-net-g2-liver-metastases")
    del request["prefetch"]["medication-requests"]
    original = fhir.answer
    fhir.answer = lambda method, url, headers: (500, {}) if "MedicationRequest" in url else original(method, url, headers)
    assert cards_for(client, request)


@pytest.mark.parametrize("mutate, status, fragment", [
    (lambda b: b.update(hook="order-select"), 400, "patient-view hook"),
    (lambda b: b.pop("hookInstance"), 400, "hookInstance"),
    (lambda b: b["context"].pop("patientId"), 400, "context.patientId"),
    (lambda b: b["context"].update(patientId="../../admin"), 400, "context.patientId"),
    (lambda b: b.pop("fhirServer"), 400, "fhirServer is missing"),
    (lambda b: b["fhirAuthorization"].update(token_type="MAC"), 400, "token_type"),
    (lambda b: b["prefetch"].update(conditions=["not", "fhir"]), 400, "prefetch.conditions"),
    (lambda b: b["prefetch"].update(conditions={"resourceType": "Bundle", "type": "searchset", "entry": [7]}), 400, "prefetch.conditions.entry[0]"),
])
def test_malformed_requests_are_400_with_a_json_error_naming_the_field(client, body, mutate, status, fragment):
    request = body("patient-view-ileal-net-g2-liver-metastases")
    mutate(request)
    response = client.post(SERVICE, json=request)
    assert response.status_code == status
    error = response.json()
    assert error["error"] and fragment in (error["message"] + " ".join(error["problems"]))


def test_a_body_that_is_not_json_is_400_with_a_json_error(client):
    response = client.post(SERVICE, content=b'{"hook": "patient-view",', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json") and response.json()["error"] == "bad_request"


def test_an_unknown_service_is_404(client, body):
    response = client.post("/cds-services/no-such-service", json=body("patient-view-ileal-net-g2-liver-metastases"))
    assert response.status_code == 404 and response.json()["error"] == "unknown_service"


def test_the_card_link_follows_nelm_base_url_from_the_environment(monkeypatch, body):
    from fastapi.testclient import TestClient

    from nelm.cdshooks import create_app

    monkeypatch.setenv("NELM_BASE_URL", "https://tumourboard.example.net/nelm")
    cards = TestClient(create_app()).post(SERVICE, json=body("patient-view-ileal-net-g2-liver-metastases")).json()["cards"]
    assert cards[0]["links"][0]["url"] == "https://tumourboard.example.net/nelm/fhir/Patient/net-ileal-01"


def test_searchset_paging_is_followed_on_the_same_server_only(client, body, fhir):
    pages = {"Condition": 0}
    original = fhir.answer
    conditions = [e for e in bundle("ileal-net-g2-liver-metastases")["entry"] if e["resource"]["resourceType"] == "Condition"]

    def paged(method, url, headers):
        if "/Condition" in url and "page=2" not in url:
            pages["Condition"] += 1
            return 200, {"resourceType": "Bundle", "type": "searchset", "entry": conditions[:1],
                         "link": [{"relation": "next", "url": "http://hooks.smarthealthit.org:9080/Condition?patient=net-ileal-01&page=2"}]}
        if "page=2" in url:
            return 200, {"resourceType": "Bundle", "type": "searchset", "entry": conditions[1:],
                         "link": [{"relation": "next", "url": "https://elsewhere.example/steal-token"}]}
        return original(method, url, headers)

    fhir.answer = paged
    cards = cards_for(client, body("patient-view-no-prefetch"))
    assert "NET G2" in cards[0]["summary"]
    assert not any("elsewhere" in str(r.url) for r in fhir.seen)


def test_a_fhir_server_outside_the_allowlist_is_not_called(body, fhir):
    from fastapi.testclient import TestClient

    from nelm.cdshooks import create_app
    from nelm.cdshooks.fhir_client import FhirFetcher
    from nelm.cdshooks.settings import CdsSettings

    settings = CdsSettings(fhir_server_allowlist="https://fhir.example-hospital.org/r4, http://hooks.smarthealthit.org:9080/fhir")
    client = TestClient(create_app(settings, fetcher=FhirFetcher(transport=fhir.transport())), raise_server_exceptions=False)
    response = client.post(SERVICE, json=body("patient-view-no-prefetch"))  # fhirServer http://hooks.smarthealthit.org:9080
    assert response.status_code == 412 and "allowlist" in response.json()["message"]
    assert fhir.seen == []
    allowed = CdsSettings(fhir_server_allowlist="http://hooks.smarthealthit.org:9080")
    client = TestClient(create_app(allowed, fetcher=FhirFetcher(transport=fhir.transport())), raise_server_exceptions=False)
    assert client.post(SERVICE, json=body("patient-view-no-prefetch")).status_code == 200


def test_a_chart_opened_again_gets_the_same_cards_with_new_card_ids(client, body):
    request = body("patient-view-pancreatic-net-after-whipple")
    first, second = cards_for(client, request), cards_for(client, request)
    assert [{**c, "uuid": None} for c in first] == [{**c, "uuid": None} for c in second]
    assert {c["uuid"] for c in first}.isdisjoint({c["uuid"] for c in second})
    assert client.app.state.cds_answer_cache.hits >= 1


def test_a_changed_chart_is_assessed_afresh(client, body):
    request = body("patient-view-pancreatic-net-after-whipple")
    cards_for(client, request)
    whipple = next(e for e in request["prefetch"]["procedures"]["entry"] if e["resource"]["id"] == "whipple")
    request["prefetch"]["procedures"]["entry"].remove(whipple)
    assert cards_for(client, request)[0]["indicator"] == "info"
