"""Harrell's and Uno's concordance against R's concordance(), plus a brute-force pair count."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nelm.stats import concordance_index, uno_concordance
from tests.stats.survival_reference import RTOL, dataset, reference

CASES = {
    "lung_karno": ("lung", "ph.karno", {"higher_is_risk": False}),
    "lung_karno_reverse": ("lung", "ph.karno", {}),
    "lung_age_reverse": ("lung", "age", {}),
    "pbc_bili_reverse": ("pbc", "bili", {}),
    "lung_age_uno_365": ("lung", "age", {"tau": 365, "time_weight": "n/G2"}),
    "pbc_bili_uno_2000": ("pbc", "bili", {"tau": 2000, "time_weight": "n/G2"}),
    "lung_age_harrell_365": ("lung", "age", {"tau": 365}),
    "veteran_karno_weighted": ("veteran", "karno", {"higher_is_risk": False, "weights": "w"}),
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_concordance_matches_r_including_ties_weights_and_std(key):
    name, score, options = CASES[key]
    table = dataset(name).dropna(subset=[score])
    if "weights" in options:
        options = {**options, "weights": table[options["weights"]]}
    got = concordance_index(table.time, table.event, table[score], **options)
    expected = reference()["concordance"][key]
    np.testing.assert_allclose(got.c_index, expected["concordance"], rtol=RTOL)
    np.testing.assert_allclose(got.std, expected["std"], rtol=RTOL)
    counts = [got.concordant, got.discordant, got.tied_score, got.tied_time, got.tied_both]
    np.testing.assert_allclose(counts, expected["counts"], rtol=RTOL)


def test_uno_helper_is_concordance_with_ipcw_weights():
    lung = dataset("lung")
    expected = reference()["concordance"]["lung_age_uno_365"]
    np.testing.assert_allclose(uno_concordance(lung.time, lung.event, lung.age, 365).c_index,
                               expected["concordance"], rtol=RTOL)


def brute_force_harrell(time, event, score):
    """Textbook O(n^2) count: comparable if the shorter time is an event (a censored tie counts as longer)."""
    conc = disc = tied = 0
    for i in range(len(time)):
        if not event[i]:
            continue
        for j in range(len(time)):
            if time[j] > time[i] or (time[j] == time[i] and not event[j]):
                if score[i] > score[j]:
                    conc += 1
                elif score[i] < score[j]:
                    disc += 1
                else:
                    tied += 1
    return conc, disc, tied


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 8), st.booleans(), st.integers(0, 5)), min_size=2, max_size=40))
def test_harrell_counts_equal_a_brute_force_pair_count_with_heavy_ties(rows):
    time = np.array([r[0] for r in rows], dtype=float)
    event = np.array([r[1] for r in rows])
    score = np.array([r[2] for r in rows], dtype=float)
    conc, disc, tied = brute_force_harrell(time, event, score)
    if conc + disc + tied == 0:
        return
    got = concordance_index(time, event.astype(int), score)
    assert (got.concordant, got.discordant, got.tied_score) == (conc, disc, tied)
    assert got.c_index == pytest.approx((conc + tied / 2) / (conc + disc + tied))


def test_strata_only_compare_patients_within_the_same_stratum():
    veteran = dataset("veteran")
    by_stratum = [concordance_index(g.time, g.event, -g.karno) for _, g in veteran.groupby("celltype")]
    pooled = concordance_index(veteran.time, veteran.event, -veteran.karno, strata=veteran.celltype)
    assert pooled.concordant == sum(r.concordant for r in by_stratum)
    assert pooled.discordant == sum(r.discordant for r in by_stratum)
