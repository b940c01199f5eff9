"""`nelm stats match`: the JSON contract, flags reaching the matcher, and bad input exiting with code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nelm.cli.main import app

DATA = Path(__file__).resolve().parents[1] / "data" / "matching"
LALONDE = ["--treatment", "treat", "--covariates", "age,educ,race,married,nodegree,re74,re75"]
NELM = ["--treatment", "surgery", "--covariates", "age,ki67,burden,symptomatic"]
runner = CliRunner()


def reference(name: str) -> dict:
    scenarios = json.loads((DATA / "matchit_reference.json").read_text())["scenarios"]
    return next(s for s in scenarios if s["name"] == name)


def run(*args: str):
    return runner.invoke(app, ["stats", "match", *map(str, args)])


def match_json(*args: str) -> dict:
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_default_match_gives_matchits_pairs_counts_and_balance_on_lalonde():
    out = match_json(DATA / "lalonde.csv", *LALONDE)
    expected = reference("lalonde_nearest_logit_largest_cal0.2_r1_norep_noexact")
    assert out["matched"] == expected["matched"]  # ids come from the `id` column
    for key in ("n_treated_matched", "n_control_matched", "n_treated_unmatched", "n_control_unmatched"):
        assert out[key] == expected[key]
    assert set(out["balance"]) == {k for k in expected["balance"] if k != "distance"}
    for term, b in out["balance"].items():
        for key in ("smd_before", "smd_after", "var_ratio_before", "var_ratio_after"):
            assert key in b
            want = expected["balance"][term].get(key)
            assert b[key] == (None if want is None else pytest.approx(want, rel=1e-6)), (term, key)


@pytest.mark.parametrize(
    ("flags", "name"),
    [
        (["--ratio", "2", "--exact", "symptomatic", "--m-order", "smallest"],
         "nelm_nearest_logit_smallest_cal0.2_r2_norep_exact-symptomatic"),
        (["--replace", "--caliper", "0"], "nelm_nearest_logit_data_nocal_r1_replace_noexact"),
        (["--m-order", "data", "--distance", "ps", "--caliper", "0.2", "--m-order", "largest"],
         "nelm_nearest_ps_largest_cal0.2_r1_norep_noexact"),
    ],
)
def test_match_flags_reach_the_matcher_and_reproduce_matchit(flags, name):
    out = match_json(DATA / "nelm_synthetic.csv", *NELM, *flags)
    expected = reference(name)
    assert out["matched"] == expected["matched"]  # no `id` column: 0-based row numbers
    assert out["n_control_matched"] == expected["n_control_matched"]


def test_random_order_reports_its_seed_and_repeats_with_it():
    first = match_json(DATA / "nelm_synthetic.csv", *NELM, "--m-order", "random")
    again = match_json(DATA / "nelm_synthetic.csv", *NELM, "--m-order", "random", "--seed", first["seed"])
    assert isinstance(first["seed"], int)
    assert again["matched"] == first["matched"]


def test_text_format_prints_counts_and_the_balance_table():
    result = run(DATA / "lalonde.csv", *LALONDE, "--format", "text")
    assert result.exit_code == 0
    assert "117 of 185 matched" in result.stdout
    assert "racewhite" in result.stdout and "SMD after" in result.stdout


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text)
    return path


GOOD = "t,age,ki67\n1,50,3\n0,60,4\n1,55,8\n0,70,2\n0,65,5\n"


@pytest.mark.parametrize(
    ("csv", "flags", "messages"),
    [
        (GOOD.replace("1,55,8", "2,55,8"), [], ["treatment 't' must be 0 or 1; row 2 (first bad value: 2)"]),
        (GOOD.replace("0,60,4", "0,,4").replace("1,55,8", "1,55,"), [],
         ["column 'age': missing value in row 1", "column 'ki67': missing value in row 2"]),
        ("t,age,ki67\n1,50,3\n1,60,4\n", [], ["treatment 't' has a single group (every row is 1)"]),
        (GOOD, ["--covariates", "age,grade"], ["column 'grade' not found"]),
        (GOOD, ["--exact", "site"], ["column 'site' not found"]),
        (GOOD, ["--ratio", "0", "--m-order", "best"], ["--ratio must be a whole number >= 1", "--m-order must be one of"]),
        ("id,t,age,ki67\n7,1,50,3\n7,0,60,4\n", [], ["column 'id' must identify rows uniquely"]),
        ("id,t,age,ki67\n7,1,50,3\n,0,60,4\n", [], ["column 'id': missing value in row 1"]),
    ],
)
def test_bad_input_exits_2_with_one_clear_line_per_problem(tmp_path, csv, flags, messages):
    args = ["--treatment", "t", "--covariates", "age,ki67", *flags]
    if "--covariates" in flags:
        args = ["--treatment", "t", *flags]
    result = run(write(tmp_path, csv), *args)
    assert result.exit_code == 2
    assert result.stdout == ""  # nothing half-written
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == len(messages)
    for line, message in zip(lines, messages):
        assert message in line


def test_missing_file_and_unmatched_caliper_exit_2(tmp_path):
    missing = run(tmp_path / "nope.csv", "--treatment", "t", "--covariates", "age")
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    far = write(tmp_path, "t,x\n1,0\n1,1\n0,100\n0,101\n0,102\n")
    # the logit is separated: every control lies beyond a tiny caliper
    result = run(far, "--treatment", "t", "--covariates", "x", "--caliper", "0.0001")
    assert result.exit_code == 2 and "nothing was matched" in result.stderr
