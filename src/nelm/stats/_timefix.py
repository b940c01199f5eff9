"""R's aeqSurv (the default timefix=TRUE of coxph, survfit, survdiff and concordance).

Times that differ only by floating-point noise (relative gap <= sqrt(machine eps)) are made exactly equal,
so they form one tie group, as R does; without it, near-ties would make Efron and the counts differ from R.
"""

from __future__ import annotations

import numpy as np

_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def r_timefix(time: np.ndarray) -> np.ndarray:
    time = np.asarray(time, dtype=float)
    distinct = np.unique(time[np.isfinite(time)])
    if distinct.size < 2:
        return time
    gap = np.diff(distinct)
    tied = (gap <= _TOLERANCE) | (gap / np.mean(np.abs(distinct)) <= _TOLERANCE)
    if not tied.any():
        return time
    cuts = distinct[np.concatenate([[True], ~tied])]
    return cuts[np.searchsorted(cuts, time, side="right") - 1]


def fixed_time_ranks(time: np.ndarray, timefix: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(times after r_timefix, 0-based dense ranks of those times) from a single sort."""
    time = np.asarray(time, dtype=float)
    order = np.argsort(time)
    sorted_t = time[order]
    new = np.empty(sorted_t.size, dtype=bool)
    new[:1] = True
    new[1:] = sorted_t[1:] != sorted_t[:-1]
    if timefix and sorted_t.size > 1:
        distinct = sorted_t[new]
        gap = np.diff(distinct)
        tied = (gap <= _TOLERANCE) | (gap / np.mean(np.abs(distinct)) <= _TOLERANCE)
        if tied.any():
            keep = np.concatenate([[True], ~tied])  # which distinct values start a new (fixed) time
            group = np.cumsum(new) - 1
            new = new & keep[group]
            cuts = distinct[keep]
            sorted_t = cuts[np.cumsum(new) - 1]
    ranks = np.empty(sorted_t.size, dtype=np.int64)
    ranks[order] = np.cumsum(new) - 1
    fixed = np.empty_like(sorted_t)
    fixed[order] = sorted_t
    return fixed, ranks
