"""The hook answers the same through its fast path (`nelm cds serve`) and through the FastAPI route (the web app's
mount): same status, same JSON, same headers a client relies on."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from nelm.cdshooks import create_app
from nelm.cdshooks.settings import CdsSettings

from .conftest import BASE_URL, SERVICE, request_body

VALID = request_body("patient-view-ileal-net-g2-liver-metastases")


def doors() -> tuple[TestClient, TestClient]:
    settings = CdsSettings(base_url=BASE_URL)
    return (TestClient(create_app(settings, fast_path=True), raise_server_exceptions=False),
            TestClient(create_app(settings, fast_path=False), raise_server_exceptions=False))


def without_card_ids(answer: dict) -> dict:
    return {**answer, "cards": [{k: v for k, v in card.items() if k != "uuid"} for card in answer["cards"]]} if "cards" in answer else answer


BODIES = {
    "ileal chart": json.dumps(VALID).encode(),
    "whipple chart": json.dumps(request_body("patient-view-pancreatic-net-after-whipple")).encode(),
    "incomplete referral": json.dumps(request_body("patient-view-incomplete-referral")).encode(),
    "not JSON": b'{"hook": "patient-view",',
    "NaN is not JSON": json.dumps(VALID).replace('"hookInstance"', '"x": NaN, "hookInstance"').encode(),
    "not UTF-8": b'{"hook": "\xff"}',
    "a list": b"[1, 2]",
    "wrong hook": json.dumps({**VALID, "hook": "order-select"}).encode(),
    "no context": json.dumps({k: v for k, v in VALID.items() if k != "context"}).encode(),
    "empty": b"",
}


@pytest.mark.parametrize("name", BODIES)
def test_every_kind_of_request_gets_the_same_answer_through_both_doors(name):
    fast, route = doors()
    answers = [door.post(SERVICE, content=BODIES[name], headers={"content-type": "application/json"}) for door in (fast, route)]
    assert answers[0].status_code == answers[1].status_code
    assert answers[0].headers["content-type"] == answers[1].headers["content-type"] == "application/json"
    assert without_card_ids(answers[0].json()) == without_card_ids(answers[1].json())


def test_an_unknown_service_is_404_through_both_doors():
    for door in doors():
        answer = door.post("/cds-services/other", json=VALID)
        assert answer.status_code == 404 and answer.json()["error"] == "unknown_service"


def test_a_browser_client_gets_the_cors_header_through_both_doors():
    for door in doors():
        answer = door.post(SERVICE, json=VALID, headers={"origin": "https://sandbox.cds-hooks.org"})
        assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*"
        preflight = door.options(SERVICE, headers={"origin": "https://sandbox.cds-hooks.org", "access-control-request-method": "POST",
                                                   "access-control-request-headers": "authorization, content-type"})
        assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]


def test_a_body_over_the_limit_is_413_through_both_doors():
    for door in doors():
        answer = door.post(SERVICE, content=b"{}", headers={"content-type": "application/json", "content-length": str(21 * 1024 * 1024)})
        assert answer.status_code == 413 and answer.json()["error"] == "too_large"


def test_discovery_and_feedback_are_left_to_fastapi():
    fast, _ = doors()
    assert fast.get("/cds-services").json()["services"][0]["id"] == "nelm-patient-view"
    feedback = fast.post(f"{SERVICE}/feedback", json=request_body("feedback-accepted"))
    assert feedback.status_code == 200 and feedback.json() == {"stored": 1}
    assert fast.get("/openapi.json").json()["paths"]["/cds-services/{service_id}"]["post"]["requestBody"]
