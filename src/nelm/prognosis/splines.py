"""Restricted cubic splines exactly as R Hmisc::rcspline.eval / rms::rcs (norm=2), so coefficients agree with rms.

Columns for knots t1..tk: x itself, then for j = 1..k-2
  (x-tj)+^3 - (x-t[k-1])+^3 (tk-tj)/(tk-t[k-1]) + (x-tk)+^3 (t[k-1]-tj)/(tk-t[k-1]),  all divided by (tk-t1)^2.
Knot placement follows rcspline.eval's default quantiles (including its small-sample and tied-end rules).
"""

from __future__ import annotations

import numpy as np

class KnotError(ValueError):
    pass


def rcs_basis(x, knots) -> np.ndarray:
    """Design columns (n, k-1): x, x', x'', ... in rms order."""
    x = np.asarray(x, dtype=float)
    t = np.asarray(knots, dtype=float)
    k = t.size
    kd = (t[-1] - t[0]) ** (2.0 / 3.0)  # R's norm=2 scaling, applied inside the cube as Hmisc does
    columns = [x]
    for j in range(k - 2):
        columns.append(np.maximum((x - t[j]) / kd, 0) ** 3
                       + ((t[-2] - t[j]) * np.maximum((x - t[-1]) / kd, 0) ** 3
                          - (t[-1] - t[j]) * np.maximum((x - t[-2]) / kd, 0) ** 3) / (t[-1] - t[-2]))
    return np.column_stack(columns)


def default_knots(x, nk: int = 4, fractied: float = 0.05) -> list[float]:
    """Knots as Hmisc::rcspline.eval(x, nk=nk, knots.only=TRUE) (Hmisc 4.8)."""
    xx = np.asarray(x, dtype=float)
    xx = xx[~np.isnan(xx)]
    n = xx.size
    if n < 6:
        raise KnotError("knots not specified and fewer than 6 non-missing values")
    if nk < 3:
        raise KnotError("a restricted cubic spline needs at least 3 knots")
    xu = np.unique(xx)
    if xu.size - 2 <= nk:
        knots = xu[1:-1]
    else:
        outer = 0.025 if nk > 6 else (0.05 if nk > 3 else 0.10)
        nke = nk
        first, last = [], []
        override_first = override_last = False
        if 0 < fractied < 1:
            values, counts = np.unique(xx, return_counts=True)
            f = counts / n
            if f[1:-1].max() < fractied:
                if f[0] >= fractied:
                    first = [xx[xx > xx.min()].min()]
                    xx = xx[xx > first[0]]
                    nke -= 1
                    override_first = True
                if f[-1] >= fractied:
                    last = [xx[xx < xx.max()].max()]
                    xx = xx[xx < last[0]]
                    nke -= 1
                    override_last = True
        if nke == 1:
            inner = np.array([np.median(xx)])
        elif xu.size <= nke:
            inner = xu
        else:
            p = np.linspace(0.5, 1 - outer, nke) if nke == 2 else np.linspace(outer, 1 - outer, nke)
            inner = np.quantile(xx, p)  # numpy's default is R's type 7
            if np.unique(inner).size < min(nke, 3):
                raise KnotError(f"could not place {nk} distinct knots: give them explicitly")
            if xx.size < 100:
                s = np.sort(xx)
                if not override_first:
                    inner[0] = s[4]
                if not override_last:
                    inner[-1] = s[-5]
        knots = np.concatenate([first, inner, last])
    knots = np.unique(knots)
    if knots.size < 3:
        raise KnotError("fewer than 3 distinct knots: the variable has too few distinct values for a spline")
    return [float(v) for v in knots]
