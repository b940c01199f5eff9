"""Greedy nearest-neighbour 1:k matching on a distance (MatchIt's method = "nearest", estimand ATT).

The algorithm is MatchIt's: units are sorted by distance (stable sort, so equal distances keep data order);
in round r = 1..k every treated unit, taken in `m_order`, receives its r-th control: the nearest still-available
control on its left and on its right in that sorted order are found, each is dropped if it lies outside the
caliper, and the left one (lower distance) wins when the two are equally far. Without replacement a control is
used once. With `exact` columns, matching runs separately inside each stratum.

`compat="matchit-4.5.1"` reproduces two defects of MatchIt 4.5.1's C++ matcher so its stored output can be
matched pair for pair: distances differences go through an integer abs() (the caliper only binds from a
difference of 1 up, and the left neighbour wins unless it is a whole unit further; MatchIt issue #163), and in
rounds r > 1 the "already matched to this treated unit" check compares 0-based with 1-based row numbers.
Do not use it for analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

MOrder = Literal["largest", "smallest", "random", "data"]
M_ORDERS: tuple[str, ...] = ("largest", "smallest", "random", "data")
TIE_TOLERANCE = 1e-10  # relative to the distance's magnitude; far above rounding, far below real gaps


@dataclass(frozen=True)
class Quirks:
    """MatchIt 4.5.1 defects to reproduce (both off for correct nearest-neighbour matching)."""

    truncate_abs: bool = False
    row_check_off_by_one: bool = False


NO_QUIRKS = Quirks()
MATCHIT_451 = Quirks(truncate_abs=True, row_check_off_by_one=True)


@dataclass(frozen=True)
class MatchResult:
    """Outcome of matching n units.

    match_matrix: one row per treated unit (in data order), `ratio` columns of control row positions
    (0-based into the input), -1 where no control was found. weights and subclass are MatchIt's.
    """

    treated_rows: np.ndarray
    match_matrix: np.ndarray
    weights: np.ndarray
    subclass: np.ndarray | None  # pair id 1..m per unit (0 = unmatched); None with replacement, as MatchIt
    caliper: float | None  # in distance units

    @property
    def n_treated_matched(self) -> int:
        return int(np.count_nonzero(self.match_matrix[:, 0] >= 0))

    def pairs(self) -> list[tuple[int, list[int]]]:
        """(treated row, [control rows]) for every treated unit that got at least one control."""
        out = []
        for row, controls in zip(self.treated_rows, self.match_matrix):
            found = [int(c) for c in controls if c >= 0]
            if found:
                out.append((int(row), found))
        return out


class _Skipper:
    """Next/previous still-available sorted position in near O(1): union-find with path compression.

    A pure-Python structure because no library offers "nearest unused neighbour" queries.
    """

    def __init__(self, available: np.ndarray):
        n = available.size
        positions = np.arange(n + 2)
        # right[k]: smallest available position >= k (n = none); left[k + 1]: largest available <= k (-1 = none)
        right = positions[: n + 1].copy()
        right[:n][~available] += 1
        left = positions[: n + 1].copy()
        left[1:][~available] -= 1
        self.right = right.tolist()
        self.left = left.tolist()
        self.n = n

    def next_at_or_after(self, k: int) -> int:
        right = self.right
        root = k
        while right[root] != root:
            root = right[root]
        while right[k] != root:
            right[k], k = root, right[k]
        return root if root < self.n else -1

    def prev_at_or_before(self, k: int) -> int:
        left = self.left
        root = k + 1
        while left[root] != root:
            root = left[root]
        k += 1
        while left[k] != root:
            left[k], k = root, left[k]
        return root - 1

    def remove(self, k: int) -> None:
        self.right[k] = k + 1
        self.left[k + 1] = k


def treated_order(distance_treated: np.ndarray, m_order: str, rng: np.random.Generator | None) -> np.ndarray:
    """Order in which treated units choose (positions among the treated), as MatchIt's order() calls."""
    n1 = distance_treated.size
    if m_order == "largest":
        # R's order(decreasing = TRUE) is stable: ties keep data order.
        return np.lexsort((np.arange(n1), -distance_treated))
    if m_order == "smallest":
        return np.argsort(distance_treated, kind="stable")
    if m_order == "random":
        return (rng or np.random.default_rng()).permutation(n1)
    if m_order == "data":
        return np.arange(n1)
    raise ValueError(f"m_order must be one of {', '.join(M_ORDERS)}, not {m_order!r}")


