"""Bootstrap optimism correction replays R rms::validate(cph, B=40) exactly on R's own resamples."""

from __future__ import annotations

import numpy as np
import pytest

from nelm.prognosis.bootstrap import INDEXES, bootstrap_validate, gini_md
from nelm.prognosis.covariate_spec import parse_specs
from nelm.prognosis.fit import fit_model
from tests.prognosis.reference import close, reference, shared_cohort, validate_indices

COLUMNS = ("apparent", "training", "test", "optimism", "corrected")


@pytest.fixture(scope="module")
def fitted():
    return fit_model(shared_cohort(), time="time_months", event="death",
                     specs=parse_specs(["lesion_count,largest_lesion_mm,ki67_percent"]), name="v", intended_use="test")


@pytest.fixture(scope="module")
def replay(fitted):
    return bootstrap_validate(fitted.design, fitted.time, fitted.event, coef=fitted.cox.coef_,
                              loglik=fitted.cox.loglik_, indices=validate_indices())


def test_original_fit_matches_the_cph_that_rms_validated(fitted):
    assert close(fitted.model.beta(), reference()["validate"]["coef"])


@pytest.mark.parametrize("index", INDEXES)
def test_validate_table_row_matches_rms(replay, index):
    ref = reference()["validate"]
    row = ref["table"][ref["rows"].index(index)]
    mine = replay.to_dict()["indexes"][index]
    assert close([mine[c] for c in COLUMNS], row[:5])
    assert replay.successful == row[5] == ref["B"]


def test_optimism_corrected_c_and_slope_are_derived_from_dxy_and_slope(replay):
    out = replay.to_dict()
    ref = reference()["validate"]
    dxy = ref["table"][ref["rows"].index("Dxy")]
    slope = ref["table"][ref["rows"].index("Slope")]
    assert close(out["c_index"]["apparent"], (dxy[0] + 1) / 2)
    assert close(out["c_index"]["corrected"], (dxy[4] + 1) / 2)
    assert close(out["calibration_slope"]["corrected"], slope[4])


def test_same_seed_gives_the_same_bootstrap_and_progress_is_reported(fitted):
    seen = []
    run = lambda seed, progress=None: bootstrap_validate(  # noqa: E731
        fitted.design, fitted.time, fitted.event, coef=fitted.cox.coef_, loglik=fitted.cox.loglik_,
        resamples=5, seed=seed, progress=progress).to_dict()
    first = run(11, seen.append)
    assert first == run(11)
    assert first != run(12)
    assert seen == [1, 2, 3, 4, 5]


def test_gini_mean_difference_equals_the_pairwise_definition():
    x = np.random.default_rng(0).normal(size=40)
    pairwise = np.abs(x[:, None] - x[None, :]).sum() / (x.size * (x.size - 1))
    assert gini_md(x) == pytest.approx(pairwise, rel=1e-12)
