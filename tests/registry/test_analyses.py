"""Analyses checked against independent implementations (lifelines) and hand-counted examples."""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

from nelm.registry.analysis.compare import matched_comparison
from nelm.registry.analysis.concordance import DecisionRow, concordance
from nelm.registry.analysis.frames import outcome_frame
from nelm.registry.analysis.recurrence import recurrence_analysis
from nelm.registry.analysis.survival import survival_by_group
from nelm.stats.ps_match import propensity_score_match


def test_times_run_from_the_first_treatment_and_untreated_or_unfollowed_patients_are_counted_out():
    patients = [(1, "P1", True), (2, "P2", False), (3, "P3", False)]
    treatments = [(1, "ablation", "2016-01-01", None), (1, "curative_resection", "2015-01-01", "curative"),
                  (3, "ablation", "2015-01-01", None)]
    events = [(1, "recurrence", "2014-06-01", "liver"), (1, "recurrence", "2016-01-01", "liver"),
              (1, "recurrence", "2017-01-01", None), (1, "death", "2018-01-01", None), (3, "last_follow_up", "2015-01-01", None)]
    frame, excluded = outcome_frame(patients, treatments, events)
    assert excluded == {"no_treatment": 1, "no_follow_up_after_treatment": 1}
    (row,) = frame.itertuples()
    assert row.modality == "curative_resection"
    assert row.os_years == pytest.approx(1096 / 365.25) and row.os_event
    assert row.pfs_years == pytest.approx(365 / 365.25) and row.pfs_event  # the pre-treatment recurrence is not counted
    assert str(row.next_recurrence_on.date()) == "2017-01-01"


def _random_frame(n=600, seed=3):
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], n)
    scale = pd.Series(group).map({"a": 4.0, "b": 6.0, "c": 9.0}).to_numpy()
    death = rng.exponential(scale)
    censor = rng.uniform(1, 15, n)
    time = np.round(np.minimum(death, censor), 1)  # rounding makes ties
    return pd.DataFrame({"modality": group, "os_years": np.maximum(time, 0.1), "os_event": death <= censor})


def test_kaplan_meier_by_group_agrees_with_lifelines():
    frame = _random_frame()
    result = survival_by_group(frame, "os", "modality")
    for name, part in frame.groupby("modality"):
        km = KaplanMeierFitter().fit(part.os_years, part.os_event)
        mine = result["groups"][name]
        assert mine["landmarks"]["5y"]["survival"] == pytest.approx(float(km.survival_function_at_times(5).iloc[0]), abs=1e-4)
        assert mine["median_years"] == pytest.approx(km.median_survival_time_, abs=1e-4)
        assert mine["at_risk"]["0"] == len(part)
        assert mine["at_risk"]["3"] == int((part.os_years >= 3).sum())
    lifelines_test = multivariate_logrank_test(frame.os_years, frame.modality, frame.os_event)
    assert result["logrank"]["chisq"] == pytest.approx(lifelines_test.test_statistic, rel=1e-4)
    assert result["logrank"]["df"] == 2


def _comparison_frame(n=700, seed=5):
    rng = np.random.default_rng(seed)
    burden = rng.uniform(2, 60, n)
    symptomatic = rng.random(n) < 0.4
    age = rng.uniform(35, 80, n)
    treated = rng.random(n) < 1 / (1 + np.exp(0.08 * (burden - 25)))
    death = rng.exponential(np.where(treated, 8.0, 4.0))
    censor = rng.uniform(1, 12, n)
    return pd.DataFrame({
        "pseudonym": [f"P{i}" for i in range(n)], "modality": np.where(treated, "curative_resection", "intra_arterial_therapy"),
        "os_years": np.round(np.minimum(death, censor), 2) + 0.01, "os_event": death <= censor, "age_years": age,
        "tumour_burden_percent": burden, "symptomatic": symptomatic, "synthetic": True,
    })


def test_matched_cox_hazard_ratio_and_pair_clustered_robust_se_agree_with_lifelines():
    frame = _comparison_frame()
    covariates = ["age_years", "tumour_burden_percent", "symptomatic"]
    result = matched_comparison(frame, "curative_resection", "intra_arterial_therapy", covariates=covariates)
    data = frame.assign(treated=(frame.modality == "curative_resection").astype(int), id=frame.pseudonym)
    data["symptomatic"] = data.symptomatic.astype(int)
    matched = propensity_score_match(data[["id", "treated", *covariates]], "treated", covariates, caliper=0.2).matched_data()
    matched = matched.join(data[["os_years", "os_event"]])
    cph = CoxPHFitter().fit(matched[["os_years", "os_event", "treated", "subclass"]], "os_years", "os_event",
                            cluster_col="subclass", robust=True)
    cox = result["matched"]["cox"]
    assert result["patients"]["matched_pairs"] == (matched.treated == 1).sum() == (matched.treated == 0).sum()
    assert cox["hr"] == pytest.approx(float(np.exp(cph.params_["treated"])), rel=1e-4)
    assert cox["robust_se"] == pytest.approx(float(cph.standard_errors_["treated"]), rel=1e-3)
    assert cox["hr"] < 1  # the simulated treated arm lives twice as long
    mayo = result["subgroups"]["tumour burden > 25 % and asymptomatic (Mayo subgroup)"]
    assert sum(mayo["n"].values()) == ((matched.tumour_burden_percent > 25) & (matched.symptomatic == 0)).sum()
    assert set(result["balance"]) == set(covariates)


