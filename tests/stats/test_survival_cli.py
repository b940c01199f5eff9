"""`nelm stats km | cox | cindex`: the JSON contract, agreement with R through the door, and bad input
exiting with code 2 and one line per problem."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from nelm.cli.main import app
from tests.stats.survival_reference import DATA, RTOL, dataset, r_array, reference

runner = CliRunner()
LUNG = DATA / "lung.csv"


def run(*args):
    return runner.invoke(app, ["stats", *map(str, args)])


def ok_json(*args) -> dict:
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def complete_lung(tmp_path, columns):
    path = tmp_path / "lung_complete.csv"
    dataset("lung").dropna(subset=columns).to_csv(path, index=False)
    return path


def test_km_json_has_per_group_curves_medians_and_logrank_matching_r():
    out = ok_json("km", LUNG, "--time", "time", "--event", "event", "--group", "sex")
    assert set(out["groups"]) == {"1", "2"}
    for label, group in out["groups"].items():
        expected = reference()["km"]["lung_sex_loglog"][label]
        assert {"times", "survival", "ci_lower", "ci_upper", "n_risk", "median"} <= set(group)
        np.testing.assert_allclose(group["survival"], expected["surv"], rtol=RTOL)
        np.testing.assert_allclose(r_array(group["ci_lower"]), r_array(expected["lower"]), rtol=RTOL)
        assert group["median"] == expected["median"]
        assert group["median_ci"] == [expected["median_lower"], expected["median_upper"]]
    lr = reference()["logrank"]["lung_sex"]
    assert set(out["logrank"]) == {"chisq", "df", "p"}
    np.testing.assert_allclose(out["logrank"]["chisq"], lr["chisq"], rtol=RTOL)
    assert out["logrank"]["df"] == 1


def test_km_conf_type_log_gives_r_survfit_default_band():
    out = ok_json("km", LUNG, "--time", "time", "--event", "event", "--conf-type", "log")
    assert out["conf_type"] == "log" and "logrank" not in out
    np.testing.assert_allclose(out["groups"]["all"]["ci_upper"], reference()["km"]["lung_all_log"]["upper"], rtol=RTOL)


def test_km_at_reports_survival_at_requested_times():
    out = ok_json("km", LUNG, "--time", "time", "--event", "event", "--at", "100,365")
    expected = reference()["km"]["lung_at_times"]
    got = [row["survival"] for row in out["groups"]["all"]["at"]]
    np.testing.assert_allclose(got, expected["surv"][1:3], rtol=RTOL)


def test_cox_json_contract_and_values_match_r(tmp_path):
    path = complete_lung(tmp_path, ["ph.ecog"])
    out = ok_json("cox", path, "--time", "time", "--event", "event", "--covariates", "age,sex,ph.ecog")
    expected = reference()["cox"]["lung_efron"]
    assert list(out["coefficients"]) == ["age", "sex", "ph.ecog"]
    for name, coef, se in zip(expected["names"], expected["coef"], expected["se"]):
        entry = out["coefficients"][name]
        assert {"coef", "se", "hr", "ci_lower", "ci_upper", "p"} <= set(entry) and "robust_se" not in entry
        np.testing.assert_allclose([entry["coef"], entry["se"], entry["hr"]], [coef, se, np.exp(coef)], rtol=RTOL)
    np.testing.assert_allclose(out["loglik"], expected["loglik"][1], rtol=RTOL)
    assert (out["n"], out["events"]) == (expected["n"], expected["nevent"])
    np.testing.assert_allclose(out["concordance"], expected["concordance"], rtol=RTOL)
    for key, ref_key in (("wald", "wald"), ("likelihood_ratio", "lr"), ("score", "score")):
        assert set(out[key]) == {"chisq", "df", "p"}
        np.testing.assert_allclose(out[key]["chisq"], expected[ref_key], rtol=RTOL)
    np.testing.assert_allclose(out["proportional_hazards"]["GLOBAL"]["chisq"],
                               reference()["zph"]["lung_efron"]["chisq"][-1], rtol=RTOL)


def test_cox_breslow_strata_and_cluster_flags_reach_the_model(tmp_path):
    path = tmp_path / "colon.csv"
    dataset("colon").dropna(subset=["nodes"]).to_csv(path, index=False)
    out = ok_json("cox", path, "--time", "time", "--event", "event", "--covariates", "lev,lev5fu,nodes",
                  "--strata", "etype", "--cluster", "id")
    expected = reference()["cox"]["colon_strata_cluster"]
    assert out["robust"] is True
    got = [out["coefficients"][n]["robust_se"] for n in ("lev", "lev5fu", "nodes")]
    np.testing.assert_allclose(got, expected["se"], rtol=RTOL)
    np.testing.assert_allclose(out["robust_score"]["chisq"], expected["robust_score"], rtol=RTOL)
    breslow = ok_json("cox", complete_lung(tmp_path, ["ph.ecog"]), "--time", "time", "--event", "event",
                      "--covariates", "age,sex,ph.ecog", "--ties", "breslow")
    np.testing.assert_allclose(breslow["coefficients"]["sex"]["coef"], reference()["cox"]["lung_breslow"]["coef"][1],
                               rtol=RTOL)


def test_cindex_reports_harrell_and_uno_as_r(tmp_path):
    out = ok_json("cindex", LUNG, "--time", "time", "--event", "event", "--score", "age", "--tau", "365")
    np.testing.assert_allclose(out["c_index"], reference()["concordance"]["lung_age_reverse"]["concordance"], rtol=RTOL)
    np.testing.assert_allclose(out["uno"]["c_index"], reference()["concordance"]["lung_age_uno_365"]["concordance"],
                               rtol=RTOL)


def test_text_format_prints_readable_tables():
    result = run("km", LUNG, "--time", "time", "--event", "event", "--group", "sex", "--format", "text")
    assert result.exit_code == 0 and "Log-rank" in result.stdout and "median" in result.stdout


def write(tmp_path, frame: pd.DataFrame):
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    return path


GOOD = pd.DataFrame({"t": [5.0, 8.0, 3.0, 9.0], "e": [1, 0, 1, 1], "g": ["a", "b", "a", "b"], "x": [1.0, 2.0, 0.5, 3.0]})


@pytest.mark.parametrize("change, args, message", [
    ({"t": [5.0, -8.0, 3.0, 9.0]}, ["km", "--time", "t", "--event", "e"], "column 't': negative time at row 2"),
    ({"x": [1.0, None, 0.5, 3.0]}, ["cox", "--time", "t", "--event", "e", "--covariates", "x"], "column 'x': 1 missing value(s) at row 2"),
    ({"x": ["1", "2", "high", "3"]}, ["cindex", "--time", "t", "--event", "e", "--score", "x"], "column 'x': non-numeric value 'high' at row 3"),
    ({"g": ["a", "a", "a", "a"]}, ["km", "--time", "t", "--event", "e", "--group", "g"], "column 'g': only one group (a)"),
    ({"e": [0, 0, 0, 0]}, ["km", "--time", "t", "--event", "e"], "column 'e': no events"),
    ({"e": [1, 2, 0, 1]}, ["cox", "--time", "t", "--event", "e", "--covariates", "x"], "column 'e': must be 1 (event) or 0 (censored), found 2 at row 2"),
    ({}, ["cox", "--time", "t", "--event", "e", "--covariates", "x,age"], "covariate column 'age' not found"),
    ({}, ["km", "--time", "t", "--event", "e", "--conf-type", "logit"], "--conf-type must be one of"),
])
def test_bad_input_exits_2_with_one_line_naming_the_column(tmp_path, change, args, message):
    path = write(tmp_path, GOOD.assign(**change))
    result = run(args[0], path, *args[1:])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout and result.stdout == ""


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, GOOD.assign(t=[5.0, -1.0, 3.0, 9.0], x=[1.0, None, 0.5, 3.0]))
    result = run("cox", path, "--time", "t", "--event", "e", "--covariates", "x")
    assert result.exit_code == 2
    assert len([line for line in result.stderr.splitlines() if line.startswith("error:")]) == 2


def test_missing_file_exits_2(tmp_path):
    result = run("km", tmp_path / "nope.csv", "--time", "t", "--event", "e")
    assert result.exit_code == 2 and "no such file" in result.stderr
