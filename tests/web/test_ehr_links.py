"""The CDS Hooks door inside the web app: the card's link opens the registry patient (/fhir/Patient/{id}), feedback
lands in the registry database, and the EHR's signed JWT is checked against the URL the web server was called at."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nelm.services.registry import import_records
from nelm.web.app import create_app
from nelm.web.settings import WebSettings
from tests.cdshooks.jwt_keys import ISS, ClientKey, bearer, jwks
from tests.registry.conftest import record
from tests.web.conftest import SECRET, new_client, signed_in

CDS = Path(__file__).resolve().parents[1] / "data" / "fhir" / "cds"
SERVICE = "/cds-services/nelm-patient-view"
REGISTERED = "EHR-LINK-01"  # the registry patient of the ileal test chart (FHIR Patient.id net-ileal-01)


def hook_request(name: str = "patient-view-ileal-net-g2-liver-metastases") -> dict:
    return json.loads((CDS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def linked(app) -> str:
    import_records(app.state.registry, [record(REGISTERED, identifiers={"fhir": "net-ileal-01", "name": "Ada Linked"}),
                                        record("EHR-TWIN-A", identifiers={"fhir": "dup-7"}), record("EHR-TWIN-B", identifiers={"fhir": "dup-7"})],
                   actor="test-setup")
    return REGISTERED


def test_the_fhir_patient_link_takes_a_clinician_to_the_registry_patient(clinician, linked):
    response = clinician.get("/fhir/Patient/net-ileal-01")
    assert response.status_code == 303 and response.headers["location"] == f"/patients/{linked}"
    page = clinician.get(response.headers["location"])
    assert page.status_code == 200 and linked in page.text and "Ada Linked" in page.text


def test_a_patient_not_in_the_registry_gets_a_page_saying_so_and_how_to_add_them(clinician, linked):
    response = clinician.get("/fhir/Patient/not-registered-42")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    text = response.text
    assert "Not in this centre" in text and "not-registered-42" in text
    assert 'href="/patients/new?fhir_id=not-registered-42"' in text and "identifier.fhir" in text and '"fhir": "not-registered-42"' in text


def test_an_id_that_is_not_a_fhir_id_is_simply_not_found(clinician):
    response = clinician.get("/fhir/Patient/" + "x" * 65)
    assert response.status_code == 404 and "Not in this centre" in response.text
    assert "/patients/new?fhir_id=" not in response.text and "is not a FHIR Patient id" in response.text


def test_two_registry_patients_with_the_same_fhir_id_are_listed_not_guessed(clinician, linked):
    response = clinician.get("/fhir/Patient/dup-7")
    assert response.status_code == 409
    assert 'href="/patients/EHR-TWIN-A"' in response.text and 'href="/patients/EHR-TWIN-B"' in response.text


def test_the_link_follows_the_login_rules(app, researcher, admin, linked):
    anonymous = new_client(app)
    response = anonymous.get("/fhir/Patient/net-ileal-01")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/fhir/Patient/net-ileal-01"
    assert researcher.get("/fhir/Patient/net-ileal-01").status_code == 403
    assert admin.get("/fhir/Patient/net-ileal-01").status_code == 403


@pytest.fixture
def web_app(db_url, monkeypatch):
    """A web app of its own (settings come from the environment when it is built); the card links to https://testserver."""
    monkeypatch.setenv("NELM_BASE_URL", "https://testserver")
    built: list = []

    def build(**env: str):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        app = create_app(WebSettings(database_url=db_url, secret_key=SECRET))
        built.append(app)
        return app

    yield build
    for app in built:
        app.state.registry.dispose()


def test_a_card_link_followed_through_the_web_app_opens_the_patients_page(web_app, linked):
    app = web_app()
    ehr = TestClient(app, base_url="https://testserver")
    cards = ehr.post(SERVICE, json=hook_request()).json()["cards"]
    link = cards[0]["links"][0]
    assert link["label"] == "Open the full tumour-board assessment in nelm" and link["url"] == "https://testserver/fhir/Patient/net-ileal-01"
    browser = signed_in(app, "doc")
    opened = browser.get(link["url"], follow_redirects=True)
    assert opened.status_code == 200 and str(opened.url) == f"https://testserver/patients/{linked}"


def test_feedback_sent_to_one_web_server_process_is_seen_by_another(web_app):
    first, second = web_app(), web_app()
    feedback = json.loads((CDS / "feedback-overridden.json").read_text(encoding="utf-8"))
    feedback["feedback"][0]["card"] = "web-shared-feedback-card"
    assert TestClient(first, base_url="https://testserver").post(f"{SERVICE}/feedback", json=feedback).json() == {"stored": 1}
    assert "web-shared-feedback-card" in [item.card for item in second.state.cds_feedback_store.recent(1000)]


def test_behind_the_web_app_the_token_must_name_the_web_servers_url(web_app):
    key = ClientKey.new("ES384")
    app = web_app(NELM_CDS_TRUSTED_CLIENTS=json.dumps([{"iss": ISS, "jwks": jwks(key)}]))
    ehr = TestClient(app, base_url="https://testserver")
    assert ehr.get("/cds-services").status_code == 200  # discovery stays open
    assert ehr.post(SERVICE, json=hook_request()).status_code == 401
    wrong = ehr.post(SERVICE, json=hook_request(), headers=bearer(key.token(f"http://127.0.0.1:8010{SERVICE}")))
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorized"
    right = ehr.post(SERVICE, json=hook_request(), headers=bearer(key.token(f"https://testserver{SERVICE}")))
    assert right.status_code == 200 and right.json()["cards"]
    feedback = json.loads((CDS / "feedback-overridden.json").read_text(encoding="utf-8"))
    feedback["feedback"][0]["card"] = "web-signed-feedback-card"
    stored = ehr.post(f"{SERVICE}/feedback", json=feedback, headers=bearer(key.token(f"https://testserver{SERVICE}/feedback")))
    assert stored.json() == {"stored": 1}
    [item] = [i for i in app.state.cds_feedback_store.recent(1000) if i.card == "web-signed-feedback-card"]
    assert item.client_iss == ISS


def test_the_web_app_warns_once_at_start_up_when_the_hook_is_open(web_app, caplog):
    with caplog.at_level(logging.WARNING, logger="nelm.cdshooks"):
        web_app()
    warnings = [r.getMessage() for r in caplog.records if r.name == "nelm.cdshooks"]
    assert len(warnings) == 1 and "OPEN" in warnings[0]
