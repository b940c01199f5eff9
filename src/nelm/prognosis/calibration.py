"""Calibration of predicted risk at a time t: grouped Kaplan-Meier points and a smoothed curve.

Smoothed curve: Austin, Harrell and van Klaveren (Stat Med 2020;39:2714-42) regress the outcome on the
complementary log-log of the predicted risk; of their two methods (hazard regression, or a Cox model with a
restricted cubic spline) we use the Cox spline with 3 knots at the rms default positions because it needs no
extra package (polspline's HARE has no Python port) and agrees with R exactly. ICI, E50, E90 and Emax are
the mean, median, 90th centile and maximum of |observed - predicted| over the patients.
"""

from __future__ import annotations

import numpy as np

from nelm.prognosis.splines import KnotError, default_knots, rcs_basis
from nelm.stats import CoxPH, KaplanMeier, SurvivalDataError

SMOOTH_KNOTS = 3
CURVE_POINTS = 50


def grouped_points(time, event, risk_at_t, t: float, groups: int) -> list[dict]:
    """Equal-size groups by predicted risk (ties broken by order, as R's rank(ties='first')); KM in each."""
    risk = np.asarray(risk_at_t, dtype=float)
    n = risk.size
    groups = max(1, min(groups, n))
    order = np.argsort(risk, kind="stable")
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(1, n + 1)
    group = np.ceil(rank * groups / n).astype(int)
    out = []
    for g in range(1, groups + 1):
        rows = group == g
        km = KaplanMeier(conf_type="log").fit(np.asarray(time)[rows], np.asarray(event)[rows])
        at = km.survival_at([t]).iloc[0]
        out.append({"n": int(rows.sum()), "predicted_risk": float(risk[rows].mean()),
                    "observed_risk": float(1 - at.survival), "ci_lower": _clip(1 - at.ci_upper),
                    "ci_upper": _clip(1 - at.ci_lower)})
    return out


def smoothed_curve(time, event, risk_at_t, t: float, curve_points: int = CURVE_POINTS) -> tuple[dict, np.ndarray | None]:
    """Summary (ICI, E50, E90, Emax, curve on a grid for the plot) and the smoothed observed risk per patient."""
    risk = np.asarray(risk_at_t, dtype=float)
    usable = (risk > 0) & (risk < 1)
    cll = np.log(-np.log(1 - risk[usable]))
    try:
        knots = default_knots(cll, SMOOTH_KNOTS)
        X = rcs_basis(cll, knots)
        cox = CoxPH().fit(X, np.asarray(time)[usable], np.asarray(event)[usable])
    except (KnotError, SurvivalDataError) as exc:
        return {"available": False, "reason": str(exc)}, None
    times, h0 = cox.baseline_cumulative_hazard()
    idx = np.searchsorted(times, t, side="right") - 1
    h_t = 0.0 if idx < 0 else float(h0[idx])

    def observed(c):
        lp = (rcs_basis(c, knots) - cox.means_) @ cox.coef_
        return 1 - np.exp(-h_t * np.exp(lp))

    obs = observed(cll)
    err = np.abs(obs - risk[usable])
    low, high = np.quantile(risk[usable], [0.01, 0.99])
    grid = np.linspace(low, high, curve_points)
    grid_obs = observed(np.log(-np.log(1 - grid)))
    return {"available": True, "method": "Cox model on rcs(cloglog(predicted risk), 3 knots) (Austin et al. 2020)",
            "knots": knots, "ici": float(err.mean()), "e50": float(np.median(err)),
            "e90": float(np.quantile(err, 0.9)), "emax": float(err.max()),
            "curve": [{"predicted_risk": float(p), "observed_risk": float(o)} for p, o in zip(grid, grid_obs)]}, obs


def _clip(value: float) -> float | None:
    return None if np.isnan(value) else float(min(max(value, 0.0), 1.0))
