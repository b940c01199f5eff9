"""tau² estimators and transforms: R's root finder, statsmodels as an independent oracle, inverse transforms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nelm.meta import given_effects, pool, proportion_effects
from nelm.meta.measures import ipft, pft, to_natural_scale
from nelm.meta.tau2 import dersimonian_laird, estimate_tau2, paule_mandel
from nelm.meta.zeroin import uniroot
from tests.meta.reference import effects, table

FUNCTIONS = {
    "cubic": lambda x: x**3 - 2 * x - 5,
    "cos_minus_x": lambda x: math.cos(x) - x,
    "exp_minus_10": lambda x: math.exp(x) - 10,
}


@pytest.mark.parametrize("row", list(table("reference_uniroot").itertuples(index=False)), ids=lambda r: r.name)
def test_uniroot_stops_exactly_where_r_uniroot_stops(row):
    assert uniroot(FUNCTIONS[row.name], row.lower, row.upper) == pytest.approx(row.root, rel=1e-13)


def test_r_uniroot_tolerance_is_loose_enough_that_an_exact_root_would_miss_metafor():
    # why zeroin.py exists: the exact root of the cubic differs from R's answer by more than 1e-6 relative
    from scipy.optimize import brentq

    exact = brentq(FUNCTIONS["cubic"], 2, 3, xtol=1e-15, rtol=1e-15)
    r_root = table("reference_uniroot").set_index("name").loc["cubic", "root"]
    assert abs(exact - r_root) / r_root > 1e-6


@pytest.mark.parametrize("dataset,measure", [("lt_os5_table2", "PLO"), ("pritz1997", "PFT"), ("debruin2009", "PAS"), ("bcg_logrr", "GEN")])
def test_dl_and_pm_agree_with_statsmodels_combine_effects(dataset, measure):
    from statsmodels.stats.meta_analysis import combine_effects

    es, _ = effects(dataset, measure)
    dl = combine_effects(es.yi, es.vi, method_re="dl")
    pm = combine_effects(es.yi, es.vi, method_re="pm")
    assert dersimonian_laird(es.yi, es.vi) == pytest.approx(dl.tau2, rel=1e-10)
    # statsmodels iterates PM to its own tolerance; metafor (and we) stop where uniroot stops
    assert paule_mandel(es.yi, es.vi) == pytest.approx(pm.tau2, rel=1e-3)
    assert pool(es, "FE").beta == pytest.approx(dl.mean_effect_fe, rel=1e-12)
    assert pool(es, "DL").beta == pytest.approx(dl.mean_effect_re, rel=1e-12)


def test_homogeneous_studies_give_tau2_zero_for_every_estimator():
    es, _ = effects("hine1989_rd", "GEN")
    assert [estimate_tau2(es.yi, es.vi, m) for m in ("DL", "REML", "PM", "ML", "FE")] == [0.0] * 5


def test_zero_and_all_events_get_half_added_for_pr_and_plo_only():
    for measure in ("PR", "PLO"):
        es = proportion_effects([0, 5, 10], [10, 10, 10], measure)
        assert es.corrected.tolist() == [True, False, True]
    plo = proportion_effects([0], [10], "PLO")
    assert plo.yi[0] == pytest.approx(math.log(0.5 / 10.5)) and plo.vi[0] == pytest.approx(1 / 0.5 + 1 / 10.5)
    for measure in ("PAS", "PFT"):
        assert not proportion_effects([0, 10], [10, 10], measure).corrected.any()


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 100_000), p=st.floats(0, 1))
def test_inverse_freeman_tukey_recovers_the_proportion(n, p):
    assert float(ipft(pft(p, n), n)) == pytest.approx(p, abs=1e-9)


def test_pft_study_rows_back_transform_to_events_over_n():
    es = proportion_effects([0, 3, 7], [7, 7, 7], "PFT")
    assert to_natural_scale("PFT", es.yi, es.ni) == pytest.approx(np.array([0, 3 / 7, 1]), abs=1e-12)


def test_arcsine_back_transform_is_clamped_to_zero_and_one():
    assert to_natural_scale("PAS", np.array([-0.1, math.pi / 2 + 0.1])).tolist() == [0.0, 1.0]


def test_knapp_hartung_widens_a_heterogeneous_ci_with_t_quantiles():
    es, _ = effects("bcg_logrr", "GEN")
    z, hk = pool(es, "REML"), pool(es, "REML", hk=True)
    assert hk.df == es.k - 1 and z.df is None
    assert hk.crit > z.crit


def test_pooling_a_single_study_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        pool(given_effects([0.1], [0.01]), "DL")
