"""Trusting CDS clients (CDS Hooks 2.0): the EHR's signed JWT is checked on the hook and feedback endpoints."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from nelm.cdshooks import create_app
from nelm.cdshooks.client_auth import ClientRefused, ClientVerifier, JwksCache, ReplayGuard, TrustedClient, parse_jwks
from nelm.cdshooks.feedback import InMemoryFeedbackStore
from nelm.cdshooks.settings import CdsSettings, TrustedClientSetting

from .conftest import BASE_URL, SERVICE, request_body
from .jwt_keys import ISS, ClientKey, bearer, jwks

HOOK_URL = f"http://testserver{SERVICE}"
FEEDBACK_URL = f"{HOOK_URL}/feedback"
JWKS_URL = "https://ehr.example-hospital.org/.well-known/jwks.json"
OTHER_JWKS_URL = "https://keys.example-hospital.org/jwks.json"


@pytest.fixture(scope="module")
def es384() -> ClientKey:
    return ClientKey.new("ES384")


@pytest.fixture(scope="module")
def rs384() -> ClientKey:
    return ClientKey.new("RS384")


class JwksServer:
    """The EHR's JWK Set URL(s) as an httpx MockTransport; counts fetches and can go down."""

    def __init__(self, sets: dict[str, dict]):
        self.sets = sets
        self.requests: list[str] = []
        self.down = False

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(str(request.url))
            if self.down:
                raise httpx.ConnectError("connection refused", request=request)
            found = self.sets.get(str(request.url))
            return httpx.Response(200, json=found) if found is not None else httpx.Response(404)
        return httpx.MockTransport(handle)


DOOR = {"fast_path": True}


@pytest.fixture(autouse=True, params=[True, False], ids=["fast-path", "fastapi-route"])
def door(request):
    """Every client check holds for the hook as `nelm cds serve` answers it and through the FastAPI route."""
    DOOR["fast_path"] = request.param
    yield request.param
    DOOR["fast_path"] = True


def app_client(clients: list[TrustedClient], *, server: JwksServer | None = None, store=None, required: bool | None = None,
               settings: CdsSettings | None = None, **verifier_options) -> TestClient:
    jwks_cache = JwksCache(transport=server.transport() if server else None, min_refresh=verifier_options.pop("min_refresh", 0.0))
    verifier = ClientVerifier(clients, required=bool(clients) if required is None else required, jwks=jwks_cache, **verifier_options)
    app = create_app(settings or CdsSettings(base_url=BASE_URL), feedback_store=store if store is not None else InMemoryFeedbackStore(),
                     verifier=verifier, fast_path=DOOR["fast_path"])
    return TestClient(app, raise_server_exceptions=False)


def inline(*keys: ClientKey, iss: str = ISS) -> TrustedClient:
    return TrustedClient(iss, parse_jwks(jwks(*keys), iss))


def call_hook(client: TestClient, token: str | None):
    return client.post(SERVICE, json=request_body("patient-view-ileal-net-g2-liver-metastases"), headers=bearer(token) if token else {})


