"""The registry's door: exit codes, one line per problem, nothing half-written, self-contained reports."""

import json
import re

import pytest
from typer.testing import CliRunner

from nelm.cli.main import build_app
from tests.registry.conftest import record

runner = CliRunner()


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("NELM_DATABASE_URL", raising=False)
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def nelm(*args):
    return runner.invoke(build_app(args[0]), list(args))


def test_import_with_bad_rows_exits_2_names_every_bad_row_and_writes_nothing(tmp_path, db):
    path = tmp_path / "in.jsonl"
    rows = [record("A"), record("B", events=[{"kind": "death", "date": "2000-01-01"}]), record("A"),
            record("C", treatments=[{"modality": "surgery", "date": "2015-03-01"}])]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = nelm("registry", "import", str(path), "--db", db)
    assert result.exit_code == 2
    assert "row 2: events: death (2000-01-01) is before diagnosis" in result.stderr
    assert "row 3: patient_id: duplicate id 'A' (first at row 1)" in result.stderr
    assert "row 4: treatments[0].modality: unknown modality 'surgery'" in result.stderr
    assert "3 of 4 rows are invalid; nothing was imported" in result.stderr
    assert "Traceback" not in result.output
    exported = nelm("registry", "export", "--db", db)
    assert exported.exit_code == 0 and exported.stdout == ""


def test_demo_data_to_a_file_then_import_then_deidentified_csv_export(tmp_path, db):
    demo = tmp_path / "demo.jsonl"
    assert nelm("demo-data", "--patients", "30", "--seed", "4", "--out", str(demo)).exit_code == 0
    imported = nelm("registry", "import", str(demo), "--db", db, "--actor", "tester")
    assert imported.exit_code == 0 and "imported 30 patients (30 synthetic)" in imported.stdout
    out = tmp_path / "export.csv"
    assert nelm("registry", "export", "--deidentified", "--out", str(out), "--db", db).exit_code == 0
    text = out.read_text()
    assert "Synthetic Patient" not in text and "identifier." not in text
    assert text.splitlines()[0].split(",")[1] == "synthetic"


def test_demo_data_refuses_a_file_and_a_database_at_once(tmp_path, db):
    result = nelm("demo-data", "--patients", "5", "--seed", "1", "--out", str(tmp_path / "x.jsonl"), "--db", db)
    assert result.exit_code == 2 and "not both" in result.stderr
    assert not (tmp_path / "x.jsonl").exists()


def test_html_survival_report_is_self_contained_with_embedded_figures(tmp_path, db):
    assert nelm("demo-data", "--patients", "200", "--seed", "9", "--db", db).exit_code == 0
    out = tmp_path / "report.html"
    result = nelm("analyze", "survival", "--endpoint", "os", "--by", "modality", "--format", "html", "--out", str(out), "--db", db)
    assert result.exit_code == 0
    html = out.read_text()
    assert html.count('src="data:image/png;base64,') >= 1
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from elsewhere
    assert "SYNTHETIC DATA" in html and "median, years (95 % CI)" in html and "Log-rank test" in html
    report = json.loads(nelm("analyze", "recurrence", "--db", db).stdout)
    assert report["analysis"] == "recurrence" and report["synthetic"]["banner"]


def test_analyses_report_bad_options_and_an_empty_registry_as_bad_input(db):
    empty = nelm("analyze", "survival", "--db", db)
    assert empty.exit_code == 2 and "no treated patients" in empty.stderr
    bad = nelm("analyze", "compare", "--treatment", "surgery", "--control", "intra_arterial_therapy", "--db", db)
    assert bad.exit_code == 2 and "--treatment: unknown modality 'surgery'" in bad.stderr
    wrong = nelm("analyze", "survival", "--endpoint", "dfs", "--by", "colour", "--db", db)
    assert wrong.exit_code == 2
    assert "--endpoint: must be os or pfs" in wrong.stderr and "--by: must be one of" in wrong.stderr


def test_db_init_creates_then_reports_up_to_date(db):
    assert "created" in nelm("db", "init", "--db", db).stdout
    assert "already up to date" in nelm("db", "init", "--db", db).stdout
