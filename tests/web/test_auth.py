"""Sign-in, the session cookie and its revocation."""

from __future__ import annotations

from nelm.services.web_users import create_user, update_user
from nelm.web.security import COOKIE_NAME
from tests.web.conftest import PASSWORD, csrf_of, new_client, sign_in


def _set_cookie(response) -> str:
    return next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(COOKIE_NAME))


def test_session_cookie_is_httponly_secure_samesite_and_signed(app):
    client = new_client(app)
    response = sign_in(client, "doc")
    cookie = _set_cookie(response)
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert PASSWORD not in cookie and "doc" not in cookie


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(app):
    client = new_client(app)
    wrong_password = sign_in(client, "doc", "not the password at all")
    unknown_user = sign_in(client, "nobody", "not the password at all")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "User name or password is wrong" in wrong_password.text
    assert client.get("/").status_code == 303


def test_sign_in_rotates_the_csrf_token(app):
    client = new_client(app)
    before = csrf_of(client)
    sign_in(client, "doc")
    after = csrf_of(client, "/evidence")
    assert before != after


def test_sign_in_without_csrf_token_is_refused(app):
    client = new_client(app)
    client.get("/login")
    response = client.post("/login", data={"username": "doc", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/").status_code == 303


def test_sign_out_ends_the_session(app):
    client = new_client(app)
    sign_in(client, "doc")
    assert client.get("/").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_of(client, "/evidence")})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/").status_code == 303


def _replace_cookie(client, value: str) -> None:
    domain = next(c.domain for c in client.cookies.jar if c.name == COOKIE_NAME) if client.cookies else "testserver.local"
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, value, domain=domain)


def test_a_tampered_cookie_is_ignored(app):
    client = new_client(app)
    sign_in(client, "doc")
    assert client.get("/").status_code == 200
    value = client.cookies.get(COOKIE_NAME)
    _replace_cookie(client, value)
    assert client.get("/").status_code == 200  # the swap itself keeps the session
    payload, rest = value.split(".", 1)
    _replace_cookie(client, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest)
    assert client.get("/").status_code == 303


def test_a_cookie_signed_with_another_key_is_ignored(app, db_url):
    from nelm.web.security import SessionCodec, SessionData

    client = new_client(app)
    sign_in(client, "doc")
    forged = SessionCodec("another key that is long enough for the check!", 3600).dumps(SessionData(1, 0, "x"))
    _replace_cookie(client, forged)
    assert client.get("/").status_code == 303


def test_password_change_made_elsewhere_ends_existing_sessions_once_the_user_check_is_due(app, monkeypatch):
    import nelm.web.api.deps as deps

    registry = app.state.registry
    create_user(registry, "rotating", PASSWORD, "clinician", actor="test")
    client = new_client(app)
    sign_in(client, "rotating")
    assert client.get("/").status_code == 200
    update_user(registry, "rotating", actor="cli", password="a brand new password 42")  # e.g. `nelm` in another process
    now = deps.time.monotonic()
    monkeypatch.setattr(deps.time, "monotonic", lambda: now + app.state.settings.user_check_seconds + 0.01)
    assert client.get("/").status_code == 303


def test_user_cache_trusts_an_entry_only_for_its_time_and_its_epoch(monkeypatch):
    import nelm.web.api.deps as deps

    cache = deps.UserCache(ttl=2.0)
    user = deps.SignedInUser(7, "x", "clinician", True, 3)
    clock = [100.0]
    monkeypatch.setattr(deps.time, "monotonic", lambda: clock[0])
    cache.put(7, user)
    assert cache.get(7, 3) == (True, user)
    assert cache.get(7, 4) == (False, None)  # a newer cookie: ask the database
    clock[0] += 2.5
    assert cache.get(7, 3) == (False, None)


def test_disabled_user_cannot_sign_in(app):
    registry = app.state.registry
    create_user(registry, "leaver", PASSWORD, "researcher", actor="test")
    update_user(registry, "leaver", actor="test", active=False)
    assert sign_in(new_client(app), "leaver").status_code == 401


def test_after_sign_in_the_next_page_must_be_on_this_site(app):
    client = new_client(app)
    token = csrf_of(client)
    response = client.post("/login", data={"username": "doc", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"})
    assert response.status_code == 303 and response.headers["location"] == "/"
    client2 = new_client(app)
    response = client2.post("/login", data={"username": "doc", "password": PASSWORD, "csrf_token": csrf_of(client2), "next": "/patients?q=a"})
    assert response.headers["location"] == "/patients?q=a"


def test_signed_out_page_request_remembers_where_it_was_going(anonymous):
    response = anonymous.get("/patients?q=SYN")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/patients%3Fq%3DSYN"


def test_pages_carry_security_headers(clinician):
    response = clinician.get("/patients")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["server-timing"].startswith("app;dur=")
