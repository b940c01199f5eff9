"""Fitting: coefficients, covariance, centring and log-likelihood agree with R coxph / rms cph."""

from __future__ import annotations

import numpy as np

from nelm.prognosis.baseline import baseline_hazard
from nelm.prognosis.covariate_spec import parse_specs
from nelm.prognosis.fit import fit_model
from nelm.prognosis.partial_likelihood import efron_loglik
from tests.prognosis.reference import close, reference, shared_cohort

FULL_SPECS = "lesion_count,largest_lesion_mm:log,ki67_percent:rcs4,primary_site:cat"


def fit_full(**options):
    return fit_model(shared_cohort(), time="time_months", event="death", specs=parse_specs([FULL_SPECS]),
                     name="full", intended_use="test", **options)


def test_fit_with_every_transformation_matches_rms_cph_coefficients_and_term_names():
    ref = reference()["full"]
    result = fit_full()
    assert result.model.terms() == ref["terms"]
    assert close(result.model.beta(), ref["coef"])
    assert close(result.model.beta(), ref["coxph_coef"])
    assert close(result.model.covariates[2].knots, ref["knots"], 1e-12)


def test_fit_covariance_centring_and_loglik_match_r_coxph():
    ref = reference()["full"]
    result = fit_full()
    assert close(result.model.covariance_matrix(), ref["var"])
    assert close(result.model.centre_vector(), ref["means"], 1e-12)  # indicator columns are not centred, as R
    assert close(result.cox.loglik_, ref["loglik"])


def test_fit_on_the_development_rows_matches_r_for_the_ruzzenente_variables():
    dev = shared_cohort().iloc[:250]
    result = fit_model(dev, time="time_months", event="death", specs=parse_specs(["lesion_count,largest_lesion_mm,ki67_percent"]),
                       name="dev", intended_use="test")
    assert close(result.model.beta(), reference()["external"]["coef"])
    assert close(result.model.centre_vector(), reference()["external"]["means"], 1e-12)


def test_efron_baseline_cumulative_hazard_equals_the_survival_core():
    result = fit_full()
    X, t, e = result.design, result.time, result.event
    cox = result.cox
    base = baseline_hazard(t, e, X - cox.means_, (X - cox.means_) @ cox.coef_)
    times, h0 = cox.baseline_cumulative_hazard()
    assert np.allclose(base.times, times) and np.allclose(base.cumhaz, h0, rtol=1e-12)


def test_breslow_baseline_is_events_over_risk_set_without_covariates():
    t = np.array([1.0, 2, 2, 3, 4])
    e = np.array([1, 1, 1, 0, 1])
    base = baseline_hazard(t, e, np.zeros((5, 1)), np.zeros(5), ties="breslow")
    assert np.allclose(base.cumhaz, np.cumsum([1 / 5, 2 / 4, 0, 1 / 1]))


def test_partial_loglik_evaluator_reproduces_the_fit_at_zero_and_at_the_estimate():
    result = fit_full()
    cox = result.cox
    assert np.isclose(efron_loglik(result.design @ cox.coef_, result.time, result.event), cox.loglik_[1], rtol=1e-12)
    assert np.isclose(efron_loglik(np.zeros(result.time.size), result.time, result.event), cox.loglik_[0], rtol=1e-12)


def test_baseline_times_beyond_follow_up_are_not_stored_and_said_so():
    result = fit_full(baseline_times=[60, 120, 500])
    assert [p.time for p in result.model.baseline][-1] == result.time.max()
    assert 500 not in result.model.baseline_times()
    assert any("500" in w and "beyond the longest follow-up" in w for w in result.warnings)


def test_fit_data_records_size_events_follow_up_and_columns():
    model = fit_full(period="2000-2015", centre="synthetic").model
    data = shared_cohort()
    assert model.fit_data.n == len(data) and model.fit_data.events == int(data.death.sum())
    assert model.fit_data.follow_up_max == data.time_months.max()
    assert (model.fit_data.time_column, model.fit_data.event_column) == ("time_months", "death")
    assert model.fit_data.covariate_ranges["ki67_percent"] == [data.ki67_percent.min(), data.ki67_percent.max()]

