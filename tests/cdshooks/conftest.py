from __future__ import annotations

import copy
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from nelm.cdshooks import create_app
from nelm.cdshooks.feedback import InMemoryFeedbackStore
from nelm.cdshooks.fhir_client import FhirFetcher
from nelm.cdshooks.settings import CdsSettings

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
BASE_URL = "https://nelm.example-hospital.org"
SERVICE = "/cds-services/nelm-patient-view"


def request_body(name: str) -> dict[str, Any]:
    return json.loads((DATA / "cds" / f"{name}.json").read_text(encoding="utf-8"))


def bundle(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


class FakeFhirServer:
    """Answers FHIR reads and searches from one test bundle, and records what was asked and with which token."""

    def __init__(self, source: dict[str, Any], patient_id: str):
        self.resources = [e["resource"] for e in source["entry"]]
        self.patient_id = patient_id
        self.seen: list[httpx.Request] = []
        self.status = 200

    def answer(self, method: str, url: str, headers: dict[str, str]) -> tuple[int, Any]:
        parts = urlsplit(url)
        path = parts.path.rstrip("/").split("/")
        if self.status != 200:
            return self.status, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]}
        if len(path) >= 2 and path[-2] == "Patient":
            found = [r for r in self.resources if r["resourceType"] == "Patient" and r["id"] == path[-1]]
            return (200, found[0]) if found else (404, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]})
        kind = path[-1]
        query = parse_qs(parts.query)
        if query.get("patient") != [self.patient_id]:
            matches = []
        else:
            matches = [r for r in self.resources if r["resourceType"] == kind]
        return 200, {"resourceType": "Bundle", "type": "searchset", "total": len(matches), "entry": [{"resource": r} for r in matches]}

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.seen.append(request)
            status, body = self.answer(request.method, str(request.url), dict(request.headers))
            return httpx.Response(status, json=body)
        return httpx.MockTransport(handle)


@pytest.fixture
def settings() -> CdsSettings:
    return CdsSettings(base_url=BASE_URL + "/")


@pytest.fixture
def store() -> InMemoryFeedbackStore:
    return InMemoryFeedbackStore()


@pytest.fixture
def fhir() -> FakeFhirServer:
    return FakeFhirServer(bundle("ileal-net-g2-liver-metastases"), "net-ileal-01")


@pytest.fixture(params=[True, False], ids=["fast-path", "fastapi-route"])
def client(request, settings, store, fhir) -> TestClient:
    """The service as `nelm cds serve` runs it (hook calls answered in front of FastAPI) and as the web app mounts
    it (through the FastAPI route): every test of the hook holds for both doors."""
    app = create_app(settings, feedback_store=store, fetcher=FhirFetcher(transport=fhir.transport()), fast_path=request.param)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def body():
    return lambda name: copy.deepcopy(request_body(name))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
