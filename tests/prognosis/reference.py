"""Stored R reference (tests/data/prognosis, made by make_reference.R with survival and rms) and shared data."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data" / "prognosis"
RTOL = 1e-6  # the agreement target; most values agree to ~1e-12


@lru_cache(maxsize=None)
def reference() -> dict:
    return json.loads((DATA / "reference.json").read_text(encoding="utf-8"))


def shared_cohort() -> pd.DataFrame:
    return pd.read_csv(DATA / "shared_cohort.csv", comment="#")


def validate_indices() -> np.ndarray:
    """R's bootstrap resamples (1-based in the file), as 0-based (n, B)."""
    return pd.read_csv(DATA / "validate_indices.csv", comment="#").to_numpy() - 1


def close(actual, expected, tol: float = RTOL) -> bool:
    return bool(np.allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=tol, atol=tol))
