"""Bootstrap optimism correction of a Cox model, as R rms::validate(cph) (Harrell's method).

For each resample: refit on the resample (rms settings: eps 1e-4, at most 10 iterations), compute the indexes
on the resample (training) and on the original data with the resample's coefficients (test); optimism is the
mean of training - test and corrected = apparent - optimism. Indexes as rms: Dxy (= 2C - 1), R2, Slope, D, U,
Q, g. Given the same resamples (validate_indices.csv from R) the table equals rms's to rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nelm.prognosis.partial_likelihood import efron_loglik
from nelm.stats import CoxPH, SurvivalDataError, concordance_index

INDEXES = ("Dxy", "R2", "Slope", "D", "U", "Q", "g")
RMS_TOL, RMS_MAX_ITER = 1e-4, 10  # what rms validate.cph passes to coxphFit for resample and test fits


@dataclass(frozen=True)
class BootstrapResult:
    apparent: dict[str, float]
    training: dict[str, float]
    test: dict[str, float]
    successful: int
    requested: int

    @property
    def optimism(self) -> dict[str, float]:
        return {k: self.training[k] - self.test[k] for k in INDEXES}

    @property
    def corrected(self) -> dict[str, float]:
        return {k: self.apparent[k] - self.optimism[k] for k in INDEXES}

    def to_dict(self) -> dict:
        optimism, corrected = self.optimism, self.corrected
        table = {k: {"apparent": self.apparent[k], "training": self.training[k], "test": self.test[k],
                     "optimism": optimism[k], "corrected": corrected[k]} for k in INDEXES}
        c = {"apparent": (self.apparent["Dxy"] + 1) / 2, "optimism": optimism["Dxy"] / 2,
             "corrected": (corrected["Dxy"] + 1) / 2}
        return {"method": "Harrell bootstrap optimism correction (R rms validate)", "resamples": self.requested,
                "successful": self.successful, "c_index": c,
                "calibration_slope": {"apparent": 1.0, "optimism": optimism["Slope"], "corrected": corrected["Slope"]},
                "indexes": table}


def gini_md(x: np.ndarray) -> float:
    """Gini's mean difference, as Hmisc::GiniMd."""
    n = x.size
    if n < 2:
        return float("nan")
    w = 4 * (np.arange(1, n + 1) - (n - 1) / 2) / n / (n - 1)
    return float(np.sum(w * np.sort(x - x.mean())))


def _dxy(xb, time, event) -> float:
    return 2 * concordance_index(time, event, xb).c_index - 1


def _fitted_indexes(loglik: tuple[float, float], xb, time, event) -> dict[str, float]:
    """rms discrim with evalfit=TRUE: the fit's own log-likelihoods, slope 1."""
    n = xb.size
    lr = -2 * (loglik[0] - loglik[1])
    ll0 = -2 * loglik[0]
    r2 = (1 - np.exp(-lr / n)) / (1 - np.exp(-ll0 / n))
    d, u = (lr - 1) / ll0, -2 / ll0
    return {"Dxy": _dxy(xb, time, event), "R2": r2, "Slope": 1.0, "D": d, "U": u, "Q": d - u, "g": gini_md(xb)}


def _test_indexes(xb, time, event) -> dict[str, float]:
    """rms discrim with evalfit=FALSE: refit the outcome on xb for the slope, U from the frozen slope 1."""
    if np.unique(xb).size == 1:
        return {"Dxy": 0.0, "R2": 0.0, "Slope": 1.0, "D": 0.0, "U": 0.0, "Q": 0.0, "g": gini_md(xb)}
    n = xb.size
    fit = CoxPH(tol=RMS_TOL, max_iter=RMS_MAX_ITER).fit(xb[:, None], time, event)
    ll0, ll1 = fit.loglik_
    lr = -2 * (ll0 - ll1)
    slope = float(fit.coef_[0])
    r2 = (1 - np.exp(-lr / n)) / (1 - np.exp(2 * ll0 / n))
    d = (lr - 1) / (-2 * ll0)
    u = -2 * (efron_loglik(xb, time, event) - ll1) / (-2 * ll0)  # slope frozen at 1
    return {"Dxy": _dxy(xb, time, event), "R2": r2, "Slope": slope, "D": d, "U": u, "Q": d - u,
            "g": gini_md(slope * xb)}


def bootstrap_validate(X: np.ndarray, time, event, *, coef: np.ndarray, loglik: tuple[float, float],
                       resamples: int = 200, seed: int | None = None, indices: np.ndarray | None = None,
                       progress: Callable[[int], None] | None = None) -> BootstrapResult:
    """X: design matrix of the data; coef, loglik: the model fitted on these data (apparent indexes).

    indices (n, B), 0-based, replays given resamples (e.g. R's); otherwise numpy draws them from seed.
    """
    X = np.asarray(X, dtype=float)
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(bool)
    n = time.size
    apparent = _fitted_indexes(loglik, X @ coef, time, event)
    if indices is None:
        rng = np.random.default_rng(seed)
        indices = rng.integers(0, n, size=(n, resamples))
    train_sum = dict.fromkeys(INDEXES, 0.0)
    test_sum = dict.fromkeys(INDEXES, 0.0)
    ok = 0
    for b in range(indices.shape[1]):
        rows = indices[:, b]
        try:
            fit = CoxPH(tol=RMS_TOL, max_iter=RMS_MAX_ITER).fit(X[rows], time[rows], event[rows])
        except SurvivalDataError:  # e.g. no events or a constant column in the resample: rms skips it too
            fit = None
        if fit is not None:
            xb = X @ fit.coef_
            train = _fitted_indexes(fit.loglik_, xb[rows], time[rows], event[rows])
            test = _test_indexes(xb, time, event)
            for k in INDEXES:
                train_sum[k] += train[k]
                test_sum[k] += test[k]
            ok += 1
        if progress is not None:
            progress(b + 1)
    if ok == 0:
        raise SurvivalDataError("every bootstrap refit failed")
    return BootstrapResult(apparent, {k: v / ok for k, v in train_sum.items()},
                           {k: v / ok for k, v in test_sum.items()}, ok, int(indices.shape[1]))
