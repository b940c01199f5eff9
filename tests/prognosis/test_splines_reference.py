"""Restricted cubic splines: knots and design columns as R Hmisc rcspline.eval / rms rcs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nelm.prognosis.splines import KnotError, default_knots, rcs_basis
from tests.prognosis.reference import close, reference, shared_cohort

KNOT_CASES = sorted(reference()["knots"])


@pytest.mark.parametrize("case", KNOT_CASES)
def test_default_knots_match_hmisc_rcspline_eval(case):
    expected = reference()["knots"][case]
    x = shared_cohort()[expected["column"]].to_numpy()[: expected["rows"]]
    assert close(default_knots(x, expected["nk"]), expected["knots"], 1e-12)


def test_rcs_design_columns_match_rcspline_eval_with_inclx():
    ref = reference()["rcs_design"]
    assert close(rcs_basis(ref["x"], ref["knots"]), ref["basis"], 1e-12)


@given(st.floats(min_value=20.0, max_value=1e4), st.floats(min_value=0.1, max_value=50.0))
def test_spline_is_linear_beyond_the_last_knot(x, step):
    knots = [1.0, 3.0, 5.0, 14.0]
    a, b, c = rcs_basis(np.array([x, x + step, x + 2 * step]), knots)
    assert np.allclose(b - a, c - b, rtol=1e-7, atol=1e-7 * max(1.0, abs(x)))


def test_spline_nonlinear_columns_vanish_below_the_first_knot():
    basis = rcs_basis(np.array([-5.0, 0.0, 0.99]), [1.0, 3.0, 5.0, 14.0])
    assert np.all(basis[:, 1:] == 0)


def test_too_few_distinct_values_for_a_spline_is_a_clear_error():
    with pytest.raises(KnotError, match="fewer than 3 distinct knots|at least"):
        default_knots(np.array([1.0, 1, 1, 2, 2, 2, 2, 1]), 4)
