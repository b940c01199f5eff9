"""Validation metrics against R: apparent and external C (Harrell, Uno), calibration slope, O/E, calibration
in the large, IPCW Brier score, grouped Kaplan-Meier points and the Austin et al. smoothed curve."""

from __future__ import annotations

import numpy as np
import pytest

from nelm.prognosis.calibration import smoothed_curve
from nelm.prognosis.covariate_spec import parse_specs
from nelm.prognosis.design import design_matrix
from nelm.prognosis.fit import fit_model
from nelm.prognosis.validate import validate_model
from nelm.stats import concordance_index
from tests.prognosis.reference import close, reference, shared_cohort
from tests.prognosis.test_fit_reference import fit_full


def test_apparent_harrell_c_of_the_full_model_matches_r_concordance():
    result = fit_full()
    lp = result.design @ result.model.beta()
    c = concordance_index(result.time, result.event, lp)
    assert close(c.c_index, reference()["full"]["harrell"]["c"])
    assert close(c.std, reference()["full"]["harrell"]["se"])
    assert close(2 * c.c_index - 1, reference()["full"]["rcorr_dxy"])  # rms dxy.cens (survConcordance.fit)


def test_apparent_calibration_slope_on_the_fit_data_is_one_as_rms_index_orig():
    result = fit_full()
    model = result.model
    out = validate_model(model, result.design, result.time, result.event, [60, 120])
    ref = reference()["validate"]
    assert close(out["calibration_slope"]["estimate"], ref["table"][ref["rows"].index("Slope")][0])
    assert close(out["c_index"]["harrell"], reference()["full"]["harrell"]["c"])
    assert close(out["c_index"]["uno"], reference()["full"]["uno_120"]["c"])


@pytest.fixture(scope="module")
def external():
    data = shared_cohort()
    dev, val = data.iloc[:250], data.iloc[250:]
    model = fit_model(dev, time="time_months", event="death", specs=parse_specs(["lesion_count,largest_lesion_mm,ki67_percent"]),
                      name="dev", intended_use="test", baseline_times=[60, 120]).model
    X = design_matrix(model.covariates, val)
    return model, X, val, validate_model(model, X, val.time_months, val.death, [60, 120], groups=5)


def test_external_c_indexes_match_r(external):
    *_, out = external
    ref = reference()["external"]
    assert close(out["c_index"]["harrell"], ref["harrell"])
    assert close(out["c_index"]["uno"], ref["uno_120"])
    assert out["c_index"]["uno_tau"] == 120


def test_external_calibration_slope_matches_r_coxph_on_the_linear_predictor(external):
    *_, out = external
    ref = reference()["external"]
    assert close(out["calibration_slope"]["estimate"], ref["slope"])
    assert close(out["calibration_slope"]["se"], ref["slope_se"])


@pytest.mark.parametrize("j", [0, 1], ids=["60 months", "120 months"])
def test_observed_expected_citl_and_brier_match_r(external, j):
    *_, out = external
    ref = reference()["external"]["per_time"][j]
    assert close(out["observed_expected"][j]["ratio"], ref["oe"])
    assert close(out["calibration_in_the_large"][j]["difference"], ref["citl"])
    assert close(out["brier_score"][j]["brier"], ref["brier"])


@pytest.mark.parametrize("j", [0, 1], ids=["60 months", "120 months"])
def test_grouped_kaplan_meier_calibration_points_match_r(external, j):
    *_, out = external
    ref = reference()["external"]["per_time"][j]["groups"]
    mine = out["calibration"][j]["groups"]
    assert [g["n"] for g in mine] == [g["n"] for g in ref]
    for key, rkey in (("predicted_risk", "predicted"), ("observed_risk", "observed"), ("ci_lower", "lower"),
                      ("ci_upper", "upper")):
        assert close([g[key] for g in mine], [g[rkey] for g in ref])


@pytest.mark.parametrize("j", [0, 1], ids=["60 months", "120 months"])
def test_smoothed_calibration_curve_and_ici_match_r_cox_rcs_of_cloglog(external, j):
    model, X, val, out = external
    ref = reference()["external"]["per_time"][j]
    smooth = out["calibration"][j]["smoothed"]
    assert close(smooth["knots"], ref["cll_knots"], 1e-10)
    for key in ("ici", "e50", "e90", "emax"):
        assert close(smooth[key], ref[key])
    risk = 1 - np.asarray(reference()["external"]["predicted_survival"][j])
    _, per_patient = smoothed_curve(val.time_months, val.death, risk, ref["time"])
    assert close(per_patient, ref["smoothed_observed"])


def test_predicted_survival_in_the_validation_data_matches_r(external):
    from nelm.prognosis.predict import predict_design

    model, X, _, _ = external
    _, surv, *_ = predict_design(model, X, [60, 120])
    assert close(surv, reference()["external"]["predicted_survival"])


def test_a_time_beyond_the_data_is_reported_as_not_estimable(external):
    model, X, val, _ = external
    short = val.time_months.clip(upper=50)
    out = validate_model(model, X, short, val.death.where(val.time_months <= 50, 0), [60])
    assert out["observed_expected"][0] == {"time": 60.0, "estimable": False}
    assert any("no patient in the data is followed that long" in w for w in out["warnings"])


def test_ici_is_near_zero_for_true_risks_and_large_for_overstated_risks():
    # simulate from known survival: outcome generated by the predicted risk itself
    rng = np.random.default_rng(3)
    n = 4000
    lp = rng.normal(0, 0.8, n)
    t = rng.exponential(1 / (0.01 * np.exp(lp)))
    c = rng.uniform(0, 200, n)
    time, event = np.minimum(t, c), (t <= c)
    risk = 1 - np.exp(-0.01 * np.exp(lp) * 60)
    summary, _ = smoothed_curve(time, event, risk, 60)
    assert summary["ici"] < 0.02
    overstated, _ = smoothed_curve(time, event, np.minimum(risk * 1.5, 0.999), 60)
    assert overstated["ici"] > 0.05
