"""Propensity-matched comparison of two first treatments, as in Mayo et al. (surgery vs intra-arterial therapy):
balance table, matched Kaplan-Meier, Cox hazard ratio with robust SE clustered on the matched pair, subgroups
by tumour burden above 25 % and by symptoms (and the Mayo subgroup: both > 25 % and asymptomatic)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from nelm.registry.analysis.frames import COVARIATES
from nelm.registry.analysis.survival import _num, km_summary, logrank_dict
from nelm.stats.cox import CoxPH
from nelm.stats.ps_match import MatchingInputError, propensity_score_match

DEFAULT_COVARIATES = ["age_years", "ki67_percent", "tumour_burden_percent", "symptomatic", "extrahepatic_disease", "primary_pancreas"]
BURDEN_CUT = 25.0  # Mayo et al.: > 25 % liver tumour burden


class CompareError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _cox(part: pd.DataFrame, time_col: str, event_col: str) -> dict[str, Any] | None:
    """Cox HR treated vs control, robust (sandwich) SE clustered on the pair, Efron ties."""
    if part["treated"].nunique() < 2 or not part[event_col].any():
        return None
    model = CoxPH(robust=True).fit(part[["treated"]].to_numpy(float), part[time_col].to_numpy(float),
                                   part[event_col].to_numpy(bool), cluster=part["subclass"].to_numpy(), names=["treated"])
    row = model.summary.loc["treated"]
    return {"hr": _num(row.hr), "ci_lower": _num(row.ci_lower), "ci_upper": _num(row.ci_upper), "p": float(row.p),
            "coef": _num(row.coef, 6), "se": _num(row.se, 6), "robust_se": _num(row.robust_se, 6),
            "n": model.n_, "events": model.n_events_, "converged": bool(model.converged_)}


def _arm_summaries(part: pd.DataFrame, labels: dict[int, str], time_col: str, event_col: str, curve: bool) -> dict[str, Any]:
    return {labels[arm]: km_summary(sub[time_col].to_numpy(float), sub[event_col].to_numpy(bool), curve=curve)
            for arm, sub in part.groupby("treated") if len(sub)}


def _subgroup(part: pd.DataFrame, labels: dict[int, str], time_col: str, event_col: str) -> dict[str, Any]:
    return {
        "n": {labels[1]: int((part.treated == 1).sum()), labels[0]: int((part.treated == 0).sum())},
        "arms": _arm_summaries(part, labels, time_col, event_col, curve=False),
        "cox": _cox(part, time_col, event_col),
        "logrank": logrank_dict(part[time_col].to_numpy(float), part[event_col].to_numpy(bool), part.treated.to_numpy()),
    }


def matched_comparison(frame: pd.DataFrame, treatment: str, control: str, *, covariates: list[str] | None = None,
                       endpoint: str = "os", caliper: float = 0.2) -> dict[str, Any]:
    covariates = list(covariates or DEFAULT_COVARIATES)
    problems = [f"--match: unknown covariate {c!r} (known: {', '.join(COVARIATES)})" for c in covariates if c not in COVARIATES]
    if treatment == control:
        problems.append("--treatment and --control must differ")
    if problems:
        raise CompareError(problems)
    time_col, event_col = f"{endpoint}_years", f"{endpoint}_event"
    data = frame[frame.modality.isin([treatment, control])].copy()
    data["treated"] = (data.modality == treatment).astype(int)
    counts = {treatment: int((data.treated == 1).sum()), control: int((data.treated == 0).sum())}
    for name in counts:
        if counts[name] == 0:
            problems.append(f"no patient in the registry had {name} as first treatment")
    if problems:
        raise CompareError(problems)
    needed = covariates + ["tumour_burden_percent", "symptomatic"]
    complete = data[needed].notna().all(axis=1)
    dropped = int((~complete).sum())
    data = data[complete].reset_index(drop=True)
    for c in covariates:
        if COVARIATES[c][1] == "flag":
            data[c] = data[c].astype(bool).astype(int)
        elif COVARIATES[c][1] == "number":
            data[c] = data[c].astype(float)
    data["id"] = data.pseudonym
    try:
        match = propensity_score_match(data[["id", "treated", *covariates]], "treated", covariates, caliper=caliper, ratio=1)
    except MatchingInputError as exc:
        raise CompareError(exc.problems) from None
    matched = match.matched_data()
    extra = [c for c in (time_col, event_col, "tumour_burden_percent", "symptomatic") if c not in matched.columns]
    matched = matched.join(data[extra])
    labels = {1: treatment, 0: control}
    summary = match.to_json()
    subgroups = {}
    burden_high = matched.tumour_burden_percent.astype(float) > BURDEN_CUT
    symptomatic = matched.symptomatic.astype(bool)
    for name, mask in (
        (f"tumour burden > {BURDEN_CUT:g} %", burden_high),
        (f"tumour burden <= {BURDEN_CUT:g} %", ~burden_high),
        ("symptomatic", symptomatic),
        ("asymptomatic", ~symptomatic),
        (f"tumour burden > {BURDEN_CUT:g} % and asymptomatic (Mayo subgroup)", burden_high & ~symptomatic),
    ):
        subgroups[name] = _subgroup(matched[mask.to_numpy()], labels, time_col, event_col)
    return {
        "endpoint": endpoint,
        "time_unit": "years",
        "treatment": treatment,
        "control": control,
        "covariates": covariates,
        "caliper_sd": caliper,
        "patients": {"eligible": counts, "dropped_missing_covariates": dropped,
                     "matched_pairs": int(summary["n_treated_matched"]),
                     "unmatched": {treatment: summary["n_treated_unmatched"], control: summary["n_control_unmatched"]}},
        "balance": summary["balance"],
        "distance_balance": summary["distance_balance"],
        "propensity_model": summary["propensity_model"],
        "matched": {
            "arms": _arm_summaries(matched, labels, time_col, event_col, curve=True),
            "cox": _cox(matched, time_col, event_col),
            "logrank": logrank_dict(matched[time_col].to_numpy(float), matched[event_col].to_numpy(bool), matched.treated.to_numpy()),
        },
        "subgroups": subgroups,
        "notes": ["Matching: nearest neighbour 1:1 on the logit propensity score without replacement, caliper in SD of the logit (MatchIt defaults otherwise).",
                  "Cox: Efron ties; robust (sandwich) standard error clustered on the matched pair.",
                  "Subgroups are taken within the matched sample, so a pair may be split between subgroups."],
    }
