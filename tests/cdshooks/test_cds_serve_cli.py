"""`nelm cds serve --db`: the registry database is created and migrated once, in the parent, before any worker starts;
card feedback lands in it; a bad --db is one clear line and exit 2, with no server started."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from nelm.cdshooks import app as cds_app_module
from nelm.cdshooks import serve
from nelm.cli.main import app as cli
from nelm.registry import migrate
from nelm.registry.models import CdsFeedback

from .conftest import SERVICE, free_port, request_body

runner = CliRunner()


def revision_and_feedback_rows(path: Path) -> tuple[str | None, int]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return migrate.current_revision(engine), conn.scalar(select(func.count()).select_from(CdsFeedback))
    finally:
        engine.dispose()


@pytest.fixture
def started(monkeypatch):
    """uvicorn.run replaced by a recorder that also notes the database's state at the moment the server would start."""
    import uvicorn

    calls: list[tuple[object, dict]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setattr(cds_app_module, "prepare_process", lambda: None)  # gc.freeze is for server processes, not the test run
    monkeypatch.delenv("NELM_DATABASE_URL", raising=False)
    monkeypatch.delenv("NELM_CDS_TRUSTED_CLIENTS", raising=False)
    return calls


def test_cds_serve_migrates_the_db_before_starting_and_stores_feedback_there(started, tmp_path):
    database = tmp_path / "sub" / "cds.sqlite"
    result = runner.invoke(cli, ["cds", "serve", "--db", str(database), "--workers", "1", "--port", "8111"])
    assert result.exit_code == 0, result.output
    assert revision_and_feedback_rows(database) == (migrate.head_revision(), 0)
    [(app, options)] = started
    assert options["port"] == 8111 and options.get("workers") is None
    assert str(database) in result.output
    with TestClient(app) as client:  # the app the server would run, lifespan included
        assert client.post(f"{SERVICE}/feedback", json=request_body("feedback-accepted")).json() == {"stored": 1}
    assert revision_and_feedback_rows(database)[1] == 1


def test_cds_serve_takes_the_database_from_nelm_database_url_like_nelm_serve(started, monkeypatch, tmp_path):
    database = tmp_path / "from-env.sqlite"
    monkeypatch.setenv("NELM_DATABASE_URL", f"sqlite:///{database}")
    result = runner.invoke(cli, ["cds", "serve", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert revision_and_feedback_rows(database) == (migrate.head_revision(), 0)


def test_cds_serve_defaults_to_nelm_sqlite_in_the_working_directory(started, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["cds", "serve", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert revision_and_feedback_rows(tmp_path / "nelm.sqlite")[0] == migrate.head_revision()


def test_cds_serve_with_several_workers_migrates_first_then_hands_the_database_to_the_workers(monkeypatch, tmp_path):
    import uvicorn

    environment = dict(os.environ)  # the command writes the workers' database here; keep the test process clean
    environment.pop("NELM_DATABASE_URL", None)
    monkeypatch.setattr(os, "environ", environment)
    database = tmp_path / "shared.sqlite"
    seen: list[tuple[object, dict, str | None]] = []

    def fake_run(app, **options):
        seen.append((app, options, revision_and_feedback_rows(database)[0]))  # the schema must exist before workers start

    def fake_workers(host, port, workers):
        seen.append((serve.APP, {"host": host, "port": port, "workers": workers, "factory": True}, revision_and_feedback_rows(database)[0]))

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setattr(serve, "run_workers", fake_workers)
    result = runner.invoke(cli, ["cds", "serve", "--db", str(database), "--workers", "2", "--port", str(free_port())])
    assert result.exit_code == 0, result.output
    [(app, options, revision)] = seen
    assert app == "nelm.cdshooks.app:create_service_app" and options["factory"] is True and options["workers"] == 2
    assert revision == migrate.head_revision()
    assert environment["NELM_DATABASE_URL"] == f"sqlite:///{database}"


def test_cds_serve_with_several_workers_refuses_a_port_already_in_use_with_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "environ", dict(os.environ))
    monkeypatch.setattr(serve, "run_workers", lambda *args: pytest.fail("no worker may start"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["cds", "serve", "--db", str(tmp_path / "r.sqlite"), "--workers", "2", "--port", str(port)])
    if not serve.balanced_workers_available():
        pytest.skip("SO_REUSEPORT workers are Linux only")
    assert result.exit_code == 2 and "cannot listen there" in result.output and "Traceback" not in result.output


def test_cds_serve_help_says_feedback_is_shared_through_the_database():
    result = runner.invoke(cli, ["cds", "serve", "--help"], env={"COLUMNS": "200"})
    assert "--db" in result.output and "shared through the database" in result.output
    assert "feedback store" not in result.output


@pytest.mark.parametrize(("db", "message"), [
    ("mysql://somewhere/nelm", "nelm supports sqlite and postgresql"),
    ("{tmp}", "cannot open or migrate"),  # a directory, not a database file
    ("{tmp}/not-a-database.sqlite", "file is not a database"),
    ("/proc/no-such-dir/nelm.sqlite", "cannot create the database file"),
])
def test_cds_serve_bad_db_prints_one_line_naming_db_and_exits_2_without_starting(started, tmp_path, db, message):
    (tmp_path / "not-a-database.sqlite").write_text("just text, no SQLite header " * 10)
    result = runner.invoke(cli, ["cds", "serve", "--db", db.format(tmp=tmp_path), "--workers", "1"])
    assert result.exit_code == 2 and started == []
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --db: ") and message in lines[0], result.output
    assert "Traceback" not in result.output


def test_cds_serve_bad_trusted_clients_setting_is_one_line_and_exit_2(started, monkeypatch, tmp_path):
    monkeypatch.setenv("NELM_CDS_TRUSTED_CLIENTS", '[{"iss": "https://ehr.example.org"}]')
    result = runner.invoke(cli, ["cds", "serve", "--db", str(tmp_path / "r.sqlite"), "--workers", "1"])
    assert result.exit_code == 2 and started == [] and "give its JWK Set" in result.output
    assert not (tmp_path / "r.sqlite").exists()


def test_a_real_cds_serve_process_keeps_feedback_in_the_db_it_was_given(tmp_path):
    database = tmp_path / "live.sqlite"
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NELM_")}
    server = subprocess.Popen([sys.executable, "-m", "nelm.cli.main", "cds", "serve", "--db", str(database), "--port", str(port), "--workers", "1"],
                              env=environment, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/cds-services", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, server.stdout.read().decode() if server.poll() is not None else "no start"
            time.sleep(0.2)
        response = httpx.post(f"{base}{SERVICE}/feedback", json=request_body("feedback-overridden"), timeout=10)
        assert response.json() == {"stored": 1}
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert revision_and_feedback_rows(database) == (migrate.head_revision(), 1)
