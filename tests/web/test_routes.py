"""Every route, every role: the page answers, a wrong role gets 403, no sign-in gets the login (pages) or 401 (API
and posts). A route added without a line here fails test_every_route_is_in_the_role_matrix."""

from __future__ import annotations

import itertools
import json

import pytest

from tests.web.cases import RESECTABLE
from tests.web.conftest import csrf_of, page_csrf
from tests.web.routes import app_routes

CASE = RESECTABLE
PATIENT = "SYN11-000002"  # a cohort patient (conftest: seed 11)
_unique = itertools.count(1)

C, R, A = "clinician", "researcher", "admin"
ALL = (C, R, A)


def _ok(roles, status=200):
    return {role: (status if role in roles else 403) for role in ALL}


def _decision_body(client):
    return {"case_json": json.dumps(CASE), "chosen_option": "curative_resection", "decided_on": "2024-05-02", "reason": ""}


# (method, path template, concrete path, body kind, expected status per role, expected status when signed out)
MATRIX = [
    ("GET", "/", "/", None, _ok(ALL), 303),
    ("GET", "/healthz", "/healthz", None, _ok(ALL), 200),
    ("GET", "/cases/new", "/cases/new", None, _ok((C, R)), 303),
    ("POST", "/cases/check", "/cases/check", "case_form", _ok((C, R)), 401),
    ("POST", "/cases/assess", "/cases/assess", "case_form", _ok((C, R)), 401),
    ("POST", "/cases/what-if", "/cases/what-if", "what_if_form", _ok((C, R)), 401),
    ("GET", "/patients", "/patients", None, _ok((C, R)), 303),
    ("GET", "/patients/new", "/patients/new", None, _ok((C,)), 303),
    ("POST", "/patients", "/patients", "new_patient", _ok((C,), 303), 401),
    ("GET", "/patients/{pseudonym}", f"/patients/{PATIENT}", None, _ok((C,)), 303),
    ("GET", "/patients/{pseudonym}/case", f"/patients/{PATIENT}/case", None, _ok((C,)), 303),
    ("GET", "/patients/{pseudonym}/assessment", f"/patients/{PATIENT}/assessment", None, _ok((C,)), 303),
    ("POST", "/patients/{pseudonym}/decisions", f"/patients/{PATIENT}/decisions", "decision", _ok((C,), 303), 401),
    ("GET", "/patients/{pseudonym}/decisions/{decision_id}/note.pdf", "NOTE", None, _ok((C,)), 303),
    ("GET", "/fhir/Patient/{fhir_id}", "/fhir/Patient/not-in-registry", None, _ok((C,), 404), 303),  # the CDS card link (test_ehr_links.py)
    ("GET", "/analyses", "/analyses", None, _ok((C, R)), 303),
    ("GET", "/analyses/survival.png", "/analyses/survival.png", None, _ok((C, R)), 303),
    ("GET", "/analyses/recurrence", "/analyses/recurrence", None, _ok((C, R)), 303),
    ("GET", "/analyses/recurrence.png", "/analyses/recurrence.png", None, _ok((C, R)), 303),
    ("GET", "/analyses/after-recurrence.png", "/analyses/after-recurrence.png", None, _ok((C, R)), 303),
    ("GET", "/analyses/concordance", "/analyses/concordance", None, _ok((C, R)), 303),
    ("GET", "/evidence", "/evidence", None, _ok(ALL), 303),
    ("GET", "/evidence/forest/lt-os5.png", "/evidence/forest/lt-os5.png", None, _ok(ALL), 303),
    ("GET", "/admin/users", "/admin/users", None, _ok((A,)), 303),
    ("POST", "/admin/users", "/admin/users", "new_user", _ok((A,), 303), 401),
    ("POST", "/admin/users/{username}", "USER", "user_password", _ok((A,), 303), 401),
    ("GET", "/api/session", "/api/session", None, _ok(ALL), 401),
    ("GET", "/api/schema", "/api/schema", None, _ok(ALL), 401),
    ("GET", "/api/versions", "/api/versions", None, _ok(ALL), 401),
    ("POST", "/api/check", "/api/check", "case_json", _ok((C, R)), 401),
    ("POST", "/api/assess", "/api/assess", "case_json", _ok((C, R)), 401),
    ("POST", "/api/what-if", "/api/what-if", "what_if_json", _ok((C, R)), 401),
    ("GET", "/api/patients", "/api/patients", None, _ok((C, R)), 401),
    ("GET", "/api/patients/{pseudonym}", f"/api/patients/{PATIENT}", None, _ok((C,)), 401),
    ("GET", "/api/analyses/survival", "/api/analyses/survival", None, _ok((C, R)), 401),
    ("GET", "/api/analyses/recurrence", "/api/analyses/recurrence", None, _ok((C, R)), 401),
    ("GET", "/api/analyses/concordance", "/api/analyses/concordance", None, _ok((C, R)), 401),
    ("GET", "/api/evidence/{modality}", "/api/evidence/prrt", None, _ok(ALL), 401),
    ("GET", "/api/docs", "/api/docs", None, {role: 200 for role in ALL}, 200),
    ("GET", "/api/openapi.json", "/api/openapi.json", None, {role: 200 for role in ALL}, 200),
]
# Sign-in routes behave differently by design (tested in test_auth.py); CDS Hooks has its own contract (its tests).
ELSEWHERE = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout")}


