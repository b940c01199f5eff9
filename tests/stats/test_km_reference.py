"""Kaplan-Meier against R's survfit (survival 3.5.3): estimates, Greenwood SE, bands, n at risk, median CI."""

from __future__ import annotations

import numpy as np
import pytest

from nelm.stats import KaplanMeier, SurvivalDataError
from tests.stats.survival_reference import RTOL, dataset, r_array, reference


def assert_same_curve(fit: KaplanMeier, expected: dict) -> None:
    np.testing.assert_array_equal(fit.times_, expected["time"])
    np.testing.assert_array_equal(fit.n_risk_, expected["n_risk"])
    np.testing.assert_array_equal(fit.n_event_, expected["n_event"])
    np.testing.assert_array_equal(fit.n_censor_, expected["n_censor"])
    np.testing.assert_allclose(fit.survival_, expected["surv"], rtol=RTOL, atol=1e-15)
    for mine, key in ((fit.std_err_, "std_err"), (fit.ci_lower_, "lower"), (fit.ci_upper_, "upper")):
        theirs = r_array(expected[key])
        assert np.array_equal(~np.isfinite(mine), np.isnan(theirs)), key  # undefined at the same times
        finite = np.isfinite(mine)
        np.testing.assert_allclose(mine[finite], theirs[finite], rtol=RTOL, err_msg=key)
    for mine, key in ((fit.median_, "median"), (fit.median_ci_[0], "median_lower"), (fit.median_ci_[1], "median_upper")):
        theirs = np.nan if expected[key] is None else expected[key]
        np.testing.assert_allclose(mine, theirs, rtol=RTOL, err_msg=key)


@pytest.mark.parametrize("conf_type, key", [("log-log", "lung_all_loglog"), ("log", "lung_all_log"), ("plain", "lung_all_plain")])
def test_km_matches_r_survfit_on_lung_for_each_confidence_type(conf_type, key):
    lung = dataset("lung")
    assert_same_curve(KaplanMeier(conf_type).fit(lung.time, lung.event), reference()["km"][key])


@pytest.mark.parametrize("name, key, group, conf_type", [
    ("lung", "lung_sex_loglog", "sex", "log-log"),
    ("veteran", "veteran_trt_log", "trt", "log"),
    ("pbc", "pbc_trt_loglog", "trt", "log-log"),
    ("colon", "colon_death_rx_loglog", "rx", "log-log"),
])
def test_km_matches_r_survfit_per_group_including_curves_that_reach_zero(name, key, group, conf_type):
    table = dataset(name)
    if name == "colon":
        table = table[table.etype == 2]
    table = table.dropna(subset=[group])
    for label, expected in reference()["km"][key].items():
        rows = table[table[group].astype(str).str.replace(r"\.0$", "", regex=True) == label]
        assert len(rows) > 0
        assert_same_curve(KaplanMeier(conf_type).fit(rows.time, rows.event), expected)


def test_km_with_integer_case_weights_matches_r():
    veteran = dataset("veteran")
    fit = KaplanMeier().fit(veteran.time, veteran.event, weights=veteran.w)
    assert_same_curve(fit, reference()["km"]["veteran_weighted_loglog"])


def test_km_with_fractional_weights_uses_rs_robust_standard_errors():
    veteran = dataset("veteran")
    expected = reference()["km"]["veteran_fractional_weights_loglog"]
    fit = KaplanMeier().fit(veteran.time, veteran.event, weights=expected["weights"])
    assert fit.robust_
    np.testing.assert_allclose(fit.n_risk_, expected["n_risk"], rtol=RTOL)
    np.testing.assert_allclose(fit.survival_, expected["surv"], rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(fit.std_err_, r_array(expected["std_err"]), rtol=RTOL, atol=1e-15)
    for mine, key in ((fit.ci_lower_, "lower"), (fit.ci_upper_, "upper")):
        theirs = r_array(expected[key])
        assert np.array_equal(np.isnan(mine), np.isnan(theirs))
        np.testing.assert_allclose(mine[~np.isnan(mine)], theirs[~np.isnan(theirs)], rtol=RTOL)
    np.testing.assert_allclose([fit.median_, *fit.median_ci_],
                               [expected["median"], expected["median_lower"], expected["median_upper"]], rtol=RTOL)


def test_survival_at_chosen_times_matches_r_summary_survfit():
    lung = dataset("lung")
    expected = reference()["km"]["lung_at_times"]
    got = KaplanMeier().fit(lung.time, lung.event).survival_at(expected["times"])
    np.testing.assert_allclose(got.survival, expected["surv"], rtol=RTOL)
    np.testing.assert_allclose(got.ci_lower, expected["lower"], rtol=RTOL)
    np.testing.assert_allclose(got.ci_upper, expected["upper"], rtol=RTOL)
    np.testing.assert_array_equal(got.n_risk, expected["n_risk"])


def test_default_band_is_log_log_and_r_default_log_is_available():
    lung = dataset("lung")
    default = KaplanMeier().fit(lung.time, lung.event)
    r_default = KaplanMeier("log").fit(lung.time, lung.event)
    assert default.conf_type == "log-log"
    np.testing.assert_allclose(r_default.ci_lower_, r_array(reference()["km"]["lung_all_log"]["lower"]), rtol=RTOL)
    assert not np.allclose(default.ci_lower_[5:50], r_default.ci_lower_[5:50])


def test_km_without_censoring_is_the_empirical_survival_function():
    times = np.array([3.0, 1.0, 2.0, 2.0, 5.0])
    fit = KaplanMeier().fit(times, np.ones(5))
    np.testing.assert_allclose(fit.survival_, [(times > t).mean() for t in fit.times_])


def test_km_rejects_negative_times_and_bad_event_codes():
    with pytest.raises(SurvivalDataError, match="negative"):
        KaplanMeier().fit([1.0, -2.0], [1, 0])
    with pytest.raises(SurvivalDataError, match="1 \\(event\\) or 0"):
        KaplanMeier().fit([1.0, 2.0], [2, 1])
