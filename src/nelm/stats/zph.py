"""Proportional-hazards test from scaled Schoenfeld residuals, R-exact (survival::cox.zph, survival >= 3.0).

R's current cox.zph is a score test: add x * g(t) for each covariate to the fitted model and test the
added coefficients at zero, one covariate at a time and all together (GLOBAL). g(t) is the transformed
time, centred at its mean over events; the default transform "km" is 1 - KM(t-) of the pooled data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, stats

from nelm.stats.cox import CoxPH
from nelm.stats.results import TestResult

TRANSFORMS = ("km", "identity", "log", "rank")


@dataclass(frozen=True)
class ZphResult:
    terms: tuple[TestResult, ...]
    global_test: TestResult
    transform: str

    @property
    def summary(self) -> pd.DataFrame:
        rows = list(self.terms) + [self.global_test]
        return pd.DataFrame({"chisq": [r.statistic for r in rows], "df": [r.df for r in rows],
                             "p": [r.p_value for r in rows]}, index=pd.Index([r.name for r in rows], name="term"))


def cox_zph(model: CoxPH, transform: str = "km") -> ZphResult:
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {', '.join(TRANSFORMS)}")
    problem, final = model._problem, model._final
    rs, sl, X = problem.rs, problem.slots, problem.X
    p = X.shape[1]
    g_rows = _transformed_time(rs.time, rs.event, transform)
    g_rows = g_rows - g_rows[rs.event].mean()
    g_slot = g_rows[sl.group_rows][sl.group_of_slot]

    ev = sl.event_rows
    u_time = (rs.weight[ev] * g_rows[ev]) @ X[ev] - (sl.weight * g_slot) @ final.mean
    i11 = final.information
    i12 = problem.slot_information(final, g_slot)
    i22 = problem.slot_information(final, g_slot**2)
    info = np.block([[i11, i12], [i12.T, i22]])
    u = np.concatenate([np.zeros(p), u_time])

    terms = []
    for j, name in enumerate(model.names_):
        keep = np.r_[np.arange(p), p + j]
        sub = info[np.ix_(keep, keep)]
        uj = u[keep]
        terms.append(TestResult.chi2(name, float(uj @ linalg.solve(sub, uj, assume_a="sym")), 1))
    global_stat = float(u @ linalg.solve(info, u, assume_a="sym"))
    return ZphResult(tuple(terms), TestResult.chi2("GLOBAL", global_stat, p), transform)


def _transformed_time(time: np.ndarray, event: np.ndarray, transform: str) -> np.ndarray:
    if transform == "identity":
        return time.astype(float)
    if transform == "log":
        return np.log(time)
    if transform == "rank":
        return stats.rankdata(time)
    # km: 1 - S(t-) from the unweighted Kaplan-Meier of all rows, strata ignored (as R)
    times, inverse = np.unique(time, return_inverse=True)
    deaths = np.bincount(inverse, weights=event.astype(float))
    at_risk = np.cumsum(np.bincount(inverse)[::-1])[::-1].astype(float)
    surv = np.cumprod(1 - deaths / at_risk)
    surv_before = np.concatenate([[1.0], surv[:-1]])
    return 1 - surv_before[inverse]
