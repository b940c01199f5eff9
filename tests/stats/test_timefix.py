"""Times equal up to floating-point noise are ties, as R's aeqSurv makes them (timefix = TRUE)."""

from __future__ import annotations

import numpy as np

from nelm.stats import CoxPH, KaplanMeier, concordance_index
from nelm.stats._timefix import r_timefix


def test_noise_sized_gaps_collapse_to_the_smaller_time_and_real_gaps_stay():
    t = np.array([1.0, 1.0 + 1e-12, 2.0, 3.0, 3.0 - 1e-13, 5.0])
    fixed = r_timefix(t)
    assert fixed[1] == fixed[0] == 1.0
    assert fixed[3] == fixed[4] == 3.0 - 1e-13
    np.testing.assert_array_equal(fixed[[2, 5]], [2.0, 5.0])


def test_estimators_treat_noise_ties_as_true_ties():
    rng = np.random.default_rng(3)
    t = np.round(rng.exponential(size=60), 2) + 0.1
    e = rng.integers(0, 2, 60)
    e[0] = 1
    x = rng.normal(size=60)
    noisy = t * (1 + rng.uniform(-1e-12, 1e-12, size=60))
    a, b = CoxPH().fit(x, t, e), CoxPH().fit(x, noisy, e)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9)
    assert KaplanMeier().fit(noisy, e).times_.size == KaplanMeier().fit(t, e).times_.size
    assert concordance_index(noisy, e, x).tied_time == concordance_index(t, e, x).tied_time


def test_fixed_time_ranks_agree_with_timefix_then_dense_rank():
    from nelm.stats._timefix import fixed_time_ranks

    rng = np.random.default_rng(5)
    t = np.round(rng.exponential(size=500), 3)
    t[::7] *= 1 + 1e-13
    fixed, ranks = fixed_time_ranks(t)
    expected = r_timefix(t)
    np.testing.assert_array_equal(fixed, expected)
    np.testing.assert_array_equal(ranks, np.unique(expected, return_inverse=True)[1])
