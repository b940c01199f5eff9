"""The prognostic model file, format version 1 (JSON; the field names are a contract).

A model is a Cox model: covariates with their transformation, one coefficient per design term, the centring
vector the baseline refers to, and the baseline survival at stated times. A model fitted by nelm also stores
what R's survfit needs for a confidence interval (cumulative hazard, its variance and the xbar integral at each
stated time, plus the coefficients' covariance). A published model whose coefficients become known can be
typed in by hand: covariates, coefficients, centring (or none: baseline at zero) and baseline survival.

Term names follow R rms, so a fit can be compared with cph() term by term:
  linear  x            log  x (the coefficient of log(x))      categorical  x=level (one per non-reference level)
  rcs     x, x', x''   (rms restricted cubic spline columns, knots stated)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

MODEL_FORMAT = "nelm-prognostic-model"
MODEL_FORMAT_VERSION = 1
DEMONSTRATION_WORDS = ("demonstration", "synthetic", "not for clinical use")


class ModelFileError(ValueError):
    """A model file that cannot be used; one message per problem, each naming the field."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Transform(StrEnum):
    linear = "linear"
    log = "log"
    categorical = "categorical"
    rcs = "rcs"


class Covariate(_Strict):
    name: str = Field(min_length=1, description="Column name in data files.")
    transform: Transform = Transform.linear
    label: str | None = Field(default=None, description="Display name, e.g. on the nomogram.")
    unit: str | None = None
    case_field: str | None = Field(
        default=None,
        description="Where the value comes from in a v1 case: a dotted case path (pathology.ki67_percent) or a "
                    "derived fact (lesion_count, largest_lesion_mm). Default: the known mapping for the name.")
    knots: list[float] | None = Field(default=None, description="rcs only: knot positions, increasing.")
    levels: list[str] | None = Field(default=None, description="categorical only: every level.")
    reference: str | None = Field(default=None, description="categorical only: the reference level.")

    def terms(self) -> list[str]:
        if self.transform == Transform.rcs:
            return [self.name + "'" * j for j in range(len(self.knots or []) - 1)]
        if self.transform == Transform.categorical:
            return [f"{self.name}={level}" for level in self.levels or [] if level != self.reference]
        return [self.name]

    def display(self) -> str:
        return self.label or self.name


class BaselinePoint(_Strict):
    time: float = Field(ge=0)
    survival: float = Field(gt=0, le=1, description="Baseline survival at the centring values.")
    cumulative_hazard: float | None = Field(default=None, ge=0)
    hazard_variance: float | None = Field(default=None, ge=0,
                                          description="Variance term of the baseline cumulative hazard (survfit).")
    xbar: dict[str, float] | None = Field(default=None,
                                          description="Integral of the risk-set covariate mean dH per term (survfit).")

    @property
    def cumhaz(self) -> float:
        return -float(np.log(self.survival)) if self.cumulative_hazard is None else self.cumulative_hazard


class Covariance(_Strict):
    terms: list[str]
    matrix: list[list[float]]


class FitData(_Strict):
    n: int | None = Field(default=None, ge=1)
    events: int | None = Field(default=None, ge=0)
    period: str | None = Field(default=None, description="Calendar period of the patients, e.g. 2000-2015.")
    centre: str | None = None
    follow_up_max: float | None = Field(default=None, gt=0,
                                        description="Longest follow-up in the fit data (time units of the model).")
    covariate_ranges: dict[str, list[float]] | None = Field(default=None, description="name -> [min, max] seen.")
    ties: Literal["efron", "breslow"] | None = None
    time_column: str | None = Field(default=None, description="Data column of follow-up time used in the fit.")
    event_column: str | None = Field(default=None, description="Data column of the event indicator (1/0).")


class Source(_Strict):
    citation: str | None = None
    url: str | None = None
    note: str | None = None


