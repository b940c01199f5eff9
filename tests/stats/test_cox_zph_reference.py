"""Proportional-hazards test against R's cox.zph (transform "km", per term and GLOBAL)."""

from __future__ import annotations

import numpy as np
import pytest

from nelm.stats import cox_zph
from tests.stats.survival_reference import RTOL, reference
from tests.stats.test_cox_reference import fit_like_r


@pytest.mark.parametrize("key", ["lung_efron", "lung_breslow", "veteran_strata_efron", "pbc_efron",
                                 "veteran_weighted_efron", "colon_strata_cluster"])
def test_cox_zph_matches_r_per_term_and_global_with_strata_weights_and_clusters(key):
    result = cox_zph(fit_like_r(key))
    expected = reference()["zph"][key]
    table = result.summary
    np.testing.assert_allclose(table["chisq"], expected["chisq"], rtol=RTOL)
    np.testing.assert_allclose(table["p"], expected["p"], rtol=RTOL)
    np.testing.assert_array_equal(table["df"], expected["df"])
    assert table.index[-1] == "GLOBAL"


def test_time_transform_changes_the_test():
    model = fit_like_r("lung_efron")
    km, identity = cox_zph(model).global_test, cox_zph(model, "identity").global_test
    assert km.df == identity.df == 3
    assert km.statistic != pytest.approx(identity.statistic, rel=1e-3)
