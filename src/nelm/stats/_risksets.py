"""Sorted risk sets shared by Cox, log-rank and the baseline hazard.

Rows are sorted by (stratum, time ascending, event first). A *tie group* is a run of rows with the same
stratum and time; the risk set of a group is every row of its stratum from the group's first row on.
Sums over risk sets are therefore reverse cumulative sums restricted to the stratum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Beyond this many strata a Python loop over strata costs more than the offset trick loses in precision.
_LOOP_STRATA_MAX = 64


@dataclass(frozen=True)
class RiskSets:
    order: np.ndarray  # permutation: sorted position -> original row
    time: np.ndarray  # sorted times
    event: np.ndarray  # sorted event indicator (bool)
    weight: np.ndarray  # sorted case weights
    stratum: np.ndarray  # sorted stratum code per row (0..n_strata-1)
    stratum_start: np.ndarray  # first sorted row of each stratum
    stratum_end: np.ndarray  # one past the last sorted row of each stratum
    group_start: np.ndarray  # first sorted row of each tie group
    group_end: np.ndarray  # one past the last row of each tie group
    group_of_row: np.ndarray  # tie-group index of each sorted row

    @property
    def n(self) -> int:
        return self.time.shape[0]

    @property
    def row_stratum_end(self) -> np.ndarray:
        return self.stratum_end[self.stratum]

    def suffix_sum(self, values: np.ndarray) -> np.ndarray:
        """For each sorted row i: sum of values[i : end of i's stratum] (works on 1-D or 2-D values)."""
        return _segmented_reverse_cumsum(values, self.stratum_start, self.stratum_end, self.stratum)

    def prefix_sum(self, values: np.ndarray) -> np.ndarray:
        """For each sorted row i: sum of values[start of i's stratum : i + 1]."""
        return _segmented_cumsum(values, self.stratum_start, self.stratum_end, self.stratum)


def build_risk_sets(time, event, weight=None, strata=None) -> RiskSets:
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(bool)
    n = time.shape[0]
    weight = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
    if strata is None:
        codes = np.zeros(n, dtype=np.int64)
    else:
        _, codes = np.unique(np.asarray(strata), return_inverse=True)
        codes = codes.astype(np.int64)
    # lexsort: last key is primary. Events before censorings at equal time (R's convention for ties).
    order = np.lexsort((~event, time, codes))
    t, e, w, s = time[order], event[order], weight[order], codes[order]
    new_stratum = np.ones(n, dtype=bool)
    new_stratum[1:] = s[1:] != s[:-1]
    stratum_start = np.flatnonzero(new_stratum)
    stratum_end = np.append(stratum_start[1:], n)
    new_group = new_stratum.copy()
    new_group[1:] |= t[1:] != t[:-1]
    group_start = np.flatnonzero(new_group)
    group_end = np.append(group_start[1:], n)
    group_of_row = np.cumsum(new_group) - 1
    # stratum codes must be 0..k-1 in sorted order for stratum_end[stratum] look-ups
    stratum_index = np.cumsum(new_stratum) - 1
    return RiskSets(order, t, e, w, stratum_index, stratum_start, stratum_end, group_start, group_end, group_of_row)


def _segmented_reverse_cumsum(values, starts, ends, row_segment):
    values = np.asarray(values, dtype=float)
    if len(starts) <= _LOOP_STRATA_MAX:
        out = np.empty_like(values)
        for a, b in zip(starts, ends):
            out[a:b] = np.cumsum(values[a:b][::-1], axis=0)[::-1]
        return out
    total = np.cumsum(values[::-1], axis=0)[::-1]
    tail = np.concatenate([total, np.zeros((1,) + values.shape[1:])])
    return total - tail[ends[row_segment]]


def _segmented_cumsum(values, starts, ends, row_segment):
    values = np.asarray(values, dtype=float)
    if len(starts) <= _LOOP_STRATA_MAX:
        out = np.empty_like(values)
        for a, b in zip(starts, ends):
            out[a:b] = np.cumsum(values[a:b], axis=0)
        return out
    total = np.cumsum(values, axis=0)
    head = np.concatenate([np.zeros((1,) + values.shape[1:]), total])
    return total - head[starts[row_segment]]
