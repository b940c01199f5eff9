"""Pool effect sizes: estimate, CI, prediction interval and heterogeneity, with metafor 3.8's conventions.

statsmodels' combine_effects gives no prediction interval and no metafor-style I² for random-effects
models, so the few formulas are written out here (rma.uni() and predict.rma() in metafor 3.8):
- weights 1/(vi + tau²); Wald CI with z, or with t(k-1) and the Knapp-Hartung variance under `hk`;
- prediction interval estimate ± crit·sqrt(SE² + tau²), crit the same z or t(k-1) (metafor's default);
- Q with common-effect weights; I² = 100·tau²/(tau² + s²) with s² the 'typical' within-study variance
  (k-1)/(Σw - Σw²/Σw), except for FE where I² = 100·(Q - (k-1))/Q truncated at 0; H² likewise.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
from scipy import special

from nelm.meta.measures import Effects, harmonic_mean, to_natural_scale
from nelm.meta.tau2 import estimate_tau2, q_statistic

LEVEL = 0.95


@dataclass(frozen=True)
class StudyResult:
    study: str
    yi: float
    vi: float
    estimate: float  # natural scale
    ci_lower: float
    ci_upper: float
    weight_percent: float
    events: int | None = None
    n: int | None = None
    corrected: bool = False


@dataclass(frozen=True)
class PoolResult:
    measure: str
    method: str
    hk: bool
    k: int
    # model scale (logit, arcsine, ... or as given)
    beta: float
    se: float
    crit: float
    df: int | None  # None: normal quantiles
    # natural scale (proportion for proportion measures)
    estimate: float
    ci_lower: float
    ci_upper: float
    pi_lower: float
    pi_upper: float
    tau2: float
    i2_percent: float
    h2: float
    q: float
    q_df: int
    q_pvalue: float
    studies: tuple[StudyResult, ...]
    exponentiated: bool = False

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)


def pool(effects: Effects, method: str, *, hk: bool = False, studies=None, exponentiate: bool = False) -> PoolResult:
    """Pool `effects` with tau² estimator `method` (DL, REML, PM, ML, FE); `hk` = Knapp-Hartung."""
    method = method.upper()
    yi, vi, k = effects.yi, effects.vi, effects.k
    if k < 2:
        raise ValueError(f"need at least 2 studies to pool, got {k}")
    tau2 = estimate_tau2(yi, vi, method)

    w = 1.0 / (vi + tau2)
    sw = w.sum()
    beta = float(np.sum(w * yi) / sw)
    var_beta = 1.0 / sw
    if hk:
        rss = float(np.sum(w * (yi - beta) ** 2))
        var_beta *= 0.0 if rss <= sys.float_info.epsilon else rss / (k - 1)
        df: int | None = k - 1
        crit = float(special.stdtrit(df, 1 - (1 - LEVEL) / 2))
    else:
        df = None
        crit = float(special.ndtri(1 - (1 - LEVEL) / 2))
    se = math.sqrt(var_beta)
    pi_half = crit * math.sqrt(var_beta + tau2)

    q, q_df = max(0.0, q_statistic(yi, vi)), k - 1  # metafor's QE: common-effect weights
    i2, h2 = _i2_h2(vi, q, tau2, method)

    n_pooled = harmonic_mean(effects.ni) if effects.measure == "PFT" else None
    back = _back(effects.measure, n_pooled, exponentiate)
    ci_lo, ci_hi = sorted((back(beta - crit * se), back(beta + crit * se)))
    pi_lo, pi_hi = sorted((back(beta - pi_half), back(beta + pi_half)))

    return PoolResult(
        measure=effects.measure,
        method=method,
        hk=hk,
        k=k,
        beta=beta,
        se=se,
        crit=crit,
        df=df,
        estimate=back(beta),
        ci_lower=ci_lo,
        ci_upper=ci_hi,
        pi_lower=pi_lo,
        pi_upper=pi_hi,
        tau2=float(tau2),
        i2_percent=i2,
        h2=h2,
        q=q,
        q_df=q_df,
        q_pvalue=float(special.chdtrc(q_df, q)),
        studies=_study_rows(effects, 100.0 * w / sw, studies, exponentiate),
        exponentiated=exponentiate and effects.measure == "GEN",
    )


def _i2_h2(vi: np.ndarray, q: float, tau2: float, method: str) -> tuple[float, float]:
    k = vi.size
    if method == "FE":
        i2 = 0.0 if q <= 0 else max(0.0, 100.0 * (q - (k - 1)) / q)
        return i2, q / (k - 1)
    w = 1.0 / vi
    typical_v = (k - 1) / (w.sum() - np.sum(w**2) / w.sum())
    return float(100.0 * tau2 / (typical_v + tau2)), float(tau2 / typical_v + 1.0)


def _back(measure: str, n_pooled: float | None, exponentiate: bool):
    def transform(x: float) -> float:
        return float(to_natural_scale(measure, x, n_pooled, exponentiate=exponentiate))

    return transform


def _study_rows(effects: Effects, weights: np.ndarray, studies, exponentiate: bool) -> tuple[StudyResult, ...]:
    z = float(special.ndtri(1 - (1 - LEVEL) / 2))  # study CIs are Wald z intervals, as in metafor's forest()
    half = z * np.sqrt(effects.vi)
    ni = effects.ni
    lo = to_natural_scale(effects.measure, effects.yi - half, ni, exponentiate=exponentiate)
    hi = to_natural_scale(effects.measure, effects.yi + half, ni, exponentiate=exponentiate)
    est = to_natural_scale(effects.measure, effects.yi, ni, exponentiate=exponentiate)
    labels = list(studies) if studies is not None else [str(i + 1) for i in range(effects.k)]
    rows = []
    for i in range(effects.k):
        rows.append(
            StudyResult(
                study=labels[i],
                yi=float(effects.yi[i]),
                vi=float(effects.vi[i]),
                estimate=float(est[i]),
                ci_lower=float(min(lo[i], hi[i])),
                ci_upper=float(max(lo[i], hi[i])),
                weight_percent=float(weights[i]),
                events=None if effects.xi is None else int(effects.xi[i]),
                n=None if ni is None else int(ni[i]),
                corrected=bool(effects.corrected[i]) if effects.corrected is not None else False,
            )
        )
    return tuple(rows)
