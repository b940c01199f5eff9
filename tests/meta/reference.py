"""Load the metafor reference values and their inputs (tests/data/meta, made by make_reference.R)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from nelm.meta import Effects, given_effects, proportion_effects

DATA = Path(__file__).resolve().parents[1] / "data" / "meta"
REL_TOL = 1e-6  # the agreement target
ABS_TOL = 1e-12  # for values that are exactly 0 in R (tau² truncated, I² of a homogeneous set)


@cache
def table(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv", comment="#")


def effects(dataset: str, measure: str) -> tuple[Effects, list[str]]:
    d = table(dataset)
    if measure == "GEN":
        return given_effects(d["yi"].to_numpy(), d["vi"].to_numpy()), d["study"].tolist()
    return proportion_effects(d["events"].to_numpy(), d["n"].to_numpy(), measure), d["study"].tolist()


def cases(name: str) -> list[tuple]:
    keys = table(name)[["dataset", "measure", "method", "hk"]].drop_duplicates()
    return [tuple(row) for row in keys.itertuples(index=False)]


def case_id(case: tuple) -> str:
    dataset, measure, method, hk = case
    return f"{dataset}-{measure}-{method}{'-hk' if hk else ''}"
