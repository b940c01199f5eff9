"""Service layer for the survival doors (CLI, web): table + column names in, JSON-ready dict out.

Checks every used column first and reports all problems at once, naming the column and the data row
(1-based, header excluded), so a door can print them and stop before computing anything.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from nelm.stats._validate import SurvivalDataError
from nelm.stats.concordance import concordance_index
from nelm.stats.cox import CoxPH
from nelm.stats.zph import cox_zph
from nelm.stats.km import CONF_TYPES, KaplanMeier
from nelm.stats.logrank import logrank_test

_MAX_ROWS_LISTED = 5


# ---------------------------------------------------------------------- column checks
def _rows(mask: np.ndarray) -> str:
    rows = (np.flatnonzero(mask) + 1).tolist()
    listed = ", ".join(str(r) for r in rows[:_MAX_ROWS_LISTED])
    return f"row {listed}" if len(rows) == 1 else f"rows {listed}" + (", ..." if len(rows) > _MAX_ROWS_LISTED else "")


class _Columns:
    """Collects problems while pulling columns out of the table."""

    def __init__(self, table: pd.DataFrame):
        self.table = table
        self.problems: list[str] = []

    def present(self, name: str, role: str) -> bool:
        if name in self.table.columns:
            return True
        shown = ", ".join(map(str, self.table.columns[:20]))
        self.problems.append(f"{role} column '{name}' not found (columns: {shown})")
        return False

    def numeric(self, name: str, role: str) -> np.ndarray | None:
        if not self.present(name, role):
            return None
        raw = self.table[name]
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        missing = raw.isna().to_numpy()
        bad = np.isnan(values) & ~missing
        if missing.any():
            self.problems.append(f"column '{name}': {int(missing.sum())} missing value(s) at {_rows(missing)}")
        if bad.any():
            first = raw.to_numpy()[np.flatnonzero(bad)[0]]
            self.problems.append(f"column '{name}': non-numeric value '{first}' at {_rows(bad)}")
        if np.isinf(values).any():
            self.problems.append(f"column '{name}': infinite value at {_rows(np.isinf(values))}")
        return None if (missing.any() or bad.any() or np.isinf(values).any()) else values

    def labels(self, name: str, role: str) -> np.ndarray | None:
        if not self.present(name, role):
            return None
        raw = self.table[name]
        missing = raw.isna().to_numpy()
        if missing.any():
            self.problems.append(f"column '{name}': {int(missing.sum())} missing value(s) at {_rows(missing)}")
            return None
        return raw.to_numpy()

    def survival(self, time: str, event: str) -> tuple[np.ndarray | None, np.ndarray | None]:
        t = self.numeric(time, "time")
        e = self.numeric(event, "event")
        if t is not None and (t < 0).any():
            self.problems.append(f"column '{time}': negative time at {_rows(t < 0)}")
            t = None
        if e is not None:
            coded = np.isin(e, (0.0, 1.0))
            if not coded.all():
                first = e[~coded][0]
                self.problems.append(f"column '{event}': must be 1 (event) or 0 (censored), found {first:g} at {_rows(~coded)}")
                e = None
            elif not (e == 1).any():
                self.problems.append(f"column '{event}': no events (every row is censored)")
                e = None
        return t, e

    def done(self) -> None:
        if self.problems:
            raise SurvivalDataError(self.problems)


def _json_number(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _json_list(values) -> list:
    return [_json_number(v) for v in np.asarray(values, dtype=float)]


def _counts(values) -> list[int]:
    return [int(v) for v in np.asarray(values)]


def _label(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------------- Kaplan-Meier
def km_report(table: pd.DataFrame, time: str, event: str, group: str | None = None, conf_type: str = "log-log",
              conf_level: float = 0.95, at: list[float] | None = None) -> dict:
    cols = _Columns(table)
    if conf_type not in CONF_TYPES:
        cols.problems.append(f"--conf-type must be one of {', '.join(CONF_TYPES)} (got '{conf_type}')")
    t, e = cols.survival(time, event)
    g = cols.labels(group, "group") if group else None
    if group and g is not None and len(pd.unique(g)) < 2:
        cols.problems.append(f"column '{group}': only one group ({_label(g[0])}); the log-rank test needs two or more")
    cols.done()

    out: dict = {"time": time, "event": event, "group": group, "conf_type": conf_type, "conf_level": conf_level,
                 "n": int(t.size), "events": int(e.sum()), "groups": {}}
    labels = [None] if g is None else sorted(pd.unique(g), key=_sort_key)
    for label in labels:
        mask = np.ones(t.size, dtype=bool) if label is None else (g == label)
        fit = KaplanMeier(conf_type, conf_level).fit(t[mask], e[mask])
        entry = {"n": int(mask.sum()), "events": int(e[mask].sum()),
                 "times": _json_list(fit.times_), "survival": _json_list(fit.survival_),
                 "ci_lower": _json_list(fit.ci_lower_), "ci_upper": _json_list(fit.ci_upper_),
                 "n_risk": _counts(fit.n_risk_), "n_event": _counts(fit.n_event_),
                 "n_censor": _counts(fit.n_censor_), "std_err": _json_list(fit.std_err_),
                 "median": _json_number(fit.median_),
                 "median_ci": [_json_number(fit.median_ci_[0]), _json_number(fit.median_ci_[1])]}
        if at:
            rows = fit.survival_at(at)
            entry["at"] = [{k: _json_number(v) for k, v in row.items()} for row in rows.to_dict("records")]
        out["groups"]["all" if label is None else _label(label)] = entry
    if g is not None:
        out["logrank"] = logrank_test(t, e, g).as_dict()
    return out


def _sort_key(value):
    return (0, float(value), "") if isinstance(value, (int, float, np.number)) else (1, 0.0, str(value))


# ---------------------------------------------------------------------- Cox
def cox_report(table: pd.DataFrame, time: str, event: str, covariates: list[str], ties: str = "efron",
               strata: str | None = None, cluster: str | None = None, robust: bool = False,
               conf_level: float = 0.95) -> dict:
    cols = _Columns(table)
    if ties not in ("efron", "breslow"):
        cols.problems.append(f"--ties must be efron or breslow (got '{ties}')")
    if not covariates:
        cols.problems.append("--covariates: give at least one column")
    t, e = cols.survival(time, event)
    X = [cols.numeric(c, "covariate") for c in covariates]
    s = cols.labels(strata, "strata") if strata else None
    cl = cols.labels(cluster, "cluster") if cluster else None
    for name, values in zip(covariates, X):
        if values is not None and np.ptp(values) == 0:
            cols.problems.append(f"column '{name}': constant ({values[0]:g}); a Cox model cannot estimate its effect")
    cols.done()

    model = CoxPH(ties=ties, robust=True if robust else None, alpha=1 - conf_level).fit(
        np.column_stack(X), t, e, strata=s, cluster=cl, names=covariates)
    summary = model.summary
    coefficients = {}
    for name, row in summary.iterrows():
        entry = {"coef": row["coef"], "se": row["se"], "hr": row["hr"], "ci_lower": row["ci_lower"],
                 "ci_upper": row["ci_upper"], "z": row["z"], "p": row["p"]}
        if model.robust_:
            entry["robust_se"] = row["robust_se"]
        coefficients[name] = {k: _json_number(v) for k, v in entry.items()}
    conc = model.concordance_
    zph = cox_zph(model)
    return {
        "time": time, "event": event, "covariates": covariates, "ties": ties, "strata": strata,
        "cluster": cluster, "robust": model.robust_, "conf_level": conf_level,
        "n": model.n_, "events": model.n_events_,
        "coefficients": coefficients,
        "loglik": _json_number(model.loglik_[1]), "loglik_null": _json_number(model.loglik_[0]),
        "iterations": model.iterations_, "converged": model.converged_, "warnings": model.warnings_,
        "wald": _test(model.wald_test_), "likelihood_ratio": _test(model.likelihood_ratio_test_),
        "score": _test(model.score_test_),
        **({"robust_score": _test(model.robust_score_test_)} if model.robust_score_test_ else {}),
        "concordance": _json_number(conc.c_index), "concordance_std": _json_number(conc.std),
        "proportional_hazards": {r.name: _test(r) for r in (*zph.terms, zph.global_test)},
    }


def _test(result) -> dict:
    return {k: _json_number(v) if k != "df" else v for k, v in result.as_dict().items()}


# ---------------------------------------------------------------------- concordance
def cindex_report(table: pd.DataFrame, time: str, event: str, score: str, tau: float | None = None) -> dict:
    cols = _Columns(table)
    t, e = cols.survival(time, event)
    x = cols.numeric(score, "score")
    if tau is not None and not tau > 0:
        cols.problems.append(f"--tau must be a positive time (got {tau:g})")
    cols.done()
    harrell = concordance_index(t, e, x)
    out = {"time": time, "event": event, "score": score, "higher_score_means": "higher risk",
           "n": int(t.size), "events": int(e.sum()),
           "c_index": _json_number(harrell.c_index), "std": _json_number(harrell.std),
           "concordant": harrell.concordant, "discordant": harrell.discordant,
           "tied_score": harrell.tied_score, "tied_time": harrell.tied_time}
    if tau is not None:
        uno = concordance_index(t, e, x, tau=tau, time_weight="n/G2")
        out["uno"] = {"c_index": _json_number(uno.c_index), "std": _json_number(uno.std), "tau": tau}
    return out
