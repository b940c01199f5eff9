"""Harrell's and Uno's concordance index, R-exact (survival::concordance), O(n log n).

Pairs are counted with two Fenwick trees over the score ranks, walking the data from the longest time
to the shortest exactly as R's concordance3 C routine does: ties in score count 1/2, pairs tied in time
are not comparable unless one is censored (the censored time is then taken as the longer), and the
standard error is R's infinitesimal jackknife. The walk is compiled with numba (_concordance_walk.py),
imported only when a concordance is computed so other users of nelm.stats do not pay numba's import.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nelm.stats._timefix import fixed_time_ranks
from nelm.stats._validate import SurvivalDataError, check_time_event

TIME_WEIGHTS = ("n", "n/G2")


@dataclass(frozen=True)
class ConcordanceResult:
    c_index: float
    std: float
    concordant: float
    discordant: float
    tied_score: float  # R: tied.x
    tied_time: float  # R: tied.y
    tied_both: float  # R: tied.xy
    time_weight: str = "n"
    tau: float | None = None

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([self.as_dict()])

    def as_dict(self) -> dict:
        return {"c_index": self.c_index, "std": self.std, "concordant": self.concordant,
                "discordant": self.discordant, "tied_score": self.tied_score, "tied_time": self.tied_time,
                "tied_both": self.tied_both}


def concordance_index(time, event, score, *, strata=None, weights=None, cluster=None, tau=None,
                      time_weight: str = "n", higher_is_risk: bool = True, timefix: bool = True) -> ConcordanceResult:
    """Concordance of `score` with survival. higher_is_risk=True (default) is R's reverse=TRUE.

    time_weight="n" gives Harrell's C; "n/G2" with tau gives Uno's C (R: timewt="n/G2", ymax=tau).
    """
    if time_weight not in TIME_WEIGHTS:
        raise ValueError(f"time_weight must be one of {TIME_WEIGHTS}")
    t, e, w = check_time_event(time, event, weights)
    t, trank = fixed_time_ranks(t, timefix)  # timefix: R's aeqSurv, noise-sized gaps are ties
    x = np.asarray(score, dtype=float).ravel()
    if x.size != t.size:
        raise SurvivalDataError(f"score has {x.size} values but time has {t.size}")
    if not np.all(np.isfinite(x)):
        raise SurvivalDataError("score: missing or infinite values")
    xrank = _dense_rank(x)
    single = strata is None
    s = np.zeros(t.size, dtype=np.int64) if single else _dense_rank(np.asarray(strata).ravel())
    # walk order, as R: stratum, time descending, censored before events at a tied time, then score
    m = int(xrank.max()) + 1
    key = ((s * (int(trank.max()) + 1) + (trank.max() - trank)) * 2 + e) * m + xrank
    order = np.argsort(key)  # ties in key are exact duplicates: their order does not matter
    ymax = np.inf if tau is None else float(tau)
    xs, ws, es = xrank[order], w[order], e[order].astype(np.int64)
    from nelm.stats._concordance_walk import dfbeta_rows, walk  # numba: loaded on first use

    counts, imat = walk(t[order], es, xs, ws, s[order], m, 1 if time_weight == "n/G2" else 0, ymax, single)
    conc, disc, tx, ty, txy = counts
    npair = conc + disc + tx
    if npair <= 0:
        raise SurvivalDataError("no comparable pairs: concordance is undefined")
    somer = (conc - disc) / npair
    dfbeta = dfbeta_rows(imat, ws, npair, somer)  # R's infinitesimal jackknife, one value per (sorted) row
    if cluster is not None:
        groups = np.unique(np.asarray(cluster), return_inverse=True)[1].ravel()[order]
        dfbeta = np.bincount(groups, dfbeta)
    std = float(np.sqrt(np.sum(dfbeta**2) / 4))
    c = (somer + 1) / 2
    if higher_is_risk:  # R's reverse=TRUE: swap concordant and discordant
        c, conc, disc = 1 - c, disc, conc
    return ConcordanceResult(float(c), std, float(conc), float(disc), float(tx), float(ty), float(txy),
                             time_weight, None if tau is None else float(tau))


def uno_concordance(time, event, score, tau, **kwargs) -> ConcordanceResult:
    """Uno's IPCW concordance truncated at tau (R: concordance(..., timewt="n/G2", ymax=tau))."""
    return concordance_index(time, event, score, tau=tau, time_weight="n/G2", **kwargs)


def _dense_rank(values: np.ndarray) -> np.ndarray:
    """0-based dense ranks (equal values share a rank); one argsort, cheaper than np.unique."""
    order = np.argsort(values)
    v = values[order]
    step = np.empty(v.size, dtype=np.int64)
    step[0] = 0
    step[1:] = v[1:] != v[:-1]
    ranks = np.empty(v.size, dtype=np.int64)
    ranks[order] = np.cumsum(step)
    return ranks
