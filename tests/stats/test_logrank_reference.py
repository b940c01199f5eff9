"""Log-rank test against R's survdiff: k groups and stratified."""

from __future__ import annotations

import numpy as np
import pytest

from nelm.stats import SurvivalDataError, logrank_test
from tests.stats.survival_reference import RTOL, dataset, reference


@pytest.mark.parametrize("name, key, group, strata", [
    ("lung", "lung_sex", "sex", None),
    ("veteran", "veteran_celltype", "celltype", None),
    ("pbc", "pbc_trt", "trt", None),
    ("veteran", "veteran_trt_strata_celltype", "trt", "celltype"),
    ("lung", "lung_sex_strata_ecog", "sex", "ph.ecog"),
])
def test_logrank_matches_r_survdiff(name, key, group, strata):
    table = dataset(name).dropna(subset=[group] + ([strata] if strata else []))
    got = logrank_test(table.time, table.event, table[group], None if strata is None else table[strata])
    expected = reference()["logrank"][key]
    np.testing.assert_allclose(got.statistic, expected["chisq"], rtol=RTOL)
    assert got.df == expected["df"]
    np.testing.assert_allclose(got.p_value, expected["p"], rtol=RTOL)
    np.testing.assert_allclose(got.observed, expected["observed"], rtol=RTOL)
    np.testing.assert_allclose(got.expected, expected["expected"], rtol=RTOL)


def test_logrank_is_unchanged_when_group_labels_are_renamed():
    lung = dataset("lung")
    a = logrank_test(lung.time, lung.event, lung.sex)
    b = logrank_test(lung.time, lung.event, lung.sex.map({1: "male", 2: "female"}))
    np.testing.assert_allclose(a.statistic, b.statistic, rtol=1e-12)


def test_logrank_refuses_a_single_group():
    lung = dataset("lung")
    with pytest.raises(SurvivalDataError, match="only one group"):
        logrank_test(lung.time, lung.event, np.ones(len(lung)))
