"""POST /cds-services/nelm-patient-view/feedback: accepted and stored."""

from __future__ import annotations

import pytest

from .conftest import SERVICE


@pytest.mark.parametrize("name, outcome", [("feedback-accepted", "accepted"), ("feedback-overridden", "overridden"), ("feedback-override-reason", "overridden")])
def test_spec_feedback_examples_are_accepted_and_stored(client, store, body, name, outcome):
    request = body(name)
    response = client.post(f"{SERVICE}/feedback", json=request)
    assert response.status_code == 200 and response.json() == {"stored": 1}
    stored = store.recent()
    assert [(s.card, s.outcome) for s in stored] == [(request["feedback"][0]["card"], outcome)]


def test_override_reason_and_comment_are_kept(client, store, body):
    client.post(f"{SERVICE}/feedback", json=body("feedback-override-reason"))
    reason = store.recent()[0].override_reason
    assert reason["reason"]["display"] == "Patient refused" and reason["userComment"].startswith("Patient wants")


@pytest.mark.parametrize("request_body, fragment", [
    ({"feedback": []}, "feedback"),
    ({"feedback": [{"card": "x", "outcome": "liked", "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}, "outcome"),
    ({"feedback": [{"card": "x", "outcome": "accepted", "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}, "acceptedSuggestions"),
    ({"feedback": [{"card": "x", "outcome": "overridden", "outcomeTimestamp": "yesterday"}]}, "outcomeTimestamp"),
])
def test_malformed_feedback_is_400_and_nothing_is_stored(client, store, request_body, fragment):
    response = client.post(f"{SERVICE}/feedback", json=request_body)
    assert response.status_code == 400 and fragment in " ".join(response.json()["problems"])
    assert store.recent() == []


def test_feedback_to_an_unknown_service_is_404(client, body):
    assert client.post("/cds-services/nope/feedback", json=body("feedback-overridden")).status_code == 404
