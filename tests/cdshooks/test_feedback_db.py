"""Card feedback in the registry database (cds_feedback): shared by every server process, all or nothing.
Runs on SQLite, and on PostgreSQL when NELM_TEST_POSTGRES_URL is set (the registry tests' db_url fixture)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from nelm.cdshooks import create_app
from nelm.cdshooks.app import create_service_app
from nelm.cdshooks.client_auth import ClientVerifier, TrustedClient, parse_jwks
from nelm.cdshooks.feedback import StoredFeedback
from nelm.cdshooks.feedback_db import DatabaseFeedbackStore
from nelm.cdshooks.settings import CdsSettings
from nelm.registry.models import CdsFeedback
from nelm.services.registry import open_registry
from tests.registry.conftest import db_url  # noqa: F401 - the fixture: SQLite, and PostgreSQL when configured

from .conftest import BASE_URL, SERVICE, request_body
from .jwt_keys import ISS, ClientKey, bearer, jwks


@pytest.fixture
def registries(db_url):  # noqa: F811
    """Two registries on one database: what two server processes hold."""
    first, second = open_registry(db_url), open_registry(db_url)
    yield first, second
    first.dispose()
    second.dispose()


def rows(registry) -> int:
    with registry.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(CdsFeedback))


def service(registry, **options) -> TestClient:
    return TestClient(create_app(CdsSettings(base_url=BASE_URL), registry=registry, **options), raise_server_exceptions=False)


def test_feedback_given_to_one_server_process_is_seen_by_another(registries):
    one, two = (service(r) for r in registries)
    accepted, overridden = request_body("feedback-accepted"), request_body("feedback-overridden")
    assert one.post(f"{SERVICE}/feedback", json=accepted).json() == {"stored": 1}
    assert two.post(f"{SERVICE}/feedback", json=overridden).json() == {"stored": 1}
    for app in (one.app, two.app):
        seen = app.state.feedback_store.recent()
        assert [(s.card, s.outcome) for s in seen] == [(accepted["feedback"][0]["card"], "accepted"), (overridden["feedback"][0]["card"], "overridden")]


def test_every_field_of_the_feedback_is_stored_with_the_verified_client(registries):
    key = ClientKey.new("ES384")
    verifier = ClientVerifier([TrustedClient(ISS, parse_jwks(jwks(key), ISS))], required=True)
    client = service(registries[0], verifier=verifier)
    request = request_body("feedback-override-reason")
    before = datetime.now(UTC)
    response = client.post(f"{SERVICE}/feedback", json=request, headers=bearer(key.token(f"http://testserver{SERVICE}/feedback")))
    assert response.json() == {"stored": 1}
    item = request["feedback"][0]
    [stored] = DatabaseFeedbackStore(registries[1].engine).recent()
    assert stored.service_id == "nelm-patient-view" and stored.card == item["card"] and stored.outcome == "overridden"
    assert stored.override_reason == item["overrideReason"] and stored.client_iss == ISS
    assert stored.outcome_timestamp == datetime.fromisoformat(item["outcomeTimestamp"].replace("Z", "+00:00"))
    assert stored.received_at.tzinfo is not None and stored.received_at >= before.replace(microsecond=0)
    accepted = request_body("feedback-accepted")
    client.post(f"{SERVICE}/feedback", json=accepted, headers=bearer(key.token(f"http://testserver{SERVICE}/feedback")))
    assert DatabaseFeedbackStore(registries[1].engine).recent()[-1].accepted_suggestions == tuple(
        s["id"] for s in accepted["feedback"][0]["acceptedSuggestions"])


def test_a_request_with_one_bad_item_stores_none_of_its_items(registries):
    client = service(registries[0])
    good = request_body("feedback-overridden")["feedback"][0]
    bad = {**good, "outcome": "liked"}
    response = client.post(f"{SERVICE}/feedback", json={"feedback": [good, good, bad]})
    assert response.status_code == 400 and "feedback[2].outcome" in " ".join(response.json()["problems"])
    assert rows(registries[1]) == 0


def test_the_store_writes_all_items_in_one_transaction_or_none(registries):
    store = DatabaseFeedbackStore(registries[0].engine)
    now = datetime.now(UTC)
    good = StoredFeedback("nelm-patient-view", "card-1", "overridden", (), None, now, now)
    broken = StoredFeedback("nelm-patient-view", "card-2", None, (), None, now, now)  # type: ignore[arg-type]  # outcome is NOT NULL
    with pytest.raises(IntegrityError):
        store.add([good, broken])
    assert rows(registries[1]) == 0
    store.add([good])
    assert rows(registries[1]) == 1


def test_a_local_time_without_zone_is_stored_as_utc(registries):
    store = DatabaseFeedbackStore(registries[0].engine)
    naive = datetime(2024, 5, 6, 12, 0, 0)
    store.add([StoredFeedback("nelm-patient-view", "c", "overridden", (), None, naive, naive)])
    assert store.recent()[0].outcome_timestamp == datetime(2024, 5, 6, 12, 0, 0, tzinfo=UTC)


def test_nelm_cds_serve_keeps_feedback_in_the_database_it_is_given(db_url, monkeypatch):  # noqa: F811
    monkeypatch.setenv("NELM_DATABASE_URL", db_url)
    app = create_service_app()
    with TestClient(app) as client:  # the lifespan disposes of the engine at the end
        assert client.post(f"{SERVICE}/feedback", json=request_body("feedback-overridden")).json() == {"stored": 1}
    assert isinstance(app.state.feedback_store, DatabaseFeedbackStore)
    registry = open_registry(db_url)
    try:
        assert rows(registry) == 1
    finally:
        registry.dispose()


def test_without_a_database_feedback_stays_in_memory():
    app = create_app(CdsSettings(base_url=BASE_URL))
    assert not isinstance(app.state.feedback_store, DatabaseFeedbackStore)
