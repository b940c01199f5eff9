"""User administration: create, change role, disable, reset password; safeguards; every change audited without
the password hash."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from nelm.registry.models import AuditEntry
from nelm.registry.users import User
from tests.web.conftest import PASSWORD, new_client, page_csrf, sign_in

_n = itertools.count(1)


def _create(admin, role="clinician", password="a long enough password"):
    name = f"staff{next(_n)}"
    response = admin.post("/admin/users", data={"csrf_token": page_csrf(admin), "username": name, "role": role, "password": password})
    return name, response


def test_admin_creates_a_user_who_can_then_sign_in_with_that_role(app, admin):
    name, response = _create(admin, "researcher")
    assert response.status_code == 303
    client = new_client(app)
    assert sign_in(client, name, "a long enough password").status_code == 303
    assert client.get("/api/session").json()["role"] == "researcher"


def test_weak_password_bad_name_and_unknown_role_are_each_named(admin):
    response = admin.post("/admin/users", data={"csrf_token": page_csrf(admin), "username": "Bad Name", "role": "nurse", "password": "short"})
    assert response.status_code == 422
    for text in ("username: 2-64 characters", "role: &#39;nurse&#39; is not one of", "password: at least 12 characters"):
        assert text in response.text


def test_role_change_applies_at_once_and_ends_the_old_session(app, admin):
    name, _ = _create(admin, "clinician")
    client = new_client(app)
    sign_in(client, name, "a long enough password")
    assert client.get("/patients/new").status_code == 200
    assert admin.post(f"/admin/users/{name}", data={"csrf_token": page_csrf(admin), "action": "role", "role": "researcher"}).status_code == 303
    assert client.get("/patients/new").status_code == 303  # signed out
    sign_in(client, name, "a long enough password")
    assert client.get("/patients/new").status_code == 403


def test_disabled_account_is_signed_out_and_cannot_sign_in(app, admin):
    name, _ = _create(admin)
    client = new_client(app)
    sign_in(client, name, "a long enough password")
    admin.post(f"/admin/users/{name}", data={"csrf_token": page_csrf(admin), "action": "disable"})
    assert client.get("/").status_code == 303
    assert sign_in(client, name, "a long enough password").status_code == 401
    admin.post(f"/admin/users/{name}", data={"csrf_token": page_csrf(admin), "action": "enable"})
    assert sign_in(client, name, "a long enough password").status_code == 303


def test_admin_cannot_lock_themselves_out(admin):
    for data in ({"action": "disable"}, {"action": "role", "role": "clinician"}):
        response = admin.post("/admin/users/adm", data={"csrf_token": page_csrf(admin), **data})
        assert response.status_code == 422 and "your own account" in response.text
    assert admin.get("/admin/users").status_code == 200


def test_password_reset_replaces_the_old_password(app, admin):
    name, _ = _create(admin)
    admin.post(f"/admin/users/{name}", data={"csrf_token": page_csrf(admin), "action": "password", "password": "the replacement pass"})
    assert sign_in(new_client(app), name, "a long enough password").status_code == 401
    assert sign_in(new_client(app), name, "the replacement pass").status_code == 303


def test_user_changes_are_audited_without_the_password_hash(app, admin):
    name, _ = _create(admin)
    admin.post(f"/admin/users/{name}", data={"csrf_token": page_csrf(admin), "action": "role", "role": "admin"})
    with app.state.registry.session("test") as s:
        user_id = s.scalar(select(User.id).where(User.username == name))
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.table_name == "users", AuditEntry.row_id == user_id).order_by(AuditEntry.id)))
        stored_hash = s.scalar(select(User.password_hash).where(User.id == user_id))
    assert [(e.actor, e.action) for e in entries] == [("adm", "insert"), ("adm", "update")]
    assert entries[1].before["role"] == "clinician" and entries[1].after["role"] == "admin"
    assert all("password_hash" not in (e.after or {}) and stored_hash not in str(e.after) for e in entries)
    assert stored_hash.startswith("$argon2id$") and PASSWORD not in stored_hash