def _greedy(
    distance: np.ndarray,
    treat: np.ndarray,
    order: np.ndarray,
    ratio: int,
    caliper: float | None,
    replace: bool,
    quirks: Quirks,
) -> np.ndarray:
    """Match matrix (n1 x ratio, local row positions, -1 = none) for one stratum."""
    n = distance.size
    sorted_rows = np.argsort(distance, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[sorted_rows] = np.arange(n)
    d = distance[sorted_rows].tolist()
    rows = sorted_rows.tolist()
    treated_rows = np.flatnonzero(treat == 1)
    mm = np.full((treated_rows.size, ratio), -1, dtype=np.int64)
    skip = _Skipper(treat[sorted_rows] == 0)
    controls_left = int(np.count_nonzero(treat == 0))
    if controls_left == 0:
        return mm
    gap = (lambda a, b: float(abs(int(a - b)))) if quirks.truncate_abs else (lambda a, b: abs(a - b))
    shift = 1 if quirks.row_check_off_by_one else 0
    treated_pos = rank[treated_rows].tolist()
    order = order.tolist()

    for r in range(ratio):
        for t in order:
            ii = treated_pos[t]
            di = d[ii]
            taken = {int(c) + shift for c in mm[t, :r]} if r else ()
            k_left = skip.prev_at_or_before(ii - 1)
            while k_left >= 0 and rows[k_left] in taken:
                k_left = skip.prev_at_or_before(k_left - 1)
            k_right = skip.next_at_or_after(ii + 1)
            while k_right >= 0 and rows[k_right] in taken:
                k_right = skip.next_at_or_after(k_right + 1)
            if caliper is not None:
                if k_left >= 0 and gap(di, d[k_left]) > caliper:
                    k_left = -1
                if k_right >= 0 and gap(di, d[k_right]) > caliper:
                    k_right = -1
            if k_left >= 0 and k_right >= 0:
                # Left (lower distance) wins ties. Gaps within TIE_TOLERANCE are ties: distances tied in exact
                # arithmetic (e.g. two controls one year of age either side) differ here only by rounding.
                tol = TIE_TOLERANCE * max(1.0, abs(di))
                k = k_left if gap(d[k_left], di) <= gap(d[k_right], di) + tol else k_right
            elif k_left >= 0 or k_right >= 0:
                k = max(k_left, k_right)
            else:
                continue
            mm[t, r] = rows[k]
            if not replace:
                skip.remove(k)
                controls_left -= 1
                if controls_left == 0:
                    return mm
    return mm


def match_weights(match_matrix: np.ndarray, treated_rows: np.ndarray, n: int, treat: np.ndarray) -> np.ndarray:
    """MatchIt's matching weights: 1 per matched treated unit; each control gets the sum of 1/(number of controls
    of the treated unit it serves); control weights are then rescaled to sum to the number of matched controls."""
    weights = np.zeros(n)
    found = match_matrix >= 0
    counts = found.sum(axis=1)
    has = counts > 0
    weights[treated_rows[has]] = 1.0
    per_control = np.repeat(1.0 / np.maximum(counts, 1), match_matrix.shape[1]).reshape(match_matrix.shape)
    np.add.at(weights, match_matrix[found], per_control[found])
    control = treat == 0
    total = weights[control].sum()
    if total > 0:
        weights[control] *= np.count_nonzero(weights[control]) / total
    return weights


def pair_ids(match_matrix: np.ndarray, treated_rows: np.ndarray, n: int) -> np.ndarray:
    """MatchIt's subclass (pair id) per unit, 0 when unmatched.

    MatchIt numbers pairs by sorting the treated units' 1-based row numbers as TEXT ("1" < "10" < "2");
    copied so subclass ids agree with match.data().
    """
    has = match_matrix[:, 0] >= 0
    ranked = sorted(treated_rows[has] + 1, key=str)
    number = {row - 1: i + 1 for i, row in enumerate(ranked)}
    subclass = np.zeros(n, dtype=np.int64)
    for row, controls in zip(treated_rows[has], match_matrix[has]):
        subclass[row] = number[int(row)]
        subclass[controls[controls >= 0]] = number[int(row)]
    return subclass


def strata_codes(exact: pd.DataFrame | np.ndarray | None, n: int) -> np.ndarray:
    """One integer per unit identifying its exact-matching stratum (all 0 without exact columns)."""
    if exact is None:
        return np.zeros(n, dtype=np.int64)
    frame = pd.DataFrame(exact).reset_index(drop=True)
    if frame.shape[1] == 0:
        return np.zeros(n, dtype=np.int64)
    return frame.astype(str).groupby(list(frame.columns), sort=True).ngroup().to_numpy()


def nearest_neighbour_match(
    distance: np.ndarray,
    treat: np.ndarray,
    *,
    ratio: int = 1,
    caliper_sd: float | None = 0.2,
    replace: bool = False,
    m_order: MOrder = "largest",
    exact: pd.DataFrame | np.ndarray | None = None,
    seed: int | None = None,
    quirks: Quirks = NO_QUIRKS,
) -> MatchResult:
    """Greedy 1:`ratio` matching of treated (1) to control (0) units on `distance`.

    caliper_sd: caliper in standard deviations of the distance over all units (MatchIt's std.caliper = TRUE);
    None for no caliper.
    """
    distance = np.asarray(distance, dtype=float)
    treat = np.asarray(treat).astype(np.int64)
    n = distance.size
    if ratio < 1 or int(ratio) != ratio:
        raise ValueError("ratio must be a whole number >= 1")
    ratio = int(ratio)
    if m_order not in M_ORDERS:
        raise ValueError(f"m_order must be one of {', '.join(M_ORDERS)}, not {m_order!r}")
    caliper = None
    if caliper_sd is not None and np.unique(distance).size > 1:
        caliper = abs(caliper_sd) * float(np.std(distance, ddof=1))
    if replace:
        m_order = "data"  # as MatchIt: with replacement the order cannot change who is matched
    rng = np.random.default_rng(seed) if m_order == "random" else None

    treated_rows = np.flatnonzero(treat == 1)
    mm = np.full((treated_rows.size, ratio), -1, dtype=np.int64)
    treated_index = np.full(n, -1, dtype=np.int64)
    treated_index[treated_rows] = np.arange(treated_rows.size)
    codes = strata_codes(exact, n)
    for code in np.unique(codes):
        members = np.flatnonzero(codes == code)
        t_local = treat[members]
        d_local = distance[members]
        if not np.any(t_local == 1):
            continue
        order = treated_order(d_local[t_local == 1], m_order, rng)
        local = _greedy(d_local, t_local, order, ratio, caliper, replace, quirks)
        global_controls = np.where(local >= 0, members[np.maximum(local, 0)], -1)
        mm[treated_index[members[t_local == 1]]] = global_controls

    weights = match_weights(mm, treated_rows, n, treat)
    subclass = None if replace else pair_ids(mm, treated_rows, n)
    return MatchResult(treated_rows=treated_rows, match_matrix=mm, weights=weights, subclass=subclass, caliper=caliper)


def match_data(data: pd.DataFrame, result: MatchResult, distance: np.ndarray | None = None) -> pd.DataFrame:
    """The matched units with `weights` and `subclass` columns (MatchIt's match.data()).

    Ready for Kaplan-Meier / log-rank weighted by `weights`, and a Cox model with robust SEs clustered on
    `subclass` (the pair). With replacement there is no subclass: use `pair_rows()` instead.
    """
    out = data.copy()
    if distance is not None:
        out["distance"] = distance
    out["weights"] = result.weights
    if result.subclass is not None:
        out["subclass"] = result.subclass
    return out.loc[result.weights > 0]


def pair_rows(data: pd.DataFrame, result: MatchResult) -> pd.DataFrame:
    """One row per unit per matched set (MatchIt's get_matches()): a control reused k times appears k times.

    Columns added: `subclass` (matched set 1..m, treated units in data order), `weights` (1 for the treated,
    1/number of controls for each control) and `row` (0-based position in `data`).
    """
    records = []
    for number, (treated, controls) in enumerate(result.pairs(), start=1):
        records.append((treated, number, 1.0))
        records.extend((c, number, 1.0 / len(controls)) for c in controls)
    rows, subclass, weights = (np.array(v) for v in zip(*records)) if records else ([], [], [])
    out = data.iloc[np.asarray(rows, dtype=np.int64)].copy()
    out["subclass"] = subclass
    out["weights"] = weights
    out["row"] = rows
    return out.reset_index(drop=True)
