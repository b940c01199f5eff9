"""Fit the demo cohort's outcome-model parameters to the published targets (run once; results pasted into
src/nelm/registry/synthetic_outcomes.py). Usage: .venv/bin/python scripts/calibrate_demo_data.py"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from nelm.registry import synthetic_outcomes as so
from nelm.stats.km import KaplanMeier

SEED, N = 20261127, 400_000


def resection_measures(params: np.ndarray) -> dict[str, float]:
    rng = np.random.default_rng(SEED)  # common random numbers: a smooth objective
    model = so.ResectionModel(*np.exp(params))
    subgroup = rng.random(N) < so.MAYO_SUBGROUP_SHARE["curative_resection"]
    follow = so.DATA_CUTOFF_YEAR - rng.uniform(*so.ACCRUAL_YEARS, N)
    seen = so.observe(so.simulate("curative_resection", subgroup, rng, resection=model), follow)
    os_km = KaplanMeier().fit(seen["end"], seen["died"])
    pfs_time = np.where(seen["recurred"], seen["recurrence"], seen["end"])
    pfs_km = KaplanMeier().fit(pfs_time, seen["recurred"] | seen["died"])
    rec5 = seen["recurred"] & (seen["recurrence"] <= 5)
    rec3 = seen["recurred"] & (seen["recurrence"] <= 3)
    os5, os10 = os_km.survival_at([5, 10])["survival"]
    return {"resection_os5": os5, "resection_os10": os10, "resection_pfs5": float(pfs_km.survival_at([5])["survival"][0]),
            "resection_recurred_5y": rec5.mean(), "resection_early_share": rec3.sum() / rec5.sum()}


def fit_resection() -> so.ResectionModel:
    keys = ["resection_os5", "resection_os10", "resection_pfs5", "resection_recurred_5y", "resection_early_share"]

    def residuals(p):
        m = resection_measures(p)
        return [m[k] - so.TARGETS[k] for k in keys]

    start = np.log([1.0, 5.0, 0.02, 0.15, 0.05])
    fit = optimize.least_squares(residuals, start, diff_step=0.05)
    print("resection measures", {k: round(v, 4) for k, v in resection_measures(fit.x).items()})
    return so.ResectionModel(*np.exp(fit.x))


def fit_iat() -> tuple[float, float]:
    share = so.MAYO_SUBGROUP_SHARE["intra_arterial_therapy"]
    sub_rate = np.log(2) / so.TARGETS["mayo_subgroup_iat_median_years"]

    def survival(t, shape, scale):
        return share * np.exp(-sub_rate * t) + (1 - share) * np.exp(-(t / scale) ** shape)

    def equations(p):
        shape, scale = np.exp(p)
        return [survival(5, shape, scale) - so.TARGETS["iat_os5"], survival(so.TARGETS["iat_median_years"], shape, scale) - 0.5]

    shape, scale = np.exp(optimize.fsolve(equations, np.log([1.3, 4.0])))
    print("iat check: S(5) =", survival(5, shape, scale), "S(median) =", survival(so.TARGETS["iat_median_years"], shape, scale))
    return float(shape), float(scale)


if __name__ == "__main__":
    model = fit_resection()
    print(f"RESECTION = ResectionModel(recurrence_shape={model.recurrence_shape:.4f}, recurrence_scale={model.recurrence_scale:.4f}, "
          f"death_rate={model.death_rate:.5f}, post_recurrence_rate={model.post_recurrence_rate:.4f}, loss_rate={model.loss_rate:.4f})")
    shape, scale = fit_iat()
    print(f"IAT_WEIBULL = ({shape:.4f}, {scale:.4f})")
