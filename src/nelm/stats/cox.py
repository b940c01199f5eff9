"""Cox proportional hazards model, R-exact (survival::coxph, coxfit6 iteration).

Each Newton step is O(n p^2): risk-set sums are reverse cumulative sums over the sorted data, Efron's
tied-event correction touches only the tie groups, and the information matrix is assembled with two
matrix products instead of an n x p x p array. lifelines is 10-25x slower than R here, hence our own code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, stats

from nelm.stats._risksets import RiskSets, build_risk_sets
from nelm.stats._timefix import r_timefix
from nelm.stats._validate import SurvivalDataError, check_time_event
from nelm.stats.results import TestResult


@dataclass(frozen=True)
class _Slots:
    """Efron 'slots': one per event (Breslow: one per tie group) with its weight and down-weighting fraction."""

    event_rows: np.ndarray  # sorted positions of the event rows
    group_rows: np.ndarray  # first sorted row of each tie group that holds events
    group_first_event: np.ndarray  # offset of each event group's first event within event_rows
    group_of_slot: np.ndarray  # event-group index of each slot
    group_of_event: np.ndarray  # event-group index of each event row
    frac: np.ndarray  # k/d: share of the tied events' risk removed from the risk set
    weight: np.ndarray  # mean weight of the tied events (Efron) or their total (Breslow)
    slot_first: np.ndarray  # offset of each event group's first slot


def _build_slots(rs: RiskSets, ties: str) -> _Slots:
    ev = np.flatnonzero(rs.event)
    g = rs.group_of_row[ev]
    new = np.ones(ev.size, dtype=bool)
    new[1:] = g[1:] != g[:-1]
    first = np.flatnonzero(new)
    counts = np.diff(np.append(first, ev.size))
    group_of_event = np.cumsum(new) - 1
    deadwt = np.add.reduceat(rs.weight[ev], first)
    group_rows = rs.group_start[g[first]]
    if ties == "efron":
        rank = np.arange(ev.size) - first[group_of_event]
        d = counts[group_of_event]
        return _Slots(ev, group_rows, first, group_of_event, group_of_event, rank / d,
                      (deadwt / counts)[group_of_event], first)
    n_groups = first.size
    return _Slots(ev, group_rows, first, np.arange(n_groups), group_of_event, np.zeros(n_groups), deadwt,
                  np.arange(n_groups))


@dataclass(frozen=True)
class _TiedSlots:
    """Efron slots that belong to tie groups with more than one event (usually few)."""

    slots: np.ndarray  # slot indices
    group: np.ndarray  # index of each such slot's group among the tied groups
    rows: np.ndarray  # sorted event rows of the tied groups
    first: np.ndarray  # offset of each tied group within `rows`


def _tied_slots(sl: _Slots) -> _TiedSlots:
    per_group = np.bincount(sl.group_of_event, minlength=sl.group_rows.size)
    tied_groups = np.flatnonzero(per_group > 1)
    compact = np.full(sl.group_rows.size, -1)
    compact[tied_groups] = np.arange(tied_groups.size)
    in_tied = per_group[sl.group_of_event] > 1
    rows = sl.event_rows[in_tied]
    first = np.flatnonzero(np.diff(np.concatenate([[-1], sl.group_of_event[in_tied]])) != 0)
    slots = np.flatnonzero(per_group[sl.group_of_slot] > 1)
    return _TiedSlots(slots, compact[sl.group_of_slot[slots]], rows, first)


@dataclass
class _Evaluation:
    loglik: float
    score: np.ndarray
    information: np.ndarray
    denom: np.ndarray  # D per slot
    mean: np.ndarray  # risk-weighted covariate mean per slot (p columns)
    risk: np.ndarray  # exp(eta), sorted


class _CoxProblem:
    """Sorted, centred data with the slot structure; evaluates loglik, score and information at beta."""

    def __init__(self, X, rs: RiskSets, ties: str):
        self.rs = rs
        self.means = np.average(X, axis=0, weights=rs.weight) if X.shape[1] else np.zeros(0)
        self.X = X - self.means  # centring, as R: same estimates, better conditioned sums
        self.slots = _build_slots(rs, ties)
        ev = self.slots.event_rows
        self.event_x_sum = rs.weight[ev] @ self.X[ev]  # the sum of w x over events never changes with beta
        self.unweighted = bool(np.all(rs.weight == 1.0))
        self.one_slot_per_group = self.slots.group_of_slot.size == self.slots.group_rows.size
        self.tied = _tied_slots(self.slots)

    def evaluate(self, beta: np.ndarray, information: bool = True) -> _Evaluation:
        rs, sl, X = self.rs, self.slots, self.X
        eta = X @ beta
        risk = np.exp(eta)
        r = risk if self.unweighted else rs.weight * risk
        rX = X * r[:, None]
        s0 = rs.suffix_sum(r)[sl.group_rows]
        s1 = rs.suffix_sum(rX)[sl.group_rows]
        gs, f, ws = sl.group_of_slot, sl.frac, sl.weight
        if self.one_slot_per_group:  # Breslow, or Efron without tied events: no down-weighting
            denom, mean = s0, s1 / s0[:, None]
        else:  # Efron: only slots of tied events lose part of their tied events' risk
            tied = self.tied
            e0 = np.add.reduceat(r[tied.rows], tied.first)
            e1 = np.add.reduceat(rX[tied.rows], tied.first, axis=0)
            denom = s0[gs]
            denom[tied.slots] -= f[tied.slots] * e0[tied.group]
            num = np.take(s1, gs, axis=0)
            num[tied.slots] -= f[tied.slots, None] * e1[tied.group]
            mean = num / denom[:, None]
        loglik = float(self.event_x_sum @ beta - ws @ np.log(denom))
        score = self.event_x_sum - ws @ mean
        ev_ = _Evaluation(loglik, score, None, denom, mean, risk)
        if information:
            ev_.information = self.slot_information(ev_)
        return ev_

    def slot_information(self, ev_: _Evaluation, multiplier: np.ndarray | None = None) -> np.ndarray:
        """Sum over slots of multiplier * weight * (risk-set covariance); multiplier=None means 1 (the information).

        Assembled as X' diag(row weights) X minus the slot means' outer products: O(n p^2), no n x p x p array.
        """
        rs, sl, X = self.rs, self.slots, self.X
        gs, f = sl.group_of_slot, sl.frac
        ws = sl.weight if multiplier is None else sl.weight * multiplier
        n_groups = sl.group_rows.size
        r = ev_.risk if self.unweighted else rs.weight * ev_.risk
        a_rows = np.zeros(rs.n)
        if self.one_slot_per_group:
            a_rows[sl.group_rows] = ws / ev_.denom
        else:
            a_rows[sl.group_rows] = np.bincount(gs, ws / ev_.denom, minlength=n_groups)
        row_weight = r * rs.prefix_sum(a_rows)  # sum of a over the event groups whose risk set holds the row
        if not self.one_slot_per_group:
            ev = sl.event_rows
            b = np.bincount(gs, ws * f / ev_.denom, minlength=n_groups)
            row_weight[ev] -= r[ev] * b[sl.group_of_event]
        return (X * row_weight[:, None]).T @ X - (ev_.mean * ws[:, None]).T @ ev_.mean

    def score_residuals(self, ev_: _Evaluation) -> np.ndarray:
        """Unweighted score residuals per sorted row, as R's coxscore2 (Efron-aware)."""
        rs, sl, X = self.rs, self.slots, self.X
        gs, f, ws = sl.group_of_slot, sl.frac, sl.weight
        h = ws / ev_.denom
        n_groups = sl.group_rows.size
        hg = np.bincount(gs, h, minlength=n_groups)
        hmg = np.add.reduceat(ev_.mean * h[:, None], sl.slot_first, axis=0)
        h_rows = np.zeros(rs.n)
        hm_rows = np.zeros_like(X)
        h_rows[sl.group_rows] = hg
        hm_rows[sl.group_rows] = hmg
        cum_h = rs.prefix_sum(h_rows)
        cum_hm = rs.prefix_sum(hm_rows)
        resid = -ev_.risk[:, None] * (X * cum_h[:, None] - cum_hm)
        ev = sl.event_rows
        ge = sl.group_of_event
        slots_per_group = np.diff(np.append(sl.slot_first, gs.size))
        mean_of_means = np.add.reduceat(ev_.mean, sl.slot_first, axis=0) / slots_per_group[:, None]
        fh = np.bincount(gs, f * h, minlength=n_groups)
        fhm = np.add.reduceat(ev_.mean * (f * h)[:, None], sl.slot_first, axis=0)
        # a tied event is only partly in its own risk sets under Efron: give back the removed share
        resid[ev] += ev_.risk[ev, None] * (X[ev] * fh[ge, None] - fhm[ge]) + X[ev] - mean_of_means[ge]
        return resid


