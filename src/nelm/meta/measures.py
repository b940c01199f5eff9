"""Effect sizes for single proportions and for precomputed effects, as metafor's escalc() computes them.

statsmodels has no single-proportion measures, no Freeman-Tukey transform and no inverse of it, so they
are written here, following metafor 3.8 (escalc, transf.ilogit, transf.iarcsin, transf.ipft, transf.ipft.hm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROPORTION_MEASURES: tuple[str, ...] = ("PR", "PLO", "PAS", "PFT")
MEASURES: tuple[str, ...] = (*PROPORTION_MEASURES, "GEN")
MEASURE_NAMES: dict[str, str] = {
    "PR": "raw proportion",
    "PLO": "logit-transformed proportion",
    "PAS": "arcsine square-root transformed proportion",
    "PFT": "Freeman-Tukey double arcsine transformed proportion",
    "GEN": "precomputed effect (yi, vi as given)",
}

CONTINUITY_CORRECTION = 0.5
# escalc(add=1/2, to="only0"): only the measures that break at 0 or n events get the correction;
# PAS and PFT are finite at 0 and 1, so metafor sets add = 0 for them.
_CORRECTED_MEASURES = frozenset({"PR", "PLO"})


@dataclass(frozen=True)
class Effects:
    """Per-study effect sizes on the model scale, ready to pool."""

    measure: str
    yi: np.ndarray
    vi: np.ndarray
    ni: np.ndarray | None = None  # sample sizes as given; the PFT back-transform needs them
    xi: np.ndarray | None = None  # events as given (before any continuity correction)
    corrected: np.ndarray | None = None  # True where the continuity correction was applied

    @property
    def k(self) -> int:
        return int(self.yi.size)


def proportion_effects(events, n, measure: str) -> Effects:
    """yi and vi for single proportions (escalc measure PR, PLO, PAS or PFT, vtype 'LS')."""
    measure = measure.upper()
    if measure not in PROPORTION_MEASURES:
        raise ValueError(f"measure {measure!r} is not a proportion measure {PROPORTION_MEASURES}")
    x = np.asarray(events, dtype=float)
    n_given = np.asarray(n, dtype=float)
    m = n_given - x
    corrected = (x == 0) | (m == 0) if measure in _CORRECTED_MEASURES else np.zeros(x.shape, dtype=bool)
    add = CONTINUITY_CORRECTION * corrected
    xc, mc = x + add, m + add
    nc = xc + mc
    p = xc / nc
    if measure == "PR":
        yi, vi = p, p * (1.0 - p) / nc
    elif measure == "PLO":
        yi, vi = np.log(p / (1.0 - p)), 1.0 / xc + 1.0 / mc
    elif measure == "PAS":
        yi, vi = np.arcsin(np.sqrt(p)), 1.0 / (4.0 * nc)
    else:  # PFT
        yi = 0.5 * (np.arcsin(np.sqrt(x / (n_given + 1.0))) + np.arcsin(np.sqrt((x + 1.0) / (n_given + 1.0))))
        vi = 1.0 / (4.0 * n_given + 2.0)
    return Effects(measure=measure, yi=yi, vi=vi, ni=n_given, xi=x, corrected=corrected)


def given_effects(yi, vi) -> Effects:
    """Precomputed effects (measure GEN): log hazard ratios, log odds ratios, mean differences..."""
    return Effects(measure="GEN", yi=np.asarray(yi, dtype=float), vi=np.asarray(vi, dtype=float))


def pft(p, n):
    """Freeman-Tukey double arcsine of a proportion p observed in n (metafor's transf.pft)."""
    x = np.asarray(p, dtype=float) * n
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1.0))) + np.arcsin(np.sqrt((x + 1.0) / (n + 1.0))))


def ipft(t, n):
    """Inverse Freeman-Tukey transform for sample size n (Miller 1978; metafor's transf.ipft)."""
    t = np.asarray(t, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sin(2.0 * t)
        z = 0.5 * (1.0 - np.sign(np.cos(2.0 * t)) * np.sqrt(1.0 - (s + (s - 1.0 / s) / n) ** 2))
    z = np.where(t > pft(1.0, n), 1.0, z)
    return np.where(t < pft(0.0, n), 0.0, z)


def harmonic_mean(n) -> float:
    return float(1.0 / np.mean(1.0 / np.asarray(n, dtype=float)))


def to_natural_scale(measure: str, values, ni=None, *, exponentiate: bool = False) -> np.ndarray:
    """Back-transform model-scale values to the scale a reader expects.

    Proportion measures go back to a proportion. PFT needs a sample size `ni`: one per value for study
    rows, or one number (the harmonic mean of the studies' n, as metafor's transf.ipft.hm) for pooled values.
    GEN stays as given unless `exponentiate` (log ratios -> ratios).
    """
    v = np.asarray(values, dtype=float)
    if measure == "PLO":
        return 1.0 / (1.0 + np.exp(-v))
    if measure == "PAS":
        z = np.sin(v) ** 2
        z = np.where(v < 0, 0.0, z)
        return np.where(v > np.arcsin(1.0), 1.0, z)
    if measure == "PFT":
        if ni is None:
            raise ValueError("PFT back-transformation needs the sample sizes")
        return ipft(v, ni)
    if measure == "GEN" and exponentiate:
        return np.exp(v)
    return v.copy()
