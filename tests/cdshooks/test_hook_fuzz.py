"""Fuzzing the hook and feedback endpoints: no 500, no traceback, always a JSON body."""

from __future__ import annotations

import copy
import json

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nelm.cdshooks import create_app
from nelm.cdshooks.fhir_client import FhirFetcher
from nelm.cdshooks.settings import CdsSettings

from .conftest import SERVICE, FakeFhirServer, bundle, request_body

ALLOWED = {200, 400, 404, 412, 413}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**9, 10**9) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=16),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=15,
)
KEYS = st.sampled_from(["hook", "hookInstance", "fhirServer", "fhirAuthorization", "context", "prefetch", "patientId", "userId",
                        "patient", "conditions", "observations", "procedures", "tumors", "entry", "resource", "resourceType",
                        "code", "valueQuantity", "status", "access_token", "token_type", "subject", "birthDate"])
fake = FakeFhirServer(bundle("ileal-net-g2-liver-metastases"), "net-ileal-01")
client = TestClient(create_app(CdsSettings(), fetcher=FhirFetcher(transport=fake.transport())), raise_server_exceptions=False)
SEEDS = [request_body(n) for n in ("patient-view-ileal-net-g2-liver-metastases", "patient-view-pancreatic-net-after-whipple",
                                   "patient-view-incomplete-referral", "patient-view-no-prefetch", "patient-view-spec-example")]


def assert_handled(response) -> None:
    assert response.status_code in ALLOWED, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    body = response.json()
    assert ("cards" in body) if response.status_code == 200 else {"error", "message", "problems"} <= body.keys()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_body_is_answered_without_a_server_error(data):
    assert_handled(client.post(SERVICE, json=data))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_any_bytes_are_answered_without_a_server_error(raw):
    assert_handled(client.post(SERVICE, content=raw, headers={"content-type": "application/json"}))


@st.composite
def mutated_requests(draw):
    request = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        node = request
        for key in draw(st.lists(KEYS, min_size=0, max_size=3)):
            child = node.get(key) if isinstance(node, dict) else None
            if isinstance(child, list) and child:
                child = child[draw(st.integers(0, len(child) - 1))]
            if not isinstance(child, dict):
                break
            node = child
        key = draw(KEYS)
        if draw(st.booleans()):
            node[key] = draw(json_values)
        else:
            node.pop(key, None)
    return request


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_requests())
def test_damaged_cds_requests_are_answered_without_a_server_error(data):
    assert_handled(client.post(SERVICE, content=json.dumps(data), headers={"content-type": "application/json"}))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_feedback_body_is_answered_without_a_server_error(data):
    response = client.post(f"{SERVICE}/feedback", json=data)
    assert response.status_code in {200, 400}, response.text
    assert "Traceback" not in response.text
