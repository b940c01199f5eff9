"""Propensity-score matching against MatchIt 4.5.1 / R 4.2.2 output stored in tests/data/matching/.

The stored runs come in two kinds (see make_reference.R): "matchit451" is MatchIt as shipped, defects included,
reproduced with compat="matchit-4.5.1"; "nearest" is MatchIt on a distance scaled by 1e8 so its integer-abs
defect vanishes, i.e. true greedy nearest-neighbour matching, nelm's default.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nelm.stats.balance import balance_table
from nelm.stats.matching import NO_QUIRKS, Quirks, nearest_neighbour_match
from nelm.stats.propensity import design_matrix, fit_propensity
from nelm.stats.ps_match import balance_columns, propensity_score_match

DATA = Path(__file__).resolve().parents[1] / "data" / "matching"
REL = 1e-6

DATASETS = {
    "lalonde": ("lalonde.csv", "treat", ["age", "educ", "race", "married", "nodegree", "re74", "re75"]),
    "nelm": ("nelm_synthetic.csv", "surgery", ["age", "ki67", "burden", "symptomatic"]),
}


@cache
def reference() -> dict:
    return json.loads((DATA / "matchit_reference.json").read_text())


@cache
def dataset(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / DATASETS[name][0])


@cache
def fitted(name: str):
    _, treatment, covariates = DATASETS[name]
    return propensity_score_match(dataset(name), treatment, covariates)


def scenarios(mode: str) -> list[dict]:
    return [s for s in reference()["scenarios"] if s["mode"] == mode]


def ids_of(name: str) -> list:
    frame = dataset(name)
    return frame["id"].tolist() if "id" in frame.columns else list(range(len(frame)))


def as_pairs(result, ids: list) -> list[dict]:
    return [{"treated": ids[t], "controls": [ids[c] for c in cs]} for t, cs in result.pairs()]


def match_like(scenario: dict, quirks: Quirks = NO_QUIRKS):
    name = scenario["dataset"]
    model = fitted(name).model
    frame = dataset(name)
    return nearest_neighbour_match(
        model.logit if scenario["distance"] == "logit" else model.ps,
        frame[DATASETS[name][1]].to_numpy(),
        ratio=scenario["ratio"],
        caliper_sd=scenario["caliper"],
        replace=scenario["replace"],
        m_order=scenario["m_order"],
        exact=frame[scenario["exact"]] if scenario["exact"] else None,
        quirks=quirks,
    )


def assert_balance_matches(result, scenario: dict) -> None:
    name = scenario["dataset"]
    frame = dataset(name)
    _, treatment, covariates = DATASETS[name]
    names = covariates + [e for e in (scenario["exact"] or []) if e not in covariates]
    ours = balance_table(balance_columns(frame, names), frame[treatment].to_numpy(), result.weights)
    theirs = {k: v for k, v in scenario["balance"].items() if k != "distance"}
    assert set(ours) == set(theirs)
    for term, expected in theirs.items():
        for key, got in ours[term].items():
            want = expected.get(key)
            if want is None:
                assert got is None, f"{term}.{key}: MatchIt reports NA, got {got}"
            else:
                assert got == pytest.approx(want, rel=REL, abs=1e-12), f"{term}.{key}"


# ---- propensity model -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(DATASETS))
def test_propensity_model_agrees_with_r_glm_to_1e6(name):
    expected = json.loads((DATA / "propensity_reference.json").read_text())["models"][name]
    _, treatment, covariates = DATASETS[name]
    frame = dataset(name)
    model = fit_propensity(design_matrix(frame, covariates), frame[treatment].to_numpy())
    assert list(model.coefficients) == list(expected["coefficients"])
    for term, value in expected["coefficients"].items():
        assert model.coefficients[term] == pytest.approx(value, rel=REL), term
    # R stops IRLS at a relative deviance change of 1e-8, so its linear predictor is only ~1e-8 from the MLE.
    np.testing.assert_allclose(model.logit, expected["logit"], rtol=REL, atol=1e-7)
    np.testing.assert_allclose(model.ps, expected["ps"], rtol=REL, atol=1e-12)
    assert model.deviance == pytest.approx(expected["deviance"], rel=1e-9)


# ---- MatchIt 4.5.1 exactly as shipped ----------------------------------------------------------------------


@pytest.mark.parametrize("scenario", scenarios("matchit451"), ids=lambda s: s["name"])
def test_compat_mode_reproduces_matchit_451_pairs_weights_subclass_and_balance(scenario):
    name = scenario["dataset"]
    _, treatment, covariates = DATASETS[name]
    run = propensity_score_match(
        dataset(name), treatment, covariates, caliper=scenario["caliper"], ratio=scenario["ratio"],
        replace=scenario["replace"], exact=scenario["exact"], m_order=scenario["m_order"],
        distance=scenario["distance"], compat="matchit-4.5.1",
    )
    out = run.to_json()
    assert out["matched"] == scenario["matched"]
    for key in ("n_treated_matched", "n_control_matched", "n_treated_unmatched", "n_control_unmatched"):
        assert out[key] == scenario[key], key
    np.testing.assert_allclose(run.result.weights, scenario["weights"], rtol=1e-12)
    if scenario["subclass"] is None:
        assert run.result.subclass is None
    else:
        assert [s or None for s in run.result.subclass.tolist()] == scenario["subclass"]
    if scenario["caliper_value"] is not None:
        assert out["caliper_distance_units"] == pytest.approx(scenario["caliper_value"], rel=REL)
    assert_balance_matches(run.result, scenario)
    distance = scenario["balance"]["distance"]
    assert out["distance_balance"]["smd_before"] == pytest.approx(distance["smd_before"], rel=REL)
    assert out["distance_balance"]["smd_after"] == pytest.approx(distance["smd_after"], rel=REL)


# ---- true nearest-neighbour matching (nelm's default) ------------------------------------------------------


@pytest.mark.parametrize("scenario", [s for s in scenarios("nearest") if s["ratio"] == 1], ids=lambda s: s["name"])
def test_default_matching_gives_matchits_pairs_and_balance_when_its_integer_abs_defect_is_scaled_away(scenario):
    result = match_like(scenario)
    assert as_pairs(result, ids_of(scenario["dataset"])) == scenario["matched"]
    np.testing.assert_allclose(result.weights, scenario["weights"], rtol=1e-12)
    if scenario["caliper"]:
        assert result.caliper == pytest.approx(scenario["caliper_value"], rel=REL)
    assert_balance_matches(result, scenario)


@pytest.mark.parametrize("scenario", [s for s in scenarios("nearest") if s["ratio"] == 2], ids=lambda s: s["name"])
def test_one_to_two_matching_reproduces_matchit_once_its_row_check_defect_is_switched_on(scenario):
    # MatchIt 4.5.1 compares 0- and 1-based rows when excluding a treated unit's earlier controls; the defect
    # alone (no integer abs) must give MatchIt's pairs, which pins the rest of the algorithm for ratio > 1.
    result = match_like(scenario, Quirks(row_check_off_by_one=True))
    assert as_pairs(result, ids_of(scenario["dataset"])) == scenario["matched"]
    np.testing.assert_allclose(result.weights, scenario["weights"], rtol=1e-12)
    assert_balance_matches(result, scenario)


# ---- an independent oracle for the default ----------------------------------------------------------------


def greedy_oracle(distance, treat, *, ratio, caliper, replace, m_order, strata):
    """Brute force: each treated unit (in turn) takes, among usable controls of its stratum within the caliper,
    the one with the smallest gap; equal gaps go to the lower-distance side, then to the unit nearest in the
    stable sort. Written from the rule, not from the implementation."""
    n = distance.size
    position = np.empty(n, dtype=int)
    position[np.argsort(distance, kind="stable")] = np.arange(n)
    cal = None if caliper is None else caliper * np.std(distance, ddof=1)
    treated = np.flatnonzero(treat == 1)
    chosen = {int(t): [] for t in treated}
    used = np.zeros(n, dtype=bool)
    turns = []
    for code in np.unique(strata):
        mine = treated[strata[treated] == code]
        d1 = distance[mine]
        if m_order == "largest" and not replace:
            mine = mine[np.lexsort((np.arange(mine.size), -d1))]
        elif m_order == "smallest" and not replace:
            mine = mine[np.argsort(d1, kind="stable")]
        turns.append(mine)
    for _ in range(ratio):
        for mine in turns:
            for t in mine:
                ok = (treat == 0) & (strata == strata[t]) & ~used
                ok[chosen[t]] = False
                gaps = np.abs(distance - distance[t])
                if cal is not None:
                    ok &= gaps <= cal
                if not ok.any():
                    continue
                best = gaps[ok].min()
                tied = ok & (gaps <= best + 1e-10 * max(1.0, abs(distance[t])))
                left = tied & (position < position[t])
                pick = (np.flatnonzero(left)[np.argmax(position[left])] if left.any()
                        else np.flatnonzero(tied)[np.argmin(position[tied])])
                chosen[t].append(int(pick))
                if not replace:
                    used[pick] = True
    return [(int(t), chosen[int(t)]) for t in treated if chosen[int(t)]]


@pytest.mark.parametrize("scenario", scenarios("nearest"), ids=lambda s: s["name"])
def test_default_matching_equals_a_brute_force_greedy_oracle(scenario):
    name = scenario["dataset"]
    model = fitted(name).model
    frame = dataset(name)
    distance = model.logit if scenario["distance"] == "logit" else model.ps
    strata = (frame[scenario["exact"][0]].astype(str).to_numpy() if scenario["exact"]
              else np.zeros(len(frame), dtype=int))
    expected = greedy_oracle(distance, frame[DATASETS[name][1]].to_numpy(), ratio=scenario["ratio"],
                             caliper=scenario["caliper"], replace=scenario["replace"],
                             m_order=scenario["m_order"], strata=strata)
    assert match_like(scenario).pairs() == expected


# ---- exact ties in the distance ---------------------------------------------------------------------------


@pytest.mark.parametrize("run", reference()["ties"], ids=lambda r: f"{r['m_order']}-r{r['ratio']}-cal{r['caliper']}")
def test_tied_distances_are_broken_as_matchit_breaks_them(run):
    # Integer distances: MatchIt's integer abs() is exact here; for 1:2 its row-check defect is switched on.
    ties = pd.read_csv(DATA / "ties.csv")
    quirks = Quirks(row_check_off_by_one=run["ratio"] > 1)
    result = nearest_neighbour_match(ties["score"].to_numpy(), ties["treat"].to_numpy(), ratio=run["ratio"],
                                     caliper_sd=run["caliper"], m_order=run["m_order"], quirks=quirks)
    assert [{"treated": t, "controls": cs} for t, cs in result.pairs()] == run["matched"]
    assert [s or None for s in result.subclass.tolist()] == run["subclass"]
    np.testing.assert_allclose(result.weights, run["weights"], rtol=1e-12)


@pytest.mark.parametrize("run", reference()["ties"], ids=lambda r: f"{r['m_order']}-r{r['ratio']}-cal{r['caliper']}")
def test_tied_distances_follow_the_oracle_by_default(run):
    ties = pd.read_csv(DATA / "ties.csv")
    distance, treat = ties["score"].to_numpy(dtype=float), ties["treat"].to_numpy()
    result = nearest_neighbour_match(distance, treat, ratio=run["ratio"], caliper_sd=run["caliper"],
                                     m_order=run["m_order"])
    expected = greedy_oracle(distance, treat, ratio=run["ratio"], caliper=run["caliper"], replace=False,
                             m_order=run["m_order"], strata=np.zeros(distance.size, dtype=int))
    assert result.pairs() == expected


# ---- the matched set feeds a pair-clustered Cox model -----------------------------------------------------


def test_matched_set_gives_rs_pair_clustered_cox_estimate_and_robust_se():
    from nelm.stats.cox import CoxPH

    expected = json.loads((DATA / "matched_cox_reference.json").read_text())
    run = propensity_score_match(dataset("nelm"), "surgery", DATASETS["nelm"][2], caliper=0.2, ratio=2)
    md = run.matched_data()
    assert (len(md), int(md["death"].sum())) == (expected["n"], expected["events"])
    cox = CoxPH(robust=True).fit(md[["surgery"]], md["months"], md["death"], weights=md["weights"],
                                 cluster=md["subclass"])
    assert cox.coef_[0] == pytest.approx(expected["coef"], rel=REL)
    assert cox.robust_se_[0] == pytest.approx(expected["robust_se"], rel=REL)
    assert cox.naive_se_[0] == pytest.approx(expected["naive_se"], rel=REL)
