"""Stored R survival 3.5.3 reference values and the exported R data sets (tests/data/survival)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data" / "survival"
RTOL = 1e-6  # the agreement target with R


@cache
def reference() -> dict:
    return json.loads((DATA / "reference.json").read_text())


@cache
def _dataset(name: str) -> pd.DataFrame:
    table = pd.read_csv(DATA / f"{name}.csv", comment="#")
    if name == "pbc":
        table["logbili"] = np.log(table["bili"])
        table["logprotime"] = np.log(table["protime"])
    if name == "veteran":
        table["w"] = 1 + (np.arange(1, len(table) + 1) % 3)  # the case weights make_reference.R uses
        table["fw"] = reference()["km"]["veteran_fractional_weights_loglog"]["weights"]  # fractional weights
    return table


def dataset(name: str) -> pd.DataFrame:
    return _dataset(name).copy()


def r_array(values) -> np.ndarray:
    """R's NA/Inf come back from JSON as null: map them to NaN."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)
