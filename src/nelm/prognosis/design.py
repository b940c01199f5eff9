"""Covariate transformations -> design matrix, with one message per bad column or row."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from nelm.prognosis.model_file import Covariate, Transform
from nelm.prognosis.splines import rcs_basis

_MAX_ROWS_NAMED = 5


class DesignError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def covariate_columns(covariate: Covariate, values) -> np.ndarray:
    """The design columns of one covariate for already-checked values (n, n_terms)."""
    if covariate.transform == Transform.linear:
        return np.asarray(values, dtype=float)[:, None]
    if covariate.transform == Transform.log:
        return np.log(np.asarray(values, dtype=float))[:, None]
    if covariate.transform == Transform.rcs:
        return rcs_basis(np.asarray(values, dtype=float), covariate.knots)
    levels = [level for level in covariate.levels if level != covariate.reference]
    labels = np.asarray([level_label(v) for v in values], dtype=object)
    return np.column_stack([(labels == level).astype(float) for level in levels])


def design_matrix(covariates: Sequence[Covariate], frame: pd.DataFrame, *, row_names: Sequence[str] | None = None,
                  what: str = "column") -> np.ndarray:
    """Design matrix (n, n_terms) in term order; raise DesignError naming every bad column and row.

    row_names label the rows in messages (default "row 1", "row 2", ... counting data rows).
    """
    problems: list[str] = []
    blocks = []
    names = list(row_names) if row_names is not None else [f"row {i + 1}" for i in range(len(frame))]
    for covariate in covariates:
        if covariate.name not in frame.columns:
            problems.append(f"no {what} '{covariate.name}' (needed by the model)")
            continue
        raw = frame[covariate.name]
        values, column_problems = _checked(covariate, raw, names, what)
        problems += column_problems
        if not column_problems:
            blocks.append(covariate_columns(covariate, values))
    if problems:
        raise DesignError(problems)
    return np.column_stack(blocks) if blocks else np.zeros((len(frame), 0))


def level_label(value) -> str:
    """Categorical values as text; 1.0 read from a CSV matches level "1"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _checked(covariate: Covariate, raw: pd.Series, names: list[str], what: str):
    label = f"{what} '{covariate.name}'"
    missing = raw.isna().to_numpy()
    if covariate.transform == Transform.categorical:
        problems = _rows(f"{label}: missing value", missing, names)
        labels = [None if m else level_label(v) for v, m in zip(raw.tolist(), missing)]
        unknown = np.array([lab is not None and lab not in covariate.levels for lab in labels])
        if unknown.any():
            seen = sorted({lab for lab, u in zip(labels, unknown) if u})
            problems += _rows(f"{label}: unknown level(s) {', '.join(map(repr, seen))} "
                              f"(levels: {', '.join(covariate.levels)})", unknown, names)
        return labels, problems
    numeric = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    not_number = np.isnan(numeric) & ~missing
    problems = _rows(f"{label}: missing value", missing, names)
    problems += _rows(f"{label}: not a number", not_number, names)
    bad = np.isinf(numeric)
    problems += _rows(f"{label}: infinite value", bad, names)
    if covariate.transform == Transform.log:
        problems += _rows(f"{label}: must be > 0 for log()", np.nan_to_num(numeric, nan=1.0) <= 0, names)
    return numeric, problems


def _rows(message: str, flags: np.ndarray, names: list[str]) -> list[str]:
    hits = np.flatnonzero(flags)
    if hits.size == 0:
        return []
    shown = ", ".join(names[i] for i in hits[:_MAX_ROWS_NAMED])
    more = f" and {hits.size - _MAX_ROWS_NAMED} more" if hits.size > _MAX_ROWS_NAMED else ""
    return [f"{message} in {shown}{more}"]
