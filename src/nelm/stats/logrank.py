"""Log-rank test for k groups, optionally stratified, R-exact (survival::survdiff, rho = 0)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg
from scipy.special import chdtrc  # chi-square upper tail, as scipy.stats.chi2.sf computes it

from nelm.stats._timefix import r_timefix
from nelm.stats._validate import SurvivalDataError, check_time_event


@dataclass(frozen=True)
class LogrankResult:
    statistic: float
    df: int
    p_value: float
    groups: tuple
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"observed": self.observed, "expected": self.expected,
                             "o_minus_e": self.observed - self.expected},
                            index=pd.Index(self.groups, name="group"))

    def as_dict(self) -> dict:
        return {"chisq": self.statistic, "df": self.df, "p": self.p_value}


def logrank_test(time, event, group, strata=None, timefix: bool = True) -> LogrankResult:
    """Compare survival between the groups; with strata, sums observed-expected and variance over strata."""
    t, e, _ = check_time_event(time, event, need_event=True)
    if timefix:  # R's aeqSurv: times equal up to floating-point noise are ties
        t = r_timefix(t)
    group = np.asarray(group)
    if group.shape[0] != t.size:
        raise SurvivalDataError(f"group has {group.shape[0]} values but time has {t.size}")
    labels, g = np.unique(group, return_inverse=True)
    g = g.ravel()
    k = labels.size
    if k < 2:
        raise SurvivalDataError(f"group: only one group ({labels[0]!r}); the log-rank test needs at least two")
    s = np.zeros(t.size, dtype=np.int64) if strata is None else np.unique(np.asarray(strata), return_inverse=True)[1].ravel()

    observed = np.zeros(k)
    expected = np.zeros(k)
    variance = np.zeros((k, k))
    for stratum in np.unique(s):
        mask = s == stratum
        o, ex, v = _one_stratum(t[mask], e[mask], g[mask], k)
        observed += o
        expected += ex
        variance += v

    used = expected > 0  # R drops groups with no expected events from the test
    if used.sum() < 2:
        chisq = 0.0
    else:
        diff = (observed - expected)[used][1:]
        vv = variance[np.ix_(used, used)][1:, 1:]
        chisq = float(diff @ linalg.solve(vv, diff, assume_a="sym"))
    df = int(used.sum()) - 1
    return LogrankResult(chisq, df, float(chdtrc(df, chisq)), tuple(labels.tolist()), observed, expected,
                         variance)


def _one_stratum(t, e, g, k):
    times, ti = np.unique(t, return_inverse=True)
    m = times.size
    cell = ti * k + g
    deaths = np.bincount(cell, weights=e.astype(float), minlength=m * k).reshape(m, k)
    total = np.bincount(cell, minlength=m * k).reshape(m, k).astype(float)
    at_risk = np.cumsum(total[::-1], axis=0)[::-1]  # per time and group, subjects with time >= t
    d = deaths.sum(axis=1)
    n = at_risk.sum(axis=1)
    keep = d > 0
    d, n, at_risk, deaths = d[keep], n[keep], at_risk[keep], deaths[keep]
    share = at_risk / n[:, None]
    expected = (share * d[:, None]).sum(axis=0)
    c = np.divide(d * (n - d), n - 1, out=np.zeros_like(d), where=n > 1)
    variance = np.diag((share * c[:, None]).sum(axis=0)) - (share * c[:, None]).T @ share
    return deaths.sum(axis=0), expected, variance
