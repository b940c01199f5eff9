"""Validate a model on a data set: discrimination, calibration and overall accuracy at chosen times.

Keys (a contract): c_index {harrell, harrell_se, uno, uno_se, uno_tau}; calibration_slope {estimate, se,
ci_lower, ci_upper} (Cox regression of the outcome on the linear predictor: 1 is ideal, < 1 means predictions
too extreme); and, per time, calibration_in_the_large (observed - mean predicted risk), observed_expected
(observed risk by Kaplan-Meier / mean predicted risk), brier_score (IPCW, with the null model and the scaled
score) and calibration (grouped Kaplan-Meier points and the smoothed curve with ICI, E50, E90).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from nelm.prognosis.brier import brier_score
from nelm.prognosis.calibration import grouped_points, smoothed_curve
from nelm.prognosis.model_file import PrognosticModel
from nelm.prognosis.predict import predict_design
from nelm.stats import CoxPH, KaplanMeier, SurvivalDataError, concordance_index, uno_concordance

PATIENTS_PER_GROUP = 50  # default grouping: about 50 patients per calibration point, 3 to 10 points


def default_groups(n: int) -> int:
    return int(min(10, max(3, n // PATIENTS_PER_GROUP)))


def validate_model(model: PrognosticModel, X: np.ndarray, time, event, times: Sequence[float], *,
                   tau: float | None = None, groups: int | None = None, conf_level: float = 0.95) -> dict:
    time = np.asarray(time, dtype=float)
    event = np.asarray(event).astype(bool)
    times = [float(t) for t in times]
    lp, surv, _, _, _, warnings = predict_design(model, X, times)
    warnings = [w for w in warnings if "no confidence interval" not in w]  # validation does not use the CI
    tau = float(max(times)) if tau is None else float(tau)
    out = {"n": int(time.size), "events": int(event.sum()), "follow_up_max": float(time.max()),
           "times": times, "c_index": discrimination(time, event, lp, tau),
           "calibration_slope": calibration_slope(time, event, lp, conf_level)}
    km = KaplanMeier(conf_type="log", conf_level=conf_level).fit(time, event)
    groups = default_groups(time.size) if groups is None else groups
    citl, oe, brier, calibration = [], [], [], []
    for i, t in enumerate(times):
        if t > time.max():
            warnings.append(f"time {t:g}: no patient in the data is followed that long; "
                            "calibration and Brier score at this time are not estimable")
            for block in (citl, oe, brier, calibration):
                block.append({"time": t, "estimable": False})
            continue
        at = km.survival_at([t]).iloc[0]
        observed, risk = 1 - float(at.survival), 1 - surv[i]
        expected = float(risk.mean())
        citl.append({"time": t, "observed_risk": observed, "expected_risk": expected,
                     "difference": observed - expected})
        oe.append({"time": t, "observed_risk": observed, "expected_risk": expected,
                   "ratio": observed / expected if expected > 0 else None,
                   "ci_lower": (1 - float(at.ci_upper)) / expected if expected > 0 else None,
                   "ci_upper": (1 - float(at.ci_lower)) / expected if expected > 0 else None})
        bs = brier_score(time, event, surv[i], t)
        null = brier_score(time, event, np.full(time.size, float(at.survival)), t)
        brier.append({"time": t, "brier": bs, "null_model": null, "scaled": 1 - bs / null if null > 0 else None})
        smooth, _ = smoothed_curve(time, event, risk, t)
        calibration.append({"time": t, "groups": grouped_points(time, event, risk, t, groups), "smoothed": smooth})
        if at.n_risk < 10:
            warnings.append(f"time {t:g}: only {int(at.n_risk)} patients still at risk; estimates are unstable")
    out.update({"calibration_in_the_large": citl, "observed_expected": oe, "brier_score": brier,
                "calibration": calibration, "warnings": warnings})
    return out


def discrimination(time, event, lp, tau: float) -> dict:
    harrell = concordance_index(time, event, lp)
    try:
        uno = uno_concordance(time, event, lp, tau)
        uno_c, uno_se = uno.c_index, uno.std
    except SurvivalDataError:
        uno_c = uno_se = None
    return {"harrell": harrell.c_index, "harrell_se": harrell.std, "uno": uno_c, "uno_se": uno_se, "uno_tau": tau}


def calibration_slope(time, event, lp, conf_level: float = 0.95) -> dict:
    """Cox regression of the outcome on the linear predictor (as rms validate's Slope, fully converged)."""
    try:
        fit = CoxPH().fit(np.asarray(lp)[:, None], time, event, names=["lp"])
    except SurvivalDataError as exc:
        return {"estimate": None, "se": None, "ci_lower": None, "ci_upper": None, "note": "; ".join(exc.problems)}
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    b, se = float(fit.coef_[0]), float(fit.se_[0])
    return {"estimate": b, "se": se, "ci_lower": b - z * se, "ci_upper": b + z * se}