class PrognosticModel(_Strict):
    format: Literal["nelm-prognostic-model"] = MODEL_FORMAT
    format_version: Literal[1] = MODEL_FORMAT_VERSION
    name: str = Field(min_length=1)
    intended_use: str = Field(min_length=1, description='For example "demonstration only: fit on synthetic data".')
    demonstration_only: bool = Field(default=False, description="Also implied by intended_use wording.")
    model_type: Literal["cox"] = "cox"
    outcome: str = "overall survival"
    time_unit: Literal["months"] = "months"
    covariates: list[Covariate] = Field(min_length=1)
    coefficients: dict[str, float]
    centring: dict[str, float] | None = Field(default=None, description="Design values the baseline refers to; "
                                                                         "absent means zero for every term.")
    baseline: list[BaselinePoint] = Field(min_length=1)
    covariance: Covariance | None = None
    fit_data: FitData = Field(default_factory=FitData)
    source: Source = Field(default_factory=Source)

    # -- derived views ---------------------------------------------------------------------------
    @property
    def is_demonstration(self) -> bool:
        """Demonstration-only if flagged or if the intended use says so: the label can never be lost."""
        text = self.intended_use.lower()
        return self.demonstration_only or any(word in text for word in DEMONSTRATION_WORDS)

    def terms(self) -> list[str]:
        return [term for covariate in self.covariates for term in covariate.terms()]

    def beta(self) -> np.ndarray:
        return np.array([self.coefficients[t] for t in self.terms()])

    def centre_vector(self) -> np.ndarray:
        terms = self.terms()
        return np.zeros(len(terms)) if self.centring is None else np.array([self.centring[t] for t in terms])

    def covariance_matrix(self) -> np.ndarray | None:
        if self.covariance is None:
            return None
        index = {t: i for i, t in enumerate(self.covariance.terms)}
        order = [index[t] for t in self.terms()]
        return np.asarray(self.covariance.matrix, dtype=float)[np.ix_(order, order)]

    def baseline_times(self) -> list[float]:
        return [point.time for point in self.baseline]

    def has_variance(self) -> bool:
        return self.covariance is not None and all(
            p.hazard_variance is not None and p.xbar is not None and p.cumulative_hazard is not None
            for p in self.baseline)

    def to_json_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude_none=True)
        data["demonstration_only"] = self.is_demonstration
        return data


def parse_model(data: Any) -> PrognosticModel:
    """Validate parsed JSON as a model file; raise ModelFileError naming every bad field."""
    if not isinstance(data, dict):
        raise ModelFileError(["model file: must be a JSON object"])
    try:
        model = PrognosticModel.model_validate(data)
    except ValidationError as exc:
        raise ModelFileError([f"{_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]) from None
    problems = consistency_problems(model)
    if problems:
        raise ModelFileError(problems)
    return model


def consistency_problems(model: PrognosticModel) -> list[str]:
    problems: list[str] = []
    names = [c.name for c in model.covariates]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(f"covariates: '{name}' appears more than once")
    for i, covariate in enumerate(model.covariates):
        problems += [f"covariates[{i}] ({covariate.name}): {p}" for p in _covariate_problems(covariate)]
    if problems:
        return problems
    owner = {t: c.name for c in model.covariates for t in c.terms()}
    for term, name in owner.items():
        if term not in model.coefficients:
            problems.append(f"coefficients: missing '{term}' (term of covariate '{name}')")
    for term in model.coefficients:
        if term not in owner:
            problems.append(f"coefficients: '{term}' is not a term of any covariate (unknown covariate?)")
    if model.centring is not None:
        problems += [f"centring: missing '{t}'" for t in owner if t not in model.centring]
        problems += [f"centring: '{t}' is not a term of any covariate" for t in model.centring if t not in owner]
    times = model.baseline_times()
    if any(b <= a for a, b in zip(times, times[1:])):
        problems.append("baseline: times must be strictly increasing")
    survival = [p.survival for p in model.baseline]
    if any(b > a for a, b in zip(survival, survival[1:])):
        problems.append("baseline: survival must not increase with time")
    for i, point in enumerate(model.baseline):
        if point.xbar is not None and set(point.xbar) != set(owner):
            problems.append(f"baseline[{i}].xbar: must have one value per term ({', '.join(owner)})")
    if model.covariance is not None:
        cov = model.covariance
        if sorted(cov.terms) != sorted(owner):
            problems.append(f"covariance.terms: must list every term once ({', '.join(owner)})")
        elif any(len(row) != len(cov.terms) for row in cov.matrix) or len(cov.matrix) != len(cov.terms):
            problems.append(f"covariance.matrix: must be {len(cov.terms)} x {len(cov.terms)}")
    ranges = model.fit_data.covariate_ranges or {}
    for name, pair in ranges.items():
        if name not in names:
            problems.append(f"fit_data.covariate_ranges: '{name}' is not a covariate")
        elif len(pair) != 2 or pair[0] > pair[1]:
            problems.append(f"fit_data.covariate_ranges.{name}: must be [min, max]")
    return problems


def _covariate_problems(c: Covariate) -> list[str]:
    problems = []
    if c.transform == Transform.rcs:
        if not c.knots or len(c.knots) < 3:
            problems.append("rcs needs at least 3 knots")
        elif any(b <= a for a, b in zip(c.knots, c.knots[1:])):
            problems.append("knots must be strictly increasing")
    elif c.knots is not None:
        problems.append(f"knots are only for rcs, not {c.transform.value}")
    if c.transform == Transform.categorical:
        if not c.levels or len(c.levels) < 2:
            problems.append("categorical needs at least 2 levels")
        elif len(set(c.levels)) != len(c.levels):
            problems.append("levels must be distinct")
        elif c.reference not in c.levels:
            problems.append(f"reference {c.reference!r} is not one of the levels {c.levels}")
    elif c.levels is not None or c.reference is not None:
        problems.append(f"levels and reference are only for categorical, not {c.transform.value}")
    return problems


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "model file"