class CoxPH:
    """Cox proportional hazards regression.

    ties: "efron" (R's default) or "breslow". robust: sandwich variance (implied when a cluster is given).
    Iterates exactly as R's coxph (Newton-Raphson from 0, step halving, stop when the relative change in
    log-likelihood is <= tol) so estimates agree with R to rounding. timefix: merge times equal up to
    floating-point noise, as R's default (aeqSurv).
    """

    def __init__(self, ties: str = "efron", robust: bool = False, alpha: float = 0.05, tol: float = 1e-9,
                 max_iter: int = 20, timefix: bool = True):
        if ties not in ("efron", "breslow"):
            raise ValueError("ties must be 'efron' or 'breslow'")
        self.ties = ties
        self.robust = robust
        self.alpha = alpha
        self.tol = tol
        self.max_iter = max_iter
        self.timefix = timefix

    # ------------------------------------------------------------------ fitting
    def fit(self, X, time, event, *, strata=None, cluster=None, weights=None, names=None) -> "CoxPH":
        X, names = _as_matrix(X, names)
        t, e, w = check_time_event(time, event, weights)
        if self.timefix:
            t = r_timefix(t)
        if X.shape[0] != t.size:
            raise SurvivalDataError(f"covariates have {X.shape[0]} rows but time has {t.size}")
        if not np.all(np.isfinite(X)):
            raise SurvivalDataError("covariates: missing or infinite values")
        if X.shape[1] == 0:
            raise SurvivalDataError("no covariates")
        rs = build_risk_sets(t, e, w, strata)
        problem = _CoxProblem(X[rs.order], rs, self.ties)
        beta, ev0, ev1, iterations, converged = self._newton(problem)
        var = _inverse(ev1.information)

        self.names_ = list(names)
        self.coef_ = beta
        self.n_ = int(t.size)
        self.n_events_ = int(e.sum())
        self.loglik_ = (ev0.loglik, ev1.loglik)
        self.iterations_ = iterations
        self.converged_ = converged
        self.naive_var_ = var
        self.means_ = problem.means
        self.warnings_ = _convergence_warnings(converged, ev1.score, var, beta, self.tol, self.max_iter, names)
        self.score_test_ = TestResult.chi2("score", ev0.score @ _solve(ev0.information, ev0.score), beta.size)
        self.likelihood_ratio_test_ = TestResult.chi2("likelihood_ratio", 2 * (ev1.loglik - ev0.loglik), beta.size)

        self.robust_ = bool(self.robust or cluster is not None)
        self._cluster_sorted = None if cluster is None else _cluster_codes(cluster, t.size)[rs.order]
        self.robust_score_test_ = None
        if self.robust_:
            groups = _cluster_codes(cluster, t.size)[rs.order]
            sorted_w = rs.weight[:, None]
            dfbeta = problem.score_residuals(ev1) @ var * sorted_w
            d = _collapse(dfbeta, groups)
            self.var_ = d.T @ d
            resid0 = _collapse(problem.score_residuals(ev0) * sorted_w, groups)
            u0 = resid0.sum(axis=0)
            self.robust_score_test_ = TestResult.chi2("robust_score", u0 @ _solve(resid0.T @ resid0, u0), beta.size)
        else:
            self.var_ = var
        self.wald_test_ = TestResult.chi2("wald", beta @ _solve(self.var_, beta), beta.size)

        # kept for prediction, concordance and the PH test
        self._problem = problem
        self._final = ev1
        self._strata_labels = None if strata is None else np.unique(np.asarray(strata))
        self._weights = w
        self._lp_sorted = problem.X @ beta
        return self

    def _newton(self, problem: _CoxProblem):
        p = problem.X.shape[1]
        beta = np.zeros(p)
        ev0 = problem.evaluate(beta)
        if not np.isfinite(ev0.loglik):
            raise SurvivalDataError("log-likelihood is not finite at the start; check covariate scaling")
        best = ev0.loglik
        new_beta = beta + _solve(ev0.information, ev0.score)
        halving = 0
        for iteration in range(1, self.max_iter + 1):
            ev = problem.evaluate(new_beta)
            finite = np.isfinite(ev.loglik) and np.all(np.isfinite(ev.score)) and np.all(np.isfinite(ev.information))
            if finite and abs(1 - best / ev.loglik) <= self.tol:
                return new_beta, ev0, ev, iteration, True
            if not finite or ev.loglik < best:  # overshoot: step back towards the last good beta
                halving += 1
                new_beta = (new_beta + halving * beta) / (halving + 1.0)
            else:
                halving = 0
                best = ev.loglik
                beta = new_beta
                new_beta = new_beta + _solve(ev.information, ev.score)
        return beta, ev0, problem.evaluate(beta), self.max_iter, False

    # ------------------------------------------------------------------ results
    @property
    def se_(self) -> np.ndarray:
        return np.sqrt(np.diag(self.var_))

    @property
    def naive_se_(self) -> np.ndarray:
        return np.sqrt(np.diag(self.naive_var_))

    @property
    def robust_se_(self) -> np.ndarray | None:
        return self.se_ if self.robust_ else None

    @property
    def hazard_ratios_(self) -> np.ndarray:
        return np.exp(self.coef_)

    @property
    def summary(self) -> pd.DataFrame:
        z_crit = stats.norm.ppf(1 - self.alpha / 2)
        se = self.se_
        z = self.coef_ / se
        frame = pd.DataFrame({
            "coef": self.coef_,
            "hr": np.exp(self.coef_),
            "se": self.naive_se_,
            "z": z,
            "p": 2 * stats.norm.sf(np.abs(z)),
            "ci_lower": np.exp(self.coef_ - z_crit * se),
            "ci_upper": np.exp(self.coef_ + z_crit * se),
        }, index=pd.Index(self.names_, name="covariate"))
        if self.robust_:
            frame.insert(3, "robust_se", se)
        return frame

    @property
    def concordance_(self):
        """Harrell's C of the linear predictor within strata (as coxph reports it)."""
        from nelm.stats.concordance import concordance_index

        rs = self._problem.rs
        return concordance_index(rs.time, rs.event, self._lp_sorted, strata=rs.stratum, weights=rs.weight,
                                 cluster=self._cluster_sorted, timefix=False)

    def predict_log_hazard(self, X) -> np.ndarray:
        """Linear predictor x.beta (not centred)."""
        X, _ = _as_matrix(X, self.names_)
        return X @ self.coef_

    # ------------------------------------------------------------------ baseline and prediction
    def baseline_cumulative_hazard(self, stratum=None) -> tuple[np.ndarray, np.ndarray]:
        """Times (all distinct times of the stratum) and cumulative hazard at covariates = means_.

        Efron ties use Efron's hazard increment, Breslow ties Breslow's, as survfit.coxph does by default.
        """
        rs, sl, ev = self._problem.rs, self._problem.slots, self._final
        s = 0 if stratum is None else self._stratum_index(stratum)
        a, b = rs.stratum_start[s], rs.stratum_end[s]
        increment = np.bincount(sl.group_of_slot, sl.weight / ev.denom, minlength=sl.group_rows.size)
        rows = np.zeros(rs.n)
        rows[sl.group_rows] = increment
        cum = np.cumsum(rows[a:b])
        times = rs.time[a:b]
        last = np.append(times[1:] != times[:-1], True)
        return times[last], cum[last]

    def predict_survival(self, X, stratum=None) -> tuple[np.ndarray, np.ndarray]:
        """Survival curves for new patients: times and an array (n_times, n_patients)."""
        X, _ = _as_matrix(X, self.names_)
        times, h0 = self.baseline_cumulative_hazard(stratum)
        lp = (X - self.means_) @ self.coef_
        return times, np.exp(-np.outer(h0, np.exp(lp)))

    def _stratum_index(self, stratum) -> int:
        if self._strata_labels is None:
            raise ValueError("the model has no strata")
        hits = np.flatnonzero(self._strata_labels == stratum)
        if hits.size == 0:
            raise ValueError(f"unknown stratum {stratum!r}")
        return int(hits[0])


