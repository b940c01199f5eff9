"""The pooled result agrees with R metafor 3.8.1 to 1e-6 (relative) for every measure × method × HK."""

from __future__ import annotations

import math

import pytest

from nelm.meta import leave_one_out, pool
from tests.meta.reference import ABS_TOL, REL_TOL, case_id, cases, effects, table

POOLED_FIELDS = ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "i2_percent", "h2", "q", "q_pvalue")
CASES = cases("reference_pool")


def _close(ours: float, theirs: float) -> bool:
    return math.isclose(ours, theirs, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _expected(name: str, case: tuple):
    dataset, measure, method, hk = case
    t = table(name)
    return t[(t.dataset == dataset) & (t.measure == measure) & (t.method == method) & (t.hk == hk)]


def test_reference_covers_every_measure_method_and_hk_on_four_data_sets():
    assert {c[1] for c in CASES} == {"PR", "PLO", "PAS", "PFT", "GEN"}
    assert {c[2] for c in CASES} == {"DL", "REML", "PM", "ML", "FE"}
    assert {c[3] for c in CASES} == {True, False}
    assert {"lt_os5_table2", "pritz1997", "debruin2009", "bcg_logrr", "hine1989_rd"} == {c[0] for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_pooled_estimate_intervals_and_heterogeneity_match_metafor(case):
    dataset, measure, method, hk = case
    es, studies = effects(dataset, measure)
    expected = _expected("reference_pool", case).iloc[0]
    result = pool(es, method, hk=hk, studies=studies)
    assert result.k == expected.k
    assert _close(result.beta, expected.beta) and _close(result.se, expected.se)
    mismatched = {f: (getattr(result, f), expected[f]) for f in POOLED_FIELDS if not _close(getattr(result, f), expected[f])}
    assert not mismatched


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_study_estimates_cis_and_weights_match_metafor(case):
    dataset, measure, method, hk = case
    es, studies = effects(dataset, measure)
    expected = _expected("reference_studies", case)
    result = pool(es, method, hk=hk, studies=studies)
    for row, (_, exp) in zip(result.studies, expected.iterrows(), strict=True):
        assert row.study == exp.study
        for field in ("yi", "vi", "estimate", "ci_lower", "ci_upper", "weight_percent"):
            assert _close(getattr(row, field), exp[field]), (row.study, field, getattr(row, field), exp[field])


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_leave_one_out_matches_metafor_refits(case):
    dataset, measure, method, hk = case
    es, studies = effects(dataset, measure)
    expected = _expected("reference_loo", case)
    rows = leave_one_out(es, method, hk=hk, studies=studies)
    for loo, (_, exp) in zip(rows, expected.iterrows(), strict=True):
        assert loo.omitted == exp.omitted
        for field in ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "i2_percent", "q"):
            assert _close(getattr(loo.result, field), exp[field]), (loo.omitted, field, getattr(loo.result, field), exp[field])
