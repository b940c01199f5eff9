"""Brier score at a time t with inverse probability of censoring weights (Graf et al., Stat Med 1999).

BS(t) = mean over patients of  S_i(t)^2 / G(T_i-)  if they died by t,  (1 - S_i(t))^2 / G(t)  if alive after t,
0 if censored before t; G is the Kaplan-Meier estimate of the censoring distribution. The null model predicts
the Kaplan-Meier survival at t for everyone; 1 - BS/BS_null is the scaled Brier score (index of prediction
accuracy, Kattan and Gerds 2018).
"""

from __future__ import annotations

import numpy as np

from nelm.stats import KaplanMeier


def censoring_weights(time, event, t: float) -> np.ndarray:
    """Per patient IPCW weight at horizon t (0 for those censored before t)."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(bool)
    cens = KaplanMeier().fit(time, ~event)
    def g_at(x, left: bool):
        idx = np.searchsorted(cens.times_, x, side="left" if left else "right") - 1
        return np.where(idx < 0, 1.0, cens.survival_[np.clip(idx, 0, None)])
    w = np.zeros(time.size)
    died = (time <= t) & event
    alive = time > t
    with np.errstate(divide="ignore"):
        w[died] = 1.0 / g_at(time[died], left=True)
        w[alive] = 1.0 / g_at(np.array([t]), left=False)[0]
    return w


def brier_score(time, event, survival_at_t, t: float) -> float:
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(bool)
    s = np.asarray(survival_at_t, dtype=float)
    w = censoring_weights(time, event, t)
    died = (time <= t) & event
    loss = np.where(died, s**2, (1.0 - s) ** 2)
    return float(np.mean(w * loss))
