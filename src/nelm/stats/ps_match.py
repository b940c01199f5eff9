"""Propensity-score matching service: checks a data frame, fits the PS model, matches, reports balance.

Shared by the CLI (`nelm stats match`) and any other door. Pure: no files, no printing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from nelm.stats.balance import balance_row, balance_table, finite_or_none
from nelm.stats.matching import M_ORDERS, MATCHIT_451, NO_QUIRKS, MatchResult, match_data, nearest_neighbour_match
from nelm.stats.propensity import PropensityModel, design_matrix, fit_propensity, is_categorical, levels

Distance = Literal["logit", "ps"]
_SHOWN_ROWS = 5


class MatchingInputError(ValueError):
    """The data or options cannot be used; one readable message per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class PropensityMatch:
    data: pd.DataFrame
    treatment: str
    covariates: list[str]
    exact: list[str]
    distance_kind: Distance
    distance: np.ndarray
    model: PropensityModel
    result: MatchResult
    ids: list[Any]
    balance: dict[str, dict[str, float | None]]
    distance_balance: dict[str, float | None]
    settings: dict[str, Any] = field(default_factory=dict)

    def matched_data(self) -> pd.DataFrame:
        """Matched units with `distance`, `weights` and `subclass` (pair id) columns, as MatchIt's match.data()."""
        return match_data(self.data, self.result, self.distance)

    def to_json(self) -> dict[str, Any]:
        treat = self.data[self.treatment].to_numpy()
        w = self.result.weights
        matched = [
            {"treated": self.ids[t], "controls": [self.ids[c] for c in controls]} for t, controls in self.result.pairs()
        ]
        return {
            "treatment": self.treatment,
            "covariates": self.covariates,
            "exact": self.exact,
            **self.settings,
            "caliper_distance_units": self.result.caliper,
            "n_treated": int(np.sum(treat == 1)),
            "n_control": int(np.sum(treat == 0)),
            "n_treated_matched": int(np.sum((treat == 1) & (w > 0))),
            "n_control_matched": int(np.sum((treat == 0) & (w > 0))),
            "n_treated_unmatched": int(np.sum((treat == 1) & (w == 0))),
            "n_control_unmatched": int(np.sum((treat == 0) & (w == 0))),
            "matched": matched,
            "balance": self.balance,
            "distance_balance": self.distance_balance,
            "propensity_model": {
                "coefficients": self.model.coefficients,
                "deviance": self.model.deviance,
                "converged": self.model.converged,
            },
        }


def _rows(mask: np.ndarray) -> str:
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(r) for r in rows[:_SHOWN_ROWS])
    more = f" and {rows.size - _SHOWN_ROWS} more" if rows.size > _SHOWN_ROWS else ""
    return f"row{'s' if rows.size > 1 else ''} {shown}{more}"


def check_input(
    data: pd.DataFrame, treatment: str, covariates: list[str], exact: list[str], ratio: int, caliper: float | None,
    m_order: str, distance: str,
) -> list[str]:
    """Every problem with the input, one message each (row numbers count from 0, as row ids do)."""
    problems: list[str] = []
    if not covariates:
        problems.append("--covariates: name at least one covariate column")
    used = [treatment, *covariates, *exact]
    for name in dict.fromkeys(used):
        if name not in data.columns:
            problems.append(f"column '{name}' not found; columns are: {', '.join(map(str, data.columns))}")
    if treatment in covariates:
        problems.append(f"column '{treatment}' is the treatment and cannot also be a covariate")
    if not isinstance(ratio, int) or ratio < 1:
        problems.append(f"--ratio must be a whole number >= 1 (got {ratio})")
    if caliper is not None and (not np.isfinite(caliper) or caliper < 0):
        problems.append(f"--caliper must be >= 0 standard deviations (got {caliper})")
    if m_order not in M_ORDERS:
        problems.append(f"--m-order must be one of {', '.join(M_ORDERS)} (got '{m_order}')")
    if distance not in ("logit", "ps"):
        problems.append(f"--distance must be logit or ps (got '{distance}')")
    if len(data) == 0:
        problems.append("the data has no rows")
    for name in dict.fromkeys(used):
        if name not in data.columns:
            continue
        column = data[name]
        missing = column.isna().to_numpy()
        if missing.any():
            problems.append(f"column '{name}': missing value in {_rows(missing)}")
        elif not is_categorical(column) and not np.all(np.isfinite(column.to_numpy(dtype=float))):
            problems.append(f"column '{name}': non-finite value in {_rows(~np.isfinite(column.to_numpy(dtype=float)))}")
    if treatment in data.columns and not data[treatment].isna().any():
        t = data[treatment]
        numeric = pd.to_numeric(t, errors="coerce")
        bad = ~numeric.isin([0, 1]).to_numpy()
        if bad.any():
            first = t.iloc[int(np.flatnonzero(bad)[0])]
            shown = repr(first) if isinstance(first, str) else str(first)
            problems.append(f"treatment '{treatment}' must be 0 or 1; {_rows(bad)} (first bad value: {shown})")
        elif numeric.nunique() < 2:
            only = int(numeric.iloc[0]) if len(numeric) else "?"
            problems.append(
                f"treatment '{treatment}' has a single group (every row is {only}); need treated (1) and control (0) rows"
            )
    if "id" in data.columns:
        dup = data["id"].duplicated(keep=False).to_numpy()
        if data["id"].isna().any():
            problems.append(f"column 'id': missing value in {_rows(data['id'].isna().to_numpy())}")
        elif dup.any():
            problems.append(f"column 'id' must identify rows uniquely; repeated in {_rows(dup)}")
    return problems


