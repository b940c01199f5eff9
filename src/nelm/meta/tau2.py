"""Between-study variance (tau²) estimators with metafor 3.8's rma.uni() conventions.

statsmodels' combine_effects has DL and an iterated PM but no REML or ML, and its PM stops at its own
tolerance; metafor's results depend on its exact iteration and stopping rules, so each estimator below
takes metafor's steps: DL closed form; PM via R's uniroot on [0, tau2.max]; REML and ML by Fisher
scoring from the Hedges (HE) start, step-halving at 0, |change| <= 1e-5, at most 100 iterations, then
metafor's check that the likelihood at tau² = 0 is not higher.
"""

from __future__ import annotations

import math

import numpy as np

from nelm.meta.zeroin import R_DEFAULT_TOL, RootNotFound, uniroot

METHODS: tuple[str, ...] = ("DL", "REML", "PM", "ML", "FE")
METHOD_NAMES: dict[str, str] = {
    "DL": "DerSimonian-Laird",
    "REML": "restricted maximum likelihood",
    "PM": "Paule-Mandel",
    "ML": "maximum likelihood",
    "FE": "common (fixed) effect",
}

# metafor's rma.uni() control defaults
THRESHOLD = 1e-5
MAXITER = 100
TAU2_MAX_FLOOR = 100.0


class Tau2NotEstimable(ArithmeticError):
    """The estimator failed the way metafor's would (no convergence, tau2.max too low)."""


def estimate_tau2(yi: np.ndarray, vi: np.ndarray, method: str) -> float:
    method = method.upper()
    if method == "FE":
        return 0.0
    if method == "DL":
        return dersimonian_laird(yi, vi)
    if method == "PM":
        return paule_mandel(yi, vi)
    if method in ("REML", "ML"):
        return fisher_scoring(yi, vi, reml=method == "REML")
    raise ValueError(f"unknown tau² method {method!r}; choose from {', '.join(METHODS)}")


def q_statistic(yi: np.ndarray, vi: np.ndarray, tau2: float = 0.0) -> float:
    """Generalised Cochran's Q: weighted squared deviations from the weighted mean, weights 1/(vi + tau2)."""
    w = 1.0 / (vi + tau2)
    mean = np.sum(w * yi) / np.sum(w)
    return float(np.sum(w * (yi - mean) ** 2))


def dersimonian_laird(yi: np.ndarray, vi: np.ndarray) -> float:
    w = 1.0 / vi
    sw = w.sum()
    tr_p = sw - np.sum(w**2) / sw
    return max(0.0, (q_statistic(yi, vi) - (yi.size - 1)) / tr_p)


def paule_mandel(yi: np.ndarray, vi: np.ndarray) -> float:
    target = yi.size - 1
    if q_statistic(yi, vi, 0.0) < target:
        return 0.0
    tau2_max = max(TAU2_MAX_FLOOR, 10.0 * _mad(yi) ** 2)
    if q_statistic(yi, vi, tau2_max) > target:
        raise Tau2NotEstimable(f"Paule-Mandel: tau² exceeds tau2.max = {tau2_max:g}")
    try:
        return uniroot(lambda t: q_statistic(yi, vi, t) - target, 0.0, tau2_max, tol=R_DEFAULT_TOL, maxiter=MAXITER)
    except RootNotFound as exc:
        raise Tau2NotEstimable(f"Paule-Mandel: {exc}") from None


def fisher_scoring(yi: np.ndarray, vi: np.ndarray, *, reml: bool) -> float:
    tau2 = max(0.0, _hedges(yi, vi))
    change, iteration = THRESHOLD + 1.0, 0
    while change > THRESHOLD:
        iteration += 1
        old = tau2
        w = 1.0 / (vi + tau2)
        sw, sw2 = w.sum(), np.sum(w**2)
        py = w * (yi - np.sum(w * yi) / sw)  # P y with P = W - w w'/sum(w)
        ypp_y = np.sum(py**2)
        if reml:
            tr_p = sw - sw2 / sw
            tr_pp = sw2 - 2.0 * np.sum(w**3) / sw + (sw2 / sw) ** 2
            adj = (ypp_y - tr_p) / tr_pp
        else:
            adj = (ypp_y - sw) / sw2
        if math.isnan(adj):
            adj = 0.0
        while tau2 + adj < 0.0:
            adj /= 2.0
        tau2 = float(tau2 + adj)
        change = abs(old - tau2)
        if iteration > MAXITER:
            raise Tau2NotEstimable("Fisher scoring algorithm did not converge (metafor: 100 iterations)")
    if tau2 > THRESHOLD and _loglik(yi, vi, 0.0, reml) - _loglik(yi, vi, tau2, reml) > R_DEFAULT_TOL:
        tau2 = 0.0  # metafor: stuck at a local maximum, the likelihood at tau² = 0 is higher
    return max(0.0, tau2)


def _hedges(yi: np.ndarray, vi: np.ndarray) -> float:
    """Hedges' (HE) moment estimator: metafor's starting value for Fisher scoring."""
    k = yi.size
    rss = np.sum((yi - yi.mean()) ** 2)
    return float((rss - (vi.sum() - vi.sum() / k)) / (k - 1))


def _loglik(yi: np.ndarray, vi: np.ndarray, tau2: float, reml: bool) -> float:
    k = yi.size
    w = 1.0 / (vi + tau2)
    sw = w.sum()
    rss = np.sum(w * (yi - np.sum(w * yi) / sw) ** 2)
    if reml:
        return float(-0.5 * (k - 1) * math.log(2 * math.pi) - 0.5 * np.sum(np.log(vi + tau2)) - 0.5 * math.log(sw) - 0.5 * rss)
    return float(-0.5 * k * math.log(2 * math.pi) - 0.5 * np.sum(np.log(vi + tau2)) - 0.5 * rss)


def _mad(x: np.ndarray) -> float:
    """R's mad(): 1.4826 × median absolute deviation from the median."""
    return 1.4826 * float(np.median(np.abs(x - np.median(x))))
