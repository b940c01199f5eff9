"""Cox model against R's coxph: Efron and Breslow ties, strata, case weights, robust and clustered SE,
tests, concordance and predicted survival for new patients."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nelm.stats import CoxPH, SurvivalDataError
from tests.stats.survival_reference import RTOL, dataset, reference

LUNG = ["age", "sex", "ph.ecog"]
MODELS = {
    "lung_efron": ("lung", LUNG, {}),
    "lung_breslow": ("lung", LUNG, {"ties": "breslow"}),
    "pbc_efron": ("pbc", ["age", "edema", "logbili", "logprotime", "albumin"], {}),
    "veteran_strata_efron": ("veteran", ["trt", "karno", "age"], {"strata": "celltype"}),
    "veteran_strata_breslow": ("veteran", ["trt", "karno", "age"], {"strata": "celltype", "ties": "breslow"}),
    "veteran_weighted_efron": ("veteran", ["trt", "karno", "smallcell", "adeno", "large"], {"weights": "w"}),
    "veteran_fractional_weights": ("veteran", ["trt", "karno", "age"], {"weights": "fw"}),
    "lung_cluster_inst": ("lung", LUNG, {"cluster": "inst"}),
    "lung_robust": ("lung", LUNG, {"robust": True}),
    "colon_strata_cluster": ("colon", ["lev", "lev5fu", "nodes"], {"strata": "etype", "cluster": "id"}),
    "colon_strata_id": ("colon", ["etype"], {"strata": "id"}),
    "colon_breslow_cluster": ("colon", ["lev", "lev5fu", "nodes"], {"ties": "breslow", "cluster": "id"}),
}


def fit_like_r(key: str) -> CoxPH:
    name, covariates, options = MODELS[key]
    options = dict(options)
    columns = {k: options.pop(k) for k in ("strata", "cluster", "weights") if k in options}
    table = dataset(name).dropna(subset=covariates + ["time", "event"] + list(columns.values()))  # R's na.omit
    model = CoxPH(**options)
    return model.fit(table[covariates], table.time, table.event,
                     **{k: table[v].to_numpy() for k, v in columns.items()})


@pytest.mark.parametrize("key", sorted(MODELS))
def test_cox_matches_r_coxph_coefficients_se_loglik_and_tests(key):
    model, expected = fit_like_r(key), reference()["cox"][key]
    assert model.names_ == list(np.atleast_1d(expected["names"])) or key == "pbc_efron"  # R: log(bili)
    np.testing.assert_allclose(model.coef_, expected["coef"], rtol=RTOL)
    np.testing.assert_allclose(model.var_, expected["var"], rtol=RTOL)
    np.testing.assert_allclose(model.se_, expected["se"], rtol=RTOL)
    np.testing.assert_allclose(model.loglik_, expected["loglik"], rtol=RTOL)
    np.testing.assert_allclose(model.wald_test_.statistic, expected["wald"], rtol=RTOL)
    np.testing.assert_allclose(model.likelihood_ratio_test_.statistic, expected["lr"], rtol=RTOL)
    np.testing.assert_allclose(model.score_test_.statistic, expected["score"], rtol=RTOL)
    assert (model.n_, model.n_events_, model.iterations_) == (expected["n"], expected["nevent"], expected["iter"])
    summary = model.summary
    np.testing.assert_allclose(summary["p"], expected["p_coef"], rtol=RTOL)
    np.testing.assert_allclose(summary["ci_lower"], expected["ci_lower"], rtol=RTOL)
    np.testing.assert_allclose(summary["ci_upper"], expected["ci_upper"], rtol=RTOL)


@pytest.mark.parametrize("key", ["lung_cluster_inst", "lung_robust", "colon_strata_cluster", "colon_breslow_cluster",
                                 "veteran_fractional_weights"])
def test_robust_fit_keeps_r_naive_se_and_robust_score_test(key):
    # fractional case weights make the fit robust by default, as in R
    model, expected = fit_like_r(key), reference()["cox"][key]
    assert model.robust_
    np.testing.assert_allclose(model.naive_se_, expected["naive_se"], rtol=RTOL)
    np.testing.assert_allclose(model.robust_score_test_.statistic, expected["robust_score"], rtol=RTOL)
    np.testing.assert_allclose(model.summary["robust_se"], expected["se"], rtol=RTOL)


@pytest.mark.parametrize("key", sorted(MODELS))
def test_cox_concordance_matches_the_value_coxph_reports(key):
    model, expected = fit_like_r(key), reference()["cox"][key]
    c = model.concordance_
    np.testing.assert_allclose(c.c_index, expected["concordance"], rtol=RTOL)
    np.testing.assert_allclose(c.std, expected["concordance_std"], rtol=RTOL)
    counts = [c.concordant, c.discordant, c.tied_score, c.tied_time, c.tied_both]
    np.testing.assert_allclose(counts, expected["concordance_counts"], rtol=RTOL)


@pytest.mark.parametrize("key", ["lung_efron", "lung_breslow"])
def test_predicted_survival_for_new_patients_matches_survfit_coxph(key):
    model, expected = fit_like_r(key), reference()["predicted"][key]
    patients = pd.DataFrame(reference()["predicted"]["newdata"])[LUNG]
    times, surv = model.predict_survival(patients)
    np.testing.assert_array_equal(times, expected["time"])
    np.testing.assert_allclose(surv, expected["surv"], rtol=RTOL)
    _, cumhaz = model.baseline_cumulative_hazard()
    lp = (patients.to_numpy() - model.means_) @ model.coef_
    np.testing.assert_allclose(np.outer(cumhaz, np.exp(lp)), expected["cumhaz"], rtol=RTOL)


def test_stratified_prediction_uses_the_patients_own_stratum_baseline_as_survfit_coxph():
    model = fit_like_r("veteran_strata_efron")
    patients = pd.DataFrame(reference()["predicted"]["veteran_newdata"])
    for i, expected in enumerate(reference()["predicted"]["veteran_strata_efron"]):
        times, surv = model.predict_survival(patients.loc[[i], ["trt", "karno", "age"]], stratum=expected["celltype"])
        np.testing.assert_array_equal(times, expected["time"])
        np.testing.assert_allclose(surv[:, 0], expected["surv"], rtol=RTOL)


def test_cox_estimates_do_not_depend_on_row_order_or_covariate_shift():
    lung = dataset("lung").dropna(subset=LUNG)
    base = CoxPH().fit(lung[LUNG], lung.time, lung.event)
    shuffled = lung.sample(frac=1.0, random_state=7)
    shifted = shuffled[LUNG] + [100.0, -3.0, 7.0]
    other = CoxPH().fit(shifted, shuffled.time, shuffled.event)
    np.testing.assert_allclose(other.coef_, base.coef_, rtol=1e-9)
    np.testing.assert_allclose(other.loglik_, base.loglik_, rtol=1e-12)


def test_breslow_with_case_weight_two_equals_duplicating_rows():
    # (not for Efron: duplicated rows are tied events, which Efron treats differently from a weight)
    lung = dataset("lung").dropna(subset=LUNG)
    weighted = CoxPH(ties="breslow").fit(lung[LUNG], lung.time, lung.event, weights=np.full(len(lung), 2.0))
    doubled = pd.concat([lung, lung])
    duplicated = CoxPH(ties="breslow").fit(doubled[LUNG], doubled.time, doubled.event)
    np.testing.assert_allclose(weighted.coef_, duplicated.coef_, rtol=1e-9)
    np.testing.assert_allclose(weighted.se_, duplicated.se_, rtol=1e-9)


def test_cox_refuses_a_constant_covariate():
    lung = dataset("lung")
    with pytest.raises(SurvivalDataError, match="singular"):
        CoxPH().fit(np.column_stack([lung.age, np.ones(len(lung))]), lung.time, lung.event)


def test_a_covariate_that_separates_events_is_flagged_as_infinite_like_r():
    # every event has x = 1 and every censoring x = 0: the partial likelihood keeps rising with beta
    time = np.arange(1.0, 21.0)
    event = np.tile([1, 0], 10)
    x = event.astype(float)
    model = CoxPH().fit(np.column_stack([x, np.random.default_rng(1).normal(size=20)]), time, event, names=["x", "noise"])
    assert any("'x'" in w and "infinite" in w for w in model.warnings_)
    assert not any("'noise'" in w for w in model.warnings_)


def test_robust_false_ignores_the_cluster_like_r():
    lung = dataset("lung").dropna(subset=LUNG + ["inst"])
    naive = CoxPH(robust=False).fit(lung[LUNG], lung.time, lung.event, cluster=lung.inst)
    assert not naive.robust_ and naive.robust_se_ is None
    np.testing.assert_allclose(naive.se_, reference()["cox"]["lung_cluster_inst"]["naive_se"], rtol=RTOL)


def test_an_ordinary_fit_has_no_warnings():
    assert fit_like_r("lung_efron").warnings_ == []
