"""Prediction for new patients: linear predictor, survival and log CI as R survfit(coxph, newdata)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nelm.prognosis.design import design_matrix
from nelm.prognosis.predict import PredictionError, predict_design, predict_one
from tests.prognosis.reference import close, reference
from tests.prognosis.test_fit_reference import fit_full


def predicted():
    ref = reference()["full"]
    model = fit_full(baseline_times=ref["times"]).model
    X = design_matrix(model.covariates, pd.DataFrame(ref["newdata"]))
    return model, X, predict_design(model, X, ref["times"])


def test_linear_predictor_matches_r_predict_coxph_type_lp():
    _, _, (lp, *_rest) = predicted()
    assert close(lp, reference()["full"]["lp_new"], 1e-10)


def test_survival_and_95_ci_match_r_survfit_newdata_log_ci():
    ref = reference()["full"]
    _, _, (_, surv, lower, upper, _, warnings) = predicted()
    assert close(surv, ref["surv"], 1e-10)
    assert close(lower, ref["lower"], 1e-10)
    assert close(upper, ref["upper"], 1e-10)
    assert warnings == []


def test_prediction_beyond_follow_up_is_flagged_as_extrapolation_and_carries_the_last_value():
    model, X, _ = predicted()
    last = model.fit_data.follow_up_max
    result = predict_one(model, X[:1], [60, last + 100])
    assert [p.extrapolated for p in result.points] == [False, True]
    assert result.points[1].survival == pytest.approx(predict_one(model, X[:1], [last]).points[0].survival)
    assert any("extrapolation" in w and "follow-up" in w for w in result.warnings)


def test_time_between_stated_baseline_times_is_refused_with_the_times_available():
    model, X, _ = predicted()
    with pytest.raises(PredictionError, match=r"time 50: the model states baseline survival only at 12, 60, 120"):
        predict_design(model, X, [50])


def test_model_without_variance_terms_predicts_without_ci_and_says_why():
    model, X, _ = predicted()
    bare = model.model_copy(update={"covariance": None})
    lp, surv, lower, upper, _, warnings = predict_design(bare, X, [60])
    assert np.all(np.isnan(lower)) and np.all(np.isnan(upper))
    assert close(surv, predict_design(model, X, [60])[1])
    assert any("no confidence interval" in w for w in warnings)


def test_covariate_outside_the_fit_range_is_flagged():
    model, X, _ = predicted()
    result = predict_one(model, X[:1], [60], values={"ki67_percent": 95.0})
    assert any("ki67_percent = 95" in w and "extrapolation" in w for w in result.warnings)


def test_higher_linear_predictor_never_predicts_higher_survival():
    model, X, (lp, surv, *_rest) = predicted()
    order = np.argsort(lp)
    assert np.all(np.diff(surv[:, order], axis=1) <= 1e-15)
