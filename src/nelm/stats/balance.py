"""Covariate balance before and after matching, computed as MatchIt 4.5.1's summary.matchit() does (ATT).

Per covariate column: weighted means by group, standardised mean difference (SMD), variance ratio and eCDF
statistics. MatchIt's rules that change the numbers, kept on purpose:
- the SMD denominator is the treated group's SD in the FULL sample (not the matched one), so before/after SMDs
  share one scale; if that SD is ~0 the pooled SD is used instead;
- a binary (0/1) column uses p(1-p) as its variance (no n-1) and gets no variance ratio;
- a mean difference below sqrt(machine eps) is reported unstandardised (it is zero in practice);
- eCDF statistics for a binary column are the absolute mean difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_TINY = float(np.sqrt(np.finfo(float).eps))


@dataclass(frozen=True)
class BalanceRow:
    """Balance of one covariate column in one sample (all units or matched units)."""

    mean_treated: float
    mean_control: float
    smd: float | None
    var_ratio: float | None
    ecdf_mean: float | None
    ecdf_max: float | None


def is_binary(x: np.ndarray) -> bool:
    return bool(np.all((x == 0) | (x == 1)))


def weighted_mean(x: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(x * w) / np.sum(w))


def weighted_variance(x: np.ndarray, w: np.ndarray, binary: bool) -> float:
    """MatchIt's wvar(): reliability-weighted variance (n-1 analogue); p(1-p) for a binary column."""
    w = w / np.sum(w)
    mx = float(np.sum(w * x))
    if binary:
        return mx * (1.0 - mx)
    return float(np.sum(w * (x - mx) ** 2) / (1.0 - np.sum(w**2)))


def pooled_sd(x: np.ndarray, treat: np.ndarray, binary: bool) -> float:
    """MatchIt's pooled_sd(contribution = "proportional") with unit sampling weights: the SMD fallback."""
    n = x.size
    if binary:
        total = 0.0
        for group in (1, 0):
            xi = x[treat == group]
            total += xi.sum() * (1.0 - xi.sum() / xi.size) / n
        return float(np.sqrt(total))
    centred = x.astype(float).copy()
    for group in (1, 0):
        centred[treat == group] -= centred[treat == group].mean()
    return float(np.sqrt(np.sum(centred**2) / n / (1.0 - 1.0 / n)))


def ecdf_stats(x: np.ndarray, treat: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Mean and max distance between the groups' weighted eCDFs (MatchIt's qqsum(standardize = TRUE)).

    Units with zero weight still contribute their x value as an evaluation point, as in MatchIt.
    """
    w = w.astype(float).copy()
    for group in (1, 0):
        w[treat == group] /= w[treat == group].sum()
    order = np.argsort(x, kind="stable")
    x_ord, w_ord, t_ord = x[order], w[order], treat[order]
    signed = np.where(t_ord == t_ord[0], -w_ord, w_ord)
    steps = np.abs(np.cumsum(signed))[np.append(np.diff(x_ord) != 0, True)]
    return float(steps.mean()), float(steps.max())


def balance_row(x: np.ndarray, treat: np.ndarray, weights: np.ndarray | None = None) -> BalanceRow:
    """One row of summary.matchit(): `weights=None` is the unmatched sample, else the matching weights."""
    x = np.asarray(x, dtype=float)
    treat = np.asarray(treat)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    treated, control = treat == 1, treat == 0
    binary = is_binary(x)
    too_small = np.count_nonzero(w[treated]) < 2 and np.count_nonzero(w[control]) < 2

    mean_t = weighted_mean(x[treated], w[treated])
    mean_c = weighted_mean(x[control], w[control])
    diff = mean_t - mean_c

    smd: float | None = None
    if abs(diff) > _TINY:
        if not too_small:
            # ATT: SD of the treated in the full sample (sampling weights are 1), whatever the matching weights.
            sd = float(np.sqrt(weighted_variance(x[treated], np.ones(np.count_nonzero(treated)), binary)))
            if not np.isfinite(sd) or sd < _TINY:
                sd = pooled_sd(x, treat, binary)
            smd = diff / sd
    else:
        smd = diff

    var_ratio = ecdf_mean = ecdf_max = None
    if binary:
        ecdf_mean = ecdf_max = abs(diff)
    elif not too_small:
        with np.errstate(divide="ignore", invalid="ignore"):  # a constant control group: Inf/NaN, as in R
            var_ratio = float(np.float64(weighted_variance(x[treated], w[treated], False))
                              / weighted_variance(x[control], w[control], False))
        ecdf_mean, ecdf_max = ecdf_stats(x, treat, w)
    return BalanceRow(mean_t, mean_c, smd, var_ratio, ecdf_mean, ecdf_max)


def finite_or_none(value: float | None) -> float | None:
    # A zero control variance makes a ratio infinite; report it as not available (R shows Inf/NaN).
    return None if value is None or not np.isfinite(value) else float(value)


def balance_table(
    columns: dict[str, np.ndarray], treat: np.ndarray, weights: np.ndarray
) -> dict[str, dict[str, float | None]]:
    """Before/after balance per column: keys `smd_before`, `smd_after`, `var_ratio_before`, ... ."""
    table: dict[str, dict[str, float | None]] = {}
    for name, x in columns.items():
        before = balance_row(x, treat)
        after = balance_row(x, treat, weights)
        entry: dict[str, float | None] = {}
        for field in ("smd", "var_ratio", "mean_treated", "mean_control", "ecdf_mean", "ecdf_max"):
            entry[f"{field}_before"] = finite_or_none(getattr(before, field))
            entry[f"{field}_after"] = finite_or_none(getattr(after, field))
        table[name] = entry
    return table
