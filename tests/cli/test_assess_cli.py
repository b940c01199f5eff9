"""`nelm assess`, `schema`, `rules`, `protocol` as a user runs them: output contract and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nelm.cli.main import app
from nelm.knowledge.rulebook import RULES, Modality

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "cases").glob("*.json"))
MODALITIES = {m.value for m in Modality}
STATUSES = {"recommended", "consider", "not_recommended", "contraindicated", "insufficient_data"}
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_every_bundled_example_case_is_assessed_in_json_with_the_contract_keys(example):
    result = run("assess", str(example), "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {"case_id", "derived", "options", "warnings", "missing"} <= out.keys()
    assert {"grade", "category", "pattern", "flr_threshold_percent"} <= out["derived"].keys()
    assert {o["modality"] for o in out["options"]} == MODALITIES
    for option in out["options"]:
        assert option["status"] in STATUSES
        assert {"modality", "status", "reasons", "evidence"} <= option.keys()
        for reason in option["reasons"]:
            assert reason["rule_id"] and reason["text"] and reason["citations"]
    for warning in out["warnings"]:
        assert {"rule_id", "text", "citations"} <= warning.keys()


def test_the_text_report_groups_options_by_status_and_names_sources():
    result = run("assess", str(ROOT / "examples/cases/03-transplant-candidate-stable-4-months.json"))
    assert result.exit_code == 0
    text = result.stdout
    assert text.index("Recommended") < text.index("Consider") < text.index("Not recommended")
    assert "LT-STABLE" in text and "Milan-NET" in text and "defer" in text


def test_a_directory_in_json_mode_gives_one_json_line_per_case():
    result = run("assess", str(ROOT / "examples/cases"), "--format", "json")
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(EXAMPLES)
    assert [json.loads(line)["case_id"] for line in lines] == [json.loads(e.read_text())["id"] for e in EXAMPLES]


def test_json_lines_input_with_one_bad_line_names_the_line_and_assesses_nothing(tmp_path):
    good = EXAMPLES[0].read_text().replace("\n", "")
    batch = tmp_path / "batch.jsonl"
    batch.write_text(f"{good}\n{{\"pathology\": {{\"ki67_percent\": 140}}}}\n{good}\n")
    result = run("assess", str(batch), "--format", "json")
    assert result.exit_code == 2
    assert "batch.jsonl:2: pathology.ki67_percent" in result.stderr
    assert result.stdout == ""


def test_the_console_command_exits_2_with_one_line_per_problem_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"pathology": {"ki67_percent": 120}, "liver": {"lesions": [{"size_mm": -3, "segment": 9}]}, "colour": "x"}))
    proc = subprocess.run([sys.executable, "-m", "nelm.cli.main", "assess", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    for path in ("pathology.ki67_percent", "liver.lesions[0].size_mm", "liver.lesions[0].segment", "colour"):
        assert path in proc.stderr


def test_invalid_json_exits_2_with_position(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"id": 1,,}')
    result = run("assess", str(bad))
    assert result.exit_code == 2 and "not valid JSON" in result.stderr


def test_a_site_protocol_overrides_thresholds_and_the_report_names_it():
    case = ROOT / "examples/cases/06-carcinoid-debulking-heart-disease.json"
    default = json.loads(run("assess", str(case), "--format", "json").stdout)
    strict = json.loads(run("assess", str(case), "--format", "json", "--protocol", str(ROOT / "examples/protocol-conservative.toml")).stdout)
    status = lambda out: next(o["status"] for o in out["options"] if o["modality"] == "debulking")  # noqa: E731
    assert status(default) == "consider" and status(strict) == "not_recommended"
    assert strict["protocol"]["name"] == "conservative centre protocol"
    assert strict["protocol"]["overrides"]["debulking_min_resectable_percent"] == 90


def test_a_protocol_with_a_bad_value_exits_2_naming_the_setting(tmp_path):
    bad = tmp_path / "site.toml"
    bad.write_text("transplant_age_below_years = -5\nfavourite_colour = 'blue'\n")
    result = run("assess", str(EXAMPLES[0]), "--protocol", str(bad))
    assert result.exit_code == 2
    assert "transplant_age_below_years" in result.stderr and "favourite_colour" in result.stderr


def test_schema_prints_the_case_json_schema_with_the_contract_fields():
    schema = json.loads(run("schema").stdout)
    assert {"id", "age_years", "ecog", "primary", "pathology", "liver", "extrahepatic_disease", "disease_course"} <= schema["properties"].keys()


def test_rules_lists_every_rule_with_its_sources():
    rules = json.loads(run("rules", "--format", "json").stdout)
    assert [r["id"] for r in rules] == [r.id for r in RULES]
    assert all(r["citations"] for r in rules)


def test_protocol_shows_each_setting_with_the_source_its_default_follows():
    settings = json.loads(run("protocol", "--format", "json").stdout)["settings"]
    assert settings["transplant_age_below_years"]["value"] == 60
    assert "Milan-NET" in settings["transplant_age_below_years"]["alternatives"]


def test_audit_format_gives_the_same_statuses_and_missing_data_as_the_full_assessment():
    full = [json.loads(line) for line in run("assess", str(ROOT / "examples/cases"), "--format", "json").stdout.splitlines()]
    audit = [json.loads(line) for line in run("assess", str(ROOT / "examples/cases"), "--format", "audit").stdout.splitlines()]
    assert len(audit) == len(full) == len(EXAMPLES)
    for a, f in zip(audit, full):
        assert a["statuses"] == {o["modality"]: o["status"] for o in f["options"]}
        assert set(a["missing"]) == set(f["missing"])
