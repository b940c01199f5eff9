"""Fit a Cox prognostic model from a data frame and express it as a model file (PrognosticModel).

The Cox fit itself is nelm.stats.CoxPH (R-exact); this module decides the transformations from the data (knots,
levels), builds the design, and stores what prediction and validation need: coefficients, covariance,
centring (the design means, as R's coxph) and the baseline at stated times with survfit's variance terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nelm.prognosis.baseline import baseline_hazard
from nelm.prognosis.covariate_spec import KNOWN_VARIABLES, CovariateSpec
from nelm.prognosis.design import DesignError, design_matrix, level_label
from nelm.prognosis.model_file import (
    BaselinePoint,
    Covariance,
    Covariate,
    FitData,
    PrognosticModel,
    Source,
    Transform,
)
from nelm.prognosis.splines import KnotError, default_knots
from nelm.stats import CoxPH, SurvivalDataError

DEFAULT_BASELINE_TIMES = tuple(range(12, 121, 12))  # every year to 10 years (months)


@dataclass
class FitResult:
    model: PrognosticModel
    cox: CoxPH
    design: np.ndarray
    time: np.ndarray
    event: np.ndarray
    warnings: list[str] = field(default_factory=list)


def survival_columns(frame: pd.DataFrame, time: str, event: str) -> tuple[np.ndarray, np.ndarray]:
    """Time and event columns checked row by row (rows count data rows from 1); raise DesignError."""
    problems = [f"no column '{c}' ({what})" for c, what in ((time, "--time"), (event, "--event"))
                if c not in frame.columns]
    if problems:
        raise DesignError(problems)
    t = pd.to_numeric(frame[time], errors="coerce").to_numpy(dtype=float)
    e = pd.to_numeric(frame[event], errors="coerce").to_numpy(dtype=float)
    problems += _row_problems(f"column '{time}': missing or not a number", ~np.isfinite(t))
    problems += _row_problems(f"column '{time}': negative time", np.nan_to_num(t) < 0)
    problems += _row_problems(f"column '{event}': must be 1 (event) or 0 (censored)", ~np.isin(e, (0.0, 1.0)))
    if problems:
        raise DesignError(problems)
    if not e.any():
        raise DesignError([f"column '{event}': no events (every row is censored): a survival model cannot be fitted"])
    return t, e.astype(bool)


def resolve_covariates(specs: Sequence[CovariateSpec], frame: pd.DataFrame) -> list[Covariate]:
    """Turn command-line specs into model covariates, choosing knots and levels from the data."""
    problems, covariates = [], []
    for spec in specs:
        if spec.name not in frame.columns:
            problems.append(f"no column '{spec.name}' (covariate)")
            continue
        case_field, label, unit = KNOWN_VARIABLES.get(spec.name, (None, None, None))
        common = {"name": spec.name, "label": label, "unit": unit, "case_field": case_field}
        column = frame[spec.name]
        if spec.transform == "categorical":
            levels = sorted({level_label(v) for v in column.dropna().tolist()})
            reference = spec.reference if spec.reference is not None else (levels[0] if levels else None)
            if reference not in levels:
                problems.append(f"covariate '{spec.name}': reference level {reference!r} not in the data "
                                f"(levels: {', '.join(levels)})")
                continue
            covariates.append(Covariate(transform=Transform.categorical, levels=levels, reference=reference, **common))
        elif spec.transform == "rcs":
            if spec.knots is not None:
                knots = list(spec.knots)
            else:
                try:
                    knots = default_knots(pd.to_numeric(column, errors="coerce").to_numpy(dtype=float), spec.n_knots)
                except KnotError as exc:
                    problems.append(f"covariate '{spec.name}': {exc}")
                    continue
            if len(knots) < 3 or any(b <= a for a, b in zip(knots, knots[1:])):
                problems.append(f"covariate '{spec.name}': knots must be at least 3, strictly increasing")
                continue
            covariates.append(Covariate(transform=Transform.rcs, knots=knots, **common))
        else:
            covariates.append(Covariate(transform=Transform(spec.transform), **common))
    if problems:
        raise DesignError(problems)
    return covariates


def fit_model(frame: pd.DataFrame, *, time: str, event: str, specs: Sequence[CovariateSpec], name: str,
              intended_use: str, baseline_times: Sequence[float] = DEFAULT_BASELINE_TIMES, ties: str = "efron",
              period: str | None = None, centre: str | None = None, source: Source | None = None,
              demonstration_only: bool = False) -> FitResult:
    """Fit and return the model file plus the fit. Raises DesignError naming every bad column or row."""
    problems: list[str] = []  # every bad column and row at once, not one per run
    t = e = covariates = X = None
    try:
        t, e = survival_columns(frame, time, event)
    except DesignError as exc:
        problems += exc.problems
    try:
        covariates = resolve_covariates(specs, frame)
        X = design_matrix(covariates, frame)
    except DesignError as exc:
        problems += exc.problems
    if problems:
        raise DesignError(problems)
    terms = [term for c in covariates for term in c.terms()]
    try:
        cox = CoxPH(ties=ties).fit(X, t, e, names=terms)
    except SurvivalDataError as exc:
        raise DesignError([f"Cox fit: {p}" for p in exc.problems]) from None
    warnings = [f"Cox fit: {w}" for w in getattr(cox, "warnings_", [])]  # R's non-convergence / infinite-coefficient notes
    follow_up = float(t.max())
    kept = sorted({float(v) for v in baseline_times if v <= follow_up})
    warnings += [f"baseline time {v:g} is beyond the longest follow-up ({follow_up:g}): not stored"
                 for v in sorted(set(baseline_times)) if v > follow_up]
    if not kept or kept[-1] < follow_up:
        kept.append(follow_up)  # the curve's last value: survfit carries it forward beyond follow-up
    centring = centring_vector(X)
    xc = X - centring
    base = baseline_hazard(t, e, xc, xc @ cox.coef_, ties)
    points = []
    for v in kept:
        h, var, xbar = base.at(v)
        points.append(BaselinePoint(time=v, survival=float(np.exp(-h)), cumulative_hazard=h, hazard_variance=var,
                                    xbar=dict(zip(terms, map(float, xbar)))))
    ranges = {c.name: [float(v) for v in pd.to_numeric(frame[c.name]).agg(["min", "max"])]
              for c in covariates if c.transform != Transform.categorical}
    model = PrognosticModel(
        name=name, intended_use=intended_use, demonstration_only=demonstration_only, covariates=covariates,
        coefficients=dict(zip(terms, map(float, cox.coef_))), centring=dict(zip(terms, map(float, centring))),
        baseline=points, covariance=Covariance(terms=terms, matrix=cox.var_.tolist()),
        fit_data=FitData(n=int(t.size), events=int(e.sum()), period=period, centre=centre, follow_up_max=follow_up,
                         covariate_ranges=ranges, ties=ties, time_column=time, event_column=event),
        source=source or Source(note="fitted with nelm model fit"))
    return FitResult(model, cox, X, t, e, warnings)


def centring_vector(X: np.ndarray) -> np.ndarray:
    """Column means, except 0 for columns whose values are all -1, 0 or 1 (survival's coxph nocenter default),
    so linear predictors equal R's predict(coxph, type="lp")."""
    means = X.mean(axis=0)
    indicator = np.all(np.isin(X, (-1.0, 0.0, 1.0)), axis=0)
    return np.where(indicator, 0.0, means)


def _row_problems(message: str, flags: np.ndarray, limit: int = 5) -> list[str]:
    hits = np.flatnonzero(flags)
    if hits.size == 0:
        return []
    rows = ", ".join(f"row {i + 1}" for i in hits[:limit])
    more = f" and {hits.size - limit} more" if hits.size > limit else ""
    return [f"{message} in {rows}{more}"]