def balance_columns(data: pd.DataFrame, names: list[str]) -> dict[str, np.ndarray]:
    """Columns balance is reported on: numeric as they are, text as one 0/1 column per level (`racewhite`)."""
    out: dict[str, np.ndarray] = {}
    for name in names:
        column = data[name]
        if is_categorical(column):
            text = column.astype(str).to_numpy()
            for level in levels(column):
                out[f"{name}{level}"] = (text == level).astype(float)
        else:
            out[name] = column.to_numpy(dtype=float)
    return out


def propensity_score_match(
    data: pd.DataFrame,
    treatment: str,
    covariates: list[str],
    *,
    caliper: float | None = 0.2,
    ratio: int = 1,
    replace: bool = False,
    exact: list[str] | None = None,
    m_order: str = "largest",
    seed: int | None = None,
    distance: Distance = "logit",
    compat: Literal["matchit-4.5.1"] | None = None,
) -> PropensityMatch:
    """Propensity-score matching of treated (1) to control (0) rows, MatchIt-compatible (ATT).

    caliper: in SDs of the distance over all rows; None or 0 for no caliper. Raises MatchingInputError.
    """
    exact = list(exact or [])
    problems = check_input(data, treatment, covariates, exact, ratio, caliper, m_order, distance)
    if problems:
        raise MatchingInputError(problems)
    data = data.reset_index(drop=True)
    treat = pd.to_numeric(data[treatment]).to_numpy().astype(np.int64)

    model = fit_propensity(design_matrix(data, covariates), treat)
    dist = model.logit if distance == "logit" else model.ps
    if m_order == "random" and seed is None:
        seed = int(np.random.default_rng().integers(0, 2**31 - 1))  # reported, so the run can be repeated
    result = nearest_neighbour_match(
        dist,
        treat,
        ratio=ratio,
        caliper_sd=caliper or None,
        replace=replace,
        m_order=m_order,  # type: ignore[arg-type]
        exact=data[exact] if exact else None,
        seed=seed,
        quirks=MATCHIT_451 if compat == "matchit-4.5.1" else NO_QUIRKS,
    )
    if result.n_treated_matched == 0:
        why = f" within the caliper ({caliper} SD of the distance)" if caliper else ""
        where = f" in any stratum of {', '.join(exact)}" if exact else ""
        raise MatchingInputError([f"no treated row found a control{why}{where}; nothing was matched"])

    # Balance on the covariates plus any exact-matching column not among them (as MatchIt's summary()).
    names = covariates + [e for e in exact if e not in covariates]
    balance = balance_table(balance_columns(data, names), treat, result.weights)
    before, after = balance_row(dist, treat), balance_row(dist, treat, result.weights)
    distance_balance = {
        f"{field}_{when}": finite_or_none(getattr(row, field))
        for field in ("smd", "var_ratio") for when, row in (("before", before), ("after", after))
    }
    ids = data["id"].tolist() if "id" in data.columns else list(range(len(data)))
    ids = [v.item() if isinstance(v, np.generic) else v for v in ids]
    settings = {
        "distance": distance,
        "caliper": caliper or None,
        "ratio": ratio,
        "replace": replace,
        "m_order": "data" if replace else m_order,
        "seed": seed if m_order == "random" and not replace else None,
        "estimand": "ATT",
        "compat": compat,
    }
    return PropensityMatch(
        data=data, treatment=treatment, covariates=covariates, exact=exact, distance_kind=distance, distance=dist,
        model=model, result=result, ids=ids, balance=balance, distance_balance=distance_balance, settings=settings,
    )