def test_recurrence_is_split_early_and_late_at_three_years_and_counted_as_zhang_did():
    frame = pd.DataFrame({
        "modality": ["curative_resection"] * 5 + ["ablation"],
        "os_years": [8.0, 8.0, 8.0, 8.0, 2.0, 8.0], "os_event": [True, False, False, False, False, True],
        "recurrence_years": [1.0, 2.5, 4.0, 6.0, np.nan, 1.0],
        "recurrence_site": ["liver", "liver", "extrahepatic", None, None, "liver"],
        "pfs_years": [1.0, 2.5, 4.0, 6.0, 2.0, 1.0], "pfs_event": [True, True, True, True, False, True],
        "recurrence_on": pd.to_datetime(["2011-01-01", "2012-06-01", "2014-01-01", "2016-01-01", None, "2011-01-01"]),
        "next_recurrence_on": pd.to_datetime([None, "2013-06-01", None, None, None, None]),
    })
    result = recurrence_analysis(frame)
    assert result["patients"] == 5
    assert result["recurred_within_5_years"] == {"n": 3, "share": 0.6, "basis": result["recurred_within_5_years"]["basis"]}
    assert result["early_within_3_years"] == {"n": 2, "share_of_recurrences_within_5_years": pytest.approx(2 / 3, abs=1e-4)}
    assert result["late_after_3_years"]["n"] == 2
    assert result["sites"]["early"] == {"liver": 2} and result["sites"]["late"] == {"extrahepatic": 1, "not recorded": 1}
    early_pfs = result["after_recurrence"]["pfs"]["early"]
    assert early_pfs["events"] == 2  # one death, one second recurrence


def test_concordance_counts_choices_the_engine_rates_recommended_or_consider_and_lists_the_rest():
    resectable = {"age_years": 60, "fit_for_major_surgery": True, "pathology": {"ki67_percent": 2, "differentiation": "well"},
                  "liver": {"lesions": [{"size_mm": 30, "segment": 6}], "r0_achievable": True, "future_liver_remnant_percent": 60,
                            "parenchyma": "normal", "tumour_burden_percent": 5},
                  "extrahepatic_disease": {"present": False}, "primary": {"site": "small_intestine", "status": "resected"}}
    nec = {"pathology": {"ki67_percent": 80, "differentiation": "poor"}, "liver": {"lesion_count": 12, "distribution": "bilobar"}}
    rows = [
        DecisionRow("P1", True, "2020-01-01", "curative_resection", None, resectable, None, "0.1.0", "kb"),
        DecisionRow("P2", False, "2020-02-01", "curative_resection", "surgeon's judgement", nec,
                    {"options": [{"modality": "curative_resection", "status": "consider"}]}, "0.0.9", "kb-old"),
        DecisionRow("P3", False, "2020-03-01", "ablation", None, {"ecgo": 1}, None, None, None),
    ]
    result = concordance(rows)
    assert (result["decisions_assessed"], result["concordant"], result["concordant_share"]) == (2, 1, 0.5)
    (discordant,) = result["discordant"]
    assert discordant["patient"] == "P2" and discordant["status_now"] == "contraindicated"
    assert discordant["status_shown"] == "consider" and discordant["reason_given"] == "surgeon's judgement"
    assert result["status_changed_since_decision"] == 1
    assert result["not_assessable"][0]["patient"] == "P3" and "ecgo" in result["not_assessable"][0]["problems"][0]


def test_every_analysis_gives_the_same_answer_on_this_backend_as_on_sqlite(registry, tmp_path):
    from nelm.services import analyses
    from nelm.services.demo_data import generate_cohort
    from nelm.services.registry import import_records, open_registry

    cohort = generate_cohort(300, 21)
    reference = open_registry(f"sqlite:///{tmp_path / 'reference.sqlite'}")
    import_records(reference, cohort)
    import_records(registry, cohort)
    for run in (lambda r: analyses.survival(r, endpoint="pfs"), analyses.compare, analyses.recurrence, analyses.concordance_audit):
        mine, theirs = run(registry), run(reference)
        assert mine["result"] == theirs["result"]
        assert mine["synthetic"]["patients"] == mine["synthetic"]["of"] > 0
    reference.dispose()


def test_pfs_by_group_says_which_groups_have_no_recorded_recurrence():
    frame = _random_frame(200).assign(recurrence_years=np.nan, pfs_years=lambda f: f.os_years, pfs_event=lambda f: f.os_event)
    frame.loc[frame.modality == "a", "recurrence_years"] = 0.5
    notes = survival_by_group(frame, "pfs", "modality")["notes"]
    assert notes == ["No recurrence is recorded for: b, c; their PFS counts deaths only (equals OS)."]
