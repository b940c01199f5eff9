"""Logistic propensity-score model: P(treated | covariates), as R's glm(family = binomial) fits it.

The distance used for matching is the linear predictor (logit of the PS) by default, or the PS itself.
Categorical (text) covariates enter with treatment contrasts (first level in sorted order is the reference),
as R's model.matrix() does for a factor.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm


@dataclass(frozen=True)
class PropensityModel:
    """Fitted propensity model; `coefficients` maps design column -> estimate (None when aliased, as R's NA)."""

    coefficients: dict[str, float | None]
    logit: np.ndarray
    ps: np.ndarray
    deviance: float
    converged: bool


def is_categorical(column: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column))


def levels(column: pd.Series) -> list:
    return sorted(pd.unique(column.astype(str)))


def design_matrix(data: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Intercept, numeric covariates as they are, text covariates as dummies for every level but the first."""
    parts: dict[str, np.ndarray] = {"(Intercept)": np.ones(len(data))}
    for name in covariates:
        column = data[name]
        if is_categorical(column):
            text = column.astype(str).to_numpy()
            for level in levels(column)[1:]:
                parts[f"{name}{level}"] = (text == level).astype(float)
        else:
            parts[name] = column.to_numpy(dtype=float)
    return pd.DataFrame(parts, index=data.index)


def linear_predictor(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    # Accumulate column by column (as R's reference BLAS does) so identical covariate rows get bit-identical
    # distances: exact ties must stay ties for the matcher's tie rule.
    eta = np.zeros(x.shape[0])
    for j in range(x.shape[1]):
        eta += x[:, j] * beta[j]
    return eta


def inverse_logit(eta: np.ndarray) -> np.ndarray:
    # R's binomial()$linkinv: exp(eta) / (1 + exp(eta)) with eta clamped to +-30 (MTHRESH/THRESH in family.c).
    tiny = np.finfo(float).eps
    e = np.where(eta < -30, tiny, np.where(eta > 30, 1 / tiny, np.exp(np.clip(eta, -30, 30))))
    return e / (1.0 + e)


def independent_columns(x: np.ndarray) -> list[int]:
    """Columns kept after dropping any that is a linear combination of earlier ones (R reports those as NA)."""
    keep: list[int] = []
    for j in range(x.shape[1]):
        trial = keep + [j]
        if np.linalg.matrix_rank(x[:, trial]) == len(trial):
            keep.append(j)
    return keep


def fit_propensity(design: pd.DataFrame, treat: np.ndarray) -> PropensityModel:
    """Maximum-likelihood logistic regression by IRLS (statsmodels GLM, binomial, logit link)."""
    x = design.to_numpy(dtype=float)
    keep = independent_columns(x) if np.linalg.matrix_rank(x) < x.shape[1] else list(range(x.shape[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation warnings: the fitted PS is still usable for matching
        result = sm.GLM(np.asarray(treat, dtype=float), x[:, keep], family=sm.families.Binomial()).fit(
            tol=1e-12, maxiter=100
        )
    beta = np.asarray(result.params)
    eta = linear_predictor(x[:, keep], beta)
    coefficients: dict[str, float | None] = {name: None for name in design.columns}
    for j, value in zip(keep, beta):
        coefficients[design.columns[j]] = float(value)
    return PropensityModel(
        coefficients=coefficients,
        logit=eta,
        ps=inverse_logit(eta),
        deviance=float(result.deviance),
        converged=bool(result.converged),
    )