def refused(response, fragment: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error"] == "unauthorized" and fragment in body["message"], body
    assert set(body) == {"error", "message", "problems"} and response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("alg", ["ES384", "RS384"])
def test_a_token_signed_by_a_trusted_client_opens_the_hook(alg, es384, rs384):
    key = es384 if alg == "ES384" else rs384
    client = app_client([inline(es384, rs384)])
    response = call_hook(client, key.token(HOOK_URL))
    assert response.status_code == 200, response.text
    assert "NET G2 liver metastases" in response.json()["cards"][0]["summary"]


def test_feedback_needs_a_token_too_and_records_the_verified_issuer(es384):
    store = InMemoryFeedbackStore()
    client = app_client([inline(es384)], store=store)
    feedback = request_body("feedback-overridden")
    refused(client.post(f"{SERVICE}/feedback", json=feedback), "Authorization: Bearer")
    assert store.recent() == []
    response = client.post(f"{SERVICE}/feedback", json=feedback, headers=bearer(es384.token(FEEDBACK_URL)))
    assert response.json() == {"stored": 1}
    assert store.recent()[0].client_iss == ISS


def test_discovery_stays_open_when_clients_are_configured(es384):
    response = app_client([inline(es384)]).get("/cds-services")
    assert response.status_code == 200 and response.json()["services"][0]["id"] == "nelm-patient-view"


def test_a_missing_or_malformed_authorization_header_is_refused_before_the_body_is_read(es384):
    client = app_client([inline(es384)])
    refused(call_hook(client, None), "Authorization: Bearer")
    refused(client.post(SERVICE, json={}, headers={"Authorization": "Basic dXNlcjpwYXNz"}), "must be 'Bearer <JWT>'")
    refused(client.post(SERVICE, content=b"not json", headers={**bearer("not.a.jwt"), "content-type": "application/json"}), "not a JWT")


def test_an_expired_token_is_refused_but_small_clock_skew_is_allowed(es384):
    client = app_client([inline(es384)])
    refused(call_hook(client, es384.token(HOOK_URL, now=time.time() - 600)), "expired")
    assert call_hook(client, es384.token(HOOK_URL, now=time.time() - 270)).status_code == 200  # expired 30 s ago: within 60 s skew


def test_a_token_valid_for_more_than_five_minutes_or_issued_in_the_future_is_refused(es384):
    client = app_client([inline(es384)])
    refused(call_hook(client, es384.token(HOOK_URL, lifetime=3600)), "at most 300 s")
    refused(call_hook(client, es384.token(HOOK_URL, now=time.time() + 300)), "in the future")


@pytest.mark.parametrize("claim", ["iss", "aud", "exp", "iat", "jti"])
def test_a_token_without_a_required_claim_is_refused(es384, claim):
    response = call_hook(app_client([inline(es384)]), es384.token(HOOK_URL, drop=(claim,)))
    refused(response, "is not a trusted" if claim == "iss" else claim)


def test_the_audience_must_be_the_endpoint_called(es384):
    client = app_client([inline(es384)])
    refused(call_hook(client, es384.token("https://other-service.example.org/cds-services/nelm-patient-view")), "is not this endpoint")
    refused(call_hook(client, es384.token(FEEDBACK_URL)), "is not this endpoint")  # a feedback token does not open the hook
    refused(call_hook(client, es384.token("http://testserver/cds-services")), "is not this endpoint")
    assert call_hook(client, es384.token(["https://elsewhere.example.org/x", HOOK_URL])).status_code == 200  # aud may be a list


def test_unknown_issuer_unknown_kid_and_a_forged_signature_are_refused(es384):
    client = app_client([inline(es384)])
    refused(call_hook(client, es384.token(HOOK_URL, iss="https://intruder.example.org/")), "not a trusted CDS client")
    stranger = ClientKey.new("ES384")
    refused(call_hook(client, stranger.token(HOOK_URL)), "is not a key of")
    forger = ClientKey.new("ES384", kid=es384.kid)  # the right kid, the wrong private key
    refused(call_hook(client, forger.token(HOOK_URL)), "signature does not verify")


@pytest.mark.parametrize("alg", ["ES384", "RS384"])
def test_a_token_changed_after_signing_is_refused_whichever_part_was_changed(alg, es384, rs384):
    key = es384 if alg == "ES384" else rs384
    client = app_client([inline(key)])
    header, payload, signature = key.token(HOOK_URL).split(".")
    _, other_payload, _ = key.token(HOOK_URL, sub="someone-else").split(".")
    refused(call_hook(client, f"{header}.{other_payload}.{signature}"), "signature does not verify")
    refused(call_hook(client, f"{header}.{payload}.{signature[:-4]}"), "signature does not verify")
    refused(call_hook(client, f"{header}.{payload}.{signature}+"), "not a JWT")  # '+' is not base64url
    refused(call_hook(client, f"{header}.{payload}.{signature}="), "not a JWT")  # JWS has no padding
    refused(call_hook(client, f"{header}.{payload}"), "not a JWT")
    assert call_hook(client, key.token(HOOK_URL, sub="someone-else")).status_code == 200  # signed as it is: accepted


def test_an_audience_that_is_neither_a_string_nor_a_list_of_strings_is_refused(es384):
    client = app_client([inline(es384)])
    refused(call_hook(client, es384.token([HOOK_URL, 7])), "aud must be a string or a list of strings")
    refused(call_hook(client, es384.token({"url": HOOK_URL})), "aud must be a string or a list of strings")


def test_none_and_shared_secret_algorithms_are_refused(es384):
    client = app_client([inline(es384)])
    claims = {"iss": ISS, "aud": HOOK_URL, "iat": int(time.time()), "exp": int(time.time()) + 60, "jti": "x1"}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": es384.kid})
    refused(call_hook(client, unsigned), "alg 'none' is not accepted")
    hmac = jwt.encode(claims, "a shared secret of thirty-two bytes!", algorithm="HS256", headers={"kid": es384.kid})
    refused(call_hook(client, hmac), "alg 'HS256' is not accepted")


def test_a_key_of_another_type_than_the_algorithm_is_refused(es384, rs384):
    client = app_client([TrustedClient(ISS, {es384.kid: parse_jwks(jwks(rs384), ISS)[rs384.kid]})])  # kid of the EC key maps to an RSA key
    refused(call_hook(client, es384.token(HOOK_URL)), "is for RS384")


def test_a_replayed_token_is_refused(es384):
    client = app_client([inline(es384)])
    token = es384.token(HOOK_URL)
    assert call_hook(client, token).status_code == 200
    refused(call_hook(client, token), "already used")


def test_the_replay_memory_is_bounded_forgets_expired_tokens_and_fails_closed_when_full():
    guard = ReplayGuard(capacity=2)
    assert guard.first_use("a", "1", until=100, now=0) and guard.first_use("a", "2", until=200, now=0)
    assert not guard.first_use("a", "1", until=100, now=50)
    with pytest.raises(ClientRefused) as full:
        guard.first_use("a", "3", until=300, now=50)
    assert full.value.status == 503
    assert guard.first_use("a", "3", until=300, now=150) and len(guard) == 2  # "1" expired and was forgotten


def test_the_service_answers_503_when_the_replay_memory_is_full(es384):
    client = app_client([inline(es384)], replay=ReplayGuard(capacity=100))
    for _ in range(100):
        assert call_hook(client, es384.token(HOOK_URL)).status_code == 200
    response = call_hook(client, es384.token(HOOK_URL))
    assert response.status_code == 503 and response.json()["error"] == "busy"


def test_keys_come_from_the_clients_jwks_url_and_are_cached(es384):
    server = JwksServer({JWKS_URL: jwks(es384)})
    client = app_client([TrustedClient(ISS, {}, (JWKS_URL,))], server=server)
    for _ in range(3):
        assert call_hook(client, es384.token(HOOK_URL)).status_code == 200
    assert server.requests == [JWKS_URL]


def test_an_unknown_kid_makes_the_service_fetch_the_jwks_again_once(es384):
    server = JwksServer({JWKS_URL: jwks(es384)})
    client = app_client([TrustedClient(ISS, {}, (JWKS_URL,))], server=server)
    assert call_hook(client, es384.token(HOOK_URL)).status_code == 200
    rotated = ClientKey.new("ES384")
    server.sets[JWKS_URL] = jwks(es384, rotated)
    assert call_hook(client, rotated.token(HOOK_URL)).status_code == 200
    refused(call_hook(client, ClientKey.new("ES384").token(HOOK_URL)), "is not a key of")
    assert len(server.requests) == 3  # first fetch, the rotation, the unknown kid: one refresh each


def test_refreshes_for_unknown_kids_are_rate_limited(es384):
    server = JwksServer({JWKS_URL: jwks(es384)})
    client = app_client([TrustedClient(ISS, {}, (JWKS_URL,))], server=server, min_refresh=60.0)
    for _ in range(5):
        refused(call_hook(client, ClientKey.new("ES384").token(HOOK_URL)), "is not a key of")
    assert len(server.requests) == 1


def test_an_unreachable_jwks_gives_401_with_a_clear_message(es384):
    server = JwksServer({JWKS_URL: jwks(es384)})
    server.down = True
    client = app_client([TrustedClient(ISS, {}, (JWKS_URL,))], server=server)
    refused(call_hook(client, es384.token(HOOK_URL)), f"JWK Set of {ISS} at {JWKS_URL} could not be fetched")


def test_jku_is_honoured_only_when_it_is_on_the_issuers_list(es384):
    attacker = ClientKey.new("ES384", kid=es384.kid)
    evil = "https://attacker.example.net/jwks.json"
    server = JwksServer({evil: jwks(attacker), OTHER_JWKS_URL: jwks(es384)})
    client = app_client([TrustedClient(ISS, {}, (JWKS_URL, OTHER_JWKS_URL))], server=server)
    refused(call_hook(client, attacker.token(HOOK_URL, headers={"jku": evil})), "is not a JWK Set URL configured")
    assert server.requests == []  # never fetched
    assert call_hook(client, es384.token(HOOK_URL, headers={"jku": OTHER_JWKS_URL})).status_code == 200
    assert server.requests == [OTHER_JWKS_URL]


def test_when_no_client_is_configured_the_service_is_open_and_ignores_tokens(es384):
    client = app_client([])
    assert call_hook(client, None).status_code == 200
    assert call_hook(client, "anything-at-all").status_code == 200


def test_requiring_tokens_without_any_trusted_client_refuses_every_call():
    refused(call_hook(app_client([], required=True), None), "Authorization: Bearer")
    refused(call_hook(app_client([], required=True), "x.y.z"), "no trusted CDS client is configured")


def test_a_token_may_be_optional_while_clients_are_configured_but_is_checked_when_sent(es384):
    client = app_client([inline(es384)], required=False)
    assert call_hook(client, None).status_code == 200
    refused(call_hook(client, es384.token("https://elsewhere.example.org/")), "is not this endpoint")


def test_with_a_public_url_the_audience_is_the_public_address_not_the_host_header(es384):
    settings = CdsSettings(base_url=BASE_URL, cds_public_url="https://cds.example-hospital.org")
    client = app_client([inline(es384)], settings=settings)
    assert call_hook(client, es384.token(f"https://cds.example-hospital.org{SERVICE}")).status_code == 200
    forged_host = client.post(SERVICE, json=request_body("patient-view-ileal-net-g2-liver-metastases"),
                              headers={**bearer(es384.token(f"https://other.example.org{SERVICE}")), "Host": "other.example.org"})
    refused(forged_host, "is not this endpoint")


def test_the_specifications_example_token_verifies_with_its_example_key_at_its_own_time():
    # CDS Hooks 2.0, "Trusting CDS Clients", Example: header, payload, JWK Set and the complete JWT.
    example_jwks = {"keys": [{"kty": "EC", "use": "sig", "crv": "P-384", "kid": "example-kid", "alg": "ES384",
                              "x": "46SDH7Znh821wblCBglA61sNE9ZrHYKKt3qRtRTmSXyOI_FIGBLWrWa0GPUkDCEk",
                              "y": "XMcRuuoGW7CXjQdy-F5i3FeBE0x9hPLdeFdSoDd3ELmx404tLX0VRRcqzAsPhXcI"}]}
    token = ("eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCIsImtpZCI6ImV4YW1wbGUta2lkIiwiamt1IjoiaHR0cHM6Ly9maGlyLWVoci5leGFtcGxlLmNvbS9qd2tfdXJpIn0."
             "eyJpc3MiOiJodHRwczovL2ZoaXItZWhyLmV4YW1wbGUuY29tLyIsImF1ZCI6Imh0dHBzOi8vY2RzLmV4YW1wbGUub3JnL2Nkcy1zZXJ2aWNlcy9zb21lLXNlcnZpY2UiLCJleHAiOjE0MjI1Njg4NjAsImlhdCI6MTMxMTI4MDk3MCwianRpIjoiZWUyMmIwMjEtZTFiNy00NjExLWJhNWItOGVlYzZhMzNhYzFlIiwidGVuYW50IjoiMmRkZDZjM2EtOGU5YS00NGM2LWEzMDUtNTIxMTFhZDMwMmEyIn0."
             "d1WfLjGRKlcWB94l9do4cM8REXeYJLL6SGUBO8VHZhfM8mwKYP70EMxJ67War4TQblEpaQrp11wx5p7oPFm2ETYgCicS84vXWEIYTdjooZdooCSDf2L8-i4awdoUwiEb")
    jku = "https://fhir-ehr.example.com/jwk_uri"
    server = JwksServer({jku: example_jwks})
    verifier = ClientVerifier([TrustedClient("https://fhir-ehr.example.com/", {}, (jku,))], required=True,
                              jwks=JwksCache(transport=server.transport()), max_lifetime=10**9, clock=lambda: 1422568000)
    client = asyncio.run(verifier.verify(f"Bearer {token}", "https://cds.example.org/cds-services/some-service"))
    assert client is not None and client.tenant == "2ddd6c3a-8e9a-44c6-a305-52111ad302a2" and client.jti.startswith("ee22b021")
    late = ClientVerifier(verifier.clients.values(), required=True, jwks=JwksCache(transport=server.transport()), max_lifetime=10**9,
                          clock=lambda: 1422568860 + 61)
    with pytest.raises(ClientRefused, match="expired"):
        asyncio.run(late.verify(f"Bearer {token}", "https://cds.example.org/cds-services/some-service"))


def test_trusted_clients_come_from_the_environment_or_a_file(monkeypatch, tmp_path, es384):
    entry = {"iss": ISS, "jwks": jwks(es384), "jwks_urls": JWKS_URL}
    monkeypatch.setenv("NELM_CDS_TRUSTED_CLIENTS", __import__("json").dumps([entry]))
    settings = CdsSettings()
    assert settings.client_token_required and settings.trusted_clients()[0].jwks_urls == (JWKS_URL,)
    assert es384.kid in settings.trusted_clients()[0].keys
    monkeypatch.delenv("NELM_CDS_TRUSTED_CLIENTS")
    path = tmp_path / "clients.json"
    path.write_text(__import__("json").dumps([{"iss": "https://other-ehr.example.org", "jwks_urls": [OTHER_JWKS_URL]}]))
    monkeypatch.setenv("NELM_CDS_TRUSTED_CLIENTS_FILE", str(path))
    monkeypatch.setenv("NELM_CDS_REQUIRE_CLIENT_TOKEN", "false")
    settings = CdsSettings()
    assert [c.iss for c in settings.trusted_clients()] == ["https://other-ehr.example.org"] and not settings.client_token_required


@pytest.mark.parametrize("entry, fragment", [
    ({"iss": ISS}, "give its JWK Set"),
    ({"iss": ISS, "jwks_urls": "http://ehr.example-hospital.org/jwks"}, "must be https"),
    ({"iss": ISS, "jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]}}, "no RSA or EC signing key"),
    ({"iss": ISS, "jwks": {"keys": [{"kty": "EC", "crv": "P-384", "kid": "k", "x": "AAAA", "y": "AAAA"}]}}, "key 'k'"),
])
def test_a_broken_trusted_client_setting_fails_at_start_up(entry, fragment):
    with pytest.raises(ValueError, match=fragment):
        TrustedClientSetting.model_validate(entry)


def test_an_open_service_logs_one_clear_warning_at_start_up(caplog, es384):
    with caplog.at_level(logging.WARNING, logger="nelm.cdshooks"):
        create_app(CdsSettings())
    warnings = [r for r in caplog.records if r.name == "nelm.cdshooks"]
    assert len(warnings) == 1 and "OPEN" in warnings[0].getMessage() and "NELM_CDS_TRUSTED_CLIENTS" in warnings[0].getMessage()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="nelm.cdshooks"):
        create_app(CdsSettings(cds_trusted_clients=[{"iss": ISS, "jwks": jwks(es384)}], cds_public_url="https://cds.example.org"))
    assert [r for r in caplog.records if r.name == "nelm.cdshooks"] == []


def test_behind_a_mount_the_audience_includes_the_mount_path(es384):
    from fastapi import FastAPI

    outer = FastAPI()
    verifier = ClientVerifier([inline(es384)], required=True)
    outer.mount("/ehr", create_app(CdsSettings(base_url=BASE_URL), verifier=verifier, fast_path=DOOR["fast_path"]))
    client = TestClient(outer, raise_server_exceptions=False)
    body = request_body("patient-view-ileal-net-g2-liver-metastases")
    assert client.post(f"/ehr{SERVICE}", json=body, headers=bearer(es384.token(f"http://testserver/ehr{SERVICE}"))).status_code == 200
    refused(client.post(f"/ehr{SERVICE}", json=body, headers=bearer(es384.token(HOOK_URL))), "is not this endpoint")


def test_over_real_http_the_service_fetches_the_clients_jwks_from_its_server_and_checks_the_called_url(rs384):
    from fastapi import FastAPI

    from .conftest import running

    keys_app = FastAPI()
    fetched: list[str] = []

    @keys_app.get("/jwks.json")
    async def key_set() -> dict:
        fetched.append("jwks")
        return jwks(rs384)

    with running(keys_app) as keys_base:
        settings = CdsSettings(base_url=BASE_URL, cds_trusted_clients=[{"iss": ISS, "jwks_urls": [f"{keys_base}/jwks.json"]}])
        with running(create_app(settings)) as base, httpx.Client(base_url=base, timeout=15) as http:
            body = request_body("patient-view-pancreatic-net-after-whipple")
            assert http.post(SERVICE, json=body).status_code == 401
            response = http.post(SERVICE, json=body, headers=bearer(rs384.token(f"{base}{SERVICE}", headers={"jku": f"{keys_base}/jwks.json"})))
            assert response.status_code == 200, response.text
            assert response.json()["cards"][0]["indicator"] == "warning"
            wrong_port = base.rsplit(":", 1)[0] + ":1"
            assert http.post(SERVICE, json=body, headers=bearer(rs384.token(f"{wrong_port}{SERVICE}"))).status_code == 401
    assert fetched == ["jwks"]
