"""Cox partial log-likelihood (Efron ties) at a given coefficient.

nelm.stats.CoxPH reports the log-likelihood only at 0 and at its estimate; rms validate's U index needs it at a
fixed slope of 1, hence this small evaluator (no fitting). Same value as R's coxph(..., iter.max=0, init=b).
"""

from __future__ import annotations

import numpy as np


def efron_loglik(eta, time, event) -> float:
    """Log partial likelihood of linear predictors eta (unweighted, one stratum, Efron's tie correction)."""
    eta = np.asarray(eta, dtype=float)
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(bool)
    shift = eta.max()  # the likelihood is invariant to a common shift; this keeps exp() finite
    order = np.argsort(time, kind="stable")
    t, e, x = time[order], event[order], eta[order] - shift
    r = np.exp(x)
    last = np.append(t[1:] != t[:-1], True)
    ends = np.flatnonzero(last)
    starts = np.append(0, ends[:-1] + 1)
    at_risk = np.cumsum(r[::-1])[::-1][starts]  # every row from the tie group's first row on
    deaths = np.add.reduceat(e.astype(float), starts)
    dead_risk = np.add.reduceat(r * e, starts)
    groups = np.flatnonzero(deaths > 0)
    d = deaths[groups].astype(int)
    g = np.repeat(groups, d)
    k = np.arange(d.sum()) - np.repeat(np.cumsum(d) - d, d)
    denominators = at_risk[g] - (k / deaths[g]) * dead_risk[g]
    return float(x[e].sum() - np.log(denominators).sum())
