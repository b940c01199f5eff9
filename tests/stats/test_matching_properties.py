"""Properties every greedy nearest-neighbour matching must have, on generated data (incl. m.order random)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nelm.stats.matching import match_data, nearest_neighbour_match, pair_rows


@st.composite
def samples(draw, max_n: int = 40):
    n = draw(st.integers(4, max_n))
    # Few distinct values on purpose: ties in the distance are where matchers go wrong.
    distance = np.array(draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)), dtype=float) / 4
    treat = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    treat[0], treat[1] = 1, 0
    return distance, treat


def check_structure(result, distance, treat, *, ratio, replace, caliper_sd, strata=None):
    pairs = result.pairs()
    controls = [c for _, cs in pairs for c in cs]
    assert all(treat[t] == 1 for t, _ in pairs) and all(treat[c] == 0 for c in controls)
    assert all(1 <= len(cs) <= ratio and len(set(cs)) == len(cs) for _, cs in pairs)
    if not replace:
        assert len(controls) == len(set(controls))
    if caliper_sd is not None and result.caliper is not None:
        assert all(abs(distance[t] - distance[c]) <= result.caliper for t, cs in pairs for c in cs)
    if strata is not None:
        assert all(strata[t] == strata[c] for t, cs in pairs for c in cs)
    # MatchIt weights: 1 per matched treated; control weights sum to the number of distinct controls used.
    w = result.weights
    used = np.zeros(treat.size, dtype=bool)
    used[[t for t, _ in pairs]] = True
    used[controls] = True
    assert np.array_equal(w > 0, used)
    assert np.all(w[[t for t, _ in pairs]] == 1)
    assert w[treat == 0].sum() == pytest.approx(len(set(controls)))


@settings(max_examples=150, deadline=None)
@given(samples(), st.sampled_from(["largest", "smallest", "data", "random"]), st.integers(1, 3), st.booleans(),
       st.sampled_from([None, 0.25, 1.0]), st.integers(0, 2**31 - 1))
def test_matches_are_well_formed_for_any_order_ratio_caliper_and_replacement(sample, order, ratio, replace, cal, seed):
    distance, treat = sample
    result = nearest_neighbour_match(distance, treat, ratio=ratio, caliper_sd=cal, replace=replace,
                                     m_order=order, seed=seed)
    check_structure(result, distance, treat, ratio=ratio, replace=replace, caliper_sd=cal)


@settings(max_examples=150, deadline=None)
@given(samples(), st.sampled_from([None, 0.5]))
def test_each_treated_unit_takes_the_nearest_control_still_free_at_its_turn(sample, cal):
    distance, treat = sample
    result = nearest_neighbour_match(distance, treat, caliper_sd=cal, m_order="data")
    chosen = dict((t, cs[0]) for t, cs in result.pairs())
    taken: set[int] = set()
    for t in np.flatnonzero(treat == 1):  # "data" order: treated units choose in row order
        free = [c for c in np.flatnonzero(treat == 0) if c not in taken]
        gaps = [abs(distance[c] - distance[t]) for c in free]
        within = [g for g in gaps if result.caliper is None or g <= result.caliper]
        if t not in chosen:
            assert not within
            continue
        assert abs(distance[chosen[t]] - distance[t]) == min(within)
        taken.add(chosen[t])


@settings(max_examples=60, deadline=None)
@given(samples(), st.integers(1, 2))
def test_exact_matching_never_pairs_across_strata(sample, ratio):
    distance, treat = sample
    strata = (np.arange(distance.size) * 7) % 3
    result = nearest_neighbour_match(distance, treat, ratio=ratio, exact=pd.DataFrame({"s": strata}))
    check_structure(result, distance, treat, ratio=ratio, replace=False, caliper_sd=0.2, strata=strata)


@settings(max_examples=80, deadline=None)
@given(samples())
def test_with_replacement_every_treated_unit_gets_its_two_nearest_controls(sample):
    distance, treat = sample
    result = nearest_neighbour_match(distance, treat, ratio=2, replace=True, caliper_sd=None)
    controls = np.flatnonzero(treat == 0)
    for t, chosen in result.pairs():
        gaps = np.sort(np.abs(distance[controls] - distance[t]))
        assert sorted(abs(distance[c] - distance[t]) for c in chosen) == gaps[: len(chosen)].tolist()
        assert len(chosen) == min(2, controls.size)


def test_random_order_is_reproducible_with_a_seed_and_varies_between_seeds():
    rng = np.random.default_rng(3)
    distance = np.round(rng.normal(size=300), 1)  # coarse: many ties, so the order matters
    treat = (rng.random(300) < 0.45).astype(int)
    first = nearest_neighbour_match(distance, treat, m_order="random", seed=11).pairs()
    again = nearest_neighbour_match(distance, treat, m_order="random", seed=11).pairs()
    others = {repr(nearest_neighbour_match(distance, treat, m_order="random", seed=s).pairs()) for s in range(5)}
    assert first == again
    assert len(others) > 1


def test_matched_data_has_one_treated_and_its_controls_per_subclass_with_matchit_weights():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"d": rng.normal(size=200), "t": (rng.random(200) < 0.3).astype(int)})
    result = nearest_neighbour_match(frame["d"].to_numpy(), frame["t"].to_numpy(), ratio=2, caliper_sd=0.1)
    md = match_data(frame, result, frame["d"].to_numpy())
    assert {"weights", "subclass", "distance"} <= set(md.columns)
    sizes = md.groupby("subclass")["t"].agg(["sum", "count"])
    assert (sizes["sum"] == 1).all() and sizes["count"].between(2, 3).all()
    assert md.loc[md["t"] == 1, "weights"].eq(1).all()
    assert md.loc[md["t"] == 0, "weights"].sum() == pytest.approx((md["t"] == 0).sum())


def test_pair_rows_repeat_a_reused_control_once_per_treated_unit_it_serves():
    distance = np.array([0.0, 0.1, 0.2, 5.0])
    treat = np.array([1, 0, 1, 0])
    result = nearest_neighbour_match(distance, treat, replace=True, caliper_sd=None)
    rows = pair_rows(pd.DataFrame({"d": distance, "t": treat}), result)
    assert result.subclass is None
    assert rows["row"].tolist() == [0, 1, 2, 1]
    assert rows["subclass"].tolist() == [1, 1, 2, 2]
    assert rows["weights"].tolist() == [1.0, 1.0, 1.0, 1.0]