# ---------------------------------------------------------------------- helpers
def _as_matrix(X, names):
    if isinstance(X, pd.DataFrame):
        names = list(X.columns) if names is None else list(names)
        X = X.to_numpy(dtype=float)
    elif isinstance(X, pd.Series):
        names = [X.name or "x"] if names is None else list(names)
        X = X.to_numpy(dtype=float)[:, None]
    else:
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        names = [f"x{i + 1}" for i in range(X.shape[1])] if names is None else list(names)
    return X, names


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return linalg.cho_solve(linalg.cho_factor(a), b)
    except linalg.LinAlgError:
        raise SurvivalDataError("information matrix is singular: covariates are collinear or constant") from None


def _inverse(a: np.ndarray) -> np.ndarray:
    return _solve(a, np.eye(a.shape[0]))


def _convergence_warnings(converged, score, var, beta, tol, max_iter, names) -> list[str]:
    """R's coxph.fit checks: not converged, or a coefficient that is drifting to infinity (monotone likelihood)."""
    if not converged:
        return [f"did not converge in {max_iter} iterations"]
    step = np.abs(score @ var)
    drifting = ~np.isfinite(score) | ((step > tol) & (step > np.sqrt(tol) * np.abs(beta)))
    return [f"log-likelihood converged before '{name}'; its coefficient may be infinite"
            for name, flag in zip(names, drifting) if flag]


def _cluster_codes(cluster, n: int) -> np.ndarray:
    if cluster is None:
        return np.arange(n)
    cluster = np.asarray(cluster)
    if cluster.shape[0] != n:
        raise SurvivalDataError(f"cluster has {cluster.shape[0]} values but time has {n}")
    return np.unique(cluster, return_inverse=True)[1].ravel()


def _collapse(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    n_groups = int(groups.max()) + 1
    if n_groups == values.shape[0] and np.array_equal(groups, np.arange(n_groups)):
        return values
    return np.column_stack([np.bincount(groups, values[:, j], minlength=n_groups) for j in range(values.shape[1])])
