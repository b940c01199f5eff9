"""Points nomogram of a Cox model, scaled as R rms nomogram().

Each covariate's effect beta.f(x) is measured from its smallest value on the axis; the covariate with the
widest effect range spans 0-100 points (points per unit of linear predictor: sc = 100 / widest range). Total
points T map back to lp = sum of the smallest effects + T/sc - centring.beta, and survival at t is
S0(t)^exp(lp). Survival axes are placed by inverting that formula exactly (rms interpolates on a grid);
probabilities outside the reachable range are dropped, as rms does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nelm.prognosis.design import covariate_columns
from nelm.prognosis.model_file import PrognosticModel, Transform
from nelm.prognosis.predict import PredictionError, baseline_points

MAX_POINTS = 100.0
DEFAULT_SURVIVAL_TICKS = (0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01)


@dataclass(frozen=True)
class CovariateAxis:
    name: str
    label: str
    values: list
    points: list[float]


@dataclass(frozen=True)
class SurvivalAxis:
    time: float
    label: str
    probabilities: list[float]
    points: list[float]  # total-points position of each probability
    extrapolated: bool


@dataclass(frozen=True)
class Nomogram:
    covariates: list[CovariateAxis]
    points_per_lp: float  # rms "sc"
    total_points_max: float
    total_points_ticks: list[float]
    survival: list[SurvivalAxis]
    lp_at_zero_points: float  # centred linear predictor when every covariate scores 0

    def total_points(self, values: dict) -> float:
        """Total points of a patient whose values are on the axes (exact positions, by interpolation)."""
        total = 0.0
        for axis in self.covariates:
            v = values[axis.name]
            if isinstance(axis.values[0], str):
                total += axis.points[axis.values.index(v)]
            else:
                total += float(np.interp(v, axis.values, axis.points))
        return total


def nomogram(model: PrognosticModel, *, values: dict[str, Sequence] | None = None,
             times: Sequence[float] = (60, 120), survival_ticks: Sequence[float] = DEFAULT_SURVIVAL_TICKS) -> Nomogram:
    """Axes for every covariate (values: explicit tick values per covariate; default nice values over the fit
    data's range), total points, and predicted survival at each time. Raises PredictionError for a time the
    model does not state, ValueError when a numeric covariate has neither values nor a stored range."""
    values = dict(values or {})
    beta = dict(zip(model.terms(), model.beta()))
    effects, axis_values = [], []
    for covariate in model.covariates:
        vals = list(values.get(covariate.name) or _default_values(model, covariate))
        cols = covariate_columns(covariate, vals)
        effects.append(cols @ np.array([beta[t] for t in covariate.terms()]))
        axis_values.append(vals)
    ranges = [e.max() - e.min() for e in effects]
    widest = max(ranges)
    if widest <= 0:
        raise ValueError("every covariate has zero effect on the axes shown: nothing to draw")
    sc = MAX_POINTS / widest
    axes = [CovariateAxis(c.name, _label(c), v, [float(p) for p in (e - e.min()) * sc])
            for c, v, e in zip(model.covariates, axis_values, effects)]
    total_max = float(sum(r * sc for r in ranges))
    lp0 = float(sum(e.min() for e in effects) - model.centre_vector() @ model.beta())
    points, extrapolated, _ = baseline_points(model, list(times))
    survival = []
    for t, point, extra in zip(times, points, extrapolated):
        h0 = point.cumhaz
        probs, where = [], []
        for p in survival_ticks:
            position = (np.log(-np.log(p)) - np.log(h0) - lp0) * sc
            if 0 <= position <= total_max:
                probs.append(float(p))
                where.append(float(position))
        survival.append(SurvivalAxis(float(t), _time_label(t, model.time_unit), probs, where, extra))
    return Nomogram(axes, float(sc), total_max, _pretty(0.0, total_max), survival, lp0)


def _default_values(model: PrognosticModel, covariate) -> list:
    if covariate.transform == Transform.categorical:
        return list(covariate.levels)
    ranges = model.fit_data.covariate_ranges or {}
    if covariate.name not in ranges:
        raise ValueError(f"covariate '{covariate.name}': the model file states no range (fit_data.covariate_ranges); "
                         "give the axis values")
    low, high = ranges[covariate.name]
    ticks = [v for v in _pretty(low, high) if low <= v <= high]
    if covariate.transform == Transform.log:
        ticks = [v for v in ticks if v > 0]
    if len(ticks) < 2:
        return [low, high]
    step = ticks[1] - ticks[0]
    # the data's ends, unless a round tick is close enough (labels would collide)
    return ([low] if ticks[0] - low > step / 2 else []) + ticks + ([high] if high - ticks[-1] > step / 2 else [])


def _pretty(low: float, high: float, n: int = 8) -> list[float]:
    """Round tick values covering [low, high], like R's pretty()."""
    if high <= low:
        return [float(low)]
    raw = (high - low) / n
    magnitude = 10 ** np.floor(np.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = np.floor(low / step) * step
    ticks = np.arange(start, high + step / 2, step)
    return [float(round(v, 10)) for v in ticks]


def _label(covariate) -> str:
    text = covariate.display()
    return f"{text} ({covariate.unit})" if covariate.unit else text


def _time_label(t: float, unit: str) -> str:
    if unit == "months" and t % 12 == 0:
        return f"{int(t // 12)}-year survival"
    return f"Survival at {t:g} {unit}"


__all__ = ["Nomogram", "nomogram", "PredictionError"]
