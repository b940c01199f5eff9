"""`nelm fhir import` and `nelm fhir export` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from fhir.resources.R4B.guidanceresponse import GuidanceResponse
from typer.testing import CliRunner

from nelm.cli.main import build_app

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(build_app("fhir"), list(args))


def test_import_prints_the_case_and_the_report_as_json():
    result = run("fhir", "import", str(DATA / "pancreatic-net-after-whipple.json"), "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["case"]["prior_pancreaticoduodenectomy"] is True
    assert out["report"]["reference_date_source"] == "Bundle.meta.lastUpdated"
    assert {"filled", "unfilled", "ignored", "notes"} <= out["report"].keys()


def test_import_text_report_lists_fields_not_filled_and_resources_set_aside():
    result = run("fhir", "import", str(DATA / "incomplete-referral.json"))
    assert result.exit_code == 0, result.output
    assert '"site": "small_intestine"' in result.stdout
    for text in ("Not filled", "age_years", "Resources set aside", "Observation/garbled", "today (the bundle carries no date)"):
        assert text in result.stdout


def test_import_writes_the_case_file_with_out(tmp_path):
    out = tmp_path / "case.json"
    result = run("fhir", "import", str(DATA / "ileal-net-g2-liver-metastases.json"), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["liver"]["lesions"][0] == {"size_mm": 34.0, "segment": 6}


def test_a_malformed_bundle_exits_2_with_one_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Patient", "id": "x"}')
    out = tmp_path / "case.json"
    result = run("fhir", "import", str(bad), "--out", str(out))
    assert result.exit_code == 2
    assert "bad.json: resourceType is 'Patient', expected 'Bundle'" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_file_that_is_not_json_exits_2_naming_line_and_column(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"resourceType": "Bundle",\n  "type": }')
    result = run("fhir", "import", str(bad))
    assert result.exit_code == 2 and "broken.json: not valid JSON" in result.output and "line 2 column 11" in result.output


def test_export_writes_a_valid_guidance_response_from_a_case(tmp_path):
    out = tmp_path / "guidance.json"
    case = Path(__file__).resolve().parents[2] / "examples" / "cases" / "07-after-whipple-iat-warning.json"
    result = run("fhir", "export", str(case), "--out", str(out), "--patient", "p-07")
    assert result.exit_code == 0, result.output
    resource = json.loads(out.read_text())
    GuidanceResponse.model_validate(resource)
    assert resource["subject"] == {"reference": "Patient/p-07"}


def test_export_of_a_bundle_imports_it_first_and_uses_its_patient():
    result = run("fhir", "export", str(DATA / "ileal-net-g2-liver-metastases.json"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["subject"] == {"reference": "Patient/net-ileal-01"}


def test_export_of_an_invalid_case_exits_2_naming_the_field(tmp_path):
    bad = tmp_path / "case.json"
    bad.write_text('{"ecog": 7}')
    result = run("fhir", "export", str(bad))
    assert result.exit_code == 2 and "case.json: ecog" in result.output
