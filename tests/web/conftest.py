"""A small registry (synthetic cohort + one user per role) and signed-in TestClients for the web tests.

The app is built once per session; tests that change data use their own patients or users so the order of
tests does not matter. Clients use https://testserver because the session cookie is Secure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nelm.services.demo_data import generate_cohort
from nelm.services.registry import import_records, open_registry
from nelm.services.web_users import create_user
from nelm.web.app import create_app
from nelm.web.settings import WebSettings

PASSWORD = "tumour board test pass"
SECRET = "Kq8xZ2vN5tR1wY7pL3mB9cF6hJ4gD0sA-e_u"
USERS = {"doc": "clinician", "res": "researcher", "adm": "admin"}
COHORT_SEED = 11
COHORT_SIZE = 40
CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'registry.sqlite'}"
    registry = open_registry(url)
    try:
        import_records(registry, generate_cohort(COHORT_SIZE, COHORT_SEED), actor="test-setup")
        for name, role in USERS.items():
            create_user(registry, name, PASSWORD, role, actor="test-setup")
    finally:
        registry.dispose()
    return url


@pytest.fixture(scope="session")
def app(db_url):
    return create_app(WebSettings(database_url=db_url, secret_key=SECRET))


def new_client(app) -> TestClient:
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def csrf_of(client: TestClient, path: str = "/login") -> str:
    match = CSRF_PATTERN.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(client)})


def signed_in(app, username: str) -> TestClient:
    client = new_client(app)
    response = sign_in(client, username)
    assert response.status_code == 303, response.text
    return client


@pytest.fixture(scope="session")
def clinician(app) -> Iterator[TestClient]:
    yield signed_in(app, "doc")


@pytest.fixture(scope="session")
def researcher(app) -> Iterator[TestClient]:
    yield signed_in(app, "res")


@pytest.fixture(scope="session")
def admin(app) -> Iterator[TestClient]:
    yield signed_in(app, "adm")


@pytest.fixture()
def anonymous(app) -> TestClient:
    return new_client(app)


@pytest.fixture(scope="session")
def clients(clinician, researcher, admin) -> dict[str, TestClient]:
    return {"clinician": clinician, "researcher": researcher, "admin": admin}


def page_csrf(client: TestClient) -> str:
    """The CSRF token of a signed-in client (any page that shows the sign-out form carries it)."""
    return csrf_of(client, "/evidence")


@pytest.fixture(scope="session")
def cohort() -> list[dict]:
    return generate_cohort(COHORT_SIZE, COHORT_SEED)


@pytest.fixture(scope="session")
def a_patient(cohort) -> dict:
    """A cohort patient with a case, used by read-only tests."""
    return cohort[1]


EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cases"
