"""Cox partial likelihood on sorted risk sets: log-likelihood, score, information and score residuals.

Each evaluation is O(n p^2): risk-set sums are reverse cumulative sums over the sorted data, Efron's
tied-event correction touches only the tie groups, and the information matrix is assembled with two
matrix products instead of an n x p x p array. The formulas follow R's coxfit6 and coxscore2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nelm.stats._risksets import RiskSets


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
class Evaluation:
    loglik: float
    score: np.ndarray
    information: np.ndarray
    denom: np.ndarray  # D per slot
    mean: np.ndarray  # risk-weighted covariate mean per slot (p columns)
    risk: np.ndarray  # exp(eta), sorted


class CoxLikelihood:
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

    def evaluate(self, beta: np.ndarray, information: bool = True) -> Evaluation:
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
        ev_ = Evaluation(loglik, score, None, denom, mean, risk)
        if information:
            ev_.information = self.slot_information(ev_)
        return ev_

    def slot_information(self, ev_: Evaluation, multiplier: np.ndarray | None = None) -> np.ndarray:
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

    def score_residuals(self, ev_: Evaluation) -> np.ndarray:
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
