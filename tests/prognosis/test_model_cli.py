"""`nelm model fit | predict | validate | nomogram` and `nelm assess --model` as a user runs them: JSON keys,
agreement with R through the door, demonstration labels, and bad input exiting 2 with one line per problem."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nelm.cli.main import app
from tests.prognosis.reference import DATA, close, reference

ROOT = Path(__file__).resolve().parents[2]
DEMO_MODEL = ROOT / "examples" / "models" / "demo-ruzzenente-variables.json"
DEMO_DATA = ROOT / "examples" / "models" / "demo-ruzzenente-synthetic.csv"
SHARED = DATA / "shared_cohort.csv"
CASE = ROOT / "examples" / "cases" / "01-single-g1-ileal-resectable.json"
runner = CliRunner()


def run(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env)


def ok_json(*args, env=None) -> dict:
    result = run(*args, "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def bad(*args) -> list[str]:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model") / "model.json"
    result = run("model", "fit", SHARED, "--time", "time_months", "--event", "death", "--covariates",
                 "lesion_count,largest_lesion_mm:log,ki67_percent:rcs4,primary_site:cat", "--out", out,
                 "--baseline-times", "12,60,120", "--intended-use", "software test")
    assert result.exit_code == 0, result.output
    return out


def test_fit_writes_a_model_file_whose_coefficients_match_rms(fitted):
    model = json.loads(fitted.read_text())
    ref = reference()["full"]
    assert model["format"] == "nelm-prognostic-model" and model["format_version"] == 1
    assert list(model["coefficients"]) == ref["terms"]
    assert close(list(model["coefficients"].values()), ref["coef"])
    assert model["intended_use"] == "software test" and model["demonstration_only"] is False


def test_fit_defaults_to_the_ruzzenente_variables_and_reports_json(tmp_path):
    out = tmp_path / "m.json"
    summary = ok_json("model", "fit", SHARED, "--time", "time_months", "--event", "death", "--out", out)
    assert [row["term"] for row in summary["coefficients"]] == ["lesion_count", "largest_lesion_mm", "ki67_percent"]
    assert close([row["coef"] for row in summary["coefficients"]], reference()["validate"]["coef"])
    model = json.loads(out.read_text())
    assert [c["case_field"] for c in model["covariates"]] == ["lesion_count", "largest_lesion_mm", "pathology.ki67_percent"]


def test_predict_json_has_the_contract_keys_and_matches_the_fitted_model(fitted, tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"primary": {"site": "pancreas"}, "pathology": {"ki67_percent": 12},
                                "liver": {"lesion_count": 6, "largest_lesion_mm": 80}}))
    model = json.loads(fitted.read_text())
    model["covariates"][3]["case_field"] = "primary.site"
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    out = ok_json("model", "predict", path, case, "--times", "12,60,120")
    assert {"model_name", "intended_use", "demonstration_only", "linear_predictor", "predictions", "warnings"} <= out.keys()
    assert [set(p) >= {"time", "survival", "ci_lower", "ci_upper"} for p in out["predictions"]] == [True] * 3
    ref = reference()["full"]  # third R patient: 6 lesions, 80 mm, Ki-67 12 %, pancreas
    assert close(out["linear_predictor"], ref["lp_new"][2], 1e-9)
    assert close([p["survival"] for p in out["predictions"]], [row[2] for row in ref["surv"][:3]], 1e-9)
    assert close([p["ci_lower"] for p in out["predictions"]], [row[2] for row in ref["lower"][:3]], 1e-9)


def test_demonstration_model_is_labelled_in_text_and_json_predictions():
    text = run("model", "predict", DEMO_MODEL, CASE)
    assert text.exit_code == 0 and text.stdout.count("DEMONSTRATION ONLY") >= 1
    out = ok_json("model", "predict", DEMO_MODEL, CASE)
    assert out["demonstration_only"] is True and "DEMONSTRATION ONLY" in out["label"]


def test_times_beyond_follow_up_warn_of_extrapolation_but_still_predict():
    out = ok_json("model", "predict", DEMO_MODEL, CASE, "--times", "60,240")
    assert [p["extrapolated"] for p in out["predictions"]] == [False, True]
    assert any("extrapolation" in w for w in out["warnings"])


def test_case_lacking_a_needed_field_names_it_and_exits_2(tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"liver": {"lesion_count": 2, "largest_lesion_mm": 30}}))
    assert bad("model", "predict", DEMO_MODEL, case) == [
        "error: case lacks pathology.ki67_percent, needed by model covariate 'ki67_percent'"]


def test_model_file_with_a_missing_coefficient_or_unknown_covariate_exits_2(tmp_path):
    model = json.loads(DEMO_MODEL.read_text())
    broken = copy.deepcopy(model)
    del broken["coefficients"]["ki67_percent"]
    broken["coefficients"]["age_years"] = 0.01
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    lines = bad("model", "predict", path, CASE)
    assert f"error: {path}: coefficients: missing 'ki67_percent' (term of covariate 'ki67_percent')" in lines
    assert f"error: {path}: coefficients: 'age_years' is not a term of any covariate (unknown covariate?)" in lines
    unknown = copy.deepcopy(model)
    unknown["covariates"].append({"name": "tumour_volume"})
    unknown["coefficients"]["tumour_volume"] = 0.1
    unknown["centring"]["tumour_volume"] = 0.0
    for point in unknown["baseline"]:
        point.pop("xbar")
    unknown.pop("covariance")
    path.write_text(json.dumps(unknown))
    assert bad("model", "predict", path, CASE) == [
        "error: model covariate 'tumour_volume' is not a known case variable and has no case_field in the model file"]


def test_fit_names_missing_columns_and_bad_rows_and_writes_nothing(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("t,e,lesion_count,largest_lesion_mm\n10,1,2,20\n-3,1,1,x\n5,2,1,15\n")
    out = tmp_path / "model.json"
    assert bad("model", "fit", data, "--time", "t", "--event", "e", "--out", out) == [
        f"error: {data}: column 't': negative time in row 2",
        f"error: {data}: column 'e': must be 1 (event) or 0 (censored) in row 3",
        f"error: {data}: no column 'ki67_percent' (covariate)"]
    lines = bad("model", "fit", data, "--time", "t", "--event", "e", "--covariates", "lesion_count,largest_lesion_mm",
                "--out", out)
    assert f"error: {data}: column 'largest_lesion_mm': not a number in row 2" in lines
    assert not out.exists()


def test_unknown_transformation_on_the_command_line_exits_2(tmp_path):
    lines = bad("model", "fit", SHARED, "--time", "time_months", "--event", "death", "--covariates", "ki67_percent:sqrt",
                "--out", tmp_path / "m.json")
    assert len(lines) == 1 and "unknown transformation 'sqrt'" in lines[0]


def test_validate_json_has_every_contract_key_and_bootstrap_block(tmp_path):
    plot = tmp_path / "calib.png"
    out = ok_json("model", "validate", DEMO_MODEL, DEMO_DATA, "--times", "60,120", "--bootstrap", "3", "--seed", "1",
                  "--plot", plot)
    for key in ("c_index", "calibration_slope", "calibration_in_the_large", "observed_expected", "brier_score",
                "calibration", "bootstrap", "demonstration_only"):
        assert key in out
    assert {"harrell", "uno", "uno_tau"} <= out["c_index"].keys()
    assert [e["time"] for e in out["observed_expected"]] == [60, 120]
    assert {"corrected", "optimism", "apparent"} <= out["bootstrap"]["c_index"].keys()
    assert out["bootstrap"]["resamples"] == 3
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_validate_on_r_data_agrees_with_r_through_the_door(tmp_path):
    data = tmp_path / "dev.csv"
    val = tmp_path / "val.csv"
    lines = SHARED.read_text().splitlines()
    header, rows = lines[1], lines[2:]
    data.write_text("\n".join([header] + rows[:250]) + "\n")
    val.write_text("\n".join([header] + rows[250:]) + "\n")
    model = tmp_path / "dev.json"
    run("model", "fit", data, "--time", "time_months", "--event", "death", "--baseline-times", "60,120", "--out", model)
    out = ok_json("model", "validate", model, val, "--times", "60,120", "--groups", "5")
    ref = reference()["external"]
    assert close(out["c_index"]["harrell"], ref["harrell"]) and close(out["c_index"]["uno"], ref["uno_120"])
    assert close(out["calibration_slope"]["estimate"], ref["slope"])
    assert close([b["brier"] for b in out["brier_score"]], [p["brier"] for p in ref["per_time"]])


def test_validate_with_a_missing_covariate_column_exits_2(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("time_months,death,lesion_count\n10,1,2\n")
    assert bad("model", "validate", DEMO_MODEL, data) == [f"error: {data}: no column 'largest_lesion_mm' (needed by the model)",
                                                          f"error: {data}: no column 'ki67_percent' (needed by the model)"]


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_nomogram_is_written_in_each_format(tmp_path, suffix):
    out = tmp_path / f"nomogram.{suffix}"
    result = run("model", "nomogram", DEMO_MODEL, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000
    assert "DEMONSTRATION ONLY" in result.stdout


def test_nomogram_to_an_unknown_format_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "nomogram.bmp"
    assert len(bad("model", "nomogram", DEMO_MODEL, "--out", out)) == 1
    assert not out.exists()


def test_assess_with_a_model_adds_the_prognosis_block():
    out = ok_json("assess", CASE, "--model", DEMO_MODEL)
    prognosis = out["prognosis"]
    assert prognosis["demonstration_only"] is True
    assert [p["time"] for p in prognosis["predictions"]] == [60, 120]


def test_assess_reads_the_model_from_nelm_model_file_and_labels_it_in_text():
    result = run("assess", CASE, env={"NELM_MODEL_FILE": str(DEMO_MODEL)})
    assert result.exit_code == 0, result.output
    assert "Prognostic model" in result.stdout and "DEMONSTRATION ONLY" in result.stdout


def test_assess_still_reports_when_the_case_lacks_a_model_field(tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"liver": {"lesion_count": 2}}))
    out = ok_json("assess", case, "--model", DEMO_MODEL)
    assert out["prognosis"]["predictions"] == []
    assert any("pathology.ki67_percent" in w for w in out["prognosis"]["warnings"])


def test_assess_with_a_broken_model_file_exits_2(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("{not json")
    lines = bad("assess", CASE, "--model", path)
    assert len(lines) == 1 and "not valid JSON" in lines[0]
