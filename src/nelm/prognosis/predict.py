"""Predicted survival with a 95 % CI, as R's survfit(coxph, newdata) with its default log CI.

S(t|x) = S0(t)^exp(lp), lp = (x - centring).beta (R's predict(type="lp")). The CI is exp(log S -/+ z se) with
se the standard error of the cumulative hazard (survival:::coxsurv.fit), upper limit capped at 1. It needs the
variance terms a nelm fit stores; a hand-entered model without them gets no CI, and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from nelm.prognosis.model_file import BaselinePoint, PrognosticModel, Transform

_TIME_TOL = 1e-9


class PredictionError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class TimePoint:
    time: float
    survival: float
    ci_lower: float | None
    ci_upper: float | None
    extrapolated: bool

    def to_dict(self) -> dict:
        return {"time": self.time, "survival": self.survival, "ci_lower": self.ci_lower, "ci_upper": self.ci_upper,
                "extrapolated": self.extrapolated}


@dataclass
class Prediction:
    linear_predictor: float
    points: list[TimePoint]
    warnings: list[str] = field(default_factory=list)


def follow_up(model: PrognosticModel) -> float:
    return model.fit_data.follow_up_max or model.baseline[-1].time


def baseline_points(model: PrognosticModel, times: Sequence[float]) -> tuple[list[BaselinePoint], list[bool], list[str]]:
    """The stored baseline point for each time, whether it is an extrapolation, and warnings.

    Raises PredictionError for a time the model does not state (between or before its baseline times).
    """
    stored = model.baseline_times()
    limit = follow_up(model)
    flat_stored = stored[-1] >= limit - _TIME_TOL  # the last point is the curve's value at the end of follow-up
    points, extrapolated, warnings, problems = [], [], [], []
    for t in times:
        hit = next((p for p in model.baseline if abs(p.time - t) <= _TIME_TOL), None)
        if t > limit + _TIME_TOL:
            if flat_stored:
                points.append(model.baseline[-1])
                extrapolated.append(True)
                warnings.append(f"time {t:g} {model.time_unit} is beyond the model's follow-up ({limit:g} "
                                f"{model.time_unit}): extrapolation. The value shown is the survival at {limit:g} "
                                f"{model.time_unit} (an upper bound); the model cannot tell what happens later")
                continue
            problems.append(f"time {t:g}: beyond the model's last baseline time ({stored[-1]:g} {model.time_unit}); "
                            "the model states no survival there")
            continue
        if hit is None:
            problems.append(f"time {t:g}: the model states baseline survival only at "
                            f"{', '.join(f'{s:g}' for s in stored)} {model.time_unit}")
            continue
        points.append(hit)
        extrapolated.append(False)
    if problems:
        raise PredictionError(problems)
    return points, extrapolated, warnings


def predict_design(model: PrognosticModel, X: np.ndarray, times: Sequence[float], conf_level: float = 0.95):
    """Linear predictors (n,), survival, lower, upper (each n_times x n; limits NaN without variance), warnings."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    points, extrapolated, warnings = baseline_points(model, times)
    z = X - model.centre_vector()
    lp = z @ model.beta()
    risk = np.exp(lp)
    h0 = np.array([p.cumhaz for p in points])
    surv = np.exp(-np.outer(h0, risk))
    lower = np.full_like(surv, np.nan)
    upper = np.full_like(surv, np.nan)
    if model.has_variance():
        V = model.covariance_matrix()
        terms = model.terms()
        zq = stats.norm.ppf(1 - (1 - conf_level) / 2)
        for i, p in enumerate(points):
            xbar = np.array([p.xbar[t] for t in terms])
            d = p.cumulative_hazard * z - xbar  # (n, p)
            var = (p.hazard_variance + np.einsum("ij,jk,ik->i", d, V, d)) * risk**2
            se = np.sqrt(var)
            lower[i] = np.exp(np.log(surv[i]) - zq * se)
            upper[i] = np.minimum(np.exp(np.log(surv[i]) + zq * se), 1.0)
    else:
        warnings = warnings + ["the model file has no variance information (covariance and baseline variance "
                               "terms): no confidence interval"]
    return lp, surv, lower, upper, extrapolated, warnings


def predict_one(model: PrognosticModel, design_row: np.ndarray, times: Sequence[float],
                values: dict[str, object] | None = None, conf_level: float = 0.95) -> Prediction:
    """One patient: linear predictor and survival with CI at each time, with extrapolation warnings."""
    lp, surv, lower, upper, extrapolated, warnings = predict_design(model, design_row, times, conf_level)
    out = [TimePoint(float(t), float(surv[i, 0]), _none(lower[i, 0]), _none(upper[i, 0]), extrapolated[i])
           for i, t in enumerate(times)]
    return Prediction(float(lp[0]), out, covariate_warnings(model, values or {}) + warnings)


def covariate_warnings(model: PrognosticModel, values: dict[str, object]) -> list[str]:
    """Values outside the range seen in the fit data: the model extrapolates there."""
    ranges = model.fit_data.covariate_ranges or {}
    out = []
    for covariate in model.covariates:
        value = values.get(covariate.name)
        if covariate.transform == Transform.categorical or covariate.name not in ranges or value is None:
            continue
        low, high = ranges[covariate.name]
        if not low <= float(value) <= high:
            out.append(f"{covariate.name} = {float(value):g} is outside the range of the model's fit data "
                       f"({low:g}-{high:g}): extrapolation")
    return out


def _none(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
