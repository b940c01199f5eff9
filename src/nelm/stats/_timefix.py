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
