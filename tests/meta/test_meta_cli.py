"""`nelm meta pool` and `nelm meta leave-one-out`: JSON contract, forest files, exit code 2 on bad input."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from nelm.cli.main import app
from tests.meta.reference import DATA, table

runner = CliRunner()
CONTRACT_KEYS = {"measure", "method", "k", "estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "i2_percent", "q", "q_pvalue", "studies"}
LT = DATA / "lt_os5_table2.csv"


def run(*args):
    return runner.invoke(app, ["meta", *map(str, args)])


def pooled_json(*args) -> dict:
    result = run("pool", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_pool_json_has_the_contract_keys_and_metafor_values_on_table2():
    out = pooled_json(LT, "--measure", "PFT", "--method", "PM", "--hk")
    assert CONTRACT_KEYS <= set(out)
    ref = table("reference_pool")
    expected = ref[(ref.dataset == "lt_os5_table2") & (ref.measure == "PFT") & (ref.method == "PM") & ref.hk].iloc[0]
    for key in ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "i2_percent", "q", "q_pvalue"):
        assert math.isclose(out[key], expected[key], rel_tol=1e-6), key
    assert (out["measure"], out["method"], out["k"]) == ("PFT", "PM", 8)
    assert [s["study"] for s in out["studies"]][0] == "Coppa 2001"
    assert sum(s["weight_percent"] for s in out["studies"]) == pytest.approx(100)
    assert {"estimate", "ci_lower", "ci_upper", "weight_percent"} <= set(out["studies"][0])


def test_measure_and_method_names_are_case_insensitive():
    assert pooled_json(LT, "--measure", "plo", "--method", "reml")["method"] == "REML"


def test_gen_with_exp_reports_ratios():
    plain = pooled_json(DATA / "bcg_logrr.csv", "--measure", "GEN", "--method", "DL")
    ratio = pooled_json(DATA / "bcg_logrr.csv", "--measure", "GEN", "--method", "DL", "--exp")
    assert ratio["estimate"] == pytest.approx(math.exp(plain["estimate"]))
    assert ratio["pi_upper"] == pytest.approx(math.exp(plain["pi_upper"]))
    assert ratio["tau2"] == plain["tau2"] and ratio["scale"] == "exp(yi): ratio"


def test_continuity_correction_is_reported_per_study():
    out = pooled_json(DATA / "pritz1997.csv", "--measure", "PLO", "--method", "DL")
    assert [s["study"] for s in out["studies"] if s["continuity_corrected"]] == ["Tanabe et al.", "Hadeishi et al."]
    assert any("continuity correction 0.5" in note for note in out["notes"])


def test_text_output_shows_pooled_estimate_prediction_interval_and_heterogeneity():
    result = run("pool", LT, "--measure", "PLO", "--method", "REML")
    assert result.exit_code == 0
    for fragment in ("Pooled estimate", "95 % prediction interval", "Heterogeneity", "Mazzaferro 2016"):
        assert fragment in result.stdout


@pytest.mark.parametrize("suffix,magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_forest_plot_is_written_in_the_format_its_name_asks_for(tmp_path, suffix, magic):
    target = tmp_path / f"forest{suffix}"
    result = run("pool", LT, "--measure", "PLO", "--method", "REML", "--hk", "--forest", target)
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left behind


def test_bad_rows_exit_2_name_the_rows_and_write_no_forest(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("study,events,n\nA,12,10\nB,3,0\nC,4,20\n")
    target = tmp_path / "forest.png"
    result = run("pool", bad, "--measure", "PLO", "--method", "DL", "--forest", target)
    assert result.exit_code == 2
    assert "row 1 (study 'A'): events (12) > n (10)" in result.stderr
    assert "row 2 (study 'B'): n (0) must be > 0" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == "" and not target.exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--measure", "PLO", "--method", "XX"], "--method 'XX' is not one of"),
        (["--measure", "PLO", "--exp"], "--exp applies to --measure GEN"),
        (["--measure", "PLO", "--forest", "out.jpg"], "must end in .png, .svg or .pdf"),
        (["--measure", "PLO", "--format", "yaml"], "--format 'yaml' must be text or json"),
        (["--measure", "GEN"], "missing columns yi, vi"),
    ],
)
def test_bad_options_exit_2_with_one_clear_line(args, message):
    result = run("pool", LT, *args)
    assert result.exit_code == 2 and message in result.stderr


def test_missing_file_exits_2(tmp_path):
    result = run("pool", tmp_path / "nope.csv", "--measure", "PR")
    assert result.exit_code == 2 and "file not found" in result.stderr


def test_leave_one_out_json_lists_each_omitted_study_with_metafor_values():
    result = run("leave-one-out", DATA / "bcg_logrr.csv", "--measure", "GEN", "--method", "REML", "--hk", "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    ref = table("reference_loo")
    ref = ref[(ref.dataset == "bcg_logrr") & (ref.method == "REML") & ref.hk]
    assert [r["omitted"] for r in out["leave_one_out"]] == ref.omitted.tolist()
    for row, (_, exp) in zip(out["leave_one_out"], ref.iterrows(), strict=True):
        assert math.isclose(row["estimate"], exp.estimate, rel_tol=1e-6)
        assert math.isclose(row["tau2"], exp.tau2, rel_tol=1e-6)


def test_leave_one_out_text_has_a_row_per_study():
    result = run("leave-one-out", LT, "--measure", "PLO", "--method", "DL")
    assert result.exit_code == 0
    assert all(name in result.stdout for name in ("(none)", "Coppa 2001", "Mazzaferro 2016"))


def test_bundled_examples_pool_and_the_broken_one_exits_2():
    examples = DATA.parents[2] / "examples" / "meta"
    assert run("pool", examples / "lt_5y_os_table2.csv", "--measure", "PLO").exit_code == 0
    assert run("pool", examples / "bcg_log_rr.csv", "--measure", "GEN", "--exp").exit_code == 0
    broken = run("pool", examples / "bad_rows.csv", "--measure", "PLO")
    assert broken.exit_code == 2 and broken.stderr.count("error:") == 3


def test_study_names_that_look_like_markup_are_printed_literally(tmp_path):
    data = tmp_path / "odd.csv"
    data.write_text("study,events,n\n[/x] $a$,11,4\n[bold]B[/],2,5\n")
    result = run("pool", data, "--measure", "PR")
    assert result.exit_code == 2 and "study '[/x] $a$'" in result.stderr
    data.write_text("study,events,n\n[/x] $a$,1,4\n[bold]B[/],2,5\n")
    target = tmp_path / "odd.png"
    result = run("pool", data, "--measure", "PR", "--forest", target)
    assert result.exit_code == 0 and "[bold]B[/]" in result.stdout and target.exists()
