"""Baseline cumulative hazard with the pieces R's survfit.coxph needs for a confidence interval.

nelm.stats.CoxPH gives the baseline cumulative hazard but not its variance terms, so they are computed here,
as survival:::agsurv does (Efron: Cagsurv5; Breslow: d/n, d/n^2): at each distinct time the hazard increment,
its variance increment and the xbar increment (risk-weighted covariate mean times dH), all cumulated.
For a new patient with centred covariates z and risk r = exp(z.beta):
  var H(t|z) = r^2 * (varhaz(t) + d' V d),  d = H0(t) z - xbar(t)          (survival:::coxsurv.fit)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BaselineHazard:
    times: np.ndarray  # distinct observed times, ascending
    cumhaz: np.ndarray  # H0 at the centring values
    varhaz: np.ndarray  # cumulated variance increments
    xbar: np.ndarray  # (n_times, p) cumulated xbar dH

    def at(self, t: float) -> tuple[float, float, np.ndarray]:
        """Step-function value at time t (right-continuous; zero before the first time)."""
        i = int(np.searchsorted(self.times, t, side="right")) - 1
        if i < 0:
            return 0.0, 0.0, np.zeros(self.xbar.shape[1])
        return float(self.cumhaz[i]), float(self.varhaz[i]), self.xbar[i].copy()


def baseline_hazard(time, event, x_centred, lp_centred, ties: str = "efron") -> BaselineHazard:
    """x_centred: design minus the centring vector; lp_centred = x_centred @ beta."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(bool)
    x = np.asarray(x_centred, dtype=float).reshape(time.size, -1)
    risk = np.exp(np.asarray(lp_centred, dtype=float))
    order = np.argsort(time, kind="stable")
    t, e, r, x = time[order], event[order], risk[order], x[order]
    last = np.append(t[1:] != t[:-1], True)
    ends = np.flatnonzero(last)
    starts = np.append(0, ends[:-1] + 1)
    times = t[ends]
    rx = x * r[:, None]
    # risk set of a time = every row from its first row on
    nrisk = np.cumsum(r[::-1])[::-1][starts]
    xsum = np.cumsum(rx[::-1], axis=0)[::-1][starts]
    deaths = np.add.reduceat(e.astype(float), starts)
    erisk = np.add.reduceat(r * e, starts)
    xsum2 = np.add.reduceat(rx * e[:, None], starts, axis=0)
    p = x.shape[1]
    haz, var, xb = np.zeros(times.size), np.zeros(times.size), np.zeros((times.size, p))
    has = deaths > 0
    if ties == "breslow":
        haz[has] = deaths[has] / nrisk[has]
        var[has] = deaths[has] / nrisk[has] ** 2
        xb[has] = xsum[has] * (deaths[has] / nrisk[has] ** 2)[:, None]
    else:
        # one slot per death: the k-th of d tied deaths sees the risk set less k/d of the tied deaths' risk
        groups = np.flatnonzero(has)
        d = deaths[groups].astype(int)
        g = np.repeat(groups, d)
        k = np.arange(d.sum()) - np.repeat(np.cumsum(d) - d, d)
        frac = k / deaths[g]
        inv = 1.0 / (nrisk[g] - frac * erisk[g])
        # Cagsurv5 averages over the d slots, agsurv multiplies by the number of deaths: plain sums
        haz = np.bincount(g, inv, minlength=times.size)
        var = np.bincount(g, inv**2, minlength=times.size)
        slot_x = (xsum[g] - frac[:, None] * xsum2[g]) * (inv**2)[:, None]
        xb = np.column_stack([np.bincount(g, slot_x[:, j], minlength=times.size) for j in range(p)]) if p else xb
    return BaselineHazard(times, np.cumsum(haz), np.cumsum(var), np.cumsum(xb, axis=0))
