"""Kaplan-Meier by group with numbers at risk, medians, 5- and 10-year estimates and the log-rank test."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nelm.stats.km import KaplanMeier
from nelm.stats.logrank import logrank_test

AT_RISK_YEARS = list(range(0, 11))
LANDMARK_YEARS = (5, 10)


def _num(value: float | None, digits: int = 4) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), digits)


def km_summary(time: np.ndarray, event: np.ndarray, *, curve: bool = True) -> dict[str, Any]:
    km = KaplanMeier().fit(time, event)
    horizon = float(np.max(time)) if len(time) else 0.0
    marks = km.survival_at(list(LANDMARK_YEARS))
    landmarks = {}
    for (_, row), years in zip(marks.iterrows(), LANDMARK_YEARS, strict=True):
        reached = years <= horizon
        landmarks[f"{years}y"] = {
            "survival": _num(row.survival) if reached else None,
            "ci_lower": _num(row.ci_lower) if reached else None,
            "ci_upper": _num(row.ci_upper) if reached else None,
            "n_risk": int(row.n_risk),
        }
    at_risk = km.survival_at(AT_RISK_YEARS)["n_risk"].astype(int).tolist()
    out = {
        "n": int(len(time)),
        "events": int(np.sum(event)),
        "median_years": _num(km.median_),
        "median_ci_years": [_num(km.median_ci_[0]), _num(km.median_ci_[1])],
        "median_months": _num(km.median_ * 12, 1),
        "landmarks": landmarks,
        "at_risk": dict(zip([str(y) for y in AT_RISK_YEARS], at_risk, strict=True)),
    }
    if curve:
        out["curve"] = {"time": [0.0] + [round(float(t), 4) for t in km.times_],
                        "survival": [1.0] + [round(float(s), 5) for s in km.survival_],
                        "ci_lower": [1.0] + [_num(s, 5) for s in km.ci_lower_],
                        "ci_upper": [1.0] + [_num(s, 5) for s in km.ci_upper_]}
    return out


def logrank_dict(time: np.ndarray, event: np.ndarray, group: np.ndarray, strata: np.ndarray | None = None) -> dict[str, Any] | None:
    if len(np.unique(group)) < 2 or not np.any(event):
        return None
    result = logrank_test(time, event, group, strata=strata)
    return {"chisq": _num(result.statistic), "df": result.df, "p": float(result.p_value),
            "observed": dict(zip(map(str, result.groups), map(float, result.observed), strict=True)),
            "expected": dict(zip(map(str, result.groups), [round(float(x), 3) for x in result.expected], strict=True))}


def survival_by_group(frame: pd.DataFrame, endpoint: str, by: str, *, min_group: int = 1) -> dict[str, Any]:
    """KM per group of `by` for endpoint os or pfs (years from first treatment), and the k-group log-rank test."""
    time_col, event_col = f"{endpoint}_years", f"{endpoint}_event"
    data = frame[[time_col, event_col, by]].dropna()
    data = data[data[time_col] > 0]
    groups = {}
    for name, part in data.groupby(by, sort=True):
        if len(part) >= min_group:
            groups[str(name)] = km_summary(part[time_col].to_numpy(float), part[event_col].to_numpy(bool))
    kept = data[data[by].astype(str).isin(groups)]
    notes = []
    if endpoint == "pfs" and "recurrence_years" in frame:
        silent = sorted(str(name) for name, part in frame.groupby(by) if str(name) in groups and part.recurrence_years.isna().all())
        if silent:  # PFS then counts deaths only: say so rather than let it pass for progression-free survival
            notes.append(f"No recurrence is recorded for: {', '.join(silent)}; their PFS counts deaths only (equals OS).")
    return {
        "endpoint": endpoint,
        "by": by,
        "time_unit": "years",
        "time_origin": "first treatment",
        "groups": groups,
        "logrank": logrank_dict(kept[time_col].to_numpy(float), kept[event_col].to_numpy(bool), kept[by].astype(str).to_numpy()),
        "notes": notes,
    }
