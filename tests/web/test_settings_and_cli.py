"""Settings (secret key rules, nothing built at import) and the `nelm serve` / `nelm user` commands."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from nelm.cli.main import app as cli
from nelm.web.settings import WebSettings

WEB = Path(__file__).resolve().parents[2] / "src" / "nelm" / "web"


@pytest.mark.parametrize("key", [None, "", "change-me", "secret" * 8, "x" * 40, "short-but-random-9f3K"])
def test_missing_short_or_placeholder_secret_key_is_refused_outside_demo(monkeypatch, key):
    monkeypatch.delenv("NELM_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="NELM_SECRET_KEY"):
        WebSettings(secret_key=key, demo=False)


def test_demo_mode_gets_a_fresh_random_key_each_time(monkeypatch):
    monkeypatch.delenv("NELM_SECRET_KEY", raising=False)
    first, second = WebSettings(demo=True).secret_key, WebSettings(demo=True).secret_key
    assert first != second and len(first) >= 32


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NELM_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    monkeypatch.setenv("NELM_SECRET_KEY", "Kq8xZ2vN5tR1wY7pL3mB9cF6hJ4gD0sA-e_u")
    monkeypatch.setenv("NELM_MODEL_FILE", "/models/m.json")
    s = WebSettings()
    assert s.database_url.endswith("x.sqlite") and s.model_file == Path("/models/m.json") and s.demo is False


def test_no_web_module_builds_an_app_or_engine_at_import():
    for path in WEB.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
                called = ast.unparse(node.value.func)
                assert not any(name in called for name in ("FastAPI", "create_app", "make_engine", "open_registry", "APIRouter")), f"{path.name}: {called}"


runner = CliRunner()


def test_user_add_reads_the_password_from_stdin_and_the_user_can_sign_in(tmp_path):
    db = f"sqlite:///{tmp_path}/r.sqlite"
    result = runner.invoke(cli, ["user", "add", "nurse.one", "--role", "clinician", "--password-stdin", "--db", db], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "created user nurse.one (clinician)" in result.output
    from nelm.services.registry import open_registry
    from nelm.services.web_users import authenticate

    registry = open_registry(db)
    with registry.session("test") as s:
        assert authenticate(s, "nurse.one", "a long enough password").role == "clinician"
    registry.dispose()


@pytest.mark.parametrize("args, stdin, message", [
    (["--role", "nurse"], "a long enough password\n", "--role: 'nurse' is not one of"),
    (["--role", "admin"], "short\n", "password: at least 12 characters"),
])
def test_user_add_bad_input_prints_one_line_per_problem_and_exits_2(tmp_path, args, stdin, message):
    result = runner.invoke(cli, ["user", "add", "someone", *args, "--password-stdin", "--db", f"sqlite:///{tmp_path}/r.sqlite"], input=stdin)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_user_add_refuses_a_duplicate(tmp_path):
    db = f"sqlite:///{tmp_path}/r.sqlite"
    args = ["user", "add", "dup", "--role", "researcher", "--password-stdin", "--db", db]
    assert runner.invoke(cli, args, input="a long enough password\n").exit_code == 0
    result = runner.invoke(cli, args, input="a long enough password\n")
    assert result.exit_code == 2 and "already exists" in result.output


def test_serve_refuses_a_placeholder_secret_key_before_starting(monkeypatch, tmp_path):
    import uvicorn

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(1))
    monkeypatch.setenv("NELM_SECRET_KEY", "changeme")
    result = runner.invoke(cli, ["serve", "--db", f"sqlite:///{tmp_path}/r.sqlite", "--workers", "1"])
    assert result.exit_code == 2 and "NELM_SECRET_KEY" in result.output and started == []


def test_serve_demo_seeds_an_empty_registry_and_prints_new_random_logins_each_start(monkeypatch, tmp_path):
    import re

    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.delenv("NELM_SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    # One in-process server: several workers would hand their settings on through the environment.
    first = runner.invoke(cli, ["serve", "--demo", "--demo-patients", "30", "--port", "8123", "--workers", "1"])
    second = runner.invoke(cli, ["serve", "--demo", "--demo-patients", "30", "--port", "8123", "--workers", "1"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "Seeded 30 synthetic patients" in first.output and "Seeded" not in second.output
    assert "http://127.0.0.1:8123" in first.output
    passwords = [re.findall(r"password (\S+)", out.output) for out in (first, second)]
    assert len(passwords[0]) == 3 and not set(passwords[0]) & set(passwords[1])
    assert (tmp_path / "nelm-demo.sqlite").exists()
    assert calls[0][1]["host"] == "127.0.0.1" and calls[0][1]["port"] == 8123


def test_serve_with_several_workers_hands_database_key_and_demo_mode_to_the_worker_processes(monkeypatch, tmp_path):
    import os

    import uvicorn

    environment = dict(os.environ)  # the command writes the workers' settings here; keep the test process clean
    monkeypatch.setattr(os, "environ", environment)
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["serve", "--demo", "--demo-patients", "5", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert calls[0][0] == "nelm.web.app:create_app_from_env" and calls[0][1]["workers"] == 2
    assert environment["NELM_DEMO"] == "true" and len(environment["NELM_SECRET_KEY"]) >= 32
    assert environment["NELM_DATABASE_URL"].endswith("nelm-demo.sqlite")
