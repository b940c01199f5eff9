"""Every command that opens the registry (--db) answers a database it cannot use with one line and exit code 2:
a SQLite directory that cannot be created, a directory given as the file, a file that is not a database, and an
unreachable PostgreSQL server, whose password never appears. No server is started (uvicorn.run is replaced)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nelm.cli.main import app as cli

runner = CliRunner()
PASSWORD = "Pg-s3cret-Word"
GOOD_PASSWORD = "a long enough password\n"

# name -> (arguments before --db, standard input)
COMMANDS: dict[str, tuple[list[str], str | None]] = {
    "db init": (["db", "init"], None),
    "registry import": (["registry", "import", "{tmp}/patients.jsonl"], None),
    "registry export": (["registry", "export"], None),
    "demo-data": (["demo-data", "--patients", "1", "--seed", "7"], None),
    "analyze survival": (["analyze", "survival"], None),
    "analyze concordance": (["analyze", "concordance"], None),
    "user add": (["user", "add", "someone", "--role", "admin", "--password-stdin"], GOOD_PASSWORD),
    "user list": (["user", "list"], None),
    "serve": (["serve", "--workers", "1"], None),
    "serve --demo": (["serve", "--demo", "--demo-patients", "1", "--workers", "1"], None),
    "cds serve": (["cds", "serve", "--workers", "1"], None),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def no_server(monkeypatch):
    """uvicorn.run recorded, not run; settings only from the test (a valid web key, no trusted CDS clients)."""
    import uvicorn

    started: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(app))
    monkeypatch.delenv("NELM_DATABASE_URL", raising=False)
    monkeypatch.delenv("NELM_CDS_TRUSTED_CLIENTS", raising=False)
    monkeypatch.setenv("NELM_SECRET_KEY", "Kq8xZ2vN5tR1wY7pL3mB9cF6hJ4gD0sA-e_u")
    return started


def run(command: str, db: str, tmp_path: Path):
    args, stdin = COMMANDS[command]
    (tmp_path / "patients.jsonl").write_text('{"patient_id": "P1", "diagnosis_date": "2020-01-01"}\n')
    return runner.invoke(cli, [a.format(tmp=tmp_path) for a in args] + ["--db", db], input=stdin)


def assert_one_error_line(result, started: list[object], *expected: str) -> str:
    assert result.exit_code == 2, result.output
    assert started == [] and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for text in expected:
        assert text in lines[0], result.output
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_database_directory_that_cannot_be_created_is_one_line_naming_the_path_and_the_os_reason(no_server, tmp_path, command):
    result = run(command, "/proc/no-such-dir/nelm.sqlite", tmp_path)
    assert_one_error_line(result, no_server, "/proc/no-such-dir/nelm.sqlite", "cannot create the database file",
                          "No such file or directory")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_directory_given_as_the_database_is_one_line_naming_it(no_server, tmp_path, command):
    result = run(command, str(tmp_path), tmp_path)
    assert_one_error_line(result, no_server, str(tmp_path), "unable to open database file")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_that_is_not_a_database_is_one_line_naming_it(no_server, tmp_path, command):
    text_file = tmp_path / "notes.sqlite"
    text_file.write_text("just text, no SQLite header " * 10)
    result = run(command, str(text_file), tmp_path)
    assert_one_error_line(result, no_server, str(text_file), "file is not a database")
    assert text_file.read_text() == "just text, no SQLite header " * 10


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unreachable_postgresql_server_is_one_line_without_the_password(no_server, tmp_path, command):
    port = free_port()
    result = run(command, f"postgresql://nelm:{PASSWORD}@127.0.0.1:{port}/registry", tmp_path)
    line = assert_one_error_line(result, no_server, f"nelm:***@127.0.0.1:{port}/registry", "OperationalError")
    assert PASSWORD not in result.output and "Connection refused" in line


@pytest.mark.parametrize("db", ["mysql://nelm:{pw}@127.0.0.1/registry", "not a url://nelm:{pw}@host/registry"])
def test_an_unsupported_or_unparsable_url_is_refused_without_the_password(no_server, tmp_path, db):
    result = run("user list", db.format(pw=PASSWORD), tmp_path)
    assert_one_error_line(result, no_server, "nelm:***@")
    assert PASSWORD not in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_a_database_written_by_a_newer_nelm_is_one_line_saying_so(no_server, tmp_path, command):
    import sqlite3

    database = tmp_path / "newer.sqlite"
    assert runner.invoke(cli, ["db", "init", "--db", str(database)]).exit_code == 0
    with sqlite3.connect(database) as connection:
        connection.execute("update alembic_version set version_num = '9999_from_a_newer_nelm'")
    no_server.clear()
    result = run(command, str(database), tmp_path)
    assert_one_error_line(result, no_server, str(database), "not one this nelm version knows", "9999_from_a_newer_nelm")
