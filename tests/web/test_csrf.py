"""Every state-changing request must carry this session's CSRF token: missing or foreign tokens are refused and
nothing is written."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from nelm.registry.models import AuditEntry, BoardDecision, Patient
from nelm.registry.users import User
from tests.web.cases import RESECTABLE
from tests.web.conftest import page_csrf
from tests.web.routes import app_routes

FORMS = {
    "/cases/check": ("clinician", {"pathology.ki67_percent": "4"}),
    "/cases/assess": ("clinician", {"pathology.ki67_percent": "4"}),
    "/cases/what-if": ("clinician", {"case_json": json.dumps(RESECTABLE), "field": "pathology.ki67_percent", "value": "30"}),
    "/patients": ("clinician", {"pseudonym": "CSRF-1", "diagnosis_date": "2020-01-01"}),
    "/patients/{pseudonym}/decisions": ("clinician", {"case_json": json.dumps(RESECTABLE), "chosen_option": "curative_resection"}),
    "/admin/users": ("admin", {"username": "csrfuser", "role": "clinician", "password": "a long enough password"}),
    "/admin/users/{username}": ("admin", {"action": "disable"}),
    "/logout": ("clinician", {}),
    "/api/check": ("clinician", None),
    "/api/assess": ("clinician", None),
    "/api/what-if": ("clinician", None),
}


def _path(template: str) -> str:
    return template.replace("{pseudonym}", "SYN11-000003").replace("{username}", "res")


def _counts(app) -> tuple[int, ...]:
    with app.state.registry.session("test") as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Patient, BoardDecision, User, AuditEntry))


def test_every_post_route_is_in_the_csrf_test(app):
    posts = {path for method, path in app_routes(app) if method == "POST" and not path.startswith("/cds-services") and path != "/login"}
    assert posts == set(FORMS)


@pytest.mark.parametrize("template", sorted(FORMS))
@pytest.mark.parametrize("token", ["missing", "another session's"])
def test_post_without_this_sessions_csrf_token_is_refused_and_changes_nothing(app, clients, template, token):
    role, data = FORMS[template]
    client = clients[role]
    foreign = page_csrf(clients["researcher"])
    before = _counts(app)
    if data is None:  # JSON API: the token travels in the X-CSRF-Token header
        body = {"case": RESECTABLE, "field": "pathology.ki67_percent", "value": "3"} if template == "/api/what-if" else RESECTABLE
        headers = {} if token == "missing" else {"X-CSRF-Token": foreign}
        response = client.post(_path(template), json=body, headers=headers)
    else:
        form = dict(data) | ({} if token == "missing" else {"csrf_token": foreign})
        response = client.post(_path(template), data=form)
    assert response.status_code == 403
    assert _counts(app) == before
    assert client.get("/").status_code == 200  # still signed in: the refused request did not sign out


def test_htmx_requests_send_the_token_in_a_header(clinician):
    response = clinician.post("/cases/check", data={"pathology.ki67_percent": "4"}, headers={"X-CSRF-Token": page_csrf(clinician), "HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="derived"' in response.text
