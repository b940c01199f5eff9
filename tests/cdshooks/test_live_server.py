"""A real HTTP client (httpx) against uvicorn on a loopback port, and a real FHIR server for the fetch path."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from nelm.cdshooks import create_app
from nelm.cdshooks.feedback import InMemoryFeedbackStore
from nelm.cdshooks.settings import CdsSettings

from .conftest import BASE_URL, SERVICE, FakeFhirServer, bundle, request_body, running


def fhir_app(fake: FakeFhirServer, tokens: list[str]) -> FastAPI:
    app = FastAPI()

    @app.get("/fhir/{path:path}")
    async def answer(path: str, request: Request) -> JSONResponse:
        tokens.append(request.headers.get("authorization", ""))
        status, body = fake.answer("GET", str(request.url), dict(request.headers))
        return JSONResponse(body, status_code=status, media_type="application/fhir+json")

    return app


def test_discovery_hook_and_feedback_over_real_http():
    store = InMemoryFeedbackStore()
    with running(create_app(CdsSettings(base_url=BASE_URL), feedback_store=store)) as base, httpx.Client(base_url=base, timeout=10) as http:
        services = http.get("/cds-services").json()["services"]
        assert services[0]["id"] == "nelm-patient-view"
        response = http.post(SERVICE, json=request_body("patient-view-pancreatic-net-after-whipple"))
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        card = response.json()["cards"][0]
        assert card["indicator"] == "warning" and card["links"][0]["url"] == f"{BASE_URL}/fhir/Patient/net-panc-02"
        feedback = {"feedback": [{"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2024-05-06T12:00:00Z"}]}
        assert http.post(f"{SERVICE}/feedback", json=feedback).json() == {"stored": 1}
        assert store.recent()[0].card == card["uuid"]
        bad = http.post(SERVICE, content=b"not json", headers={"content-type": "application/json"})
        assert bad.status_code == 400 and bad.json()["error"] == "bad_request"


def test_the_service_fetches_from_a_real_fhir_server_with_the_token_when_nothing_is_prefetched():
    tokens: list[str] = []
    fake = FakeFhirServer(bundle("ileal-net-g2-liver-metastases"), "net-ileal-01")
    with running(fhir_app(fake, tokens)) as fhir_base, running(create_app(CdsSettings(base_url=BASE_URL))) as base:
        request = request_body("patient-view-no-prefetch")
        request["fhirServer"] = f"{fhir_base}/fhir"
        with httpx.Client(base_url=base, timeout=15) as http:
            response = http.post(SERVICE, json=request)
    assert response.status_code == 200, response.text
    assert "NET G2 liver metastases" in response.json()["cards"][0]["summary"]
    assert len(tokens) == 7 and set(tokens) == {"Bearer some-opaque-fhir-access-token"}


def test_a_fhir_server_that_went_away_gives_412_over_real_http():
    fake = FakeFhirServer(bundle("ileal-net-g2-liver-metastases"), "net-ileal-01")
    with running(fhir_app(fake, [])) as fhir_base:
        gone = fhir_base  # the server stops when the block ends
    with running(create_app(CdsSettings(base_url=BASE_URL))) as base, httpx.Client(base_url=base, timeout=15) as http:
        request = request_body("patient-view-no-prefetch")
        request["fhirServer"] = f"{gone}/fhir"
        response = http.post(SERVICE, json=request)
    assert response.status_code == 412 and response.json()["error"] == "precondition_failed"