def test_every_route_is_in_the_role_matrix(app):
    in_matrix = {(method, template) for method, template, *_ in MATRIX}
    ours = {r for r in app_routes(app) if not r[1].startswith("/cds-services")}
    assert ours - in_matrix - ELSEWHERE == set(), "routes without a role test"
    assert in_matrix - ours == set(), "matrix lists routes the app does not have"


def _body(kind, client, csrf):
    if kind is None:
        return {}
    if kind == "case_form":
        return {"data": {"csrf_token": csrf, "pathology.ki67_percent": "4", "pathology.differentiation": "well"}}
    if kind == "what_if_form":
        return {"data": {"csrf_token": csrf, "case_json": json.dumps(CASE), "field": "pathology.ki67_percent", "value": "25"}}
    if kind == "new_patient":
        return {"data": {"csrf_token": csrf, "pseudonym": f"MATRIX-{next(_unique)}", "diagnosis_date": "2023-01-05", "name": "Test Person"}}
    if kind == "decision":
        return {"data": {"csrf_token": csrf, **_decision_body(client)}}
    if kind == "new_user":
        return {"data": {"csrf_token": csrf, "username": f"matrix{next(_unique)}", "role": "researcher", "password": "a long enough password"}}
    if kind == "user_password":
        return {"data": {"csrf_token": csrf, "action": "password", "password": f"another long password {next(_unique)}"}}
    headers = {"X-CSRF-Token": csrf}
    if kind == "case_json":
        return {"json": CASE, "headers": headers}
    if kind == "what_if_json":
        return {"json": {"case": CASE, "field": "pathology.ki67_percent", "value": "25"}, "headers": headers}
    raise AssertionError(kind)


def _concrete(path, clinician, admin):
    if path == "NOTE":
        html = clinician.get(f"/patients/{PATIENT}").text
        decision_id = html.split("/decisions/")[1].split("/note.pdf")[0]
        return f"/patients/{PATIENT}/decisions/{decision_id}/note.pdf"
    if path == "USER":
        name = f"target{next(_unique)}"
        response = admin.post("/admin/users", data={"csrf_token": page_csrf(admin), "username": name, "role": "researcher",
                                                    "password": "a long enough password"})
        assert response.status_code == 303
        return f"/admin/users/{name}"
    return path


@pytest.mark.parametrize("method, template, path, kind, expected, _signed_out", MATRIX, ids=[f"{m} {t}" for m, t, *_ in MATRIX])
@pytest.mark.parametrize("role", ALL)
def test_route_answers_each_role_as_the_matrix_says(clients, role, method, template, path, kind, expected, _signed_out):
    client = clients[role]
    concrete = _concrete(path, clients[C], clients[A])
    response = client.request(method, concrete, **_body(kind, client, page_csrf(client)))
    assert response.status_code == expected[role], response.text[:500]


@pytest.mark.parametrize("method, template, path, kind, _expected, signed_out", MATRIX, ids=[f"{m} {t}" for m, t, *_ in MATRIX])
def test_route_without_sign_in_goes_to_login_or_401(anonymous, clients, method, template, path, kind, _expected, signed_out):
    concrete = _concrete(path, clients[C], clients[A])
    response = anonymous.request(method, concrete, **_body(kind, anonymous, csrf_of(anonymous)))
    assert response.status_code == signed_out
    if signed_out == 303:
        assert response.headers["location"].startswith("/login?next=")
